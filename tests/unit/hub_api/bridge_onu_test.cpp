// The hub's reading of the bridge's OLT answers: a Service Location's "olt_port" and one ONU's row of a PON
// table.
#include <gtest/gtest.h>

#include "api/parse.hpp"

namespace cpe::hub::api {
namespace {

double number(const json::Ptr& o, const char* key) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o.get(), key);
    EXPECT_TRUE(cJSON_IsNumber(v)) << key;
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

TEST(OltPort, ParsesSlotPortOnu) {
    auto p = parse_olt_port("1/3/17");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->slot, 1);
    EXPECT_EQ(p->port, 3);
    EXPECT_EQ(p->onu, 17);
    EXPECT_TRUE(parse_olt_port("0/0/128"));
}

TEST(OltPort, RefusesWhatIsNotThreeNumbersInRange) {
    for (const char* bad : {"", "1/1", "1/1/1/1", "1//1", "/1/1", "1/1/", "a/1/1", "1/1/0", "1/1/129",
                            "100/1/1", "1/100/1", "1 /1/1", "0001/1/1", "-1/1/1"})
        EXPECT_FALSE(parse_olt_port(bad)) << bad;
}

constexpr const char* kPon = R"({"olt":"127.0.0.1:161","slot":1,"port":2,"complete":false,"error":"timeout",
  "onus":[{"onu":1,"serial":"RCMG00000001","status":"online","rx_dbm":-19.4,"tx_dbm":2.1,"olt_rx_dbm":-23.7,"distance_m":1830},
          {"onu":2,"status":"offline","offline_reason":{"code":6,"text":"power off","detail":"dying gasp"}},
          {"onu":4,"status":"pending","offline_reason":{"code":13,"text":"fibre cut","detail":"branch fibre cut"}},
          {"onu":5,"status":"online","offline_reason":{"code":6,"text":"power off"}}],"oltId":"OLT-01"})";

TEST(BridgeOnu, PicksTheRowOfThatOnu) {
    auto r = parse_bridge_onu(kPon, 1);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    const json::Ptr& o = **r;
    EXPECT_DOUBLE_EQ(number(o, "oltRxDbm"), -23.7);
    EXPECT_DOUBLE_EQ(number(o, "rxDbm"), -19.4);
    EXPECT_DOUBLE_EQ(number(o, "txDbm"), 2.1);
    EXPECT_DOUBLE_EQ(number(o, "distanceM"), 1830);
    EXPECT_STREQ(cJSON_GetObjectItem(o.get(), "onuStatus")->valuestring, "online");
    EXPECT_STREQ(cJSON_GetObjectItem(o.get(), "onuSerial")->valuestring, "RCMG00000001");
}

TEST(BridgeOnu, AnOfflineOnuHasNoLevels) {
    auto r = parse_bridge_onu(kPon, 2);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->has_value());
    EXPECT_FALSE(cJSON_GetObjectItem(r->value().get(), "oltRxDbm"));
    EXPECT_STREQ(cJSON_GetObjectItem(r->value().get(), "onuStatus")->valuestring, "offline");
    EXPECT_STREQ(cJSON_GetObjectItem(r->value().get(), "onuOfflineReason")->valuestring, "power off");
    EXPECT_STREQ(cJSON_GetObjectItem(r->value().get(), "onuOfflineDetail")->valuestring, "dying gasp");
}

TEST(BridgeOnu, PendingHasItsCauseOnlineNever) {
    auto p = parse_bridge_onu(kPon, 4);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_STREQ(cJSON_GetObjectItem(p->value().get(), "onuStatus")->valuestring, "pending");
    EXPECT_STREQ(cJSON_GetObjectItem(p->value().get(), "onuOfflineReason")->valuestring, "fibre cut");
    auto o = parse_bridge_onu(kPon, 5);
    ASSERT_TRUE(o.ok() && o->has_value());
    EXPECT_EQ(cJSON_GetObjectItem(o->value().get(), "onuOfflineReason"), nullptr);
}

TEST(BridgeOnu, AbsentOnuIsNotAnError) {
    auto r = parse_bridge_onu(kPon, 3);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
}

TEST(BridgeOnu, ErrorsNameWhatWasWrong) {
    auto r = parse_bridge_onu(R"({"olt":"x"})", 1);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("\"onus\""), std::string::npos) << r.error().message;
    EXPECT_FALSE(parse_bridge_onu("[", 1).ok());
    EXPECT_FALSE(parse_bridge_onu("[]", 1).ok());
}

}  // namespace
}  // namespace cpe::hub::api
