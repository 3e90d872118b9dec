// The model built from each board's fixture, schema conformance, and instance-number stability when
// hosts leave and come back (on a copy of a fixture rootfs edited by the test).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "model/board.hpp"

namespace fs = std::filesystem;
using namespace cpe;
using namespace cpe::agent;

namespace {

constexpr int64_t kNow = 1795000000;  // the fixtures' "now" (docs/boards.md)

std::string board_dir(const std::string& board) {
    return std::string(CPE_SOURCE_DIR) + "/boards/" + board;
}

std::map<std::string, std::string> values(const tr181::Tree& tree, const std::string& path) {
    std::map<std::string, std::string> out;
    auto entries = tree.get(*tr181::Path::parse(path));
    EXPECT_TRUE(entries.ok()) << path;
    if (entries)
        for (const auto& e : *entries) out[e.path] = e.value->to_string();
    return out;
}

// MAC → Host instance number.
std::map<std::string, uint32_t> host_numbers(const tr181::Tree& tree) {
    std::map<std::string, uint32_t> out;
    auto hosts = tree.instances(*tr181::Path::parse("Device.Hosts.Host."), true);
    for (const auto& h : *hosts) {
        auto path = tr181::Path::parse(h.path);
        out[h.object->param("PhysAddress")->to_string()] = path->segments()[3].instance;
    }
    return out;
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

// Drops every line of a text file that mentions `needle`.
void drop_lines(const fs::path& p, const std::string& needle) {
    std::istringstream in(read(p));
    std::string line, out;
    while (std::getline(in, line))
        if (line.find(needle) == std::string::npos) out += line + "\n";
    write(p, out);
}

class TempRoot {
  public:
    explicit TempRoot(const std::string& board) {
        dir_ = fs::temp_directory_path() / ("cpe-model-test-" + std::to_string(getpid()) + "-" + board);
        fs::remove_all(dir_);
        fs::copy(board_dir(board) + "/fixtures/rootfs", dir_, fs::copy_options::recursive);
    }
    ~TempRoot() { fs::remove_all(dir_); }
    const fs::path& path() const { return dir_; }

  private:
    fs::path dir_;
};

}  // namespace

class EveryBoard : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryBoard, FixtureModelMatchesTheSupportedSchema) {
    const std::string board = GetParam();
    auto b = Board::open(board_dir(board), board_dir(board) + "/fixtures/rootfs");
    ASSERT_TRUE(b.ok()) << b.error().message;
    const tr181::Tree& tree = (*b)->refresh(kNow);
    EXPECT_TRUE((*b)->failures().empty())
        << (*b)->failures().front().collector << ": " << (*b)->failures().front().error.message;
    auto valid = device_schema().validate(tree);
    EXPECT_TRUE(valid.ok()) << valid.error().message;
    auto hosts = values(tree, "Device.Hosts.HostNumberOfEntries");
    EXPECT_GT(std::stoi(hosts["Device.Hosts.HostNumberOfEntries"]), 10);
    // Each Host's AssociatedDevice path, when set, resolves to a row with the same MAC.
    for (const auto& [path, value] : values(tree, "Device.Hosts.Host.*.AssociatedDevice")) {
        if (value.empty()) continue;
        const std::string host = path.substr(0, path.size() - std::string("AssociatedDevice").size());
        auto mac = values(tree, host + "PhysAddress")[host + "PhysAddress"];
        auto assoc = values(tree, value + "MACAddress");
        EXPECT_EQ(assoc[value + "MACAddress"], mac) << path;
    }
}

INSTANTIATE_TEST_SUITE_P(Boards, EveryBoard,
                         ::testing::Values("tplink-xx230v", "raisecom-ht803g", "generic-openwrt"));

TEST(Model, HostKeepsItsInstanceNumberWhenItLeavesAndComesBack) {
    TempRoot root("generic-openwrt");
    auto b = Board::open(board_dir("generic-openwrt"), root.path());
    ASSERT_TRUE(b.ok()) << b.error().message;
    const auto before = host_numbers((*b)->refresh(kNow));
    ASSERT_GT(before.size(), 5u);

    // Pick a wireless host and make it leave: out of the leases, the ARP table and the station dumps.
    std::string leaving;
    for (const auto& [mac, n] : before) {
        if (read(root.path() / "captured/iw_dev_phy0-ap0_station_dump.out").find(mac) != std::string::npos) {
            leaving = mac;
            break;
        }
    }
    ASSERT_FALSE(leaving.empty());
    const std::string leases = read(root.path() / "tmp/dhcp.leases");
    const std::string arp = read(root.path() / "proc/net/arp");
    const std::string stations = read(root.path() / "captured/iw_dev_phy0-ap0_station_dump.out");
    drop_lines(root.path() / "tmp/dhcp.leases", leaving);
    drop_lines(root.path() / "proc/net/arp", leaving);
    // A station block runs from "Station <mac>" to the next "Station" line.
    {
        std::istringstream in(stations);
        std::string line, out;
        bool skipping = false;
        while (std::getline(in, line)) {
            if (line.rfind("Station ", 0) == 0) skipping = line.find(leaving) != std::string::npos;
            if (!skipping) out += line + "\n";
        }
        write(root.path() / "captured/iw_dev_phy0-ap0_station_dump.out", out);
    }
    const auto gone = host_numbers((*b)->refresh(kNow));
    EXPECT_EQ(gone.count(leaving), 0u);
    EXPECT_EQ(gone.size(), before.size() - 1);
    for (const auto& [mac, n] : gone) EXPECT_EQ(n, before.at(mac)) << mac;

    // A newcomer gets a fresh number, never the departed host's.
    write(root.path() / "tmp/dhcp.leases",
          read(root.path() / "tmp/dhcp.leases") + "1795086400 02:11:22:33:44:55 192.168.1.250 newcomer *\n");
    const auto with_new = host_numbers((*b)->refresh(kNow));
    ASSERT_EQ(with_new.count("02:11:22:33:44:55"), 1u);
    uint32_t highest = 0;
    for (const auto& [mac, n] : before) highest = std::max(highest, n);
    EXPECT_GT(with_new.at("02:11:22:33:44:55"), highest);

    // The departed host returns: same number as before.
    write(root.path() / "tmp/dhcp.leases", leases);
    write(root.path() / "proc/net/arp", arp);
    write(root.path() / "captured/iw_dev_phy0-ap0_station_dump.out", stations);
    const auto back = host_numbers((*b)->refresh(kNow));
    EXPECT_EQ(back.at(leaving), before.at(leaving));
}

TEST(Model, MissingAndGarbledSourcesDropOnlyTheirOwnParameters) {
    TempRoot root("tplink-xx230v");
    auto b = Board::open(board_dir("tplink-xx230v"), root.path());
    ASSERT_TRUE(b.ok()) << b.error().message;
    const auto full = values((*b)->refresh(kNow), "Device.");

    fs::remove_all(root.path() / "proc/pon_phy");
    write(root.path() / "tmp/cpe-mesh.json", "{\"devices\": [ {\"id\": ");  // truncated
    const tr181::Tree& tree = (*b)->refresh(kNow);
    std::vector<std::string> failed;
    for (const auto& f : (*b)->failures()) failed.push_back(f.collector);
    EXPECT_EQ(failed, (std::vector<std::string>{"mesh", "econet_pon"}));
    const auto partial = values(tree, "Device.");
    EXPECT_FALSE(tree.get(*tr181::Path::parse("Device.Optical.")).ok());
    EXPECT_FALSE(tree.get(*tr181::Path::parse("Device.WiFi.MultiAP.")).ok());
    // Everything that did not come from those two sources is unchanged.
    for (const auto& [path, value] : partial) {
        if (path.find("MultiAP") != std::string::npos || path.find("DataElements") != std::string::npos)
            continue;
        if (path.rfind("Device.Hosts.", 0) == 0) continue;  // satellite stations' hosts left with the mesh
        ASSERT_EQ(full.count(path), 1u) << path;
        EXPECT_EQ(full.at(path), value) << path;
    }
    EXPECT_EQ(partial.at("Device.DeviceInfo.ModelName"), "XX230v");
}

// ---- issue 18: TR-181 as the standard and the real unit say
// -------------------------------------------------

namespace {

std::map<std::string, std::string> board_values(const std::string& board, const std::string& path,
                                                const std::string& root = "") {
    auto b = Board::open(board_dir(board), root.empty() ? board_dir(board) + "/fixtures/rootfs" : root);
    EXPECT_TRUE(b.ok()) << b.error().message;
    if (!b) return {};
    return values((*b)->refresh(kNow), path);
}

}  // namespace

TEST(Model, SsidIsWhatTheDeviceRunsWithNeverTheProfile) {
    TempRoot root("tplink-xx230v");
    const fs::path info = root.path() / "captured/iw_dev_ra0_info.out";
    std::string text = read(info);
    const size_t at = text.find("ssid TP-Link_91D4");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, std::string("ssid TP-Link_91D4").size(), "ssid Chez Nous");
    write(info, text);
    auto v = board_values("tplink-xx230v", "Device.WiFi.", root.path().string());
    EXPECT_EQ(v["Device.WiFi.SSID.1.SSID"], "Chez Nous");
    EXPECT_EQ(v["Device.WiFi.SSID.2.SSID"], "TP-Link_91D4_5G");
    EXPECT_EQ(v["Device.WiFi.Radio.1.Channel"], "10");
    EXPECT_EQ(v["Device.WiFi.Radio.2.Channel"], "153");
    EXPECT_EQ(v["Device.WiFi.Radio.1.Status"], "Up");
    // Without the device's answer there is no SSID at all, not a default.
    fs::remove(info);
    auto none = board_values("tplink-xx230v", "Device.WiFi.", root.path().string());
    EXPECT_EQ(none.count("Device.WiFi.SSID.1.SSID"), 0u);
    EXPECT_EQ(none.count("Device.WiFi.Radio.1.Channel"), 0u);
}

TEST(Model, UnitSerialInDeviceInfoGponSerialOnTheAni) {
    auto v = board_values("tplink-xx230v", "Device.");
    EXPECT_EQ(v["Device.DeviceInfo.SerialNumber"], "22275A7000412");
    EXPECT_EQ(v["Device.XPON.ONU.1.ANI.1.TC.ONUActivation.SerialNumber"], "TPLGB43E91D4");
    EXPECT_EQ(v["Device.LocalAgent.EndpointID"], "os::1C61B4-22275A7000412");
}

TEST_P(EveryBoard, DhcpClientActiveMeansPresentOnTheLan) {
    const std::string board = GetParam();
    auto b = Board::open(board_dir(board), board_dir(board) + "/fixtures/rootfs");
    ASSERT_TRUE(b.ok());
    const tr181::Tree& tree = (*b)->refresh(kNow);
    auto clients = values(tree, "Device.DHCPv4.Server.Pool.1.Client.");
    auto hosts = values(tree, "Device.Hosts.Host.");
    std::map<std::string, std::string> host_active;  // MAC → Host Active
    for (const auto& [path, value] : hosts)
        if (path.size() > 12 && path.compare(path.size() - 12, 12, ".PhysAddress") == 0)
            host_active[value] = hosts[path.substr(0, path.size() - 12) + ".Active"];
    size_t departed = 0;
    for (const auto& [path, value] : clients) {
        if (path.size() < 7 || path.compare(path.size() - 7, 7, ".Chaddr") != 0) continue;
        const std::string active = clients[path.substr(0, path.size() - 7) + ".Active"];
        auto h = host_active.find(value);
        if (h == host_active.end()) {
            EXPECT_EQ(active, "false") << value << ": a lease of a device seen nowhere";
        } else {
            EXPECT_EQ(active, h->second) << value;
        }
        if (active == "false") ++departed;
    }
    EXPECT_GE(departed, 2u);  // the departed hosts with a lease still running, and the expired one
}

TEST(Model, XponPonModeOnTheAniAsTr181SpellsIt) {
    auto v = board_values("tplink-xx230v", "Device.XPON.");
    EXPECT_EQ(v["Device.XPON.ONU.1.ANI.1.PONMode"], "G-PON");
    EXPECT_EQ(v["Device.XPON.ONU.1.ANI.1.Transceiver.1.PONMode"], "G-PON");
    EXPECT_EQ(v["Device.XPON.ONU.1.ANINumberOfEntries"], "1");
    EXPECT_EQ(v["Device.XPON.ONU.1.ANI.1.TransceiverNumberOfEntries"], "1");
    EXPECT_EQ(v.count("Device.XPON.ONU.1.PONMode"), 0u);
    // Realtek: the GPON subsystem's "diag gpon get onu-state" answered, so the ANI is G-PON.
    auto ht = board_values("raisecom-ht803g", "Device.XPON.");
    EXPECT_EQ(ht["Device.XPON.ONU.1.ANI.1.PONMode"], "G-PON");
    // A PON type the device does not name gives no PONMode at all, not a default.
    TempRoot root("tplink-xx230v");
    const fs::path info = root.path() / "proc/pon_phy/info";
    drop_lines(info, "PonType");
    auto unnamed = board_values("tplink-xx230v", "Device.XPON.", root.path().string());
    EXPECT_EQ(unnamed.count("Device.XPON.ONU.1.ANI.1.PONMode"), 0u);
    EXPECT_EQ(unnamed["Device.XPON.ONU.1.ANINumberOfEntries"], "1");
}

TEST(Model, HostAttachmentFromTheBridgeFdb) {
    auto v = board_values("tplink-xx230v", "Device.Hosts.Host.");
    auto host_of = [&](const std::string& mac) {
        for (const auto& [path, value] : v)
            if (value == mac && path.find(".PhysAddress") != std::string::npos)
                return path.substr(0, path.size() - std::string("PhysAddress").size());
        return std::string();
    };
    // The Wi-Fi-backhauled satellite (Chambre) sits behind the backhaul BSS rai1: neither a station list nor
    // a LAN port: unknown, not "Ethernet".
    const std::string chambre = host_of("1c:61:b4:52:11:e6");
    ASSERT_FALSE(chambre.empty());
    EXPECT_EQ(v.count(chambre + "InterfaceType"), 0u);
    EXPECT_EQ(v[chambre + "Layer1Interface"], "");
    // The Ethernet-backhauled satellite (Sous-sol) is behind eth0.2 = Ethernet.Interface.2.
    const std::string soussol = host_of("1c:61:b4:52:07:3a");
    ASSERT_FALSE(soussol.empty());
    EXPECT_EQ(v[soussol + "InterfaceType"], "Ethernet");
    EXPECT_EQ(v[soussol + "Layer1Interface"], "Device.Ethernet.Interface.2.");
    // Every host with InterfaceType Ethernet names its port; no host has AddressSource (deleted in 2.15).
    size_t wired = 0;
    for (const auto& [path, value] : v) {
        EXPECT_EQ(path.find("AddressSource"), std::string::npos) << path;
        if (path.find(".InterfaceType") == std::string::npos || value != "Ethernet") continue;
        ++wired;
        const std::string host = path.substr(0, path.size() - std::string("InterfaceType").size());
        EXPECT_EQ(v[host + "Layer1Interface"].rfind("Device.Ethernet.Interface.", 0), 0u) << host;
    }
    EXPECT_GE(wired, 6u);
}

TEST_P(EveryBoard, DeclaresARootVersionThatHasEverythingItEmits) {
    auto v = board_values(GetParam(), "Device.");
    EXPECT_EQ(v["Device.RootDataModelVersion"], "2.17");
    for (const auto& [path, value] : v) {
        EXPECT_EQ(path.find("AddressSource"), std::string::npos) << path;  // deleted in 2.15
        EXPECT_EQ(path.find("Hosts.Host.") != std::string::npos &&
                      path.find("LeaseTimeRemaining") != std::string::npos,
                  false)
            << path;                          // deleted from Hosts in 2.15
        EXPECT_NE(value, "Unknown") << path;  // nothing the device did not say
    }
}

// The operator's vendor prefix for the extensions, for one test.
struct WithVendorPrefix {
    explicit WithVendorPrefix(const std::string& p) { EXPECT_TRUE(set_vendor_prefix(p, "test").ok()); }
    ~WithVendorPrefix() { (void)set_vendor_prefix("", "test"); }
};

TEST(Model, ExtensionsCarryTheOperatorsPrefixOrAreNotEmitted) {
    {
        WithVendorPrefix prefix("X_00D09E_");
        auto v = board_values("tplink-xx230v", "Device.WiFi.");
        EXPECT_EQ(v["Device.WiFi.MultiAP.APDevice.1.X_00D09E_Role"], "controller");
        for (const auto& [path, value] : v)
            if (path.find(".X_") != std::string::npos) {
                EXPECT_NE(path.find(".X_00D09E_"), std::string::npos) << path;
            }
    }
    auto none = board_values("tplink-xx230v", "Device.");
    for (const auto& [path, value] : none) EXPECT_EQ(path.find(".X_"), std::string::npos) << path;
    EXPECT_FALSE(set_vendor_prefix("X_CPE_", "vendor_prefix").ok());  // not a TR-106 prefix
}

TEST(Model, MeshSatelliteIsNotGivenTheGatewaysManufacturer) {
    WithVendorPrefix prefix("X_EXAMPLE-NET_");
    auto v = board_values("tplink-xx230v", "Device.WiFi.");
    for (int i = 1; i <= 3; ++i) {
        const std::string dev = "Device.WiFi.MultiAP.APDevice." + std::to_string(i) + ".";
        const std::string role = v[dev + "X_EXAMPLE-NET_Role"];
        ASSERT_FALSE(role.empty());
        EXPECT_EQ(v.count(dev + "Manufacturer"), role == "controller" ? 1u : 0u) << dev;
    }
    EXPECT_EQ(v["Device.WiFi.DataElements.Network.Device.2.ManufacturerModel"], "HX220");
    // DataElements Radio.ID is base64 of the radio's 6 MAC bytes (1C:61:B4:3E:91:D4).
    EXPECT_EQ(v["Device.WiFi.DataElements.Network.Device.1.Radio.1.ID"], "HGG0PpHU");
}

TEST(Model, EthernetWanPortIsUpstream) {
    auto v = board_values("generic-openwrt", "Device.Ethernet.");
    EXPECT_EQ(v["Device.Ethernet.Interface.5.Name"], "wan");
    EXPECT_EQ(v["Device.Ethernet.Interface.5.Upstream"], "true");
    EXPECT_EQ(v["Device.Ethernet.Interface.1.Upstream"], "false");
    auto ip = board_values("tplink-xx230v", "Device.IP.");
    for (const auto& [path, value] : ip) EXPECT_NE(value, "pon0") << path;  // a PON device is no IP interface
}

TEST(Model, FixtureCarriesItsCaptureTime) {
    for (const char* board : {"tplink-xx230v", "raisecom-ht803g", "generic-openwrt"}) {
        auto t = fixture_capture_time(board_dir(board) + "/fixtures/rootfs");
        ASSERT_TRUE(t.ok()) << board << ": " << t.error().message;
        EXPECT_EQ(*t, kNow) << board;
    }
    TempRoot root("generic-openwrt");
    write(root.path() / ".capture-time", "yesterday\n");
    auto bad = fixture_capture_time(root.path().string());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find(".capture-time"), std::string::npos);
    fs::remove(root.path() / ".capture-time");
    EXPECT_EQ(fixture_capture_time(root.path().string()).error().code, Errc::not_found);
}

// docs/tr181.md's table (tools/tr181doc/generate.py) lists exactly the schema's parameters, and every
// parameter a board's fixture tree emits is in it: the documentation cannot drift from the model.
TEST(Tr181Doc, TableMatchesTheSchemaAndTheEmittedTrees) {
    WithVendorPrefix prefix("X_EXAMPLE-NET_");  // the table's example prefix
    std::set<std::string> documented, documented_commands;
    std::istringstream doc(read(fs::path(CPE_SOURCE_DIR) / "docs/tr181.md"));
    std::string line;
    while (std::getline(doc, line)) {
        if (line.rfind("| `Device.", 0) != 0) continue;
        const size_t end = line.find('`', 3);
        ASSERT_NE(end, std::string::npos) << line;
        const std::string path = line.substr(3, end - 3);
        (path.ends_with("()") ? documented_commands : documented).insert(path);
    }
    std::set<std::string> declared, declared_commands;
    for (const tr181::ObjectDef& o : device_schema().objects()) {
        for (const tr181::ParamDef& p : o.params) declared.insert(o.path + p.name);
        for (const tr181::CommandDef& c : o.commands) declared_commands.insert(o.path + c.name);
    }
    EXPECT_EQ(documented, declared);
    EXPECT_EQ(documented_commands, declared_commands);
    for (const char* board : {"tplink-xx230v", "raisecom-ht803g", "generic-openwrt"}) {
        for (const auto& [path, value] : board_values(board, "Device.")) {
            auto parsed = tr181::Path::parse(path);
            ASSERT_TRUE(parsed.ok()) << path;
            EXPECT_EQ(documented.count(parsed->supported_form()), 1u)
                << board << ": " << path << " is not in docs/tr181.md";
        }
    }
}

// An agent restart (a new Board on the same state file) keeps every host's instance number, even when the
// host that came first in MAC order is gone and a fresh numbering would shift all the others.
TEST(Model, InstanceNumbersSurviveARestart) {
    TempRoot root("generic-openwrt");
    const fs::path state =
        root.path().parent_path() / ("cpe-model-test-" + std::to_string(getpid()) + "-numbers");
    fs::remove(state);
    std::map<std::string, uint32_t> before;
    {
        auto b = Board::open(board_dir("generic-openwrt"), root.path());
        ASSERT_TRUE(b.ok());
        ASSERT_TRUE((*b)->keep_instance_numbers(state.string()).ok());
        before = host_numbers((*b)->refresh(kNow));
    }
    ASSERT_TRUE(fs::exists(state));
    // The lowest wired MAC leaves (out of the leases, ARP and the bridge FDB): a fresh numbering in MAC order
    // would move every host after it.
    std::string first;
    const std::string stations = read(root.path() / "captured/iw_dev_phy0-ap0_station_dump.out") +
                                 read(root.path() / "captured/iw_dev_phy1-ap0_station_dump.out");
    for (const auto& [mac, n] : before)
        if (first.empty() && stations.find(mac) == std::string::npos) first = mac;
    ASSERT_FALSE(first.empty());
    ASSERT_NE(first, before.rbegin()->first);
    for (const char* f : {"tmp/dhcp.leases", "proc/net/arp", "captured/bridge_fdb_show_br_br-lan.out"})
        drop_lines(root.path() / f, first);
    auto b = Board::open(board_dir("generic-openwrt"), root.path());
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE((*b)->keep_instance_numbers(state.string()).ok());
    const auto after = host_numbers((*b)->refresh(kNow));
    fs::remove(state);
    EXPECT_EQ(after.count(first), 0u);
    ASSERT_EQ(after.size(), before.size() - 1);
    for (const auto& [mac, n] : after) EXPECT_EQ(n, before.at(mac)) << mac;
    // An unwritable place is an error naming it.
    auto c = Board::open(board_dir("generic-openwrt"), root.path());
    auto st = (*c)->keep_instance_numbers((root.path() / "no/such/dir/numbers").string());
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("no/such/dir"), std::string::npos);
}

// The DHCP pool's range and lease time are the server's configuration (dhcp_config), on every board.
TEST(Model, DhcpPoolRangeAndLeaseTimeFromTheServerConfiguration) {
    struct Case {
        const char* board;
        const char* min;
        const char* max;
        const char* lease;
    } cases[] = {{"tplink-xx230v", "192.168.1.2", "192.168.1.249", "7200"},
                 {"raisecom-ht803g", "192.168.1.2", "192.168.1.199", "86400"},
                 {"generic-openwrt", "192.168.1.100", "192.168.1.249", "43200"}};
    for (const Case& c : cases) {
        auto v = board_values(c.board, "Device.DHCPv4.Server.Pool.1.");
        EXPECT_EQ(v["Device.DHCPv4.Server.Pool.1.MinAddress"], c.min) << c.board;
        EXPECT_EQ(v["Device.DHCPv4.Server.Pool.1.MaxAddress"], c.max) << c.board;
        EXPECT_EQ(v["Device.DHCPv4.Server.Pool.1.SubnetMask"], "255.255.255.0") << c.board;
        EXPECT_EQ(v["Device.DHCPv4.Server.Pool.1.LeaseTime"], c.lease) << c.board;
    }
}

// Every LowerLayers names objects that exist, and the LAN bridge's IP interface goes down the stack the real
// XX230v dump shows: IP.Interface → Ethernet.Link → Bridging management port → member ports → Ethernet/Wi-Fi.
TEST_P(EveryBoard, InterfaceStackNamesOnlyObjectsThatExist) {
    auto v = board_values(GetParam(), "Device.");
    auto exists = [&](const std::string& object) {
        for (const auto& [path, value] : v)
            if (path.rfind(object, 0) == 0) return true;
        return false;
    };
    size_t checked = 0;
    for (const auto& [path, value] : v) {
        if (path.size() < 12 || path.compare(path.size() - 12, 12, ".LowerLayers") != 0) continue;
        ASSERT_FALSE(value.empty()) << path << ": an empty LowerLayers claims nothing is below";
        std::istringstream list(value);
        for (std::string ref; std::getline(list, ref, ',');) {
            EXPECT_TRUE(exists(ref)) << path << " names " << ref << ", which is not in the tree";
            ++checked;
        }
    }
    EXPECT_GT(checked, 0u);
    const std::string link = v["Device.IP.Interface.1.LowerLayers"];
    ASSERT_EQ(link.rfind("Device.Ethernet.Link.", 0), 0u) << link;
    const std::string mgmt = v[link + "LowerLayers"];
    ASSERT_EQ(mgmt.rfind("Device.Bridging.Bridge.1.Port.", 0), 0u) << mgmt;
    EXPECT_EQ(v[mgmt + "ManagementPort"], "true");
    EXPECT_EQ(v[mgmt + "Name"], v["Device.IP.Interface.1.Name"]);
    // Each LAN port of the Ethernet table is a bridge member one step below the management port.
    std::set<std::string> below_members;
    std::istringstream members(v[mgmt + "LowerLayers"]);
    for (std::string port; std::getline(members, port, ',');) below_members.insert(v[port + "LowerLayers"]);
    for (const auto& [path, value] : v) {
        const std::string suffix = ".Upstream";
        if (path.rfind("Device.Ethernet.Interface.", 0) != 0 || path.size() < suffix.size() ||
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0 || value != "false")
            continue;
        EXPECT_EQ(below_members.count(path.substr(0, path.size() - suffix.size() + 1)), 1u) << path;
    }
}

TEST(Model, PppWanSitsOnAPppInterface) {
    auto v = board_values("tplink-xx230v", "Device.");
    EXPECT_EQ(v["Device.IP.Interface.2.Name"], "ppp0");
    EXPECT_EQ(v["Device.IP.Interface.2.LowerLayers"], "Device.PPP.Interface.1.");
    EXPECT_EQ(v["Device.PPP.Interface.1.Name"], "ppp0");
    EXPECT_EQ(v.count("Device.PPP.Interface.1.LowerLayers"), 0u);  // the link under the session is not read
}
