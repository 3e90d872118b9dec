#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "model.hpp"
#include "session.hpp"

namespace cpe::tplink {
namespace {

ActReply reply(const char* json) {
    auto r = parse_act_reply(json);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : ActReply{};
}

std::string param(const std::vector<std::pair<std::string, std::string>>& ps, const std::string& name) {
    for (const auto& [k, v] : ps)
        if (k == name) return v;
    return "<absent>";
}

TEST(TplinkModel, ConnTypeToBand) {
    EXPECT_EQ(band_from_conn_type("0").name, "wired");
    EXPECT_EQ(band_from_conn_type("1").name, "2.4G");
    EXPECT_FALSE(band_from_conn_type("1").guest);
    EXPECT_EQ(band_from_conn_type("2").name, "2.4G");
    EXPECT_TRUE(band_from_conn_type("2").guest);
    EXPECT_EQ(band_from_conn_type("3").name, "5G");
    EXPECT_TRUE(band_from_conn_type("4").guest);
    EXPECT_EQ(band_from_conn_type("5").name,
              "unknown");  // seen in the real XX230v dump; meaning undocumented
    EXPECT_EQ(band_from_conn_type("").name, "unknown");
}

TEST(TplinkModel, HostsMapOntoTr181AndJson) {
    Snapshot s;
    apply_hosts(s, reply(R"({"data":[
        {"active":"1","X_TP_LanConnType":"3","physAddress":"3C:06:30:2D:42:FB","IPAddress":"192.168.1.2","hostName":"MBP","leaseTimeRemaining":"4006"},
        {"active":"0","X_TP_LanConnType":"0","physAddress":"bad-mac","IPAddress":"192.168.1.9","hostName":"","leaseTimeRemaining":"-1"}
    ],"success":true})"));
    ASSERT_EQ(s.hosts.size(), 2u);
    EXPECT_EQ(s.hosts[0].band.name, "5G");
    EXPECT_TRUE(s.hosts[0].active);
    EXPECT_EQ(s.hosts[0].lease_s, 4006);
    EXPECT_EQ(s.hosts[0].mac->str(), "3c:06:30:2d:42:fb");
    EXPECT_FALSE(s.hosts[1].mac.has_value());
    EXPECT_FALSE(s.hosts[1].lease_s.has_value());
    auto ps = to_tr181(s);
    EXPECT_EQ(param(ps, "Device.Hosts.HostNumberOfEntries"), "2");
    EXPECT_EQ(param(ps, "Device.Hosts.Host.1.PhysAddress"), "3c:06:30:2d:42:fb");
    EXPECT_EQ(param(ps, "Device.Hosts.Host.1.InterfaceType"), "Wi-Fi");
    EXPECT_EQ(param(ps, "Device.Hosts.Host.2.InterfaceType"), "Ethernet");
    EXPECT_EQ(param(ps, "Device.Hosts.Host.2.Active"), "false");
    auto doc = to_json(s);
    std::string text = json::print(doc.get());
    EXPECT_NE(
        text.find(
            R"("name":"MBP","ip":"192.168.1.2","mac":"3c:06:30:2d:42:fb","band":"5G","guest":false,"active":true,"lease":4006)"),
        std::string::npos)
        << text;
}

TEST(TplinkModel, OpticalLevelsInDbm) {
    Snapshot s;
    // Real XX230v values (0.1 µW): 5624 → 10·log10(0.5624 mW) = −2.4995 dBm; 14880 → +1.7260 dBm.
    apply_optical(s, reply(R"({"data":{"RXPower":"5624","TXPower":14880},"success":true})"));
    ASSERT_TRUE(s.optical.rx_dbm && s.optical.tx_dbm);
    EXPECT_NEAR(*s.optical.rx_dbm, -2.4995, 1e-3);
    EXPECT_NEAR(*s.optical.tx_dbm, 1.7260, 1e-3);
    auto ps = to_tr181(s);
    EXPECT_EQ(param(ps, "Device.Optical.Interface.1.OpticalSignalLevel"), "-2500");
    EXPECT_EQ(param(ps, "Device.Optical.Interface.1.TransmitOpticalLevel"), "1726");
    Snapshot dark;
    apply_optical(dark, reply(R"({"data":{"RXPower":"0","TXPower":"junk"},"success":true})"));
    EXPECT_FALSE(dark.optical.rx_dbm);
    EXPECT_FALSE(dark.optical.tx_dbm);
    EXPECT_EQ(param(to_tr181(dark), "Device.Optical.Interface.1.OpticalSignalLevel"), "<absent>");
}

// DEV2_ADT_WAN is a list; on the real XX230v dump the live connection is ppp0 (IP interface 6), the last of
// four enabled instances — not the first (issue 16 item 2). Items as the simulator builds them from the dump.
TEST(TplinkModel, WanPicksTheLiveInstanceNotTheFirst) {
    const char* wan = R"({"data":[
        {"stack":"1,0,0,0,0,0","enable":"1","name":"usb_ppp3g","connIPv4Address":"0.0.0.0","MACAddr":""},
        {"stack":"2,0,0,0,0,0","enable":"0","name":"off","connIPv4Address":"10.9.9.9","MACAddr":""},
        {"stack":"3,0,0,0,0,0","enable":"1","name":"ipoe_0_0_d","connIPv4Address":"0.0.0.0","MACAddr":"1C:61:B4:FB:2A:CA"},
        {"stack":"4,0,0,0,0,0","enable":"1","name":"pppoe_gpon_2_1","connIPv4Address":"192.168.89.137",
         "connIPv4Gateway":"192.168.89.1","MACAddr":"1C:61:B4:FB:2A:CB"}],"success":true})";
    Snapshot s;
    apply_wan(s, reply(wan));
    EXPECT_EQ(s.wan.ipv4, "192.168.89.137");
    EXPECT_EQ(s.wan.name, "pppoe_gpon_2_1");
    EXPECT_EQ(s.wan.gateway, "192.168.89.1");
    EXPECT_TRUE(s.wan.enabled);
    // A status field, when the modem gives one, wins over the mere presence of an address.
    Snapshot t;
    apply_wan(t, reply(R"({"data":[{"enable":"1","connIPv4Address":"10.0.0.2","status":"Down"},
                                   {"enable":"1","connIPv4Address":"100.64.0.9","status":"Up"}],"success":true})"));
    EXPECT_EQ(t.wan.ipv4, "100.64.0.9");
    Snapshot empty;
    apply_wan(empty, reply(R"({"data":[],"success":true})"));
    EXPECT_EQ(empty.wan.ipv4, "");
    Snapshot lan;
    apply_lan(
        lan,
        reply(
            R"({"data":[{"IPAddress":"","MACAddress":"x"},{"IPAddress":"192.168.1.1","MACAddress":"1C:61:B4:FB:2A:C8","DHCPv4Enable":"1"}],"success":true})"));
    EXPECT_EQ(lan.lan.ipv4, "192.168.1.1");
    EXPECT_EQ(lan.lan.mac, "1C:61:B4:FB:2A:C8");
}

// Mesh nodes and their clients (object and field names: an assumption, see docs/bridge-tplink.md, Mesh).
TEST(TplinkModel, MeshNodesBackhaulParentAndClients) {
    Snapshot s;
    apply_hosts(s, reply(R"({"data":[{"physAddress":"3C:06:30:2D:42:FB","X_TP_LanConnType":"3","active":"1"},
                                     {"physAddress":"A8:9C:ED:11:22:10","X_TP_LanConnType":"1","active":"1"}],"success":true})"));
    apply_mesh_nodes(s, reply(R"({"data":[
        {"MACAddress":"1C:61:B4:FB:2A:C8","X_TP_HostName":"XX230v_2AC8","X_TP_IsController":"true","X_TP_Active":"true",
         "backhaulLinkType":"","softwareVersion":"0.6.0","X_TP_ModelName":"XX230v"},
        {"MACAddress":"1C:61:B4:FB:3B:10","X_TP_IsController":"false","backhaulLinkType":"Ethernet",
         "backhaulMACAddress":"1C:61:B4:FB:2A:C8","X_TP_LinkRate":"1000"},
        {"MACAddress":"1C:61:B4:FB:4C:20","X_TP_IsController":"false","backhaulLinkType":"Wi-Fi",
         "backhaulMACAddress":"1c-61-b4-fb-3b-10","backhaulSignalStrength":"162","X_TP_LinkRate":"1201"},
        {"MACAddress":"not a mac"}],"success":true})"));
    apply_mesh_clients(s, reply(R"({"data":[
        {"MACAddress":"3C:06:30:2D:42:FB","X_TP_ApDeviceMac":"1C:61:B4:FB:2A:C8","signalStrength":"100","lastDataDownlinkRate":"960000"},
        {"MACAddress":"A8:9C:ED:11:22:10","X_TP_ApDeviceMac":"1C:61:B4:FB:4C:20","active":"1"},
        {"MACAddress":"00:11:22:33:44:55","X_TP_ApDeviceMac":"1C:61:B4:FB:4C:20","active":"0"},
        {"MACAddress":"00:11:22:33:44:66","X_TP_ApDeviceMac":"00:00:00:00:00:99"}],"success":true})"));
    ASSERT_TRUE(s.mesh_supported);
    ASSERT_EQ(s.mesh.size(), 3u);  // the node without a MAC is left out
    EXPECT_EQ(s.mesh[0].role, "controller");
    EXPECT_EQ(s.mesh[0].backhaul, "");
    EXPECT_EQ(s.mesh[0].parent_mac, "");
    EXPECT_EQ(s.mesh[1].backhaul, "wired");
    EXPECT_EQ(s.mesh[1].parent_mac, "1c:61:b4:fb:2a:c8");
    EXPECT_EQ(s.mesh[2].backhaul, "wifi");
    EXPECT_EQ(s.mesh[2].parent_mac, "1c:61:b4:fb:3b:10");
    EXPECT_EQ(s.mesh[2].signal, 162);
    ASSERT_EQ(s.mesh[0].clients.size(), 1u);
    EXPECT_EQ(s.mesh[0].clients[0].downlink_kbps, 960000);
    EXPECT_EQ(s.mesh[2].clients.size(), 1u);  // the inactive one is not counted
    EXPECT_EQ(s.hosts[0].node_mac, "1c:61:b4:fb:2a:c8");
    EXPECT_EQ(s.hosts[1].node_mac, "1c:61:b4:fb:4c:20");
    auto doc = to_json(s);
    const cJSON* nodes = cJSON_GetObjectItem(cJSON_GetObjectItem(doc.get(), "mesh"), "nodes");
    ASSERT_EQ(cJSON_GetArraySize(nodes), 3);
    EXPECT_EQ(json::opt_string(cJSON_GetArrayItem(nodes, 2), "parent"), "1c:61:b4:fb:3b:10");
}

TEST(TplinkModel, DeviceWifiMemory) {
    Snapshot s;
    apply_dev_info(
        s,
        reply(
            R"({"data":{"modelName":"XX230v","hardwareVersion":"XX230v v1.0","softwareVersion":"0.6.0"},"success":true})"));
    apply_wifi(
        s,
        reply(
            R"({"data":[{"stack":"2,0,0,0,0,0","primaryEnable":"1","guestEnable":"0"},{"stack":"1,0,0,0,0,0","primaryEnable":"0","guestEnable":"1"}],"success":true})"));
    apply_mem(s, reply(R"({"data":{"total":"212544","free":"73940"},"success":true})"));
    apply_proc(s, reply(R"({"data":{"CPUUsage":"3"},"success":true})"));
    ASSERT_EQ(s.wifi.size(), 2u);
    EXPECT_EQ(s.wifi[0].band, "5G");
    EXPECT_TRUE(s.wifi[0].enabled);
    EXPECT_EQ(s.wifi[1].band, "2.4G");
    EXPECT_TRUE(s.wifi[1].guest_enabled);
    auto ps = to_tr181(s);
    EXPECT_EQ(param(ps, "Device.DeviceInfo.ModelName"), "XX230v");
    EXPECT_EQ(param(ps, "Device.DeviceInfo.MemoryStatus.Total"), "212544");
    EXPECT_EQ(param(ps, "Device.DeviceInfo.ProcessStatus.CPUUsage"), "3");
}

TEST(TplinkSecretFile, FormatsAndErrorsWithoutTheSecret) {
    std::string dir = ::testing::TempDir();
    std::string keyed = dir + "/tplink_secret_keyed";
    std::ofstream(keyed) << "# modem\nuser=admin\npassword=s3cr=t\n";
    auto a = load_secret_file(keyed);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->user, "admin");
    EXPECT_EQ(a->password, "s3cr=t");
    std::string bare = dir + "/tplink_secret_bare";
    std::ofstream(bare) << "hunter2\n";
    auto b = load_secret_file(bare);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->user, "user");
    EXPECT_EQ(b->password, "hunter2");
    std::string nopw = dir + "/tplink_secret_nopw";
    std::ofstream(nopw) << "user=hunter3\n";
    auto c = load_secret_file(nopw);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message.find("hunter3"), std::string::npos);
    EXPECT_FALSE(load_secret_file(dir + "/does-not-exist"));
    std::remove(keyed.c_str());
    std::remove(bare.c_str());
    std::remove(nopw.c_str());
}

}  // namespace
}  // namespace cpe::tplink
