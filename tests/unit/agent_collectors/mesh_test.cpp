#include "collectors/mesh.hpp"

#include <gtest/gtest.h>

namespace cpe::agent {
namespace {

// The format of docs/sources-radio.md §4, with values from the real XX230v dump (MultiAP.APDevice.1).
constexpr const char* kTwoNodes = R"({
  "version": 1,
  "devices": [
    { "id": "1C:61:B4:FB:2A:C8", "name": "living room", "role": "controller", "model": "XX230v",
      "serial": "22275A7000395", "software_version": "0.6.0 3.0.0 v6066.0", "backhaul": null,
      "radios": [
        { "id": "1c:61:b4:fb:2a:c8", "band": "2.4GHz", "channel": 10, "noise_rcpi": 20,
          "bss": [ { "bssid": "1C:61:B4:FB:2A:C8", "ssid": "TP-Link_2AC8", "stations": [] } ] },
        { "id": "1c:61:b4:fb:2a:c9", "band": "5GHz", "channel": 44,
          "bss": [ { "bssid": "1c:61:b4:fb:2a:c9", "ssid": "TP-Link_2AC8_5G", "stations": [
            { "mac": "3C:06:30:2D:42:FB", "rcpi": 100, "downlink_kbps": 960000, "uplink_kbps": 648000,
              "association_s": 805, "last_seen_ms": 340, "rx_bytes": 2396757, "tx_bytes": 54545803,
              "standard": "ax", "hostname": "iPhone", "ipv4": "192.168.1.100" } ] } ] } ] },
    { "id": "1c:61:b4:aa:bb:cc", "name": "basement", "role": "agent", "model": "Deco X20",
      "software_version": "1.1.0",
      "backhaul": { "type": "wifi", "parent": "1c:61:b4:fb:2a:c9", "rcpi": 150, "rate_kbps": 866000 },
      "radios": [] }
  ]
})";

TEST(Mesh, ParsesTheWholeTree) {
    ParseNotes notes;
    auto nodes = parse_mesh_json(kTwoNodes, notes);
    ASSERT_TRUE(nodes.ok()) << nodes.error().message;
    EXPECT_EQ(notes.skipped, 0u) << (notes.messages.empty() ? "" : notes.messages[0]);
    ASSERT_EQ(nodes->size(), 2u);
    const MeshNode& c = (*nodes)[0];
    EXPECT_EQ(c.id.str(), "1c:61:b4:fb:2a:c8");
    EXPECT_EQ(c.name, "living room");
    EXPECT_EQ(c.role, "controller");
    EXPECT_EQ(c.model, "XX230v");
    EXPECT_EQ(c.serial, "22275A7000395");
    EXPECT_EQ(c.backhaul, "");
    EXPECT_FALSE(c.backhaul_parent.has_value());
    ASSERT_EQ(c.radios.size(), 2u);
    EXPECT_EQ(c.radios[0].band, "2.4GHz");
    EXPECT_EQ(c.radios[0].channel, 10);
    EXPECT_EQ(c.radios[0].noise_rcpi, 20);
    EXPECT_FALSE(c.radios[1].noise_rcpi.has_value());
    ASSERT_EQ(c.radios[1].bss.size(), 1u);
    EXPECT_EQ(c.radios[1].bss[0].ssid, "TP-Link_2AC8_5G");
    ASSERT_EQ(c.radios[1].bss[0].stations.size(), 1u);
    const MeshStation& s = c.radios[1].bss[0].stations[0];
    EXPECT_EQ(s.mac.str(), "3c:06:30:2d:42:fb");
    EXPECT_EQ(s.rcpi, 100);
    EXPECT_EQ(s.downlink_kbps, 960000u);
    EXPECT_EQ(s.uplink_kbps, 648000u);
    EXPECT_EQ(s.association_s, 805u);
    EXPECT_EQ(s.last_seen_ms, 340u);
    EXPECT_EQ(s.rx_bytes, 2396757u);
    EXPECT_EQ(s.tx_bytes, 54545803u);
    EXPECT_EQ(s.standard, "ax");
    EXPECT_EQ(s.hostname, "iPhone");
    EXPECT_EQ(s.ipv4, "192.168.1.100");
    const MeshNode& a = (*nodes)[1];
    EXPECT_EQ(a.role, "agent");
    EXPECT_EQ(a.backhaul, "wifi");
    ASSERT_TRUE(a.backhaul_parent.has_value());
    EXPECT_EQ(a.backhaul_parent->str(), "1c:61:b4:fb:2a:c9");
    EXPECT_EQ(a.backhaul_rcpi, 150);
    EXPECT_EQ(a.backhaul_rate_kbps, 866000u);
    EXPECT_EQ(a.serial, "");
}

TEST(Mesh, NotJsonIsAnErrorNamingTheOffset) {
    ParseNotes notes;
    auto nodes = parse_mesh_json("{\"devices\": [", notes);
    ASSERT_FALSE(nodes.ok());
    EXPECT_EQ(nodes.error().code, Errc::parse_error);
    EXPECT_NE(nodes.error().message.find("byte"), std::string::npos);
}

TEST(Mesh, MissingDevicesOrUnknownVersionIsAnError) {
    ParseNotes notes;
    EXPECT_FALSE(parse_mesh_json("{}", notes).ok());
    EXPECT_FALSE(parse_mesh_json("[]", notes).ok());
    EXPECT_FALSE(parse_mesh_json(R"({"devices": {}})", notes).ok());
    auto v2 = parse_mesh_json(R"({"version": 2, "devices": []})", notes);
    ASSERT_FALSE(v2.ok());
    EXPECT_NE(v2.error().message.find("version"), std::string::npos);
    auto empty = parse_mesh_json(R"({"devices": []})", notes);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
}

TEST(Mesh, BadRecordsAreSkippedAndBadFieldsAbsent) {
    const char* text = R"({"devices": [
        {"name": "no id"},
        "not an object",
        {"id": "1c:61:b4:fb:2a:c8", "role": "boss", "backhaul": {"type": "pigeon", "parent": "xx", "rcpi": 255},
         "radios": [
            {"id": "bad"},
            {"id": "1c:61:b4:fb:2a:c9", "band": "60GHz", "channel": 1e12,
             "bss": [{"bssid": "1c:61:b4:fb:2a:c9", "ssid": 5, "stations": [
                {"mac": "3c:06:30:2d:42:fb", "rcpi": -3, "downlink_kbps": 5000000000, "rx_bytes": 1.5,
                 "tx_bytes": 12},
                {"rcpi": 100}]}]}]}]})";
    ParseNotes notes;
    auto nodes = parse_mesh_json(text, notes);
    ASSERT_TRUE(nodes.ok());
    ASSERT_EQ(nodes->size(), 1u);
    const MeshNode& n = (*nodes)[0];
    EXPECT_EQ(n.role, "");
    EXPECT_EQ(n.backhaul, "");
    EXPECT_FALSE(n.backhaul_parent.has_value());
    EXPECT_FALSE(n.backhaul_rcpi.has_value());  // 255 = not measured
    ASSERT_EQ(n.radios.size(), 1u);
    EXPECT_EQ(n.radios[0].band, "");
    EXPECT_FALSE(n.radios[0].channel.has_value());
    ASSERT_EQ(n.radios[0].bss.size(), 1u);
    EXPECT_EQ(n.radios[0].bss[0].ssid, "");
    ASSERT_EQ(n.radios[0].bss[0].stations.size(), 1u);
    const MeshStation& s = n.radios[0].bss[0].stations[0];
    EXPECT_FALSE(s.rcpi.has_value());
    EXPECT_FALSE(s.downlink_kbps.has_value());
    EXPECT_FALSE(s.rx_bytes.has_value());
    EXPECT_EQ(s.tx_bytes, 12u);
    // no id, not an object, role, type, parent, radio id, band, channel, ssid, rcpi, downlink, rx_bytes,
    // station mac
    EXPECT_EQ(notes.skipped, 13u);
    EXPECT_LE(notes.messages.size(), ParseNotes::kMaxKept);
    EXPECT_EQ(notes.messages[0], "devices[0].id: missing");
}

}  // namespace
}  // namespace cpe::agent
