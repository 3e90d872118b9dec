#include <gtest/gtest.h>

#include "sources/genieacs_document.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {
namespace {

// Shaped like the NBI's answer for a projected XX230v (values from the real dump).
const char* kDoc = R"([{"_id":"1C61B4-Device2-22275A7000395",
  "_deviceId":{"_Manufacturer":"TP-Link","_OUI":"1C61B4","_ProductClass":"Device2","_SerialNumber":"22275A7000395"},
  "_lastInform":"2023-04-26T22:05:10.680Z","_tags":["agent",3],
  "Device":{"_object":true,"_writable":false,"_timestamp":"2023-04-26T18:44:47.395Z",
    "Optical":{"Interface":{"1":{"GponAuth":{"GponSn":{"_object":false,"_value":"54504C47B4FB2AC8","_type":"xsd:string",
        "_timestamp":"2023-04-26T18:51:36.577Z","_writable":true}},
      "X_TP_GPON_Config":{"RXPower":{"_value":5624,"_type":"xsd:int"},"Enable":{"_value":false,"_type":"xsd:boolean"},
        "Status":{"_object":false,"_writable":false}}}}}}}])";

TEST(GenieDocument, ParsesIdentityAndFlatLeaves) {
    auto list = parse_device_list(kDoc);
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->size(), 1u);
    const auto& d = (*list)[0];
    EXPECT_EQ(d.id, "1C61B4-Device2-22275A7000395");
    EXPECT_EQ(d.product_class, "Device2");
    EXPECT_EQ(d.serial, "22275A7000395");
    EXPECT_EQ(d.last_inform, "2023-04-26T22:05:10.680Z");
    EXPECT_EQ(d.tags, std::vector<std::string>{"agent"});
    EXPECT_EQ(d.value("Device.Optical.Interface.1.GponAuth.GponSn"), "54504C47B4FB2AC8");
    EXPECT_TRUE(d.find("Device.Optical.Interface.1.GponAuth.GponSn")->writable);
    EXPECT_EQ(d.value("Device.Optical.Interface.1.X_TP_GPON_Config.RXPower"), "5624");
    EXPECT_EQ(d.find("Device.Optical.Interface.1.X_TP_GPON_Config.RXPower")->type, "xsd:int");
    EXPECT_EQ(d.value("Device.Optical.Interface.1.X_TP_GPON_Config.Enable"), "false");
    const GenieParam* never = d.find("Device.Optical.Interface.1.X_TP_GPON_Config.Status");
    ASSERT_NE(never, nullptr);
    EXPECT_FALSE(never->has_value);
    EXPECT_TRUE(d.find("Device")->object);
    EXPECT_EQ(d.find("Device.Optical"), nullptr) << "a node without attributes is not a parameter";
}

TEST(GenieDocument, ErrorsNameWhatWasWrong) {
    auto a = parse_device_list("{}");
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("expected a JSON array"), std::string::npos);
    auto b = parse_device_list(R"([{"_deviceId":{}}])");
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("[0]: missing or non-string _id"), std::string::npos) << b.error().message;
    auto c = parse_device_list(R"([{"_id":"x","Device":{"A":{"_value":[1]}}}])");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("device x: Device.A._value"), std::string::npos) << c.error().message;
    auto d = parse_device_list(R"([{"_id":"x","Device":{"A":5}}])");
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("Device.A: expected an object"), std::string::npos);
    auto e = parse_device_list("[{\"_id\":\"x\"");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::parse_error);
}

TEST(GenieDocument, LimitsAreEnforced) {
    std::string deep = R"([{"_id":"x","D":)";
    for (int i = 0; i < 40; ++i) deep += R"({"a":)";
    deep += "{}";
    for (int i = 0; i < 40; ++i) deep += "}";
    deep += "}]";
    auto r = parse_device_list(deep);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    GenieParseLimits lim;
    lim.max_devices = 1;
    auto two = parse_device_list(R"([{"_id":"a"},{"_id":"b"}])", lim);
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error().code, Errc::too_large);
}

TEST(GenieIds, EscapedLikeGenieAcs) {
    EXPECT_EQ(genieacs_device_id("1C61B4", "Device2", "TPLGC4160688"), "1C61B4-Device2-TPLGC4160688");
    EXPECT_EQ(genieacs_device_id("000E5E", "HT803G-W", "RCMG0001"), "000E5E-HT803G%2DW-RCMG0001");
    EXPECT_EQ(genieacs_device_id("ABCDEF", "", "a b.c"), "ABCDEF-a%20b%2Ec");
    EXPECT_EQ(url_component("000E5E-HT803G%2DW-RCMG0001"), "000E5E-HT803G%252DW-RCMG0001");
    EXPECT_EQ(url_component("1C61B4-Device2-230001"), "1C61B4-Device2-230001");
    EXPECT_EQ(regex_escape("a.b$"), "a\\.b\\$");
}

}  // namespace
}  // namespace cpe::hub::sources
