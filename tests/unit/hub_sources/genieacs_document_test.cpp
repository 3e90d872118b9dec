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
    EXPECT_NE(b.error().message.find("[0]: missing or non-string _id"), std::string::npos)
        << b.error().message;
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

// A fleet page: a bad document is left out and named, the page goes on; what a pager cannot go past fails it.
TEST(GeniePage, LeavesOutBadDocumentsKeepsTheirIds) {
    GenieParseLimits lim;
    lim.max_devices = 3;
    lim.max_params = 2;
    auto p = parse_device_page(R"([
      {"_id":"a","_lastInform":"2026-11-24T10:00:00.000Z","Device":{"DeviceInfo":{"ModelName":{"_value":"XX230v"}}}},
      {"_id":"b","Device":5},
      {"_id":"c","Device":{"X":{"_value":1},"Y":{"_value":2},"Z":{"_value":3}}}])",
                               lim);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->ids, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(p->devices.size(), 1u);
    EXPECT_EQ(p->devices[0].value("Device.DeviceInfo.ModelName"), "XX230v");
    EXPECT_EQ(p->invalid_ids, (std::vector<std::string>{"b", "c"}));
    ASSERT_EQ(p->invalid.size(), 2u);
    EXPECT_NE(p->invalid[0].find("device b: Device: expected an object"), std::string::npos) << p->invalid[0];
    EXPECT_NE(p->invalid[1].find("more than 2 parameters"), std::string::npos) << p->invalid[1];

    auto empty = parse_device_page("[\n\n]", lim);  // the NBI's empty answer
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->ids.empty());
}

TEST(GeniePage, FailsWhatAPagerCannotGoPast) {
    GenieParseLimits lim;
    lim.max_devices = 2;
    auto many = parse_device_page(R"([{"_id":"a"},{"_id":"b"},{"_id":"c"}])", lim);
    ASSERT_FALSE(many);
    EXPECT_EQ(many.error().code, Errc::too_large);
    EXPECT_NE(many.error().message.find("more than 2 devices"), std::string::npos) << many.error().message;
    auto noid = parse_device_page(R"([{"_id":"a"},{"_deviceId":{}}])", lim);
    ASSERT_FALSE(noid);
    EXPECT_EQ(noid.error().code, Errc::parse_error);
    EXPECT_NE(noid.error().message.find("[1]: missing or non-string _id"), std::string::npos)
        << noid.error().message;
    auto notobj = parse_device_page(R"(["a"])", lim);
    ASSERT_FALSE(notobj);
    EXPECT_NE(notobj.error().message.find("[0]: expected a device object"), std::string::npos);
    auto truncated = parse_device_page(R"([{"_id":"a"},{"_id":"b","_deviceId":{"_Serial)", lim);
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, Errc::parse_error);
    auto object = parse_device_page(R"({"_id":"a"})", lim);
    ASSERT_FALSE(object);
    EXPECT_NE(object.error().message.find("expected a JSON array"), std::string::npos);
}

TEST(GenieIds, EscapedLikeGenieAcs) {
    EXPECT_EQ(genieacs_device_id("1C61B4", "Device2", "TPLGC4160688"), "1C61B4-Device2-TPLGC4160688");
    EXPECT_EQ(genieacs_device_id("000E5E", "HT803G-W", "RCMG0001"), "000E5E-HT803G%2DW-RCMG0001");
    EXPECT_EQ(genieacs_device_id("ABCDEF", "", "a b.c"), "ABCDEF-a%20b%2Ec");
    EXPECT_EQ(url_component("000E5E-HT803G%2DW-RCMG0001"), "000E5E-HT803G%252DW-RCMG0001");
    EXPECT_EQ(url_component("1C61B4-Device2-230001"), "1C61B4-Device2-230001");
    EXPECT_EQ(regex_escape("a.b$"), "a\\.b\\$");
}

// The id-contains fallback: a text with '-' matches across an id's parts and inside an escaped part.
TEST(GenieIds, FragmentRegexSpansParts) {
    EXPECT_EQ(genieacs_id_fragment_regex("TPLGC4160688"), "TPLGC4160688");
    EXPECT_EQ(genieacs_id_fragment_regex("HT803G-W"), "HT803G(-|%2D)W");
    EXPECT_EQ(genieacs_id_fragment_regex("Device2-TPLG"), "Device2(-|%2D)TPLG");
    EXPECT_EQ(genieacs_id_fragment_regex("a.b:c"), "a%2Eb%3Ac");
    EXPECT_EQ(genieacs_id_fragment_regex("-x-"), "(-|%2D)x(-|%2D)");
}

}  // namespace
}  // namespace cpe::hub::sources
