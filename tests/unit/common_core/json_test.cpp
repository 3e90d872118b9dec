#include <gtest/gtest.h>

#include "json/json.hpp"

TEST(Json, ParseErrorNamesInputAndLine) {
    auto r = cpe::json::parse("{\n\"a\": 1,\n\"b\": }", "profile.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("profile.json"), std::string::npos);
    EXPECT_NE(r.error().message.find("line 3"), std::string::npos);
}

TEST(Json, TypedAccessNamesTheKey) {
    auto r = cpe::json::parse(R"({"name":"x","port":"80","on":true,"n":3})", "cfg");
    ASSERT_TRUE(r.ok());
    const cJSON* root = r->get();
    EXPECT_EQ(*cpe::json::get_string(root, "name", "cfg"), "x");
    auto port = cpe::json::get_int(root, "port", "cfg");
    ASSERT_FALSE(port.ok());
    EXPECT_EQ(port.error().message, "cfg.port: must be an integer");
    auto missing = cpe::json::get_bool(root, "enable", "cfg");
    EXPECT_EQ(missing.error().message, "cfg.enable: missing");
    EXPECT_EQ(*cpe::json::get_int(root, "n", "cfg"), 3);
    EXPECT_TRUE(*cpe::json::get_bool(root, "on", "cfg"));
}

TEST(Json, BuildAndPrint) {
    auto obj = cpe::json::make_object();
    cpe::json::add_string(obj.get(), "s", "v\"q");
    cpe::json::add_number(obj.get(), "n", 2);
    EXPECT_EQ(cpe::json::print(obj.get()), R"({"s":"v\"q","n":2})");
}
