// The sources as the device API sees them: GenieACS and ERPNext through h11's clients (hub/sources: a time
// budget per call, a circuit breaker, provenance), converted to what the consolidation reads (TR-181 values,
// ERPNext records as JSON); the bridge through a thin client of its REST API (docs/bridge.md). Loop thread only.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/parse.hpp"
#include "diag/hosts.hpp"
#include "diag/params.hpp"
#include "json/json.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/circuit_breaker.hpp"
#include "sources/erpnext_client.hpp"
#include "sources/genieacs_client.hpp"
#include "sources/genieacs_document.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

// For the bridge (h11's breaker is for their clients): consecutive failures open the circuit for open_ms.
class Breaker {
public:
    Breaker(unsigned failures, int64_t open_ms) : threshold_(failures), open_ms_(open_ms) {}
    bool allow(int64_t now_ms);
    void success(int64_t now_ms);
    void failure(const std::string& error, int64_t now_ms);
    json::Ptr json(int64_t now_ms) const;  // {circuit, consecutive_failures, failures, rejected, calls, last_error, last_ok_age_s}
    std::string refusal(int64_t now_ms) const;

private:
    unsigned threshold_;
    int64_t open_ms_;
    unsigned consecutive_ = 0;
    uint64_t failures_ = 0, rejected_ = 0, calls_ = 0;
    int64_t open_until_ = 0;
    int64_t last_ok_ms_ = 0;
    std::string last_error_;
};


struct SourceLimits {
    uint64_t budget_ms = 2500;
    unsigned breaker_failures = 3;
    uint64_t breaker_open_ms = 30000;
};

// A device of the poller's fleet read.
struct FleetDevice {
    GenieHit hit;
    std::optional<int64_t> optical_ms;  // the newest _timestamp of its receive-level leaves: when they were read
};

class GenieAcs {
public:
    // fleet_limit: devices read per poll; fleet_page_size: devices per NBI page (1…1000).
    GenieAcs(net::EventLoop& loop, net::HttpClient& http, std::string base_url, SourceLimits limits,
             std::vector<std::string> gpon_paths, uint64_t task_timeout_ms, unsigned fleet_limit,
             unsigned fleet_page_size = 200);
    bool configured() const { return lookup_ != nullptr; }
    // Exact serial, GPON serial suffix, id containing it (h11's find_by_serial); nullopt: none matched.
    void find(const std::string& serial, const std::vector<std::string>& projection,
              std::function<void(Result<std::optional<GenieHit>>)> done);
    void get(const std::string& id, const std::vector<std::string>& projection,
             std::function<void(Result<std::optional<GenieHit>>)> done);
    // The fleet (at most fleet_limit devices) with a small projection, for the summary: pages of fleet_page_size
    // sorted by _id (h11's GenieAcsClient::walk), each within the source's budget and the fleet client's breaker.
    // `on_page` gets each page as it arrives (the devices that parsed, and the ids of those that did not); `done`
    // the walk's account (skipped ranges, retries) or an error when not one page could be read.
    void list(const std::vector<std::string>& projection,
              std::function<void(std::vector<FleetDevice>, std::vector<std::string> invalid_ids)> on_page,
              std::function<void(Result<sources::WalkResult>)> done);
    // A validated task (h11's Task builders) with a connection request and an expiry (kTaskExpiryS), followed
    // to its end (the NBI's session, up to timeout + 120 s): value = the NBI's outcome (done, queued with the
    // reason, offline, faulted with the fault's code and message; pending duplicates are not posted again).
    // Error not_found: no such device.
    static constexpr uint32_t kTaskExpiryS = 900;
    void task(const std::string& id, const sources::Task& task, sources::TaskOptions options,
              std::function<void(Result<sources::TaskResult>)> done);
    json::Ptr health(int64_t now_ms) const;

private:
    net::EventLoop& loop_;
    std::unique_ptr<sources::GenieAcsClient> lookup_;  // small result sets
    std::unique_ptr<sources::GenieAcsClient> fleet_;   // the poller's projection of the whole fleet
    sources::WalkOptions fleet_walk_;
};

struct ErpData {
    json::Ptr equipment, location, customer;  // null when absent
};

class ErpNext {
public:
    // token: "<api key>:<api secret>" (ERP_SERVICE_TOKEN). The field map is checked against ERPNext at once (each
    // DocType's fields and the API user's read access) and again, at most once a minute, when /health asks.
    ErpNext(net::EventLoop& loop, net::HttpClient& http, std::string base_url, const std::string& token, SourceLimits limits,
            sources::ErpFieldMap fields = {});
    bool configured() const { return client_ != nullptr; }
    // Service Equipment by serial (then by the first MAC) → its Service Location and Customer. nullopt: unknown.
    // While the DocType check has found a problem (a missing field, no read access), a failure naming it.
    void equipment(const std::string& serial, const std::vector<std::string>& macs,
                   std::function<void(Result<std::optional<ErpData>>)> done);
    // The breaker's state and "doctypes": {<DocType>: "ok" | the problem | "unchecked"}, "doctypes_age_s".
    json::Ptr health(int64_t now_ms) const;

    struct Check {
        bool running = false;
        int64_t checked_ms = 0;                           // when the last check ended (0: never)
        std::vector<sources::ErpDocTypeCheck> doctypes;   // of the last check that reached ERPNext
        std::string problem;                              // the first DocType problem ("" = none)
    };

private:
    void check(int64_t now_ms) const;

    net::EventLoop* loop_ = nullptr;
    std::unique_ptr<sources::ErpNextClient> client_;
    std::shared_ptr<Check> check_ = std::make_shared<Check>();
};

// A modem's hosts as the bridge read them: the view (parse_bridge_hosts, leases as of now) and when the bridge read
// the modem (now − its Age header).
struct BridgeHosts {
    diag::HostsView view;
    int64_t data_ms = 0;
};

class Bridge {
public:
    Bridge(net::EventLoop& loop, net::HttpClient& http, std::string base_url, uint64_t budget_ms, Breaker breaker);
    bool configured() const { return !base_.empty(); }
    // GET /modems/<id>/optical → {rxDbm, txDbm} (also accepts rx_dbm/tx_dbm). Value nullopt: 404.
    void optical(const std::string& modem_id, std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /modems/<id>/mesh → the mesh nodes (parse_bridge_mesh). Value nullopt: 404 or no mesh read.
    void mesh(const std::string& modem_id, std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /olts/<olt>/pons/<slot>/<port> → the row of ONU `onu` (parse_bridge_onu). Value nullopt: the bridge
    // does not know that OLT/PON (404) or the PON has no such ONU.
    void onu(const std::string& olt, int slot, int port, int onu, std::function<void(Result<std::optional<json::Ptr>>)> done);
    // GET /modems/<id>/hosts[?refresh=1] (docs/bridge.md) → the hosts view with one node named `modem_id`. refresh:
    // the bridge reads the modem now instead of answering from its cache. Value nullopt: the bridge does not know
    // the modem (404). Errors carry the bridge's own error text.
    void hosts(const std::string& modem_id, bool refresh, std::function<void(Result<std::optional<BridgeHosts>>)> done);
    json::Ptr health(int64_t now_ms) const;

private:
    // One GET within the budget and the breaker; 404 → nullopt; another status than 200 → an error with the
    // bridge's text. Defined and instantiated in source_clients.cpp.
    template <typename T>
    void fetch(std::string path, std::function<Result<std::optional<T>>(const net::HttpResponse&)> parse,
               std::function<void(Result<std::optional<T>>)> done);

    net::EventLoop& loop_;
    net::HttpClient& http_;
    std::string base_;
    uint64_t budget_ms_;
    Breaker breaker_;
};


int64_t now_ms();
std::string url_encode(std::string_view text);

}  // namespace cpe::hub::api
