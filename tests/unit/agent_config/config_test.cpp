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
    auto c = parse(R"({"controller": {"url": "ws://hub.example:8080/usp", "endpoint_id": "self::cpe-hub"}})",
                   "a.json");
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
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "refresh": 3})")
                  .rfind("agent.json: config.refresh: unknown key", 0),
              0u);
    EXPECT_EQ(
        error_of(
            R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "refresh_interval_s": "30"})"),
        "agent.json: config.refresh_interval_s: must be a number");
    EXPECT_EQ(
        error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "ping_interval_s": 0})"),
        "agent.json: config.ping_interval_s: must be an integer from 1 to 3600");
    EXPECT_EQ(error_of(R"({"controller": {"url": "wss://x", "endpoint_id": "self::h"}})")
                  .rfind("agent.json: config.controller.ca_file: required for a wss:// URL", 0),
              0u);
    EXPECT_EQ(
        error_of(
            R"({"controller": {"url": "wss://x", "endpoint_id": "self::h", "ca_file": "a", "cert_file": "c"}})"),
        "agent.json: config.controller.key_file: cert_file and key_file go together (mutual TLS)");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x:0", "endpoint_id": "self::h"}})"),
              "agent.json: config.controller.url: port '0' is not a number from 1 to 65535");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x"}})")
                  .rfind("agent.json: config.controller.endpoint_id: missing", 0),
              0u);
    EXPECT_EQ(error_of(R"({})"), "agent.json: config.controller: missing (needs at least \"url\")");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h", "extra": 1}})")
                  .rfind("agent.json: config.controller.extra: unknown key", 0),
              0u);
    EXPECT_EQ(error_of(R"([1])"), "agent.json: config: must be a JSON object");
    EXPECT_NE(error_of(R"({"controller": )").find("agent.json"), std::string::npos);
    EXPECT_EQ(
        error_of(
            R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "reconnect": {"min_ms": 9, "cap_ms": 5}})"),
        "agent.json: config.reconnect.min_ms: must not exceed reconnect.cap_ms");
    EXPECT_EQ(
        error_of(
            R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "reconnect": {"initial_jitter_ms": -1}})")
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

TEST(AgentConfig, NameLookupFiles) {
    auto d = parse(R"({"controller": {"url": "ws://hub.example/usp", "endpoint_id": "self::h"}})", "a.json");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->resolv_conf, "/etc/resolv.conf");
    EXPECT_EQ(d->hosts_file, "/etc/hosts");
    auto c = parse(R"({"controller": {"url": "ws://hub.example/usp", "endpoint_id": "self::h"},
                       "resolv_conf": "/tmp/resolv.conf.d/resolv.conf.auto", "hosts_file": ""})",
                   "a.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->resolv_conf, "/tmp/resolv.conf.d/resolv.conf.auto");
    EXPECT_EQ(c->hosts_file, "");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "resolv_conf": ""})"),
              "agent.json: config.resolv_conf: must name the resolv.conf that lists the DNS servers");
    EXPECT_EQ(error_of(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}, "hosts_file": 1})"),
              "agent.json: config.hosts_file: must be a string");
}

TEST(AgentConfig, ServerModeDefaultsAndFull) {
    auto c = parse(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"}})", "a.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_FALSE(c->server.enabled);  // nothing listens unless asked
    EXPECT_EQ(c->server.max_connections, 2u);
    EXPECT_EQ(c->server.path, "/usp");
    // Server only: no controller block needed.
    auto s = parse(R"({"server": {"enabled": true, "bind": "br-lan", "port": 8443, "path": "/lan-usp",
                       "max_connections": 3, "allowed_controllers": ["self::a", "self::b"],
                       "tls": {"cert_file": "s.pem", "key_file": "s.key", "ca_file": "ca.pem",
                               "require_client_cert": true}}})",
                   "a.json");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(s->server.enabled);
    EXPECT_TRUE(s->controller.url.empty());
    EXPECT_EQ(s->server.bind, "br-lan");
    EXPECT_EQ(s->server.port, 8443);
    EXPECT_EQ(s->server.path, "/lan-usp");
    EXPECT_EQ(s->server.max_connections, 3u);
    EXPECT_EQ(s->server.allowed_controllers, (std::vector<std::string>{"self::a", "self::b"}));
    EXPECT_EQ(s->server.tls.ca_file, "ca.pem");
    EXPECT_TRUE(s->server.tls.require_client_cert);
    // Both: the outgoing connection and the LAN server.
    auto b = parse(R"({"controller": {"url": "ws://x", "endpoint_id": "self::h"},
                       "server": {"enabled": true, "bind": "127.0.0.1", "port": 0, "insecure_lan": true}})",
                   "a.json");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_TRUE(b->server.insecure_lan);
    EXPECT_EQ(b->controller.parsed.host, "x");
    EXPECT_EQ(b->server.port, 0);
}

TEST(AgentConfig, ServerModeWithoutAuthenticationNeedsInsecureLan) {
    const std::string msg = "agent.json: config.server: refusing server mode without authentication";
    // No TLS, no allow-list; an allow-list without client certificates (the ?eid= is only a claim); client
    // certificates without an allow-list: each refused unless insecure_lan says so.
    for (const std::string& extra :
         {std::string(), std::string(R"(, "allowed_controllers": ["self::a"])"),
          std::string(R"(, "tls": {"cert_file": "s.pem", "key_file": "s.key", "ca_file": "ca.pem",
                                                   "require_client_cert": true})")}) {
        EXPECT_EQ(error_of(R"({"server": {"enabled": true, "bind": "br-lan", "port": 1)" + extra + "}}")
                      .rfind(msg, 0),
                  0u)
            << extra;
        auto ok = parse(R"({"server": {"enabled": true, "bind": "br-lan", "port": 1, "insecure_lan": true)" +
                            extra + "}}",
                        "a.json");
        EXPECT_TRUE(ok) << extra;
    }
}

TEST(AgentConfig, ServerErrorsNameTheKey) {
    const std::string ctl = R"("controller": {"url": "ws://x", "endpoint_id": "self::h"}, )";
    auto server = [&](const std::string& body) { return error_of("{" + ctl + R"("server": )" + body + "}"); };
    EXPECT_EQ(server("[]"), "agent.json: config.server: must be an object");
    EXPECT_EQ(
        server(R"({"enabled": true, "bind": "lo", "port": 1, "listen": 2})")
            .rfind("agent.json: config.server.listen: unknown key (known: enabled, bind, port, path, tls, ",
                   0),
        0u);
    EXPECT_EQ(server(R"({"enabled": "yes"})"), "agent.json: config.server.enabled: must be true or false");
    EXPECT_EQ(server(R"({"enabled": true, "port": 1})").rfind("agent.json: config.server.bind: missing", 0),
              0u);
    EXPECT_EQ(
        server(R"({"enabled": true, "bind": "br-lan"})").rfind("agent.json: config.server.port: missing", 0),
        0u);
    EXPECT_EQ(server(R"({"enabled": true, "bind": "br-lan", "port": 70000})"),
              "agent.json: config.server.port: must be an integer from 0 to 65535");
    EXPECT_EQ(server(R"({"bind": 5})"), "agent.json: config.server.bind: must be a string");
    EXPECT_EQ(server(R"({"path": "usp"})"),
              "agent.json: config.server.path: must start with '/' and have no query, fragment or space");
    EXPECT_EQ(server(R"({"max_connections": 0})"),
              "agent.json: config.server.max_connections: must be an integer from 1 to 16");
    EXPECT_EQ(server(R"({"allowed_controllers": "self::a"})"),
              "agent.json: config.server.allowed_controllers: must be an array of endpoint ids");
    EXPECT_EQ(server(R"({"allowed_controllers": ["self::a", 3]})"),
              "agent.json: config.server.allowed_controllers[1]: must be a non-empty string");
    EXPECT_EQ(server(R"({"tls": {"cert_file": "a"}})"),
              "agent.json: config.server.tls.key_file: cert_file and key_file go together (the server's "
              "certificate)");
    EXPECT_EQ(server(R"({"tls": {"cert_file": "a", "key_file": "b", "require_client_cert": true}})")
                  .rfind("agent.json: config.server.tls.ca_file: required with require_client_cert", 0),
              0u);
    EXPECT_EQ(server(R"({"tls": {"require_client_cert": 1}})"),
              "agent.json: config.server.tls.require_client_cert: must be true or false");
    EXPECT_EQ(server(R"({"tls": {"pin": 1}})").rfind("agent.json: config.server.tls.pin: unknown key", 0),
              0u);
    // Without the server enabled, the controller block is still required.
    EXPECT_EQ(error_of(R"({"server": {"enabled": false}})"),
              "agent.json: config.controller: missing (needs at least \"url\")");
}

}  // namespace

namespace {

TEST(AgentConfig, UpdateSection) {
    const std::string ctl = R"("controller": {"url": "ws://x", "endpoint_id": "self::h"})";
    auto c =
        parse("{" + ctl + R"(, "update": {"signing_key": "k.pub", "max_bytes": 2000000, "timeout_s": 60}})",
              "u.json");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->update.signing_key, "k.pub");
    EXPECT_EQ(c->update.max_bytes, 2000000u);
    EXPECT_EQ(c->update.timeout_s, 60u);
    EXPECT_NE(error_of("{" + ctl + R"(, "update": {}})").find("update.signing_key"), std::string::npos);
    EXPECT_NE(error_of("{" + ctl + R"(, "update": {"signing_key": "k", "url": "x"}})").find("update.url"),
              std::string::npos);
    EXPECT_NE(error_of("{" + ctl + R"(, "update": {"signing_key": "k", "max_bytes": 10}})")
                  .find("update.max_bytes"),
              std::string::npos);
}

}  // namespace
