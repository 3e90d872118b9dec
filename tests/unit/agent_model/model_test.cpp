// The model built from each board's fixture, schema conformance, and instance-number stability when
// hosts leave and come back (on a copy of a fixture rootfs edited by the test).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "model/board.hpp"

namespace fs = std::filesystem;
using namespace cpe;
using namespace cpe::agent;

namespace {

constexpr int64_t kNow = 1795000000;  // the fixtures' "now" (docs/boards.md)

std::string board_dir(const std::string& board) { return std::string(CPE_SOURCE_DIR) + "/boards/" + board; }

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

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

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
    EXPECT_TRUE((*b)->failures().empty()) << (*b)->failures().front().collector << ": "
                                          << (*b)->failures().front().error.message;
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

INSTANTIATE_TEST_SUITE_P(Boards, EveryBoard, ::testing::Values("tplink-xx230v", "raisecom-ht803g", "generic-openwrt"));

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
        if (path.find("MultiAP") != std::string::npos || path.find("DataElements") != std::string::npos) continue;
        if (path.rfind("Device.Hosts.", 0) == 0) continue;  // satellite stations' hosts left with the mesh
        ASSERT_EQ(full.count(path), 1u) << path;
        EXPECT_EQ(full.at(path), value) << path;
    }
    EXPECT_EQ(partial.at("Device.DeviceInfo.ModelName"), "XX230v");
}
