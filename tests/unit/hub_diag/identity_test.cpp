// One device seen by two sources (hub/diag/identity.*): the agent's sticker serial vs a GenieACS record whose
// TR-069 serial is a factory one (tests/sim/fleet: 1 XX230v in 5), matched by GPON serial or MAC; model
// families.
#include <gtest/gtest.h>

#include "diag/identity.hpp"

using namespace cpe::hub::diag;

TEST(HubIdentity, FromTr181AndTr098Values) {
    Params xx = {{"_deviceId._SerialNumber", "22275A7000395"},
                 {"Device.DeviceInfo.SerialNumber", "22275a7000395"},
                 {"Device.Optical.Interface.1.GponAuth.GponSn", "54504C47B4FB2AC8"},  // "TPLG" + B4FB2AC8
                 {"Device.Ethernet.Interface.1.MACAddress", "1c:61:b4:fb:2a:c8"},
                 {"Device.Ethernet.Interface.2.MACAddress", "1C-61-B4-FB-2A-C9"},
                 {"Device.Ethernet.Interface.3.MACAddress", "00:00:00:00:00:00"}};
    DeviceIdentity a = identity_of(xx);
    EXPECT_EQ(a.serial, "22275A7000395");
    EXPECT_EQ(a.gpon_serial, "TPLGB4FB2AC8");
    EXPECT_EQ(a.macs, (std::vector<std::string>{"1C:61:B4:FB:2A:C8", "1C:61:B4:FB:2A:C9"}));

    Params ht = {
        {"_deviceId._SerialNumber", "RCMG00C0FFEE"},
        {"InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn", "RCMG00C0FFEE"},
        {"InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress", "00:0E:5E:01:02:03"}};
    DeviceIdentity h = identity_of(ht);
    EXPECT_EQ(h.serial, "RCMG00C0FFEE");
    EXPECT_EQ(h.gpon_serial, "RCMG00C0FFEE");
    EXPECT_EQ(h.macs, std::vector<std::string>{"00:0E:5E:01:02:03"});
}

TEST(HubIdentity, SameDeviceBySerialGponSerialOrMac) {
    DeviceIdentity agent =
        make_identity("TPLGB4FB2AC8", "TPLGB4FB2AC8", "1C:61:B4:FB:2A:C8,1C:61:B4:FB:2A:CA");
    DeviceIdentity factory = make_identity("22275A7000395", "TPLGB4FB2AC8", "");
    EXPECT_TRUE(same_device(agent, factory));  // GPON serial
    EXPECT_TRUE(same_device(factory, agent));
    DeviceIdentity by_mac = make_identity("22275A7000395", "", "1c-61-b4-fb-2a-ca");
    EXPECT_TRUE(same_device(agent, by_mac));
    DeviceIdentity same_serial = make_identity("tplgb4fb2ac8", "", "");
    EXPECT_TRUE(same_device(agent, same_serial));
    DeviceIdentity other = make_identity("TPLGB4FB2AC9", "TPLGB4FB2AC9", "1C:61:B4:FB:2A:D0");
    EXPECT_FALSE(same_device(agent, other));
    // Unknown values never match each other.
    EXPECT_FALSE(same_device(make_identity("", "", ""), make_identity("", "", "")));
    EXPECT_FALSE(
        same_device(make_identity("", "", "00:00:00:00:00:00"), make_identity("", "", "00:00:00:00:00:00")));
}

TEST(HubIdentity, ModelFamiliesFromBoardsMd) {
    const std::vector<std::string> families = {"HT803G"};  // devices.model_families' default (api_parse_test)
    EXPECT_EQ(model_family("HT803G", families), "HT803G");
    EXPECT_EQ(model_family("HT803G-W", families), "HT803G");
    EXPECT_EQ(model_family("HT803G-WS2", families), "HT803G");
    EXPECT_EQ(model_family("HT803GX", families), "HT803GX");  // not a variant suffix
    EXPECT_EQ(model_family("XX230v", families), "XX230v");
    EXPECT_EQ(model_family("", families), "unknown");
    // The agent reports the variant as ModelName; GenieACS (TR-098) the family, the variant in ProductClass.
    EXPECT_EQ(model_variant("HT803G-W", "HT803G-W", families), "HT803G-W");
    EXPECT_EQ(model_variant("HT803G", "HT803G-WS2", families), "HT803G-WS2");
    EXPECT_EQ(model_variant("XX230v", "Device2", families),
              "XX230v");  // boards.md: match on ModelName, not ProductClass
    EXPECT_EQ(model_variant("", "Device2", families), "Device2");
}

// The families are data (devices.model_families), not code: another table, other families.
TEST(HubIdentity, ModelFamiliesComeFromTheTableGiven) {
    EXPECT_EQ(model_family("HT803G-W", {}), "HT803G-W");
    EXPECT_EQ(model_variant("HT803G", "HT803G-WS2", {}), "HT803G");
    EXPECT_EQ(model_family("XX230v-EU", {"XX230v"}), "XX230v");
}
