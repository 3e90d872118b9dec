// The bridge's GET /modems/:id/hosts answer (docs/bridge.md) → the hosts view of GET /devices/:id/hosts.
#include <gtest/gtest.h>

#include <string>

#include "api/parse.hpp"
#include "diag/hosts.hpp"
#include "json/json.hpp"

using namespace cpe::hub;

namespace {
// The bridge's example answer (docs/bridge.md) plus a guest Wi-Fi client, an inactive one, an unknown band.
const char* kAnswer = R"({"total":5,"hosts":[
 {"name":"living-room-tv","ip":"192.168.1.40","mac":"f4:f5:d8:aa:01:02","band":"wired","guest":false,"active":true,"lease":72000},
 {"name":"MBP-de-Gaspare","ip":"192.168.1.2","mac":"3c:06:30:2d:42:fb","band":"5G","guest":false,"active":true,"lease":4006},
 {"name":"guest-phone","ip":"192.168.2.7","mac":"AA-BB-CC-00-11-22","band":"2.4G","guest":true,"active":true},
 {"name":"old-tablet","ip":"","mac":"","band":"5G","guest":false,"active":false,"lease":null},
 {"name":"thing","ip":"192.168.1.9","mac":"001122334455","band":"unknown","guest":false,"active":true,"lease":0}]})";

std::string error_of(const std::string& body) {
    auto r = api::parse_bridge_hosts(body, "MODEM-1");
    return r ? "<ok>" : r.error().message;
}
}  // namespace

TEST(BridgeHosts, MapsToTheHostsViewWithTheModemAsTheOnlyNode) {
    auto r = api::parse_bridge_hosts(kAnswer, "EQ-0001");
    ASSERT_TRUE(r.ok()) << r.error().message;
    const diag::HostsView& v = *r;
    ASSERT_EQ(v.hosts.size(), 5u);
    ASSERT_EQ(v.nodes.size(), 2u);
    EXPECT_EQ(v.nodes[0].name, "EQ-0001");
    EXPECT_EQ(v.nodes[0].count, 2u);  // the two active Wi-Fi clients
    EXPECT_EQ(v.nodes[1].name, diag::kWiredOther);
    EXPECT_EQ(v.nodes[1].count, 3u);  // wired, inactive Wi-Fi, unknown band

    // The modem's clients first (by name), then wired/other (active first, by name).
    EXPECT_EQ(v.hosts[0].name, "MBP-de-Gaspare");
    EXPECT_EQ(v.hosts[0].mac, "3C:06:30:2D:42:FB");
    EXPECT_EQ(v.hosts[0].band, "5GHz");
    EXPECT_EQ(v.hosts[0].interface_type, "Wi-Fi");
    EXPECT_EQ(v.hosts[0].attached_node, "EQ-0001");
    EXPECT_EQ(v.hosts[0].lease_s, 4006);
    EXPECT_FALSE(v.hosts[0].signal_dbm.has_value());
    EXPECT_FALSE(v.hosts[0].rate_mbps.has_value());
    EXPECT_EQ(v.hosts[1].name, "guest-phone");
    EXPECT_EQ(v.hosts[1].band, "2.4GHz");
    EXPECT_EQ(v.hosts[1].mac, "AA:BB:CC:00:11:22");
    EXPECT_EQ(v.hosts[1].guest, true);
    EXPECT_FALSE(v.hosts[1].lease_s.has_value());
    EXPECT_EQ(v.hosts[2].name, "living-room-tv");
    EXPECT_EQ(v.hosts[2].band, "");
    EXPECT_EQ(v.hosts[2].interface_type, "Ethernet");
    EXPECT_EQ(v.hosts[2].attached_node, "");
    EXPECT_EQ(v.hosts[3].name, "thing");
    EXPECT_EQ(v.hosts[3].interface_type, "Other");
    EXPECT_EQ(v.hosts[3].lease_s, 0);
    EXPECT_EQ(v.hosts[4].name, "old-tablet");
    EXPECT_FALSE(v.hosts[4].active);
    EXPECT_EQ(v.hosts[4].mac, "");

    // The endpoint's JSON: the same shape as for agents and GenieACS, "guest" kept, counts add up to total.
    auto doc = cpe::json::parse(diag::hosts_json(v), "hosts");
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(cJSON_GetObjectItem(doc->get(), "total")->valuedouble, 5);
    const cJSON* first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc->get(), "hosts"), 0);
    EXPECT_STREQ(cJSON_GetObjectItem(first, "attachedNode")->valuestring, "EQ-0001");
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(first, "signal")));
    EXPECT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(first, "guest")));
    const cJSON* wired = cJSON_GetArrayItem(cJSON_GetObjectItem(doc->get(), "hosts"), 2);
    EXPECT_STREQ(cJSON_GetObjectItem(wired, "attachedNode")->valuestring, diag::kWiredOther);
}

TEST(BridgeHosts, EmptyListGivesTwoEmptyNodes) {
    auto r = api::parse_bridge_hosts(R"({"total":0,"hosts":[]})", "m");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->hosts.empty());
    ASSERT_EQ(r->nodes.size(), 2u);
    EXPECT_EQ(r->nodes[0].count + r->nodes[1].count, 0u);
}

TEST(BridgeHosts, ErrorsNameWhatWasWrong) {
    EXPECT_NE(error_of("{").find("bridge hosts answer"), std::string::npos);
    EXPECT_EQ(error_of("[]"), "bridge hosts answer: expected an object");
    EXPECT_EQ(error_of(R"({"total":0})"), "bridge hosts answer: \"hosts\" must be an array");
    EXPECT_EQ(error_of(R"({"hosts":[]})"), "bridge hosts answer: \"total\" must be a whole number >= 0");
    EXPECT_EQ(error_of(R"({"total":-1,"hosts":[]})"),
              "bridge hosts answer: \"total\" must be a whole number >= 0");
    EXPECT_EQ(error_of(R"({"total":2,"hosts":[]})"),
              "bridge hosts answer: \"total\" is 2 but \"hosts\" has 0 entries");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[7]})"), "bridge hosts answer: hosts[0]: expected an object");
    const std::string ok_host =
        R"({"name":"a","ip":"1.2.3.4","mac":"00:11:22:33:44:55","band":"5G","active":true})";
    EXPECT_EQ(error_of(R"({"total":2,"hosts":[)" + ok_host +
                       R"(,{"name":"b","mac":"zz","band":"5G","active":true}]})"),
              "bridge hosts answer: hosts[1].mac: 'zz' is not a MAC address");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"name":3,"band":"5G","active":true}]})"),
              "bridge hosts answer: hosts[0].name: expected a string");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"active":true}]})"),
              "bridge hosts answer: hosts[0].band: missing");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"60G","active":true}]})"),
              "bridge hosts answer: hosts[0].band: '60G' is not one of 2.4G, 5G, 6G, wired, unknown");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"5G","active":"yes"}]})"),
              "bridge hosts answer: hosts[0].active: expected true or false");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"5G","active":true,"guest":1}]})"),
              "bridge hosts answer: hosts[0].guest: expected true or false");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"5G","active":true,"lease":-5}]})"),
              "bridge hosts answer: hosts[0].lease: expected whole seconds from 0 to 31622400");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"5G","active":true,"lease":1.5}]})"),
              "bridge hosts answer: hosts[0].lease: expected whole seconds from 0 to 31622400");
    EXPECT_EQ(error_of(R"({"total":1,"hosts":[{"band":"5G","active":true,"name":")" + std::string(300, 'x') +
                       "\"}]}"),
              "bridge hosts answer: hosts[0].name: longer than 256 bytes");
}

TEST(BridgeHosts, BoundsTheNumberOfHosts) {
    std::string body = "{\"total\":" + std::to_string(api::kMaxBridgeHosts + 1) + ",\"hosts\":[";
    for (size_t i = 0; i <= api::kMaxBridgeHosts; ++i)
        body += std::string(i ? "," : "") + R"({"band":"wired","active":true})";
    body += "]}";
    auto r = api::parse_bridge_hosts(body, "m");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "bridge hosts answer: 1025 hosts, more than the 1024 accepted");
}

// A bridge-read TP-Link modem with an EasyMesh: hosts grouped by the node the bridge names (issue 16).
TEST(BridgeHosts, GroupsByMeshNodeWhenTheBridgeReadsTheMesh) {
    const char* body = R"({"total":4,"hosts":[
 {"name":"tv","ip":"192.168.1.40","mac":"f4:f5:d8:aa:01:02","band":"wired","active":true},
 {"name":"phone","ip":"192.168.1.23","mac":"a8:9c:ed:11:22:10","band":"2.4G","active":true,"node":"1c:61:b4:fb:3b:10"},
 {"name":"laptop","ip":"192.168.1.2","mac":"3c:06:30:2d:42:fb","band":"5G","active":true,"node":"1c:61:b4:fb:2a:c8"},
 {"name":"tablet","ip":"192.168.1.5","mac":"62:aa:bb:cc:dd:ee","band":"5G","active":true}],
 "nodes":[{"mac":"1c:61:b4:fb:2a:c8","name":"XX230v_2AC8","role":"controller"},
          {"mac":"1c:61:b4:fb:3b:10","name":"XX230v_3B10","role":"satellite"},
          {"mac":"1c:61:b4:fb:4c:20","name":"","role":"satellite"}]})";
    auto r = api::parse_bridge_hosts(body, "EQ-0001");
    ASSERT_TRUE(r.ok()) << r.error().message;
    const diag::HostsView& v = *r;
    ASSERT_EQ(v.nodes.size(), 4u);  // three mesh nodes and wired/other; no separate modem entry
    EXPECT_EQ(v.nodes[0].name, "XX230v_2AC8");
    EXPECT_EQ(v.nodes[0].role, "controller");
    EXPECT_EQ(v.nodes[0].count, 2u);  // laptop (named) and tablet (no node: the controller's own radio)
    EXPECT_EQ(v.nodes[1].name, "XX230v_3B10");
    EXPECT_EQ(v.nodes[1].count, 1u);
    EXPECT_EQ(v.nodes[2].name, "1C:61:B4:FB:4C:20");  // unnamed: its MAC
    EXPECT_EQ(v.nodes[2].count, 0u);
    EXPECT_EQ(v.nodes[3].name, diag::kWiredOther);
    EXPECT_EQ(v.nodes[3].count, 1u);
    ASSERT_EQ(v.hosts.size(), 4u);
    EXPECT_EQ(v.hosts[0].name, "laptop");
    EXPECT_EQ(v.hosts[0].attached_node_mac, "1C:61:B4:FB:2A:C8");
    EXPECT_EQ(v.hosts[1].name, "tablet");
    EXPECT_EQ(v.hosts[2].name, "phone");
    EXPECT_EQ(v.hosts[2].attached_node, "XX230v_3B10");
    EXPECT_EQ(v.hosts[3].name, "tv");
    // A host naming a node the answer does not list is an error that says so.
    std::string bad = std::string(body);
    bad.replace(bad.find("1c:61:b4:fb:3b:10\"},"), 17, "02:00:00:00:00:01");
    EXPECT_NE(error_of(bad).find("hosts[1].node"), std::string::npos) << error_of(bad);
    EXPECT_NE(error_of(R"({"total":0,"hosts":[],"nodes":{}})").find("\"nodes\" must be an array"),
              std::string::npos);
}

// The bridge's GET /modems/:id/mesh answer → the consolidated view's mesh nodes.
TEST(BridgeMesh, NodesWithBackhaulParentAndClientCounts) {
    auto r = api::parse_bridge_mesh(R"({"supported":true,"nodes":[
 {"name":"XX230v_2AC8","mac":"1c:61:b4:fb:2a:c8","role":"controller","model":"XX230v","firmware":"0.6.0","ip":"192.168.1.1",
  "active":true,"clients":[{"mac":"3c:06:30:2d:42:fb","name":"MBP"}]},
 {"name":"","mac":"1c-61-b4-fb-4c-20","role":"satellite","parent":"1c:61:b4:fb:3b:10",
  "backhaul":{"type":"wifi","signal":162,"linkRate":1201},"clients":[]}]})");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    const cJSON* nodes = r->value().get();
    ASSERT_EQ(cJSON_GetArraySize(nodes), 2);
    const cJSON* c = cJSON_GetArrayItem(nodes, 0);
    EXPECT_EQ(cpe::json::opt_string(c, "mac"), "1C:61:B4:FB:2A:C8");
    EXPECT_EQ(cpe::json::opt_int(c, "clients"), 1);
    const cJSON* s = cJSON_GetArrayItem(nodes, 1);
    EXPECT_EQ(cpe::json::opt_string(s, "name"), "1C:61:B4:FB:4C:20");  // unnamed: its MAC
    EXPECT_EQ(cpe::json::opt_string(s, "parent"), "1C:61:B4:FB:3B:10");
    EXPECT_EQ(cpe::json::opt_string(cJSON_GetObjectItem(s, "backhaul"), "type"), "wifi");
    EXPECT_EQ(cpe::json::opt_int(cJSON_GetObjectItem(s, "backhaul"), "signal"), 162);

    auto none = api::parse_bridge_mesh(R"({"supported":false,"nodes":[]})");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    auto bad = api::parse_bridge_mesh(R"({"nodes":[{"mac":"xyz"}]})");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("nodes[0].mac"), std::string::npos) << bad.error().message;
    auto bad_rate =
        api::parse_bridge_mesh(R"({"nodes":[{"mac":"1c:61:b4:fb:2a:c8","backhaul":{"linkRate":"fast"}}]})");
    ASSERT_FALSE(bad_rate.ok());
    EXPECT_NE(bad_rate.error().message.find("backhaul.linkRate"), std::string::npos)
        << bad_rate.error().message;
}
