// Diagnostics run on a device from the hub (issue 14, docs/api.md "Diagnostics"):
//   POST /devices/:id/diagnostics {"type": …, …args}  → 202 {"id": <diagnostic id>, …record}
//   GET  /devices/:id/diagnostics                     → the device's recent diagnostics, newest first
//   GET  /devices/:id/diagnostics/:did                → one record (running ones from memory, the rest from
//   the store)
// Progress and the end go to SSE (event "diagnostic" on topics device:<id> and diagnostics).
// An agent device (an admitted USP endpoint of that id) gets the TR-181 command through USP Operate; the hub
// subscribes to its OperationComplete notifications first (Device.LocalAgent.Subscription, ID
// "cpe-hub-diagnostics") and ends the diagnostic when the one with its command key arrives. Any other id is a
// TR-069 device in GenieACS: the diagnostics object of its data model (TR-181 Device.IP.Diagnostics.IPPing,
// …; TR-098 InternetGatewayDevice.IPPingDiagnostics, …) gets its inputs and DiagnosticsState = Requested,
// then the hub waits for the CPE's "8 DIAGNOSTICS COMPLETE" inform (GenieACS records it as
// Events.8_DIAGNOSTICS_COMPLETE) and reads the object with a refreshObject task. Every diagnostic has a
// budget (what its arguments let the device take, plus a margin, within [min, max]): past it the diagnostic
// ends as failed with the reason. Records are kept in the hub's SQLite file (DiagnosticsStore). Loop thread
// only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "app/hub.hpp"
#include "diagnostics/request.hpp"
#include "diagnostics/store.hpp"
#include "diagnostics/tr143.hpp"
#include "net/http_client.hpp"
#include "sources/genieacs_client.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::diagnostics {

struct DiagnosticsOptions {
    std::string store_path;         // the hub's SQLite file (store.path)
    unsigned keep_per_device = 20;  // records kept per device
    uint64_t margin_ms = 10000;     // added to what the arguments let the device take
    uint64_t min_budget_ms = 15000;
    uint64_t max_budget_ms = 180000;
    unsigned max_running = 64;        // diagnostics running at once, hub-wide (more: 503)
    uint64_t usp_request_ms = 10000;  // the Operate and the subscription Add
    // download/upload without "url": this URL ("" = the hub's own TR-143 download of
    // tr143.default_download_bytes when tr143.enabled, else "url" is required).
    std::string default_url;
    Limits limits;
    Tr143Options tr143;
    // TR-069 route (GenieACS NBI; "" = off).
    std::string genieacs_url;
    uint64_t genieacs_budget_ms = 2500;
    uint64_t genieacs_connection_request_ms = 3000;
    uint64_t genieacs_poll_ms = 2000;  // how often the device's record is read for the completion event
};

class Diagnostics {
  public:
    static Result<std::unique_ptr<Diagnostics>> create(app::Hub& hub, DiagnosticsOptions options);
    ~Diagnostics();
    Diagnostics(const Diagnostics&) = delete;
    Diagnostics& operator=(const Diagnostics&) = delete;

    // Routes and listeners (the routes pass the hub's middlewares: the device API's access control); starts
    // the TR-143 listener when enabled (the error names its address).
    Status start();
    size_t running() const { return runs_.size(); }

  private:
    struct Run;
    Diagnostics(app::Hub& hub, DiagnosticsOptions options, DiagnosticsStore store);

    void post(const net::Request& req, net::Responder res);
    void get_one(const net::Request& req, net::Responder res);
    void list(const net::Request& req, net::Responder res);

    std::shared_ptr<Run> begin(const std::string& device, Request request, const std::string& route);
    void progress(const std::shared_ptr<Run>& run, std::string text);
    void finish(const std::shared_ptr<Run>& run, bool completed, std::string reason,
                std::map<std::string, std::string> outputs = {});
    std::string record_json(const Run& run) const;

    // USP route.
    void run_agent(const std::shared_ptr<Run>& run);
    void operate(const std::shared_ptr<Run>& run);
    void on_notification(const controller::Notification& n);
    // GenieACS route.
    void run_genieacs(const std::shared_ptr<Run>& run, const sources::GenieDevice& doc);
    void genie_poll(const std::shared_ptr<Run>& run);
    void genie_read(const std::shared_ptr<Run>& run);

    app::Hub& hub_;
    DiagnosticsOptions options_;
    DiagnosticsStore store_;
    std::unique_ptr<net::HttpClient> http_;
    std::unique_ptr<sources::GenieAcsClient> genie_;
    std::unique_ptr<Tr143Server> tr143_;
    std::map<std::string, std::shared_ptr<Run>> runs_;  // running, by diagnostic id
    std::map<std::string, std::string> busy_;           // device + "\n" + type → running diagnostic id
    std::set<std::string> subscribed_;                  // endpoints subscribed on their current connection
    uint64_t seq_ = 0;
    Lifetime life_;  // every callback it hands out (USP answers, GenieACS, timers) checks it
};

}  // namespace cpe::hub::diagnostics
