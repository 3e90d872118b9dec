// The hub's device API ("Diagnostiquer"): GET /devices/lookup, /devices/summary, /devices/:id/hosts,
// POST /devices/:id/tasks, GET /health/devices; the access middleware for device data; the poller.
// Paths and shapes: docs/api.md (the operator's ops app calls them, shared reference operator-system.md).
// This class is the wiring: the sources' clients, the caches and the listeners; each concern has its own file
// — lookup.* + lookup_bridge.cpp (the lookup's state machine), hosts.cpp, summary.*, tasks.* +
// task_routes.cpp (GenieACS tasks followed to their end), poller.* (and its health document), agent_cache.*
// (agent snapshots and briefs), health.cpp (GET /health's source members).
//
// Wiring (hub/main.cpp, after Hub::create and before Hub::start):
//   auto dc = cpe::hub::api::devices_config_from_env(config->devices, config->devices_given);  // + tokens
//   if (!dc) { LOG_ERROR("hub", "%s", dc.error().message.c_str()); return 2; }
//   auto devices = cpe::hub::api::install(**hub, std::move(dc).value());
//   if (!devices) { LOG_ERROR("hub", "%s", devices.error().message.c_str()); return 1; }
//   … run the loop …; then devices->reset() before hub->reset().
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/agent_cache.hpp"
#include "api/devices_config.hpp"
#include "api/lookup_cache.hpp"
#include "api/parse.hpp"
#include "api/poller.hpp"
#include "api/source_clients.hpp"
#include "api/tasks.hpp"
#include "app/hub.hpp"
#include "diag/consolidate.hpp"
#include "diag/history.hpp"
#include "diag/params.hpp"
#include "net/http_client.hpp"
#include "sources/bridge_client.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::api {

class DevicesApi {
  public:
    DevicesApi(app::Hub& hub, DevicesConfig config, diag::OpticalHistory history);
    ~DevicesApi();
    DevicesApi(const DevicesApi&) = delete;
    DevicesApi& operator=(const DevicesApi&) = delete;

    // Registers the middleware, the routes and the controller/registry listeners; starts the poller.
    void start();
    // {"agent": {…}, "genieacs": {…}, "erpnext": {…}, "bridge": {…}, "poll": {…}, "cache": {…}}: states,
    // circuit breakers, the last poll, the lookup cache. No device data; with `detailed` (an authenticated
    // caller) each source's last error text too (it can name a device). GET /health carries these members.
    std::string health_json(bool detailed = false) const;
    void add_health(cJSON* health, bool detailed) const;

    using Snapshot = AgentSnapshot;
    using Brief = DeviceBrief;

  private:
    friend class Lookup;  // lookup.cpp: the state machine reads the sources and caches held here

    // Routes (lookup.cpp, hosts.cpp, task_routes.cpp; summary.cpp renders the summary).
    void lookup(const net::Request& req, net::Responder res);
    void hosts(const net::Request& req, net::Responder res);
    // A TR-069 device's hosts: from the bridge when it manages the modem (ERPNext equipment name), else
    // GenieACS.
    void hosts_tr069(const std::string& id, bool refresh, net::Responder res);
    // GenieACS's hosts (?refresh: a refreshObject task first). `why`: why the bridge was not used ("" = not
    // tried); `doc`: a document already read with the hosts projection (used when no refresh).
    void hosts_genieacs(const std::string& id, bool refresh, const std::string& why,
                        std::shared_ptr<const GenieHit> doc, net::Responder res);
    void summary(const net::Request& req, net::Responder res);
    void tasks(const net::Request& req, net::Responder res);
    void task_status(const net::Request& req, net::Responder res);  // GET /devices/:id/tasks/:taskId
    // firmware_routes.cpp: POST /firmware, GET /firmware/:name, POST /devices/:id/firmware.
    void firmware_upload(const net::Request& req, net::Responder res);
    void firmware_file(const net::Request& req, net::Responder res);
    void device_firmware(const net::Request& req, net::Responder res);
    std::optional<net::Response> firmware_access(const net::Request& req) const;

    // Agent side.
    void agent_get(const std::string& ep, const std::vector<std::string>& paths, uint64_t timeout_ms,
                   std::function<void(Result<diag::Params>)> done);
    void remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full);
    void record_optical(const std::string& device_id, const diag::Params& params, int64_t time_ms,
                        const char* source);
    std::vector<diag::Reading> history_of(const std::string& device_id);
    void on_notification(const controller::Notification& n);
    // The device's data changed (notification, task, registry): cached answers and the agent's window are
    // void.
    void invalidate(const std::string& device_id, bool agent_changed);
    void forget_genieacs(const std::string& genieacs_id);  // its GenieACS answers and rendered views
    // Polls the agent soon when what the hub holds of it is older than poller.stale_after_s (or `force`).
    void poll_if_stale(const std::string& ep, bool force);

    app::Hub& hub_;
    DevicesConfig config_;
    diag::OpticalHistory history_;
    net::HttpClient http_;
    GenieAcs genieacs_;
    ErpNext erpnext_;
    sources::BridgeClient bridge_;
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
    AgentCache agents_;
    GenieTasks tasks_;
    std::string upload_running_;  // the image POST /firmware is uploading ("" = none)
    Poller poller_;
    Lifetime lifetime_;  // last: goes first
};

// Opens the optical history (in the hub's store file unless config.history_path), builds and starts the API.
Result<std::unique_ptr<DevicesApi>> install(app::Hub& hub, DevicesConfig config);

}  // namespace cpe::hub::api
