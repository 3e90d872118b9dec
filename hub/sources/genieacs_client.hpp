// The hub's client of the GenieACS NBI (shared reference/genieacs-nbi.md): device lookups with the three
// serial fallbacks, devices with a projection of only the fields used, and validated tasks. Asynchronous on
// cpe_net_http's HttpClient; call from the loop thread, callbacks run there. Every call has a time budget and
// goes through a circuit breaker; every result carries its provenance. docs/sources-hub.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/circuit_breaker.hpp"
#include "sources/genieacs_document.hpp"
#include "sources/genieacs_files.hpp"
#include "sources/genieacs_task.hpp"
#include "sources/provenance.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::sources {

struct GenieAcsOptions {
    std::string base_url = "http://127.0.0.1:7557";
    uint64_t connect_timeout_ms = 2000;
    uint64_t query_budget_ms = 8000;  // a whole lookup, all fallbacks included
    // Each lookup step (exact serial, GPON suffix, id) within the lookup's budget: a slow step fails alone
    // and the next one still runs (0: query_budget_ms / 3).
    uint64_t step_budget_ms = 0;
    // A task with a connection request: the NBI waits up to `timeout` for the session start, then up to 120 s
    // for the session (the doc: client timeouts must exceed timeout + 120 s). 0:
    // connection_request_timeout_ms + 125 s, so the call follows the task to its end; a caller with a shorter
    // budget answers its own caller first and keeps waiting for this one (the device API's task tracker).
    uint64_t task_budget_ms = 0;
    uint64_t connection_request_timeout_ms = 4000;  // `timeout=` sent to the NBI
    BreakerOptions breaker;
    CircuitBreaker::Clock clock;  // monotonic ms for the breaker (tests); default steady clock
    // Leaves holding the GPON serial, by data model (XX230v TR-181; HT803G TR-098 — that name is
    // unconfirmed).
    std::vector<std::string> gpon_serial_paths = {
        "Device.Optical.Interface.1.GponAuth.GponSn",
        "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn",
    };
    size_t max_matches = 10;             // devices returned per lookup step
    uint64_t upload_budget_ms = 120000;  // PUT /files/<name> of a firmware image (tens of MB)
};

enum class LookupMethod { none, serial, gpon_suffix, id_contains };
const char* lookup_method_name(LookupMethod m);

struct DeviceLookup {
    LookupMethod method = LookupMethod::none;  // which fallback found it (none: not found)
    std::vector<GenieDevice> devices;          // the matches of that step (usually one)
    long total = 0;                            // the NBI's `total` header for that step
    // Each step as it went: "serial: found", "gpon_suffix: skipped (found by serial)", "id_contains: failed
    // (…)".
    std::vector<std::string> steps;
};

struct TaskResult {
    TaskOutcome outcome = TaskOutcome::queued;
    std::string task_id;  // _id of the task in GenieACS ("" for no_such_device)
    std::string reason;   // the reason phrase when known, or how the outcome was determined
    std::string fault;    // "<code>: <message>" when faulted and found under /faults
    std::string fault_code, fault_message;
    bool duplicate = false;  // not posted: a task of the same kind was already pending (task_id is that one)
    bool removed = false;    // the hub deleted the task from GenieACS (gave up on it, or it faulted)
    std::string cleanup_error;  // a DELETE of the task or its fault that failed ("" = none needed or done)
};

// Where a download task stands after the session that sent the Download (genieacs_files.hpp): an operation
// still waits for the CPE's TransferComplete, and/or the task's channel holds a fault.
struct DownloadState {
    bool pending = false;            // an operation in /operations names the task's channel
    std::optional<TaskFault> fault;  // the fault "<device>:task_<task id>" (TransferComplete with a fault)
};

struct TaskOptions {
    bool connection_request = true;
    // A task the NBI could not run now (202: offline, connection request error, queued): true leaves it
    // queued in GenieACS (it runs at the device's next session, until its expiry); false deletes it (DELETE
    // /tasks/<id>).
    bool keep_queued = true;
    // Before posting, look for a pending task of the same name and target for the device (GET /tasks); if
    // there is one, it is returned (duplicate) and nothing is posted.
    bool dedupe = true;
    // A faulted task: delete its fault and the task (GenieACS keeps both, and retries the task at every
    // session).
    bool clean_faults = true;
};

// A read of many devices, page by page (the poller's fleet projection): GET /devices/ sorted by {"_id":1},
// `limit` = page_size, each page asking for the ids after the last one of the previous page
// ({"_id":{"$gt":last}}, and-ed with the caller's query). Keyset pages, not skip: a device added or removed
// while the walk runs does not shift the pages (skip would repeat or miss a device), and the NBI walks
// MongoDB's _id index from the cursor instead of skipping from the start (lib/nbi.ts passes sort/limit to
// MongoDB; lib/query.ts leaves _id and its $gt as is). One page in flight; each page is one call with its own
// budget through the client's breaker. A failed page is asked again (page_retries), then skipped with
// skip=page_size from the same cursor (the ids it held are reported in `skipped`, so the caller keeps what it
// knew of them); max_failed_pages in a row stop the walk.
struct WalkOptions {
    size_t page_size = 200;               // limit= per page (1…1000); also the page's parse limit
    size_t max_devices = 10000;           // the walk stops (truncated) once this many ids have been read
    unsigned page_retries = 1;            // a failed page is asked again this many times…
    uint64_t retry_delay_ms = 500;        // …after this pause…
    unsigned max_failed_pages = 3;        // …then skipped; this many failed pages in a row stop the walk
    uint64_t page_budget_ms = 0;          // each page's time budget (0: query_budget_ms)
    size_t max_params_per_device = 1000;  // a document with more parameters is left out (invalid)
    std::vector<std::string> identity = {"_deviceId", "_lastInform"};  // projected besides the caller's paths
};

struct WalkPage {
    unsigned index = 0;                // 0 = the first page read
    std::string after;                 // the page holds ids after this one ("" = from the start)
    std::vector<GenieDevice> devices;  // ascending _id
    std::vector<std::string>
        invalid_ids;  // documents that did not parse, left out (keep what you knew of them)
    long total = -1;  // the NBI's `total` header: matches after `after` (-1: absent)
};

// Ids between `after` and `before` (both excluded; "" = from the start / to the end) that the walk did not
// read.
struct SkippedRange {
    std::string after, before;
    std::string error;
    bool contains(const std::string& id) const;
};

struct WalkResult {
    size_t devices = 0;          // documents delivered
    size_t invalid_devices = 0;  // documents left out
    unsigned pages = 0;          // pages read
    unsigned requests = 0;       // NBI requests, retries included
    unsigned retries = 0;
    unsigned failed_pages = 0;  // pages given up (skipped, or the one the walk stopped at)
    long first_total = -1;      // `total` of the first page read: the fleet when the walk started
    bool truncated = false;     // stopped at max_devices: the ids after the last page were not asked for
    bool stopped = false;       // stopped by errors: skipped.back() runs to the end
    std::vector<SkippedRange> skipped;
    std::vector<std::string> invalid;  // why documents were left out (the first few)
    std::string error;                 // the last page error ("" = none)
    std::optional<Errc> errc;          // its code
};

class GenieAcsClient {
  public:
    template <typename T>
    using Callback = std::function<void(Fetched<T>)>;

    GenieAcsClient(net::EventLoop& loop, net::HttpClient& http, GenieAcsOptions options);
    ~GenieAcsClient();
    GenieAcsClient(const GenieAcsClient&) = delete;
    GenieAcsClient& operator=(const GenieAcsClient&) = delete;

    // Exact `_deviceId._SerialNumber`, then a GPON serial ending with the last 8 characters, then an id
    // containing the serial. `projection`: the parameter paths to return (the identity fields always come).
    void find_by_serial(const std::string& serial, std::vector<std::string> projection,
                        Callback<DeviceLookup> done);
    // One device by its id as stored; value nullopt when there is no such device.
    void get_device(const std::string& id, std::vector<std::string> projection,
                    Callback<std::optional<GenieDevice>> done);
    // Any NBI query (Mongo JSON, built with cJSON by the caller).
    void query(const std::string& query_json, std::vector<std::string> projection,
               Callback<DeviceLookup> done);
    // POST /devices/<id>/tasks. The id is URL-encoded once more for the path (the NBI decodes once).
    void post_task(const std::string& device_id, const Task& task, TaskOptions options,
                   Callback<TaskResult> done);
    // DELETE /tasks/<id>; value true if it existed.
    void delete_task(const std::string& task_id, Callback<bool> done);
    // DELETE /faults/<id> (id "<device id>:<channel>"); value true if it existed.
    void delete_fault(const std::string& fault_id, Callback<bool> done);
    // Every device matching `query_json` (Mongo JSON; "{}" = all), page by page (WalkOptions). `on_page` runs
    // for each page read, as it arrives; then `done` once: failed when the query or the options are refused,
    // or when not one page could be read (the breaker, or every page failed); otherwise ok with what was
    // skipped.
    void walk(const std::string& query_json, std::vector<std::string> projection, WalkOptions options,
              std::function<void(WalkPage)> on_page, Callback<WalkResult> done);

    // PUT /files/<name> with the image as the body and the metadata headers (fileType, oui, productClass,
    // version); ok when the NBI answers 201. The name and metadata are checked first (validate_file_name,
    // validate_file_meta). Within options.upload_budget_ms.
    void put_file(const std::string& name, const FileMeta& meta, std::string body, Callback<bool> done);
    // GET /files/?query={"_id":<name>}: the file as GenieACS stores it, nullopt when there is none.
    void find_file(const std::string& name, Callback<std::optional<FileInfo>> done);
    // GET /operations (the one naming "task_<task id>") and GET /faults ("<device>:task_<task id>").
    void download_state(const std::string& device_id, const std::string& task_id,
                        Callback<DownloadState> done);

    BreakerSnapshot health() const { return breaker_.snapshot(); }

  private:
    struct Step;
    struct Walk;
    void walk_page(const std::shared_ptr<Walk>& w);
    void walk_failed(const std::shared_ptr<Walk>& w, const Error& e);
    void walk_end(const std::shared_ptr<Walk>& w);
    void run_query(const std::shared_ptr<class Call>& call, const std::string& query_json,
                   const std::vector<std::string>& projection,
                   std::function<void(Result<DeviceLookup>)> next);
    void resolve_202(const std::shared_ptr<class Call>& call, const std::string& device_id, TaskResult r,
                     TaskOptions options, Callback<TaskResult> done);
    void send_task(const std::shared_ptr<class Call>& call, const std::string& device_id, const Task& task,
                   TaskOptions options, Callback<TaskResult> done);
    // The end of a task call: the cleanups `options` ask for (each a DELETE within the call), then `done`.
    void finish_task(const std::shared_ptr<class Call>& call, const std::string& device_id, TaskResult r,
                     TaskOptions options, Callback<TaskResult> done);
    // DELETE of one NBI document (a task, a fault) as its own budgeted call; true when it existed.
    void delete_document(const std::string& what, const std::string& path, Callback<bool> done);
    void delete_one(const std::shared_ptr<class Call>& call, const std::string& path,
                    std::function<void(Result<bool>)> next);
    // Open breaker: delivers the refusal (posted, not counted as a failure) and returns true.
    bool refuse_if_open(const std::function<void(Error)>& deliver);
    void note(const Error* e);

    net::EventLoop& loop_;
    net::HttpClient& http_;
    GenieAcsOptions options_;
    CircuitBreaker breaker_;
    Lifetime life_;  // last: callbacks handed out check it
};

}  // namespace cpe::hub::sources
