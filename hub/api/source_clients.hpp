// The sources as the device API sees them: GenieACS and ERPNext through h11's clients (hub/sources: a time
// budget per call, a circuit breaker, provenance), converted to what the consolidation reads (TR-181 values,
// ERPNext records as JSON). The bridge's client is sources/bridge_client.hpp. Loop thread only.
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

struct SourceLimits {
    uint64_t budget_ms = 2500;
    unsigned breaker_failures = 3;
    uint64_t breaker_open_ms = 30000;
};

// A device of the poller's fleet read.
struct FleetDevice {
    GenieHit hit;
    std::optional<int64_t>
        optical_ms;  // the newest _timestamp of its receive-level leaves: when they were read
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
    // The fleet (at most fleet_limit devices) with a small projection, for the summary: pages of
    // fleet_page_size sorted by _id (h11's GenieAcsClient::walk), each within the source's budget and the
    // fleet client's breaker. `on_page` gets each page as it arrives (the devices that parsed, and the ids of
    // those that did not); `done` the walk's account (skipped ranges, retries) or an error when not one page
    // could be read.
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
    // The firmware route (sources/genieacs_files.hpp): PUT /files/<name>; a file by name (nullopt: none);
    // where a download task stands after its session.
    void put_file(const std::string& name, const sources::FileMeta& meta, std::string body,
                  std::function<void(Result<bool>)> done);
    void find_file(const std::string& name,
                   std::function<void(Result<std::optional<sources::FileInfo>>)> done);
    void download_state(const std::string& id, const std::string& task_id,
                        std::function<void(Result<sources::DownloadState>)> done);
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
    // token: "<api key>:<api secret>" (ERP_SERVICE_TOKEN). The field map is checked against ERPNext at once
    // (each DocType's fields and the API user's read access) and again, at most once a minute, when /health
    // asks.
    ErpNext(net::EventLoop& loop, net::HttpClient& http, std::string base_url, const std::string& token,
            SourceLimits limits, sources::ErpFieldMap fields = {});
    bool configured() const { return client_ != nullptr; }
    // Service Equipment by serial (then by the first MAC) → its Service Location and Customer. nullopt:
    // unknown. While the DocType check has found a problem (a missing field, no read access), a failure
    // naming it.
    void equipment(const std::string& serial, const std::vector<std::string>& macs,
                   std::function<void(Result<std::optional<ErpData>>)> done);
    // The Service Equipment rows whose serial number is `serial` (case and whitespace ignored; the USP
    // admission check, api/admission.hpp): the equipment alone, no location or customer. Always answers
    // later, never within.
    void equipment_by_serial(const std::string& serial,
                             std::function<void(Result<std::vector<sources::ServiceEquipment>>)> done);
    // The breaker's state and "doctypes": {<DocType>: "ok" | the problem | "unchecked"}, "doctypes_age_s".
    json::Ptr health(int64_t now_ms) const;

    struct Check {
        bool running = false;
        int64_t checked_ms = 0;                          // when the last check ended (0: never)
        std::vector<sources::ErpDocTypeCheck> doctypes;  // of the last check that reached ERPNext
        std::string problem;                             // the first DocType problem ("" = none)
    };

  private:
    void check(int64_t now_ms) const;

    net::EventLoop* loop_ = nullptr;
    std::unique_ptr<sources::ErpNextClient> client_;
    std::shared_ptr<Check> check_ = std::make_shared<Check>();
};

// Wall-clock milliseconds (the device view's ages).
int64_t now_ms();

}  // namespace cpe::hub::api
