// The bridge's state behind the REST API: modem and OLT reads on the worker pool, a small cache per modem
// and per PON, callers of the same modem/PON coalesced onto one read, and the last result of each for
// /health. Thread-safe; answers go through a Reply callback (the HTTP layer passes Responder::send, safe from
// any thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.hpp"
#include "net/http_types.hpp"
#include "olt_reader.hpp"
#include "scheduler.hpp"
#include "worker_pool.hpp"

namespace cpe::bridge::api {

enum class ModemPart { status, hosts, optical, wifi, mesh };

class BridgeService {
  public:
    using Reply = std::function<void(net::Response)>;

    // Loads every secret file (errors name the config field) and the back-off state in state_dir.
    static Result<std::unique_ptr<BridgeService>> create(const BridgeConfig& config);
    ~BridgeService();

    // 404 unknown id; 200 from the cache or a fresh read; 503 back-off/lockout (Retry-After); 502 modem
    // error; 504 modem timeout.
    void modem(const std::string& id, ModemPart part, bool refresh, Reply reply);
    void pon(const std::string& olt, int slot, int port, bool refresh, Reply reply);

    net::Response health() const;
    net::Response modems() const;
    net::Response olts() const;

    void stop();  // stops the workers (queued reads are dropped)

  private:
    struct Outcome {
        bool done = false;
        bool ok = false;
        int status = 0;     // HTTP status of the last failure
        std::string error;  // message of the last failure (never credentials)
        int64_t at = 0;     // epoch s of the last result
        std::chrono::steady_clock::time_point at_mono{};
        uint64_t reads = 0, failures = 0;
    };
    struct ModemState {
        ModemEntry entry;
        tplink::ModemConfig config;
        std::shared_ptr<const tplink::Snapshot> snap;
        std::chrono::steady_clock::time_point snap_at{};
        bool in_flight = false;
        std::vector<std::pair<ModemPart, Reply>> waiters;
        Outcome last;
        tplink::PollReport report;
    };
    struct PonState {
        std::string olt;
        PonRef ref;
        std::shared_ptr<const std::string> table_json;  // rendered PonTable
        std::chrono::steady_clock::time_point table_at{};
        bool in_flight = false;
        std::vector<Reply> waiters;
        Outcome last;
        bool last_complete = false;
        size_t onus = 0;
    };
    struct OltState {
        OltEntry entry;
        olt::Target target;
        std::optional<olt::IndexScheme> detected;  // the scheme a probe found (entry.scheme unset)
    };

    BridgeService(const BridgeConfig& config, std::unique_ptr<tplink::ModemScheduler> sched);
    void run_modem(const std::string& id);
    void run_pon(const std::string& key);
    net::Response render(const ModemState& m, ModemPart part, bool from_cache) const;

    BridgeConfig config_;
    std::unique_ptr<tplink::ModemScheduler> sched_;
    mutable std::mutex mu_;
    std::map<std::string, ModemState> modems_;
    std::map<std::string, OltState> olts_;
    std::map<std::string, PonState> pons_;  // key "olt/slot/port"
    std::unique_ptr<WorkerPool> pool_;
};

}  // namespace cpe::bridge::api
