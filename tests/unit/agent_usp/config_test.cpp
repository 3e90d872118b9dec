// The agent's config: a good file parses with its defaults; each mistake names the key.
#include <gtest/gtest.h>

#include "config/config.hpp"

using namespace cpe::agent::config;

namespace {

std::string error_of(const std::string& text) {
    auto c = parse(text, "agent.json");
    return c ? std::string("(parsed)") : c.error().message;
}

TEST(AgentConfig, MinimalAndFull) {
    auto c = parse(R"({"controller": {"url": "ws://hub.example:8080/usp", "endpoint_id": "self::cpe-hub"}})", "a.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->controller.parsed.host, "hub.example");
    EXPECT_EQ(c->controller.parsed.port, 8080);
    EXPECT_EQ(c->controller.parsed.path, "/usp");
    EXPECT_FALSE(c->controller.parsed.tls);
    EXPECT_EQ(c->refresh_interval_s, 30u);
    EXPECT_TRUE(c->endpoint_id.empty());

    auto f = parse(R"({"endpoint_id": "os::000000-X", "refresh_interval_s": 10, "periodic_interval_s": 600,
                      "ping_interval_s": 20, "state_dir": "/var/lib/cpe-agent", "reboot_command": "reboot -f",
                      "reconnect": {"min_ms": 100, "base_ms": 1000, "cap_ms": 60000, "stable_s": 30,
                                    "initial_jitter_ms": 30000},
                      "controller": {"url": "wss://[::1]/usp?x=1", "endpoint_id": "self::h", "ca_file": "ca.pem",
                                     "cert_file": "c.pem", "key_file": "c.key"}})",
                   "b.json");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->controller.parsed.host, "::1");
    EXPECT_EQ(f->controller.parsed.port, 443);
    EXPECT_EQ(f->controller.parsed.path, "/usp?x=1");
    EXPECT_TRUE(f->controller.parsed.tls);
    EXPECT_EQ(f->reconnect.cap_ms, 60000u);
    EXPECT_EQ(f->reconnect.initial_jitter_ms, 30000u);
    EXPECT_EQ(c->reconnect.initial_jitter_ms, 0u);
}

TEST(AgentConfig, ErrorsNameTheKey) {
    EXPECT_EQ(error_of(R"({"controller": {"url": "http://x", "endpoint_id": "self::h"}})"),
              "agent.json: config.controller.url: must be a ws:// or wss:// URL");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "refresh": 3})").rfind(
                  "agent.json: config.refresh: unknown key", 0),
              0u);
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "refresh_interval_s": "30"})"),
              "agent.json: config.refresh_interval_s: must be a number");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "ping_interval_s": 0})"),
              "agent.json: config.ping_interval_s: must be an integer from 1 to 3600");
    EXPECT_EQ(error_of(R"({"controller": {"url": "wss://x", "endpoint_id": "self::h"}})").rfind(
                  "agent.json: config.controller.ca_file: required for a wss:// URL", 0),
              0u);
    EXPECT_EQ(error_of(R"({"controller": {"url": "wss://x", "endpoint_id": "self::h", "ca_file": "a", "cert_file": "c"}})"),
              "agent.json: config.controller.key_file: cert_file and key_file go together (mutual TLS)");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x:0", "endpoint_id": "self::h"}})"),
              "agent.json: config.controller.url: port '0' is not a number from 1 to 65535");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x"}})").rfind("agent.json: config.controller.endpoint_id: missing", 0), 0u);
    EXPECT_EQ(error_of(R"({})"), "agent.json: config.controller: missing (needs at least \"url\")");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h", "extra": 1}})").rfind(
                  "agent.json: config.controller.extra: unknown key", 0),
              0u);
    EXPECT_EQ(error_of(R"([1])"), "agent.json: config: must be a JSON object");
    EXPECT_NE(error_of(R"({"controller": )").find("agent.json"), std::string::npos);
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "reconnect": {"min_ms": 9, "cap_ms": 5}})"),
              "agent.json: config.reconnect.min_ms: must not exceed reconnect.cap_ms");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "reconnect": {"initial_jitter_ms": -1}})")
                  .rfind("agent.json: config.reconnect.initial_jitter_ms: must be", 0),
              0u);
}

TEST(AgentConfig, Urls) {
    EXPECT_FALSE(parse_ws_url("ws://"));
    EXPECT_FALSE(parse_ws_url("ws://user@host/"));
    EXPECT_FALSE(parse_ws_url("ws://[::1/"));
    EXPECT_FALSE(parse_ws_url("ws://host:/"));
    EXPECT_FALSE(parse_ws_url("ws://ho st/"));
    auto u = parse_ws_url("ws://host?eid=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->path, "/?eid=1");
}

}  // namespace
