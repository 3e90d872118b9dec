// The pure parsers: good input, truncated input, garbage, empty input and overlong lines.
#include <gtest/gtest.h>

#include <string>

#include "collectors/arp.hpp"
#include "collectors/identity.hpp"
#include "collectors/ip_addr.hpp"
#include "collectors/leases_dnsmasq.hpp"
#include "collectors/leases_udhcpd.hpp"
#include "collectors/sysfs_net.hpp"
#include "collectors/system.hpp"
#include "json/json.hpp"

namespace cpe::agent {
namespace {

const std::string kOverlong(100000, 'A');

// ---- system -------------------------------------------------------------------------------------------

TEST(ParseUptime, Good) {
    auto v = parse_uptime("350735.47 234388.90\n");
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(*v, 350735u);
    auto whole = parse_uptime("42 10");
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(*whole, 42u);
}

TEST(ParseUptime, BadInputIsAnError) {
    for (const std::string& text :
         {std::string(""), std::string("\n"), std::string("abc 1.0"), std::string("-5.0 1"),
          std::string("1.2.3 4"), std::string("12."), kOverlong, std::string("99999999999999999999999 1")}) {
        auto v = parse_uptime(text);
        ASSERT_FALSE(v.ok()) << text.substr(0, 40);
        EXPECT_EQ(v.error().code, Errc::parse_error);
        EXPECT_FALSE(v.error().message.empty());
    }
}

TEST(ParseMeminfo, Good) {
    ParseNotes notes;
    MemInfo m = parse_meminfo(
        "MemTotal:         246604 kB\nMemFree:           21812 kB\nMemAvailable:      98304 kB\n"
        "Buffers:            4096 kB\nHugePages_Total:       0\n",
        notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(m.total_kib, 246604u);
    EXPECT_EQ(m.free_kib, 21812u);
    EXPECT_EQ(m.available_kib, 98304u);
}

TEST(ParseMeminfo, OldKernelWithoutMemAvailable) {
    ParseNotes notes;
    MemInfo m = parse_meminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n", notes);
    EXPECT_EQ(m.total_kib, 1000u);
    EXPECT_EQ(m.free_kib, 10u);
    EXPECT_FALSE(m.available_kib.has_value());
}

TEST(ParseMeminfo, KeepsGoodLinesAndNotesBadOnes) {
    ParseNotes notes;
    MemInfo m = parse_meminfo("MemTotal: 1000 kB\ngarbage line\nMemFree: x kB\n" + kOverlong +
                                  "\nMemAvailable: 77 MB\nMemAvailable: 500 kB\nCached: 5 kB extra\nMemTot",
                              notes);
    EXPECT_EQ(m.total_kib, 1000u);
    EXPECT_FALSE(m.free_kib.has_value());
    EXPECT_EQ(m.available_kib, 500u);
    EXPECT_EQ(notes.skipped, 6u);  // garbage, x, overlong, MB, extra, truncated "MemTot"
    ASSERT_FALSE(notes.messages.empty());
    EXPECT_NE(notes.messages[0].find("line 2"), std::string::npos) << notes.messages[0];
}

TEST(ParseMeminfo, EmptyInput) {
    ParseNotes notes;
    MemInfo m = parse_meminfo("", notes);
    EXPECT_FALSE(m.total_kib || m.free_kib || m.available_kib);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(ParseProcStat, ModernKernel) {
    // user nice system idle iowait irq softirq steal guest guest_nice
    auto t =
        parse_proc_stat("cpu  100 20 30 800 50 5 5 0 40 0\ncpu0 50 10 15 400 25 2 3 0 20 0\nintr 1 2 3\n");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->total, 1010u);  // guest is inside user already
    EXPECT_EQ(t->busy, 160u);    // total − idle − iowait
}

TEST(ParseProcStat, OldKernelWithFourCounters) {
    auto t = parse_proc_stat("cpu 10 0 10 80\n");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->total, 100u);
    EXPECT_EQ(t->busy, 20u);
}

TEST(ParseProcStat, BadInputIsAnError) {
    for (const std::string& text :
         {std::string(""), std::string("cpu0 1 2 3 4\n"), std::string("cpu 1 2 3\n"),
          std::string("cpu 1 2 x 4 5\n"), std::string("cpu  184467440737095516150 1 1 1\n"),
          std::string("cpu"), kOverlong}) {
        auto t = parse_proc_stat(text);
        ASSERT_FALSE(t.ok()) << text.substr(0, 40);
        EXPECT_EQ(t.error().code, Errc::parse_error);
    }
    auto x = parse_proc_stat("cpu 1 2 x 4 5\n");
    ASSERT_FALSE(x.ok());
    EXPECT_NE(x.error().message.find("'x'"), std::string::npos) << x.error().message;
}

TEST(CpuPercent, SinceBootThenSincePrevious) {
    CpuTimes boot{250, 1000};
    EXPECT_EQ(cpu_percent(std::nullopt, boot), 25u);
    CpuTimes later{250 + 90, 1000 + 100};
    EXPECT_EQ(cpu_percent(boot, later), 90u);
    // No ticks elapsed, or counters went backwards (reboot): the since-boot share.
    EXPECT_EQ(cpu_percent(later, later), 31u);
    EXPECT_EQ(cpu_percent(later, boot), 25u);
    EXPECT_FALSE(cpu_percent(std::nullopt, CpuTimes{0, 0}).has_value());
}

TEST(ParseLoadavg, GoodAndBad) {
    auto v = parse_loadavg("0.20 0.18 0.12 1/80 11206\n");
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_DOUBLE_EQ(*v, 0.20);
    for (const std::string& text :
         {std::string(""), std::string("x 0 0"), std::string("-1.0 0 0"), kOverlong}) {
        auto bad = parse_loadavg(text);
        ASSERT_FALSE(bad.ok()) << text.substr(0, 40);
        EXPECT_EQ(bad.error().code, Errc::parse_error);
    }
}

// ---- dnsmasq ------------------------------------------------------------------------------------------

TEST(ParseDnsmasqLeases, Good) {
    ParseNotes notes;
    auto leases = parse_dnsmasq_leases(
        "1732530000 aa:bb:cc:dd:ee:01 192.168.1.100 laptop 01:aa:bb:cc:dd:ee:01\n"
        "0 AA:BB:CC:DD:EE:02 192.168.1.101 * *\n"
        "duid 00:01:00:01:2c:1f:aa:bb:cc:dd:ee:ff\n"
        "1732530000 3937053 fd00::10 phone 00:01:00:01:aa\n",
        notes);
    EXPECT_EQ(notes.skipped, 0u);
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0].mac.str(), "aa:bb:cc:dd:ee:01");
    EXPECT_EQ(leases[0].ip, "192.168.1.100");
    EXPECT_EQ(leases[0].hostname, "laptop");
    EXPECT_EQ(leases[0].expires_epoch, 1732530000);
    EXPECT_EQ(leases[0].client_id, "01:aa:bb:cc:dd:ee:01");
    EXPECT_EQ(leases[1].mac.str(), "aa:bb:cc:dd:ee:02");
    EXPECT_EQ(leases[1].hostname, "");
    EXPECT_EQ(leases[1].client_id, "");
    EXPECT_EQ(leases[1].expires_epoch, 0);  // infinite
}

TEST(ParseDnsmasqLeases, KeepsGoodLinesAndNotesBadOnes) {
    ParseNotes notes;
    auto leases = parse_dnsmasq_leases(
        "garbage\n"
        "1732530000 aa:bb:cc:dd:ee:01 192.168.1.100 laptop *\n"
        "17325x0000 aa:bb:cc:dd:ee:03 192.168.1.103 a *\n"
        "1732530000 zz:bb:cc:dd:ee:04 192.168.1.104 a *\n"
        "1732530000 aa:bb:cc:dd:ee:05 192.168.1.300 a *\n"
        "1732530000 aa:bb:cc:dd:ee:06 192.168.1.106 bad\x01name *\n"
        "1732530000 00:00:00:00:00:00 192.168.1.107 a *\n" +
            kOverlong +
            "\n"
            "1732530000 aa:bb:cc:dd:ee:09 192.168.1.109 ok *\n"
            "1732530000 aa:bb:cc:dd:ee:0a 192.168",  // truncated last line
        notes);
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0].ip, "192.168.1.100");
    EXPECT_EQ(leases[1].ip, "192.168.1.109");
    EXPECT_EQ(notes.skipped, 8u);
    EXPECT_EQ(notes.messages.size(), ParseNotes::kMaxKept);
    EXPECT_NE(notes.messages[0].find("line 1"), std::string::npos) << notes.messages[0];
    EXPECT_NE(notes.messages[1].find("'17325x0000'"), std::string::npos) << notes.messages[1];
}

TEST(ParseDnsmasqLeases, EmptyInput) {
    ParseNotes notes;
    EXPECT_TRUE(parse_dnsmasq_leases("", notes).empty());
    EXPECT_TRUE(parse_dnsmasq_leases("\n\n", notes).empty());
    EXPECT_EQ(notes.skipped, 0u);
}

// ---- udhcpd -------------------------------------------------------------------------------------------

void put_be32(std::string& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>(v >> s & 255);
}

std::string udhcpd_header(int64_t written_at) {
    std::string out;
    for (int s = 56; s >= 0; s -= 8) out += static_cast<char>(static_cast<uint64_t>(written_at) >> s & 255);
    return out;
}

std::string udhcpd_record(uint32_t remaining, uint32_t ip, const uint8_t (&mac)[6], const std::string& host) {
    std::string r;
    put_be32(r, remaining);
    put_be32(r, ip);
    r.append(reinterpret_cast<const char*>(mac), 6);
    std::string name = host.substr(0, 20);
    name.resize(20, '\0');
    r += name;
    r.append(2, '\0');
    return r;
}

TEST(ParseUdhcpdLeases, Good) {
    const uint8_t mac1[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01};
    const uint8_t mac2[6] = {0x1c, 0x61, 0xb4, 0x00, 0x00, 0x02};
    std::string data = udhcpd_header(1700000000) + udhcpd_record(3600, 0xC0A80164, mac1, "laptop") +
                       udhcpd_record(0, 0xC0A80165, mac2, "ninetee-characters!");
    ASSERT_EQ(data.size(), kUdhcpdHeaderBytes + 2 * kUdhcpdRecordBytes);
    ParseNotes notes;
    auto leases = parse_udhcpd_leases(data, notes);
    EXPECT_EQ(notes.skipped, 0u);
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0].mac.str(), "aa:bb:cc:dd:ee:01");
    EXPECT_EQ(leases[0].ip, "192.168.1.100");
    EXPECT_EQ(leases[0].hostname, "laptop");
    EXPECT_EQ(leases[0].expires_epoch, 1700003600);
    EXPECT_EQ(leases[0].client_id, "");
    EXPECT_EQ(leases[1].ip, "192.168.1.101");
    EXPECT_EQ(leases[1].hostname, "ninetee-characters!");
    EXPECT_EQ(leases[1].expires_epoch, 1700000000);  // expired when written
}

TEST(ParseUdhcpdLeases, FullHostnameFieldWithoutNul) {
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    ParseNotes notes;
    auto leases = parse_udhcpd_leases(
        udhcpd_header(1700000000) + udhcpd_record(60, 0x0A000002, mac, "abcdefghijklmnopqrstuvwxyz"), notes);
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].hostname, "abcdefghijklmnopqrst");
}

TEST(ParseUdhcpdLeases, TrailingPartialRecordIsNotedNotFatal) {
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    std::string whole = udhcpd_header(1700000000) + udhcpd_record(60, 0x0A000002, mac, "a");
    std::string data = whole + whole.substr(8, 20);
    ParseNotes notes;
    auto leases = parse_udhcpd_leases(data, notes);
    ASSERT_EQ(leases.size(), 1u);
    ASSERT_EQ(notes.skipped, 1u);
    EXPECT_NE(notes.messages[0].find("20 bytes"), std::string::npos) << notes.messages[0];
    EXPECT_NE(notes.messages[0].find("byte 44"), std::string::npos) << notes.messages[0];
}

TEST(ParseUdhcpdLeases, SkipsZeroMacAndZeroAddress) {
    const uint8_t zero[6] = {0, 0, 0, 0, 0, 0};
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    ParseNotes notes;
    auto leases =
        parse_udhcpd_leases(udhcpd_header(1700000000) + udhcpd_record(60, 0x0A000002, zero, "") +
                                udhcpd_record(60, 0, mac, "") + udhcpd_record(60, 0x0A000003, mac, ""),
                            notes);
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].ip, "10.0.0.3");
    EXPECT_EQ(notes.skipped, 2u);
    EXPECT_NE(notes.messages[0].find("record 0"), std::string::npos) << notes.messages[0];
}

TEST(ParseUdhcpdLeases, EmptyShortAndGarbage) {
    ParseNotes empty_notes;
    EXPECT_TRUE(parse_udhcpd_leases("", empty_notes).empty());
    EXPECT_EQ(empty_notes.skipped, 0u);

    ParseNotes short_notes;
    EXPECT_TRUE(parse_udhcpd_leases("abc", short_notes).empty());
    EXPECT_EQ(short_notes.skipped, 1u);

    ParseNotes header_only;
    EXPECT_TRUE(parse_udhcpd_leases(udhcpd_header(1700000000), header_only).empty());
    EXPECT_EQ(header_only.skipped, 0u);

    // Text (or a pre-1.15 file starting with a MAC) gives an implausible written-at time: noted, nothing
    // read.
    ParseNotes garbage;
    EXPECT_TRUE(parse_udhcpd_leases(kOverlong, garbage).empty());
    ASSERT_EQ(garbage.skipped, 1u);
    EXPECT_NE(garbage.messages[0].find("implausible"), std::string::npos) << garbage.messages[0];
}

// ---- arp ----------------------------------------------------------------------------------------------

const char* kArpHeader = "IP address       HW type     Flags       HW address            Mask     Device\n";

TEST(ParseProcNetArp, Good) {
    ParseNotes notes;
    size_t unresolved = 99;
    auto n = parse_proc_net_arp(
        std::string(kArpHeader) +
            "192.168.1.100    0x1         0x2         aa:bb:cc:dd:ee:01     *        br0\n"
            "192.168.1.101    0x1         0x0         00:00:00:00:00:00     *        br0\n"
            "10.0.0.1         0x1         0x6         00:11:22:33:44:55     *        pon0\n",
        notes, &unresolved);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[0].ip, "192.168.1.100");
    EXPECT_EQ(n[0].mac.str(), "aa:bb:cc:dd:ee:01");
    EXPECT_EQ(n[0].device, "br0");
    EXPECT_TRUE(n[0].complete);
    EXPECT_EQ(n[1].device, "pon0");
    EXPECT_EQ(notes.skipped, 1u);
    EXPECT_EQ(unresolved, 1u);
}

TEST(ParseProcNetArp, KeepsGoodLinesAndNotesBadOnes) {
    ParseNotes notes;
    size_t unresolved = 0;
    auto n =
        parse_proc_net_arp(std::string(kArpHeader) + "garbage\n" + kOverlong +
                               "\n"
                               "192.168.1.300    0x1         0x2         aa:bb:cc:dd:ee:01     *        br0\n"
                               "192.168.1.102    0x1         zz          aa:bb:cc:dd:ee:02     *        br0\n"
                               "192.168.1.103    0x1         0x2         aa:bb:cc:dd:ee        *        br0\n"
                               "192.168.1.104    0x1         0x2         aa:bb:cc:dd:ee:04     *        br0\n"
                               "192.168.1.105    0x1         0x2         aa:bb:cc",
                           notes, &unresolved);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].ip, "192.168.1.104");
    EXPECT_EQ(notes.skipped, 6u);
    EXPECT_EQ(unresolved, 0u);
}

TEST(ParseProcNetArp, EmptyAndHeaderOnly) {
    ParseNotes notes;
    EXPECT_TRUE(parse_proc_net_arp("", notes).empty());
    EXPECT_TRUE(parse_proc_net_arp(kArpHeader, notes).empty());
    EXPECT_EQ(notes.skipped, 0u);
}

// ---- sysfs_net ----------------------------------------------------------------------------------------

TEST(ParseSysfsInterface, Good) {
    SysfsNetFiles f;
    f.address = "1c:61:b4:00:00:01\n";
    f.operstate = "up\n";
    f.carrier = "1\n";
    f.speed = "1000\n";
    f.duplex = "full\n";
    for (size_t i = 0; i < f.stats.size(); ++i) f.stats[i] = std::to_string(1000 + i) + "\n";
    ParseNotes notes;
    NetInterface nic = parse_sysfs_interface("eth0.1", f, notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(nic.name, "eth0.1");
    EXPECT_EQ(nic.mac.str(), "1c:61:b4:00:00:01");
    EXPECT_EQ(nic.operstate, "up");
    EXPECT_TRUE(nic.carrier);
    EXPECT_EQ(nic.speed_mbps, 1000);
    EXPECT_EQ(nic.duplex, "full");
    EXPECT_EQ(nic.rx_bytes, 1000u);
    EXPECT_EQ(nic.tx_bytes, 1001u);
    EXPECT_EQ(nic.rx_packets, 1002u);
    EXPECT_EQ(nic.tx_packets, 1003u);
    EXPECT_EQ(nic.rx_errors, 1004u);
    EXPECT_EQ(nic.tx_errors, 1005u);
    EXPECT_EQ(nic.rx_dropped, 1006u);
    EXPECT_EQ(nic.tx_dropped, 1007u);
}

TEST(ParseSysfsInterface, DownLinkHasNoSpeed) {
    SysfsNetFiles f;
    f.address = "00:11:22:33:44:55\n";
    f.operstate = "down\n";
    f.carrier = std::nullopt;  // EINVAL on a down interface
    f.speed = "-1\n";
    f.duplex = "unknown\n";
    ParseNotes notes;
    NetInterface nic = parse_sysfs_interface("eth0.2", f, notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(nic.operstate, "down");
    EXPECT_FALSE(nic.carrier);
    EXPECT_FALSE(nic.speed_mbps.has_value());
    EXPECT_EQ(nic.duplex, "");
    EXPECT_EQ(nic.rx_bytes, 0u);

    f.speed = "4294967295\n";  // SPEED_UNKNOWN as older kernels print it
    NetInterface old = parse_sysfs_interface("eth0.2", f, notes);
    EXPECT_FALSE(old.speed_mbps.has_value());
}

TEST(ParseSysfsInterface, GarbageIsNotedFieldByField) {
    SysfsNetFiles f;
    f.address = "not-a-mac\n";
    f.operstate = "sideways\n";
    f.carrier = "2\n";
    f.speed = "fast\n";
    f.duplex = "triple\n";
    f.stats[0] = "12x\n";
    f.stats[1] = kOverlong;
    f.stats[2] = "99999999999999999999999\n";
    f.stats[3] = "";
    f.stats[4] = "5\n";
    ParseNotes notes;
    NetInterface nic = parse_sysfs_interface("eth9", f, notes);
    EXPECT_EQ(nic.name, "eth9");
    EXPECT_TRUE(nic.mac.is_zero());
    EXPECT_EQ(nic.operstate, "");
    EXPECT_FALSE(nic.carrier);
    EXPECT_FALSE(nic.speed_mbps.has_value());
    EXPECT_EQ(nic.duplex, "");
    EXPECT_EQ(nic.rx_errors, 5u);
    EXPECT_EQ(notes.skipped, 9u);
    EXPECT_NE(notes.messages[0].find("eth9"), std::string::npos) << notes.messages[0];
}

TEST(ParseSysfsInterface, NothingReadable) {
    ParseNotes notes;
    NetInterface nic = parse_sysfs_interface("tun0", SysfsNetFiles{}, notes);
    EXPECT_EQ(nic.name, "tun0");
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_FALSE(nic.speed_mbps.has_value());
}

// ---- identity -----------------------------------------------------------------------------------------

TEST(IdentityFirstLine, TrimsAndStopsAtTheFirstLine) {
    EXPECT_EQ(identity_first_line("  TPLGC4160688 \nsecond\n"), "TPLGC4160688");
    EXPECT_EQ(identity_first_line(""), "");
    EXPECT_EQ(identity_first_line("a\x01"
                                  "b\r\n"),
              "a?b");
    EXPECT_EQ(identity_first_line(kOverlong).size(), 256u);
}

TEST(ParseIdentitySpec, GoodAndBad) {
    auto doc = json::parse(R"({"Manufacturer": "TP-Link", "SerialNumber": {"file": "/etc/serial_number"},
                               "SoftwareVersion": {"command": ["cat", "/etc/fw_version"]}})",
                           "test");
    ASSERT_TRUE(doc.ok());
    auto values = parse_identity_spec(doc->get(), "profile.identity");
    ASSERT_TRUE(values.ok()) << values.error().message;
    ASSERT_EQ(values->size(), 3u);
    EXPECT_EQ((*values)[0].kind, IdentityValue::Kind::literal);
    EXPECT_EQ((*values)[1].kind, IdentityValue::Kind::file);
    EXPECT_EQ((*values)[1].text, "/etc/serial_number");
    EXPECT_EQ((*values)[2].argv, (std::vector<std::string>{"cat", "/etc/fw_version"}));

    const std::pair<const char*, const char*> bad[] = {
        {R"({"Serial": "x"})", "profile.identity.Serial"},
        {R"({"ModelName": 5})", "profile.identity.ModelName"},
        {R"({"ModelName": {"file": "/a", "command": ["b"]}})", "profile.identity.ModelName"},
        {R"({"ModelName": {}})", "profile.identity.ModelName"},
        {R"({"ModelName": {"command": []}})", "profile.identity.ModelName.command"},
        {R"({"ModelName": {"file": ""}})", "profile.identity.ModelName.file"},
        {R"({"ModelName": {"file": "/a", "mode": 1}})", "profile.identity.ModelName.mode"},
        {R"([])", "profile.identity"},
    };
    for (const auto& [text, where] : bad) {
        auto d = json::parse(text, "test");
        ASSERT_TRUE(d.ok()) << text;
        auto r = parse_identity_spec(d->get(), "profile.identity");
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
        EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
    }
}

// ---- ip_addr -------------------------------------------------------------------------------------------

TEST(ParseIpAddrOneline, AddressesPeersAndScopes) {
    ParseNotes notes;
    auto a = parse_ip_addr_oneline(
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
        "7: br0    inet 192.168.1.1/24 brd 192.168.1.255 scope global br0\\       valid_lft forever "
        "preferred_lft forever\n"
        "7: br0    inet 192.168.1.2/24 scope global secondary br0:1\n"
        "9: eth0.6@eth0    inet 100.71.18.204/22 brd 100.71.19.255 scope global dynamic eth0.6\n"
        "14: ppp0    inet 192.168.89.137 peer 192.168.89.1/32 scope global ppp0\n"
        "7: br0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever\n",
        notes);
    ASSERT_EQ(a.size(), 5u);
    EXPECT_EQ(a[0].interface, "lo");
    EXPECT_EQ(a[0].scope, "host");
    EXPECT_EQ(a[1].interface, "br0");
    EXPECT_EQ(a[1].address, "192.168.1.1");
    EXPECT_EQ(a[1].prefix_len, 24);
    EXPECT_EQ(a[1].scope, "global");
    EXPECT_EQ(a[2].address, "192.168.1.2");
    EXPECT_EQ(a[3].interface, "eth0.6");
    EXPECT_EQ(a[3].prefix_len, 22);
    EXPECT_EQ(a[4].interface, "ppp0");
    EXPECT_EQ(a[4].address, "192.168.89.137");
    EXPECT_EQ(a[4].peer, "192.168.89.1");
    EXPECT_EQ(a[4].prefix_len, 32);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(ParseIpAddrOneline, MalformedLinesAreNotedAndSkipped) {
    ParseNotes notes;
    auto a = parse_ip_addr_oneline(
        "garbage\n"
        "x: br0 inet 192.168.1.1/24 scope global br0\n"
        "2: br0 inet 192.168.1.300/24 scope global br0\n"
        "3: br0 inet 192.168.1.1/33 scope global br0\n"
        "4: a/b inet 10.0.0.1/8 scope global a/b\n"
        "5: ppp0 inet 10.0.0.2 peer nope scope global ppp0\n"
        "6: eth1 inet 10.0.0.3/8 scope global eth1\n"
        "6: eth1 inet",
        notes);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].address, "10.0.0.3");
    EXPECT_EQ(notes.skipped, 7u);
    ASSERT_FALSE(notes.messages.empty());
    EXPECT_NE(notes.messages[2].find("192.168.1.300/24"), std::string::npos) << notes.messages[2];
}

TEST(ParseIpAddrOneline, EmptyIsNothing) {
    ParseNotes notes;
    EXPECT_TRUE(parse_ip_addr_oneline("", notes).empty());
    EXPECT_EQ(notes.skipped, 0u);
}

}  // namespace
}  // namespace cpe::agent
