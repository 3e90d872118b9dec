// The collectors end to end: factories from profile-spec JSON, reading a fixture rootfs written to a temp
// dir, and (where this machine has the real thing) the live /proc and /sys.
#include <gtest/gtest.h>

#include <string>

#include "collectors/arp.hpp"
#include "collectors/identity.hpp"
#include "collectors/leases_dnsmasq.hpp"
#include "collectors/leases_udhcpd.hpp"
#include "collectors/sysfs_net.hpp"
#include "collectors/system.hpp"
#include "json/json.hpp"
#include "test_util.hpp"

namespace cpe::agent {
namespace {

using testing::TempDir;

json::Ptr spec_of(const std::string& text) {
    auto doc = json::parse(text, "spec");
    EXPECT_TRUE(doc.ok()) << text;
    return doc.ok() ? std::move(*doc) : json::make_object();
}

std::unique_ptr<Collector> make(CollectorFactory factory, const std::string& spec_text) {
    json::Ptr spec = spec_of(spec_text);
    auto c = factory(spec.get(), "profile.sources[0]");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(*c) : nullptr;
}

const char* kStat1 = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n";
const char* kStat2 = "cpu  160 0 120 820 0 0 0 0 0 0\ncpu0 160 0 120 820 0 0 0 0 0 0\n";

TEST(SystemCollector, ReadsAllFourFilesAndTracksCpuBetweenSamples) {
    TempDir root;
    root.write("proc/uptime", "3600.42 7000.00\n");
    root.write("proc/meminfo", "MemTotal: 246604 kB\nMemFree: 21812 kB\nMemAvailable: 98304 kB\n");
    root.write("proc/stat", kStat1);
    root.write("proc/loadavg", "0.50 0.40 0.30 2/90 1234\n");
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_system_collector, R"({"collector": "system"})");
    ASSERT_TRUE(c);
    EXPECT_STREQ(c->type(), "system");

    BoardData data;
    auto st = c->collect(*reader, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(data.system.uptime_s, 3600u);
    EXPECT_EQ(data.system.mem_total_kib, 246604u);
    EXPECT_EQ(data.system.mem_free_kib, 21812u);
    EXPECT_EQ(data.system.mem_available_kib, 98304u);
    EXPECT_EQ(data.system.cpu_percent, 20u);  // since boot: 200 of 1000 ticks
    EXPECT_DOUBLE_EQ(data.system.load1.value_or(-1), 0.5);

    root.write("proc/stat", kStat2);  // +80 busy of +100 ticks
    BoardData again;
    ASSERT_TRUE(c->collect(*reader, again).ok());
    EXPECT_EQ(again.system.cpu_percent, 80u);
}

TEST(SystemCollector, PathsFromTheSpecAndPartialSources) {
    TempDir root;
    root.write("alt/up", "10.0 5.0\n");
    root.write("alt/stat", "garbage\n");
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_system_collector,
                  R"({"collector": "system", "uptime": "/alt/up", "meminfo": "/alt/mem", "stat": "/alt/stat",
                      "loadavg": "/alt/load"})");
    ASSERT_TRUE(c);
    BoardData data;
    ASSERT_TRUE(c->collect(*reader, data).ok());
    EXPECT_EQ(data.system.uptime_s, 10u);
    EXPECT_FALSE(data.system.mem_total_kib.has_value());
    EXPECT_FALSE(data.system.cpu_percent.has_value());
    EXPECT_FALSE(data.system.load1.has_value());
}

TEST(SystemCollector, FailsAndLeavesDataUntouchedWhenNothingIsReadable) {
    TempDir root;
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_system_collector, R"({"collector": "system"})");
    ASSERT_TRUE(c);
    BoardData data;
    data.system.uptime_s = 7;
    auto st = c->collect(*reader, data);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("/proc/uptime"), std::string::npos) << st.error().message;
    EXPECT_EQ(data.system.uptime_s, 7u);
}

TEST(SystemCollector, ReadsThisMachinesProc) {
    auto reader = make_live_reader();
    auto c = make(make_system_collector, R"({"collector": "system"})");
    ASSERT_TRUE(c);
    BoardData data;
    auto st = c->collect(*reader, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(data.system.uptime_s.has_value());
    ASSERT_TRUE(data.system.mem_total_kib.has_value());
    EXPECT_GT(*data.system.mem_total_kib, 0u);
    EXPECT_TRUE(data.system.mem_free_kib.has_value());
    ASSERT_TRUE(data.system.cpu_percent.has_value());
    EXPECT_LE(*data.system.cpu_percent, 100u);
    EXPECT_TRUE(data.system.load1.has_value());
}

TEST(IdentityCollector, LiteralsFilesAndCommands) {
    TempDir root;
    root.write("etc/serial_number", "TPLGC4160688\n");
    root.write("captured/cat_-etc-fw_version.out", "1.1.0 Build 20240101\n");
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_identity_collector, R"({"collector": "identity", "identity": {
        "Manufacturer": "TP-Link", "ManufacturerOUI": "1C61B4", "ModelName": "XX230v", "ProductClass": "Device2",
        "SerialNumber": {"file": "/etc/serial_number"}, "HardwareVersion": "XX230v v1.0",
        "SoftwareVersion": {"command": ["cat", "/etc/fw_version"]}, "Description": "AX1800 GPON"}})");
    ASSERT_TRUE(c);
    BoardData data;
    auto st = c->collect(*reader, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(data.identity.manufacturer, "TP-Link");
    EXPECT_EQ(data.identity.manufacturer_oui, "1C61B4");
    EXPECT_EQ(data.identity.model_name, "XX230v");
    EXPECT_EQ(data.identity.product_class, "Device2");
    EXPECT_EQ(data.identity.serial_number, "TPLGC4160688");
    EXPECT_EQ(data.identity.hardware_version, "XX230v v1.0");
    EXPECT_EQ(data.identity.software_version, "1.1.0 Build 20240101");
    EXPECT_EQ(data.identity.description, "AX1800 GPON");
}

TEST(IdentityCollector, AMissingSourceLeavesOnlyItsFieldEmpty) {
    TempDir root;
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_identity_collector,
                  R"({"collector": "identity", "identity": {"ModelName": "XX230v",
                      "SerialNumber": {"file": "/etc/serial_number"}}})");
    ASSERT_TRUE(c);
    BoardData data;
    ASSERT_TRUE(c->collect(*reader, data).ok());
    EXPECT_EQ(data.identity.model_name, "XX230v");
    EXPECT_EQ(data.identity.serial_number, "");

    auto only_files = make(make_identity_collector,
                           R"({"collector": "identity", "identity": {"SerialNumber": {"file": "/nope"}}})");
    ASSERT_TRUE(only_files);
    BoardData untouched;
    untouched.identity.serial_number = "keep";
    auto st = only_files->collect(*reader, untouched);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("SerialNumber"), std::string::npos) << st.error().message;
    EXPECT_EQ(untouched.identity.serial_number, "keep");
}

TEST(LeasesCollectors, DnsmasqAndUdhcpdAppendToTheSameList) {
    TempDir root;
    root.write("tmp/dhcp.leases", "1732530000 aa:bb:cc:dd:ee:01 192.168.1.100 laptop *\nbroken line\n");
    std::string udhcpd;
    const uint64_t written_at = 1700000000;
    for (int s = 56; s >= 0; s -= 8) udhcpd += static_cast<char>(written_at >> s & 255);
    const unsigned char rec[36] = {0, 0, 0x0e, 0x10, 192, 168, 1,   50,  2,  0,
                                   0, 0, 0,    7,    'p', 'h', 'o', 'n', 'e'};
    udhcpd.append(reinterpret_cast<const char*>(rec), sizeof rec);
    root.write("etc/udhcpd.leases", udhcpd);
    auto reader = make_fixture_reader(root.path());

    auto dnsmasq = make(make_leases_dnsmasq_collector, R"({"collector": "leases_dnsmasq"})");
    auto busybox =
        make(make_leases_udhcpd_collector, R"({"collector": "leases_udhcpd", "file": "/etc/udhcpd.leases"})");
    ASSERT_TRUE(dnsmasq && busybox);
    BoardData data;
    ASSERT_TRUE(dnsmasq->collect(*reader, data).ok());
    ASSERT_TRUE(busybox->collect(*reader, data).ok());
    ASSERT_EQ(data.leases.size(), 2u);
    EXPECT_EQ(data.leases[0].hostname, "laptop");
    EXPECT_EQ(data.leases[1].ip, "192.168.1.50");
    EXPECT_EQ(data.leases[1].mac.str(), "02:00:00:00:00:07");
    EXPECT_EQ(data.leases[1].hostname, "phone");
    EXPECT_EQ(data.leases[1].expires_epoch, 1700003600);

    auto missing = make(make_leases_dnsmasq_collector, R"({"collector": "leases_dnsmasq", "file": "/nope"})");
    ASSERT_TRUE(missing);
    auto st = missing->collect(*reader, data);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::not_found);
    EXPECT_EQ(data.leases.size(), 2u);
}

TEST(ArpCollector, ReadsResolvedNeighbours) {
    TempDir root;
    root.write("proc/net/arp",
               "IP address       HW type     Flags       HW address            Mask     Device\n"
               "192.168.1.100    0x1         0x2         aa:bb:cc:dd:ee:01     *        br0\n"
               "192.168.1.101    0x1         0x0         00:00:00:00:00:00     *        br0\n");
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_arp_collector, R"({"collector": "arp"})");
    ASSERT_TRUE(c);
    BoardData data;
    ASSERT_TRUE(c->collect(*reader, data).ok());
    ASSERT_EQ(data.neighbours.size(), 1u);
    EXPECT_EQ(data.neighbours[0].ip, "192.168.1.100");
}

TEST(ArpCollector, ReadsThisMachinesTableWithoutMalformedLines) {
    auto reader = make_live_reader();
    auto text = reader->read_file("/proc/net/arp");
    ASSERT_TRUE(text.ok()) << text.error().message;
    ParseNotes notes;
    size_t unresolved = 0;
    auto n = parse_proc_net_arp(*text, notes, &unresolved);
    EXPECT_EQ(notes.skipped, unresolved) << (notes.messages.empty() ? "" : notes.messages[0]);
    for (const Neighbour& nb : n) EXPECT_TRUE(nb.complete);
}

void write_interface(const TempDir& root, const std::string& name, const std::string& mac,
                     const std::string& state, bool with_link_files) {
    const std::string base = "sys/class/net/" + name + "/";
    root.write(base + "address", mac + "\n");
    root.write(base + "operstate", state + "\n");
    if (with_link_files) {
        root.write(base + "carrier", "1\n");
        root.write(base + "speed", "1000\n");
        root.write(base + "duplex", "full\n");
    }
    for (size_t i = 0; i < kSysfsNetStats.size(); ++i)
        root.write(base + "statistics/" + kSysfsNetStats[i], std::to_string(10 * (i + 1)) + "\n");
}

TEST(SysfsNetCollector, ListsTheDirectoryWhenNoInterfacesAreGiven) {
    TempDir root;
    write_interface(root, "eth0.1", "1c:61:b4:00:00:01", "up", true);
    write_interface(root, "eth0.2", "1c:61:b4:00:00:02", "down", false);
    root.write("sys/class/net/bonding_masters", "\n");  // a file, not an interface
    auto reader = make_fixture_reader(root.path());
    auto c = make(make_sysfs_net_collector, R"({"collector": "sysfs_net"})");
    ASSERT_TRUE(c);
    BoardData data;
    auto st = c->collect(*reader, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_EQ(data.interfaces.size(), 2u);
    const NetInterface& up = data.interfaces[0];
    EXPECT_EQ(up.name, "eth0.1");
    EXPECT_EQ(up.operstate, "up");
    EXPECT_TRUE(up.carrier);
    EXPECT_EQ(up.speed_mbps, 1000);
    EXPECT_EQ(up.rx_bytes, 10u);
    EXPECT_EQ(up.tx_dropped, 80u);
    const NetInterface& down = data.interfaces[1];
    EXPECT_EQ(down.name, "eth0.2");
    EXPECT_FALSE(down.carrier);
    EXPECT_FALSE(down.speed_mbps.has_value());
}

TEST(SysfsNetCollector, OnlyTheNamedInterfaces) {
    TempDir root;
    write_interface(root, "eth0.1", "1c:61:b4:00:00:01", "up", true);
    write_interface(root, "eth0.2", "1c:61:b4:00:00:02", "up", true);
    auto reader = make_fixture_reader(root.path());
    auto c =
        make(make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": ["eth0.2", "eth0.9"]})");
    ASSERT_TRUE(c);
    BoardData data;
    ASSERT_TRUE(c->collect(*reader, data).ok());
    ASSERT_EQ(data.interfaces.size(), 1u);
    EXPECT_EQ(data.interfaces[0].name, "eth0.2");

    auto none = make(make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": ["wan9"]})");
    ASSERT_TRUE(none);
    auto st = none->collect(*reader, data);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::not_found);
    EXPECT_EQ(data.interfaces.size(), 1u);
}

TEST(SysfsNetCollector, ReadsThisMachinesLoopback) {
    auto reader = make_live_reader();
    auto c = make(make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": ["lo"]})");
    ASSERT_TRUE(c);
    BoardData data;
    auto st = c->collect(*reader, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_EQ(data.interfaces.size(), 1u);
    EXPECT_EQ(data.interfaces[0].name, "lo");
    EXPECT_TRUE(data.interfaces[0].mac.is_zero());  // loopback's address is 00:00:00:00:00:00
    EXPECT_FALSE(data.interfaces[0].operstate.empty());
}

TEST(Factories, NameTheOffendingKey) {
    const std::pair<CollectorFactory, const char*> cases[] = {
        {make_system_collector, R"({"collector": "system", "uptme": "/proc/uptime"})"},
        {make_system_collector, R"({"collector": "system", "stat": 5})"},
        {make_leases_dnsmasq_collector, R"({"collector": "leases_dnsmasq", "file": ""})"},
        {make_leases_udhcpd_collector, R"({"collector": "leases_udhcpd", "path": "/x"})"},
        {make_arp_collector, R"({"collector": "arp", "file": ["x"]})"},
        {make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": "eth0"})"},
        {make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": ["../etc"]})"},
        {make_sysfs_net_collector, R"({"collector": "sysfs_net", "interfaces": []})"},
        {make_identity_collector, R"({"collector": "identity"})"},
        {make_identity_collector, R"({"collector": "identity", "identity": {"Model": "x"}})"},
    };
    const char* expected[] = {"profile.sources[0].uptme",         "profile.sources[0].stat",
                              "profile.sources[0].file",          "profile.sources[0].path",
                              "profile.sources[0].file",          "profile.sources[0].interfaces",
                              "profile.sources[0].interfaces[0]", "profile.sources[0].interfaces",
                              "profile.sources[0].identity",      "profile.sources[0].identity.Model"};
    size_t i = 0;
    for (const auto& [factory, text] : cases) {
        json::Ptr spec = spec_of(text);
        auto c = factory(spec.get(), "profile.sources[0]");
        ASSERT_FALSE(c.ok()) << text;
        EXPECT_EQ(c.error().code, Errc::invalid_argument) << text;
        EXPECT_NE(c.error().message.find(expected[i]), std::string::npos) << c.error().message;
        ++i;
    }
    auto not_object = make_arp_collector(nullptr, "profile.sources[1]");
    ASSERT_FALSE(not_object.ok());
    EXPECT_NE(not_object.error().message.find("profile.sources[1]"), std::string::npos);
}

}  // namespace
}  // namespace cpe::agent
