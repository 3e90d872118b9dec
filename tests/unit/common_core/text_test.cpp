#include "util/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace text = cpe::text;

TEST(Text, TrimTakesTheBlanksItIsGiven) {
    EXPECT_EQ(text::trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(text::trim(" \t\r\n"), "");
    EXPECT_EQ(text::trim(""), "");
    EXPECT_EQ(text::trim("\va\f"), "a");
    EXPECT_EQ(text::trim("\ra\n", " \t"), "\ra\n");
    EXPECT_EQ(text::trim(" \ra\r ", " \t\r"), "a");
}

TEST(Text, CaseIsAsciiOnly) {
    EXPECT_EQ(text::lower("Content-Type: ÄB"), "content-type: Äb");
    EXPECT_EQ(text::upper("ht803g-w\xe4"), "HT803G-W\xe4");
    EXPECT_TRUE(text::iequals("X-Forwarded-For", "x-forwarded-for"));
    EXPECT_FALSE(text::iequals("abc", "abcd"));
    EXPECT_FALSE(text::iequals("a[", "A{"));
}

TEST(Text, PercentEncodeKeepsOnlyWhatItIsTold) {
    EXPECT_EQ(text::percent_encode("os::1C61B4-X 1", "-._~:"), "os::1C61B4-X%201");
    EXPECT_EQ(text::percent_encode("a b/c?d=é", text::kUnreserved), "a%20b%2Fc%3Fd%3D%C3%A9");
    EXPECT_EQ(text::percent_encode("it's(ok)!* x", text::kUriComponent), "it's(ok)!*%20x");
    EXPECT_EQ(text::percent_encode("HT803G-W_1", "_"), "HT803G%2DW_1");
    EXPECT_EQ(text::percent_encode(std::string("a\0b", 3), text::kUriComponent), "a%00b");
}
