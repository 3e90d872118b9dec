#include <gtest/gtest.h>

#include "tr181/value.hpp"

using cpe::tr181::Type;
using cpe::tr181::Value;

TEST(Value, StringForms) {
    EXPECT_EQ(Value::boolean(true).to_string(), "true");
    EXPECT_EQ(Value::int32(-21000).to_string(), "-21000");
    EXPECT_EQ(Value::uint32(4294967295u).to_string(), "4294967295");
    EXPECT_EQ(Value::int64(-9000000000).to_string(), "-9000000000");
    EXPECT_EQ(Value::uint64(18446744073709551615ull).to_string(), "18446744073709551615");
    EXPECT_EQ(Value::dbm1000(-19523).to_string(), "-19523");
    EXPECT_EQ(Value::date_time(1795000000).to_string(), "2026-11-18T11:06:40Z");
    EXPECT_EQ(Value::date_time(0).to_string(), "1970-01-01T00:00:00Z");
    EXPECT_EQ(Value::date_time(cpe::tr181::kUnknownTime).to_string(), "0001-01-01T00:00:00Z");
    EXPECT_EQ(Value::date_time(cpe::tr181::kInfiniteTime).to_string(), "9999-12-31T23:59:59Z");
}

TEST(Value, ParseRoundTrips) {
    for (auto [type, text] :
         std::initializer_list<std::pair<Type, const char*>>{{Type::boolean, "false"},
                                                             {Type::int_, "-2147483648"},
                                                             {Type::unsigned_int, "0"},
                                                             {Type::long_, "9223372036854775807"},
                                                             {Type::unsigned_long, "1"},
                                                             {Type::dbm1000, "-27000"},
                                                             {Type::date_time, "2024-02-29T23:59:59Z"},
                                                             {Type::string, "any text"}}) {
        auto v = Value::parse(type, text);
        ASSERT_TRUE(v.ok()) << text;
        EXPECT_EQ(v->to_string(), text);
        EXPECT_EQ(v->type(), type);
    }
    EXPECT_TRUE(Value::parse(Type::boolean, "1")->as_bool());
    EXPECT_EQ(Value::parse(Type::date_time, "2026-11-18T10:46:40+01:00")->to_string(),
              "2026-11-18T09:46:40Z");
    EXPECT_EQ(Value::parse(Type::date_time, "2026-11-18T09:46:40.123Z")->to_string(), "2026-11-18T09:46:40Z");
}

TEST(Value, ParseErrorsNameTypeAndText) {
    struct Case {
        Type type;
        const char* text;
    } cases[] = {{Type::boolean, "yes"},         {Type::int_, "2147483648"},
                 {Type::unsigned_int, "-1"},     {Type::int_, "12a"},
                 {Type::unsigned_long, ""},      {Type::date_time, "2026-13-01T00:00:00Z"},
                 {Type::date_time, "yesterday"}, {Type::date_time, "2026-11-18T09:46:40"}};
    for (const auto& c : cases) {
        auto v = Value::parse(c.type, c.text);
        ASSERT_FALSE(v.ok()) << c.text;
        EXPECT_NE(v.error().message.find(cpe::tr181::type_name(c.type)), std::string::npos);
        EXPECT_NE(v.error().message.find(std::string("'") + c.text + "'"), std::string::npos)
            << v.error().message;
    }
}

TEST(Value, TypeNames) {
    EXPECT_EQ(*cpe::tr181::type_from_name("unsignedInt"), Type::unsigned_int);
    EXPECT_EQ(*cpe::tr181::type_from_name("Dbm1000"), Type::dbm1000);
    EXPECT_FALSE(cpe::tr181::type_from_name("float").ok());
}
