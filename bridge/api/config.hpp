// cpe-bridge configuration: one JSON file, secrets referenced by path (never inline). Every error names the
// field ("modems[2].secret_file: …"). Relative paths are resolved against the config file's folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol.hpp"
#include "raisecom.hpp"
#include "util/result.hpp"

namespace cpe::bridge::api {

struct ModemEntry {
    std::string id;
    std::string host;                        // "192.168.1.1" or "127.0.0.1:8080"
    std::string secret_file;                 // password=… / user=… (bridge/tplink load_secret_file)
    std::optional<tplink::Variant> variant;  // nullopt = detect
};

struct PonRef {
    int slot = 0;
    int port = 0;
};

struct OltEntry {
    std::string id;
    std::string host;
    uint16_t port = 161;
    std::string community_file;  // exactly one of community_file / v3_file
    std::string v3_file;
    std::vector<PonRef> pons;
    int max_onu = 0;  // 0 = the reader's default (128)
    // "firmware": the ONU table's index scheme (docs/bridge-olt.md); nothing = probe the OLT ("auto", the
    // default)
    std::optional<olt::IndexScheme> scheme;
};

struct Timeouts {
    long modem_connect_ms = 3000;
    long modem_total_ms = 10000;  // per HTTP request to a modem
    long olt_request_ms = 1000;   // per SNMP attempt
    int olt_retries = 1;
    long olt_deadline_ms = 60000;   // whole PON walk
    long http_handler_ms = 120000;  // a REST request unanswered by then gets 504
};

struct BridgeConfig {
    std::string bind = "127.0.0.1";
    int port = 3301;
    std::string state_dir;  // ModemScheduler back-off state lives in <state_dir>/tplink-state.json
    std::vector<ModemEntry> modems;
    std::vector<OltEntry> olts;
    Timeouts timeouts;
    int64_t cache_max_age_s = 30;
    int workers = 8;          // blocking reads in parallel (different modems/OLTs)
    size_t max_queue = 1024;  // reads waiting for a worker; beyond that: 503
    int64_t backoff_base_s = 300;
    int64_t backoff_max_s = 6 * 3600;
    int64_t modem_max_attempts = 5;  // login guard: the modem's presumed lockout threshold
    int64_t reserve_attempts = 2;    // stop logging in with this many attempts left (tplink/safety.hpp)
    int64_t stop_window_s = 86400;   // after a stop, wait this long (or an operator clears it)
    std::string log_level = "info";
};

// `base_dir` resolves relative paths ("" = leave them as they are).
Result<BridgeConfig> parse_config(std::string_view text, std::string_view what, const std::string& base_dir);
Result<BridgeConfig> load_config(const std::string& path);

// Ids appear in URL paths: 1..64 of [A-Za-z0-9._-].
bool valid_id(std::string_view id);

}  // namespace cpe::bridge::api
