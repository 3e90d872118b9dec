// The hub config's "qr" section: every key checked, defaults when absent.
#include <gtest/gtest.h>

#include "qr/qr_api.hpp"

using namespace cpe::hub::qr;

TEST(QrConfig, DefaultsWhenAbsent) {
    auto c = parse_qr_config(R"({"http": {"port": 1}})", "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->enabled);
    EXPECT_TRUE(c->cookie_secure);
    EXPECT_EQ(c->otp.max_tries, 5u);
    EXPECT_EQ(c->otp.ttl_s, 600u);
}

TEST(QrConfig, ValuesReadAndUnknownKeysNamed) {
    auto c = parse_qr_config(
        R"({"qr": {"cookie_secure": false, "otp": {"per_mac_per_hour": 7}, "sms": {"url": "http://127.0.0.1:9"},
                   "customer_sso": {"trusted_proxies": ["10.0.0.9"], "header": "X-Authentik-Username", "field": "name"}}})",
        "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(c->cookie_secure);
    EXPECT_EQ(c->otp.per_mac_per_hour, 7u);
    EXPECT_EQ(c->sms.base_url, "http://127.0.0.1:9");
    EXPECT_EQ(c->customer_sso.header, "x-authentik-username");
    EXPECT_EQ(c->customer_sso.field, "name");
    // A header the HTTP server does not capture would never arrive: refused.
    auto uncaptured =
        parse_qr_config(R"({"qr": {"customer_sso": {"header": "X-Customer-Email"}}})", "hub.json");
    ASSERT_FALSE(uncaptured.ok());
    EXPECT_NE(uncaptured.error().message.find("qr.customer_sso.header"), std::string::npos);
    auto bad = parse_qr_config(R"({"qr": {"otp": {"per_mac_per_hours": 7}}})", "hub.json");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("qr.otp.per_mac_per_hours"), std::string::npos) << bad.error().message;
    auto range = parse_qr_config(R"({"qr": {"otp": {"max_tries": 0}}})", "hub.json");
    ASSERT_FALSE(range.ok());
    EXPECT_NE(range.error().message.find("qr.otp.max_tries"), std::string::npos);
}

TEST(QrConfig, InstallCheckSection) {
    auto d = parse_qr_config(R"({})", "hub.json");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->install_check.dns_name, "example.com");
    EXPECT_EQ(d->install_check.budget_s, 60u);
    EXPECT_TRUE(d->install_check.download_url.empty());
    auto c = parse_qr_config(
        R"({"qr": {"install_check": {"dns_name": "isp.example.net", "download_url": "http://10.0.0.1/f?bytes=10000000",
                   "pass_mbps": 200, "warn_mbps": 25, "budget_s": 30, "poll_ms": 500, "download_duration_s": 5}}})",
        "hub.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->install_check.dns_name, "isp.example.net");
    EXPECT_EQ(c->install_check.download_url, "http://10.0.0.1/f?bytes=10000000");
    EXPECT_EQ(c->install_check.pass_mbps, 200u);
    EXPECT_EQ(c->install_check.warn_mbps, 25u);
    EXPECT_EQ(c->install_check.budget_s, 30u);
    EXPECT_EQ(c->install_check.poll_ms, 500u);
    EXPECT_EQ(c->install_check.download_duration_s, 5u);
    auto inverted =
        parse_qr_config(R"({"qr": {"install_check": {"pass_mbps": 10, "warn_mbps": 20}}})", "hub.json");
    ASSERT_FALSE(inverted.ok());
    EXPECT_NE(inverted.error().message.find("qr.install_check.warn_mbps"), std::string::npos);
    auto url = parse_qr_config(R"({"qr": {"install_check": {"download_url": "ftp://x/f"}}})", "hub.json");
    ASSERT_FALSE(url.ok());
    EXPECT_NE(url.error().message.find("qr.install_check.download_url"), std::string::npos);
    auto unknown = parse_qr_config(R"({"qr": {"install_check": {"dns": "x"}}})", "hub.json");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("qr.install_check.dns"), std::string::npos);
}
