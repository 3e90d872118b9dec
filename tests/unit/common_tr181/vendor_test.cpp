#include "tr181/vendor.hpp"

#include <gtest/gtest.h>

namespace cpe::tr181 {
namespace {

TEST(VendorPrefix, AcceptsAnOuiAndADomainName) {
    EXPECT_TRUE(check_vendor_prefix("X_00D09E_"));
    EXPECT_TRUE(check_vendor_prefix("X_EXAMPLE-NET_"));
    EXPECT_TRUE(check_vendor_prefix("X_EXAMPLE_QC_CA_"));
}

TEST(VendorPrefix, RefusesWhatTr106DoesNotAllowAndSaysWhy) {
    auto why = [](std::string_view p) {
        auto st = check_vendor_prefix(p, "usp.vendor_prefix");
        return st ? std::string() : st.error().message;
    };
    EXPECT_NE(why("X_CPE_").find("neither an OUI"), std::string::npos);  // the old, invented prefix
    EXPECT_NE(why("X_00d09e_").find("upper case"), std::string::npos);
    EXPECT_NE(why("X_EXAMPLE.NET_").find("dot"), std::string::npos);
    EXPECT_NE(why("X_EXAMPLE--NET_").find("empty domain label"), std::string::npos);
    EXPECT_NE(why("Y_00D09E_").find("must start with X_"), std::string::npos);
    EXPECT_NE(why("X_00D09E").find("must start with X_"), std::string::npos);
    EXPECT_NE(why("X_CPE_").find("usp.vendor_prefix: 'X_CPE_'"), std::string::npos);
    EXPECT_EQ(why("X_00D09E_"), "");
    EXPECT_NE(why("X_-NET_").find("empty domain label"), std::string::npos);
}

TEST(VendorPrefix, SchemaPlaceholderTakesThePrefixOrTheLinesGo) {
    const std::string text = "object Device.X.\n  param X_VENDOR_Name string\n  param Other string\n";
    EXPECT_EQ(apply_vendor_prefix(text, "X_00D09E_"),
              "object Device.X.\n  param X_00D09E_Name string\n  param Other string\n");
    EXPECT_EQ(apply_vendor_prefix(text, ""), "object Device.X.\n  param Other string\n");
}

}  // namespace
}  // namespace cpe::tr181
