// The hub's device API ("Diagnostiquer"): GET /devices/lookup, /devices/summary, /devices/:id/hosts,
// POST /devices/:id/tasks, GET /health/devices; the access middleware for device data; the poller.
// Paths and shapes: docs/api.md (the operator's ops app calls them, shared reference operator-system.md).
//
// Wiring (hub/main.cpp, after Hub::create and before Hub::start):
//   auto dc = cpe::hub::api::devices_config_from_env();        // HUB_DEVICES_CONFIG, HUB_SERVICE_TOKEN, ERP_SERVICE_TOKEN
//   if (!dc) { LOG_ERROR("hub", "%s", dc.error().message.c_str()); return 2; }
//   auto devices = cpe::hub::api::install(**hub, std::move(dc).value());
//   if (!devices) { LOG_ERROR("hub", "%s", devices.error().message.c_str()); return 1; }
//   … run the loop …; then devices->reset() before hub->reset().
// Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/devices_config.hpp"
#include "api/lookup_cache.hpp"
#include "api/parse.hpp"
#include "api/source_clients.hpp"
#include "app/hub.hpp"
#include "diag/consolidate.hpp"
#include "diag/history.hpp"
#include "diag/identity.hpp"
#include "diag/params.hpp"
#include "net/http_client.hpp"

namespace cpe::hub::api {

class DevicesApi {
public:
    DevicesApi(app::Hub& hub, DevicesConfig config, diag::OpticalHistory history);
    ~DevicesApi();
    DevicesApi(const DevicesApi&) = delete;
    DevicesApi& operator=(const DevicesApi&) = delete;

    // Registers the middleware, the routes and the controller/registry listeners; starts the poller.
    void start();
    // {"agent": {…}, "genieacs": {…}, "erpnext": {…}, "bridge": {…}, "poll": {…}, "cache": {…}}: states, circuit
    // breakers, the last poll, the lookup cache. No device data; with `detailed` (an authenticated caller) each
    // source's last error text too (it can name a device). GET /health carries these members.
    std::string health_json(bool detailed = false) const;
    void add_health(cJSON* health, bool detailed) const;

    struct Snapshot {
        diag::Params params;
        int64_t time_ms = 0;
    };
    // A device's small summary kept for every known device (fleet statistics).
    struct Brief {
        std::string serial, gpon_serial, model, firmware;
        std::string variant;            // the most precise model name reported (diag::model_variant)
        std::vector<std::string> macs;  // TR-069 devices: the Ethernet MACs of the NBI projection
        std::optional<double> rx_dbm;
        int64_t time_ms = 0;
        bool online = false;
    };

private:
    struct Lookup;
    friend struct Lookup;

    void lookup(const net::Request& req, net::Responder res);
    void hosts(const net::Request& req, net::Responder res);
    // A TR-069 device's hosts: from the bridge when it manages the modem (ERPNext equipment name), else GenieACS.
    void hosts_tr069(const std::string& id, bool refresh, net::Responder res);
    // GenieACS's hosts (?refresh: a refreshObject task first). `why`: why the bridge was not used ("" = not tried);
    // `doc`: a document already read with the hosts projection (used when no refresh).
    void hosts_genieacs(const std::string& id, bool refresh, const std::string& why, std::shared_ptr<const GenieHit> doc,
                        net::Responder res);
    void summary(const net::Request& req, net::Responder res);
    void tasks(const net::Request& req, net::Responder res);
    void task_status(const net::Request& req, net::Responder res);  // GET /devices/:id/tasks/:taskId

    // GenieACS tasks the hub follows to their end (POST /devices/:id/tasks, hosts?refresh), by the hub's task
    // id.
    struct TrackedTask {
        std::string task_id, device, kind;  // kind: reboot, refresh, refreshHosts
        std::string status = "running";     // running, done, queued, offline, faulted, failed
        std::string reason, fault_code, fault_message, error;
        std::vector<std::string> genieacs_task_ids;
        std::vector<std::string> steps;  // each GenieACS task and how it ended
        int http = 202;                  // the status an answer about it gets
        int64_t started_ms = 0, ended_ms = 0;
    };
    // Runs the GenieACS tasks of `kind` for device `id` — chosen for its data model (sources::model_paths of
    // `doc`, its record) — and follows them to their end; or, when one of that kind is already running for
    // the device, that one (nothing posted again). `answer` runs once: at the end, or at
    // genieacs.task_answer_ms with the task still running. `schedule`: a reboot of an offline device stays
    // queued in GenieACS (else refused).
    void run_genie_task(const std::string& id, const std::string& kind, bool schedule, const GenieHit& doc,
                        std::function<void(const TrackedTask&)> answer);
    std::string tracked_json(const TrackedTask& t) const;
    std::map<std::string, TrackedTask> tracked_;          // by task id (the last kMaxTracked ended ones kept)
    std::map<std::string, std::string> tracked_running_;  // device id + "\n" + kind → task id
    uint64_t task_seq_ = 0;

    // Agent side.
    void agent_get(const std::string& ep, const std::vector<std::string>& paths, uint64_t timeout_ms,
                   std::function<void(Result<diag::Params>)> done);
    void remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full);
    const Snapshot* snapshot(const std::string& ep) const;
    void record_optical(const std::string& device_id, const diag::Params& params, int64_t time_ms, const char* source);
    std::vector<diag::Reading> history_of(const std::string& device_id);
    void on_notification(const controller::Notification& n);
    // The device's data changed (notification, task, registry): cached answers and the agent's window are void.
    void invalidate(const std::string& device_id, bool agent_changed);
    void forget_genieacs(const std::string& genieacs_id);  // its GenieACS answers and rendered views
    diag::DeviceIdentity agent_identity(const controller::Endpoint& e) const;

    // Poller.
    void schedule_poll(uint64_t delay_ms);
    void poll();
    void pump();

    app::Hub& hub_;
    DevicesConfig config_;
    diag::OpticalHistory history_;
    net::HttpClient http_;
    GenieAcs genieacs_;
    ErpNext erpnext_;
    Bridge bridge_;
    LookupCache cache_;
    // Last success / failure of each source as the lookups saw it (GET /health).
    struct SourceSeen {
        int64_t ok_ms = 0, error_ms = 0;
        std::string error;
        void ok(int64_t now) { ok_ms = now; }
        void failed(int64_t now, std::string e) {
            error_ms = now;
            error = std::move(e);
        }
    };
    SourceSeen seen_agent_, seen_genie_, seen_erp_, seen_bridge_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);

    // Full snapshots (bounded, least recently used dropped) and briefs for every device.
    std::list<std::string> lru_;
    std::unordered_map<std::string, std::pair<Snapshot, std::list<std::string>::iterator>> snapshots_;
    size_t max_snapshots_ = 500;
    std::map<std::string, Brief> agent_briefs_;   // by endpoint id
    std::map<std::string, Brief> genie_briefs_;   // by GenieACS id (from the poller's NBI projection)
    int64_t genie_fleet_ms_ = 0;
    std::string genie_fleet_error_;

    // Poller state.
    std::deque<std::string> queue_;
    std::set<std::string> queued_;
    unsigned running_ = 0;
    net::TimerHandle poll_timer_;
    std::mt19937 rng_{std::random_device{}()};
    uint64_t polls_finished_ = 0;
    struct PollStats {
        int64_t started_ms = 0, finished_ms = 0;
        unsigned agents_due = 0, agents_polled = 0, agents_failed = 0, agents_fresh = 0;
        unsigned agents_max_running = 0;      // the most agent Gets in flight at once (≤ concurrency)
        unsigned genieacs_devices = 0;        // read this poll
        unsigned genieacs_pages = 0, genieacs_requests = 0, genieacs_retries = 0, genieacs_failed_pages = 0;
        unsigned genieacs_invalid = 0;        // documents that did not parse (their brief kept)
        unsigned genieacs_kept = 0;           // briefs kept from an earlier poll: their ids could not be read now
        unsigned genieacs_dropped = 0;        // briefs dropped: no longer in GenieACS
        long genieacs_total = -1;             // the NBI's `total` at the first page
        int64_t genieacs_ms = 0;              // the fleet read's wall time
        bool genieacs_truncated = false;      // the fleet is larger than poller.genieacs_limit
        std::string genieacs_error;
        bool running = false;
    } poll_, last_poll_;
    unsigned genie_pending_ = 0;
    std::unordered_set<std::string> genie_seen_;  // GenieACS ids read by the running poll
};

// Opens the optical history (in the hub's store file unless config.history_path), builds and starts the API.
Result<std::unique_ptr<DevicesApi>> install(app::Hub& hub, DevicesConfig config);

}  // namespace cpe::hub::api
