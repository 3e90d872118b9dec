// Config errors name the field; defaults and relative paths.
#include <gtest/gtest.h>

#include "app/config.hpp"

using namespace cpe::hub::app;

namespace {
std::string error_of(const std::string& text) {
    auto c = parse_config(text, "hub.json", "/etc/hub");
    return c.ok() ? std::string("(parsed)") : c.error().message;
}
}  // namespace

TEST(HubConfig, DefaultsAndRelativePaths) {
    auto c = parse_config(R"({"store": {"path": "db/hub.db"}, "usp": {"tls": {"cert": "a.crt", "key": "/abs/a.key"}}})",
                          "hub.json", "/etc/hub");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->http.port, 3300);
    EXPECT_TRUE(c->usp.enabled);
    EXPECT_EQ(c->usp.endpoint_id, "self::cpe-hub");
    EXPECT_EQ(c->store.path, "/etc/hub/db/hub.db");
    EXPECT_EQ(c->usp.tls.cert, "/etc/hub/a.crt");
    EXPECT_EQ(c->usp.tls.key, "/abs/a.key");
    EXPECT_EQ(c->usp.subscriptions.size(), 3u);
    EXPECT_EQ(c->http.bind, "127.0.0.1");
    EXPECT_EQ(c->usp.max_connections_per_address, 64u);
    EXPECT_EQ(c->usp.descriptor_reserve, 256u);
    auto limits =
        parse_config(R"({"usp": {"max_connections_per_address": 0, "descriptor_reserve": 32}})", "hub.json");
    ASSERT_TRUE(limits.ok()) << limits.error().message;
    EXPECT_EQ(limits->usp.max_connections_per_address, 0u);
    EXPECT_EQ(limits->usp.descriptor_reserve, 32u);
}

TEST(HubConfig, ErrorsNameTheField) {
    EXPECT_EQ(error_of(R"({"usp": {"port": 70000}})"), "hub.json: usp.port: expected an integer in 0..65535");
    EXPECT_EQ(error_of(R"({"usp": {"port": "8080"}})"), "hub.json: usp.port: expected an integer in 0..65535");
    EXPECT_EQ(error_of(R"({"http": {"bind": 1}})"), "hub.json: http.bind: expected a string");
    EXPECT_EQ(error_of(R"({"usp": {"enabled": "yes"}})"), "hub.json: usp.enabled: expected true or false");
    EXPECT_EQ(error_of(R"({"usp": {"tls": {"cert": "a"}}})"), "hub.json: usp.tls.key: TLS needs both a certificate and a key");
    EXPECT_EQ(error_of(R"({"usp": {"tls": {"cert": "a", "key": "b", "require_client_cert": true}}})"),
              "hub.json: usp.tls.require_client_cert: needs usp.tls.cert, usp.tls.key and usp.tls.ca");
    EXPECT_EQ(error_of(R"({"usp": {"prot": 1}})"), "hub.json: usp.prot: unknown field");
    EXPECT_EQ(error_of(R"({"log": {"level": "loud"}})"),
              "hub.json: log.level: 'loud' is not one of debug, info, warn, error, off");
    EXPECT_EQ(error_of(R"({"usp": {"subscriptions": [{"id": "a", "notif_type": "Sometimes", "reference_list": "Device."}]}})"),
              "hub.json: usp.subscriptions[0].notif_type: 'Sometimes' is not ValueChange, ObjectCreation, "
              "ObjectDeletion, Event or OperationComplete");
    EXPECT_EQ(error_of(R"({"usp": {"subscriptions": [{"id": "a", "notif_type": "Event", "reference_list": "Device."},
                                                     {"id": "a", "notif_type": "Event", "reference_list": "Device."}]}})"),
              "hub.json: usp.subscriptions[1].id: 'a' is used twice");
    EXPECT_EQ(error_of("[]"), "hub.json: expected a JSON object");
    EXPECT_NE(error_of("{\"usp\": ").find("hub.json"), std::string::npos);
    auto missing = load_config("/nonexistent/hub.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/hub.json"), std::string::npos);
}
