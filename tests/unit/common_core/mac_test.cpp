#include <gtest/gtest.h>

#include "util/mac.hpp"

using cpe::MacAddress;

TEST(MacAddress, ParsesCommonForms) {
    for (const char* text : {"1c:61:b4:0a:0b:0c", "1C-61-B4-0A-0B-0C", "1C61B40A0B0C"}) {
        auto mac = MacAddress::parse(text);
        ASSERT_TRUE(mac.ok()) << text;
        EXPECT_EQ(mac->str(), "1c:61:b4:0a:0b:0c");
        EXPECT_EQ(mac->upper_hex(), "1C61B40A0B0C");
    }
}

TEST(MacAddress, RejectsGarbageNamingIt) {
    for (const char* text : {"", "1c:61:b4:0a:0b", "1c:61:b4:0a:0b:0g", "1c:61-b4:0a:0b:0c", "1c61b40a0b0c0d",
                             "1c.61.b4.0a.0b.0c"}) {
        auto mac = MacAddress::parse(text);
        ASSERT_FALSE(mac.ok()) << text;
        EXPECT_NE(mac.error().message.find("invalid MAC address"), std::string::npos);
    }
}

TEST(MacAddress, Flags) {
    EXPECT_TRUE(MacAddress::parse("00:00:00:00:00:00")->is_zero());
    EXPECT_TRUE(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
    EXPECT_FALSE(MacAddress::parse("1c:61:b4:0a:0b:0c")->is_multicast());
}
