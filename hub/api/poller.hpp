// The device API's poller: every poller.interval_s, each online agent whose brief is older than
// poller.stale_after_s gets a small USP Get (at most poller.concurrency at once, each after a random jitter),
// and the GenieACS fleet is read page by page through a small projection (poller.genieacs_limit devices). It
// keeps the GenieACS briefs (the summary's TR-069 devices) and the "poll" member of the health document
// (docs/api.md). Loop thread only.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "api/agent_cache.hpp"
#include "api/devices_config.hpp"
#include "api/reply.hpp"
#include "api/source_clients.hpp"
#include "app/hub.hpp"
#include "diag/params.hpp"
#include "net/event_loop.hpp"
#include "util/lifetime.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

class Poller {
  public:
    struct Hooks {
        // A USP Get of `paths` at endpoint `ep` within `timeout_ms`.
        std::function<void(const std::string& ep, const std::vector<std::string>& paths, uint64_t timeout_ms,
                           std::function<void(Result<diag::Params>)> done)>
            agent_get;
        // An agent's brief values read (kept as a partial snapshot).
        std::function<void(const std::string& ep, diag::Params params, int64_t time_ms)> agent_read;
        // A GenieACS device's values read with a new reading time (its optical level goes to the history).
        std::function<void(const std::string& id, const diag::Params& params, int64_t time_ms)> genieacs_read;
    };
    Poller(app::Hub& hub, const DevicesConfig& config, GenieAcs& genieacs, const AgentCache& agents,
           Hooks hooks);
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;
    ~Poller();

    // The first poll in `delay_ms`, then every poller.interval_s.
    void start(uint64_t delay_ms);
    // Polls the agent soon (unless it is already queued).
    void enqueue(const std::string& ep);

    // Every device of the last fleet read, by GenieACS id.
    const std::map<std::string, DeviceBrief>& genie_briefs() const { return genie_briefs_; }
    // When the fleet was last read (0: never) and what went wrong then (may name devices: not for /health).
    int64_t genie_fleet_ms() const { return genie_fleet_ms_; }
    const std::string& genie_fleet_error() const { return genie_fleet_error_; }
    // {"enabled", "interval_s", "stale_after_s", "running", "queued", "finished", "last": {…}}: no device
    // data.
    json::Ptr health_json() const;

  private:
    void schedule(uint64_t delay_ms);
    void poll();
    void read_fleet();
    void pump();

    app::Hub& hub_;
    const DevicesConfig& config_;
    GenieAcs& genieacs_;
    const AgentCache& agents_;
    Hooks hooks_;

    std::map<std::string, DeviceBrief> genie_briefs_;  // by GenieACS id (from the NBI projection)
    int64_t genie_fleet_ms_ = 0;
    std::string genie_fleet_error_;

    std::deque<std::string> queue_;
    std::set<std::string> queued_;
    unsigned running_ = 0;
    net::TimerHandle timer_;
    std::mt19937 rng_{std::random_device{}()};
    uint64_t polls_finished_ = 0;
    struct Stats {
        int64_t started_ms = 0, finished_ms = 0;
        unsigned agents_due = 0, agents_polled = 0, agents_failed = 0, agents_fresh = 0;
        unsigned agents_max_running = 0;  // the most agent Gets in flight at once (≤ concurrency)
        unsigned genieacs_devices = 0;    // read this poll
        unsigned genieacs_pages = 0, genieacs_requests = 0, genieacs_retries = 0, genieacs_failed_pages = 0;
        unsigned genieacs_invalid = 0;    // documents that did not parse (their brief kept)
        unsigned genieacs_kept = 0;       // briefs kept from an earlier poll: their ids could not be read now
        unsigned genieacs_dropped = 0;    // briefs dropped: no longer in GenieACS
        long genieacs_total = -1;         // the NBI's `total` at the first page
        int64_t genieacs_ms = 0;          // the fleet read's wall time
        bool genieacs_truncated = false;  // the fleet is larger than poller.genieacs_limit
        std::string genieacs_error;
        bool running = false;
    } poll_, last_poll_;
    unsigned genie_pending_ = 0;
    std::unordered_set<std::string> genie_seen_;  // GenieACS ids read by the running poll
    Lifetime lifetime_;                           // last: goes first
};

}  // namespace cpe::hub::api
