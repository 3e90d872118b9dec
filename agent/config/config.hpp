// The agent's run-time configuration (`cpe-agent run --config <file>`): one JSON object, every key checked.
// Unknown keys and wrong types are errors naming the key ("config.controller.url: must be a ws:// or wss://
// URL").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::agent::config {

// A WebSocket URL taken apart: ws[s]://host[:port][/path][?query]. IPv6 hosts are written in brackets.
struct WsUrl {
    bool tls = false;
    std::string host;  // without brackets
    int port = 0;      // 80 / 443 when absent
    std::string path;  // starts with '/', includes any query
};
// The error says what is wrong with the text ("no host", "port 99999 out of range").
Result<WsUrl> parse_ws_url(std::string_view text);

struct Controller {
    std::string url;
    WsUrl parsed;
    std::string endpoint_id;  // the controller's USP endpoint id, e.g. "self::cpe-hub" (records from others
                              // are dropped)
    std::string ca_file;      // required for wss://
    std::string cert_file;    // client certificate for mutual TLS (with key_file)
    std::string key_file;
};

struct Reconnect {  // exponential back-off with full jitter (common/net/backoff.hpp)
    uint64_t min_ms = 500;
    uint64_t base_ms = 2000;
    uint64_t cap_ms = 300000;
    uint64_t stable_s = 60;          // a connection up this long resets the back-off
    uint64_t initial_jitter_ms = 0;  // first connection after start delayed uniformly in [0, this]
};

// The WebSocket MTP server mode (LAN side, off by default): controllers connect in.
struct ServerTls {
    std::string cert_file;  // ours (with key_file): set = wss
    std::string key_file;
    std::string ca_file;               // the CA controllers' certificates must chain to
    bool require_client_cert = false;  // and its CN must equal the controller's ?eid=
};

struct Server {
    bool enabled = false;
    std::string bind;  // a LAN address or interface name; required when enabled (never "all addresses")
    int port = 0;      // required when enabled; 0 = ephemeral (the bound port is logged)
    std::string path = "/usp";
    ServerTls tls;
    std::vector<std::string> allowed_controllers;  // empty = any endpoint id
    uint32_t max_connections = 2;
    uint32_t first_record_timeout_s = 10;  // a connection silent this long after its handshake is closed
    // Without TLS client certificates (tls.require_client_cert) and an allow-list, anyone on the LAN can call
    // Device.Reboot(): the config is refused unless this says the operator accepts it (a warning each start).
    bool insecure_lan = false;
    bool authenticated() const { return tls.require_client_cert && !allowed_controllers.empty(); }
};

// Self-update over USP (agent/update/): refused unless signing_key names the key manifests must be signed
// with.
struct Update {
    std::string signing_key;        // PEM public key (ECDSA P-256), e.g. /etc/cpe-agent/signing.pub
    std::string ca_file;            // CA for https:// download URLs ("" = the controller's ca_file)
    uint32_t max_bytes = 8u << 20;  // a larger download is refused (the flash is small)
    uint32_t timeout_s = 300;       // whole download
    std::string
        manifest;  // the flashed package's manifest ("" = <program dir>/../lib/cpe-agent/manifest.json)
};

struct Config {
    std::string endpoint_id;  // "" = os::<OUI>-<serial> from the board identity
    Controller controller;    // url empty = no outgoing connection (allowed only with server.enabled)
    Server server;
    uint32_t refresh_interval_s = 30;
    uint32_t periodic_interval_s = 300;
    uint32_t ping_interval_s = 30;
    // The operator's TR-106 prefix for the agent's extension parameters (X_<OUI>_ or X_<DOMAIN>_,
    // tr181/vendor.hpp);
    // "" = the extensions are not offered.
    std::string vendor_prefix;
    std::string state_dir;                  // where Reboot() requests and the boot cause are kept; "" = none
    std::string reboot_command = "reboot";  // argv split on spaces, run without a shell (live device only)
    // Host names of the controller URL and of update downloads are looked up here (never through the C
    // library's NSS): the hosts file, then the `nameserver`s of resolv_conf, both read at each lookup. Not
    // under --root: those connections are real even when the board's files are a fixture.
    std::string resolv_conf = "/etc/resolv.conf";
    std::string hosts_file = "/etc/hosts";  // "" = none
    Reconnect reconnect;
    uint32_t max_record_bytes = 64 * 1024;  // larger records from the controller close the connection (1003)
    Update update;
};

// `what` names the text in errors (the file name).
Result<Config> parse(std::string_view text, std::string_view what);
Result<Config> load(const std::string& path);

}  // namespace cpe::agent::config
