#include <gtest/gtest.h>

#include <map>
#include <set>

#include "diag/hosts.hpp"
#include "fixture.hpp"

using namespace cpe::hub::diag;

namespace {
// The node each client MAC is on, read straight from the MultiAP tables of the fixture (the expectation is
// derived from the data, not typed in).
std::map<std::string, std::string> node_of_from_fixture(const Params& p) {
    std::map<std::string, std::string> out;
    for (const auto& [path, value] : p) {
        const std::string suffix = ".MACAddress";
        if (path.rfind("Device.WiFi.MultiAP.APDevice.", 0) != 0 ||
            path.find(".AssociatedDevice.") == std::string::npos)
            continue;
        if (path.size() < suffix.size() ||
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        std::string dev = path.substr(0, path.find(".Radio."));
        out[normalize_mac(value)] = p.at(dev + ".X_EXAMPLE-NET_Name");
    }
    return out;
}
}  // namespace

TEST(HostsView, EveryClientOnItsMeshNodeFromTheXx230vFixture) {
    Params p = test::load_params("xx230v_agent.txt");
    ASSERT_FALSE(p.empty()) << "fixture not found";
    auto expected = node_of_from_fixture(p);
    ASSERT_GE(expected.size(), 10u);
    std::set<std::string> nodes_in_fixture;
    for (const auto& [mac, node] : expected) nodes_in_fixture.insert(node);
    ASSERT_GE(nodes_in_fixture.size(), 2u);

    HostsView v = hosts_view(p, 1795553087000);
    size_t checked = 0;
    for (const auto& h : v.hosts) {
        auto it = expected.find(h.mac);
        if (it == expected.end()) {
            EXPECT_TRUE(h.attached_node.empty() || !h.active) << h.mac << " on " << h.attached_node;
            continue;
        }
        EXPECT_EQ(h.attached_node, it->second) << h.mac;
        EXPECT_FALSE(h.band.empty()) << h.mac;
        ASSERT_TRUE(h.signal_dbm) << h.mac;
        EXPECT_LE(*h.signal_dbm, 0);
        EXPECT_GE(*h.signal_dbm, -110);
        ++checked;
    }
    EXPECT_EQ(checked, expected.size());

    // Grouped: hosts come in node order, wired/other last; node counts add up to the total.
    ASSERT_FALSE(v.nodes.empty());
    EXPECT_EQ(v.nodes.back().name, kWiredOther);
    std::map<std::string, size_t> rank;
    for (size_t i = 0; i < v.nodes.size(); ++i) rank[v.nodes[i].name] = i;
    size_t last = 0, sum = 0;
    for (const auto& h : v.hosts) {
        size_t r = rank.at(h.attached_node.empty() ? kWiredOther : h.attached_node);
        EXPECT_GE(r, last);
        last = r;
    }
    for (const auto& n : v.nodes) sum += n.count;
    EXPECT_EQ(sum, v.hosts.size());
}

TEST(HostsView, SmallHandMadeTree) {
    Params p = {
        {"Device.WiFi.MultiAP.APDevice.1.MACAddress", "aa:aa:aa:aa:aa:01"},
        {"Device.WiFi.MultiAP.APDevice.1.X_EXAMPLE-NET_Name", "basement"},
        {"Device.WiFi.MultiAP.APDevice.1.Radio.1.OperatingFrequencyBand", "5GHz"},
        {"Device.WiFi.MultiAP.APDevice.1.Radio.1.AP.1.AssociatedDevice.1.MACAddress", "bb:bb:bb:bb:bb:01"},
        {"Device.WiFi.MultiAP.APDevice.1.Radio.1.AP.1.AssociatedDevice.1.SignalStrength",
         "100"},  // RCPI → −60 dBm
        {"Device.WiFi.MultiAP.APDevice.1.Radio.1.AP.1.AssociatedDevice.1.LastDataDownlinkRate", "433000"},
        {"Device.Hosts.Host.1.PhysAddress", "BB-BB-BB-BB-BB-01"},
        {"Device.Hosts.Host.1.HostName", "phone"},
        {"Device.Hosts.Host.1.IPAddress", "192.168.1.20"},
        {"Device.Hosts.Host.1.Active", "true"},
        {"Device.Hosts.Host.1.InterfaceType", "Wi-Fi"},
        {"Device.Hosts.Host.2.PhysAddress", "cc:cc:cc:cc:cc:01"},
        {"Device.Hosts.Host.2.HostName", "desktop"},
        {"Device.Hosts.Host.2.Active", "true"},
        {"Device.Hosts.Host.2.InterfaceType", "Ethernet"},
        {"Device.DHCPv4.Server.Pool.1.Client.1.Chaddr", "cc:cc:cc:cc:cc:01"},
        {"Device.DHCPv4.Server.Pool.1.Client.1.IPv4Address.1.LeaseTimeRemaining", "2026-01-01T01:00:00Z"},
    };
    int64_t now = *parse_iso8601_ms("2026-01-01T00:00:00Z");
    HostsView v = hosts_view(p, now);
    ASSERT_EQ(v.hosts.size(), 2u);
    EXPECT_EQ(v.hosts[0].name, "phone");
    EXPECT_EQ(v.hosts[0].attached_node, "basement");
    EXPECT_EQ(v.hosts[0].band, "5GHz");
    EXPECT_EQ(*v.hosts[0].signal_dbm, -60);
    EXPECT_DOUBLE_EQ(*v.hosts[0].rate_mbps, 433.0);
    EXPECT_EQ(v.hosts[1].name, "desktop");
    EXPECT_TRUE(v.hosts[1].attached_node.empty());
    EXPECT_EQ(*v.hosts[1].lease_s, 3600);
    ASSERT_EQ(v.nodes.size(), 2u);
    EXPECT_EQ(v.nodes[0].name, "basement");
    EXPECT_EQ(v.nodes[0].count, 1u);
    EXPECT_EQ(v.nodes[1].name, kWiredOther);
    EXPECT_EQ(v.nodes[1].count, 1u);
    std::string j = hosts_json(v);
    EXPECT_NE(j.find("\"total\":2"), std::string::npos);
    EXPECT_NE(j.find("\"attachedNode\":\"wired/other\""), std::string::npos);
}

TEST(HostsView, HelpersRejectBadInput) {
    EXPECT_EQ(normalize_mac("aa:bb:cc:dd:ee:ff"), "AA:BB:CC:DD:EE:FF");
    EXPECT_EQ(normalize_mac("aabbccddeeff"), "AA:BB:CC:DD:EE:FF");
    EXPECT_EQ(normalize_mac("aa:bb:cc:dd:ee"), "");
    EXPECT_EQ(normalize_mac("zz:bb:cc:dd:ee:ff"), "");
    EXPECT_EQ(*rcpi_to_dbm(0), -110);
    EXPECT_FALSE(rcpi_to_dbm(255));
    EXPECT_FALSE(parse_iso8601_ms("yesterday"));
    EXPECT_FALSE(parse_iso8601_ms("2026-13-01T00:00:00Z"));
    EXPECT_EQ(band_name("2.4GHz"), "2.4GHz");
    EXPECT_EQ(band_name("weird"), "");
}

// Without usp.vendor_prefix the hub reads no extension: nodes are named by their MAC, never by a guess.
TEST(HostsView, WithoutAVendorPrefixNodesAreNamedByMac) {
    Params p = test::load_params("xx230v_agent.txt");
    ASSERT_FALSE(p.empty());
    set_vendor_prefix("");
    HostsView view = hosts_view(p, 0);
    set_vendor_prefix("X_EXAMPLE-NET_");
    ASSERT_FALSE(view.nodes.empty());
    size_t mesh_nodes = 0;
    for (const auto& node : view.nodes) {
        if (node.mac.empty()) continue;  // the "wired/other" group
        EXPECT_EQ(node.name, node.mac);
        ++mesh_nodes;
    }
    EXPECT_EQ(mesh_nodes, 3u);
}
