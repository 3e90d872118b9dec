// Hub diagnostics over GenieACS (TR-069): the diagnostics object of each kind, the task that sets its inputs,
// the poll for the CPE's end of it and the reading of its results.
//
// The end: after the session that set DiagnosticsState = Requested the CPE runs the test, then opens a
// session with the event 8 DIAGNOSTICS COMPLETE. GenieACS does not keep that event in the device document
// (see detail::kRereadEveryPolls's comment), so every genieacs_poll_ms the hub reads the document's
// _lastInform and the object's DiagnosticsState:
//  - DiagnosticsState no longer Requested and newer than the hub's request (a preset on the event refreshed
//  it),
//    or a session newer than the last one the hub saw (_lastInform moved: the CPE's inform) → a refreshObject
//    reads the object from the CPE; still Requested then (the session was another one, e.g. a periodic
//    inform) → wait for the next;
//  - after such a read, every kRereadEveryPolls polls without a session the object is read again, so an
//  inform
//    that fell between the hub's read and its look at _lastInform is not waited for until the budget.
#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "diagnostics/diagnostics_internal.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::diagnostics {

namespace detail {

std::optional<GenieSpec> genie_spec(Kind kind, sources::DataModel m) {
    const bool tr098 = m == sources::DataModel::tr098;
    switch (kind) {
        case Kind::ping:
            return GenieSpec{
                tr098 ? "InternetGatewayDevice.IPPingDiagnostics" : "Device.IP.Diagnostics.IPPing",
                {"Host", "NumberOfRepetitions", "Timeout", "DataBlockSize", "DSCP"}};
        case Kind::traceroute:
            return GenieSpec{
                tr098 ? "InternetGatewayDevice.TraceRouteDiagnostics" : "Device.IP.Diagnostics.TraceRoute",
                {"Host", "NumberOfTries", "Timeout", "MaxHopCount", "DSCP"}};
        case Kind::download:
            if (tr098) return GenieSpec{"InternetGatewayDevice.DownloadDiagnostics", {"DownloadURL", "DSCP"}};
            return GenieSpec{"Device.IP.Diagnostics.DownloadDiagnostics",
                             {"DownloadURL", "NumberOfConnections", "TimeBasedTestDuration", "DSCP"}};
        case Kind::upload:
            if (tr098)
                return GenieSpec{"InternetGatewayDevice.UploadDiagnostics",
                                 {"UploadURL", "TestFileLength", "DSCP"}};
            return GenieSpec{
                "Device.IP.Diagnostics.UploadDiagnostics",
                {"UploadURL", "TestFileLength", "NumberOfConnections", "TimeBasedTestDuration", "DSCP"}};
        case Kind::nslookup:
            if (tr098) return std::nullopt;
            return GenieSpec{"Device.DNS.Diagnostics.NSLookupDiagnostics",
                             {"HostName", "DNSServer", "NumberOfRepetitions", "Timeout"}};
        case Kind::wifi_scan:
            if (tr098) return std::nullopt;
            return GenieSpec{"Device.WiFi.NeighboringWiFiDiagnostic", {}};
    }
    return std::nullopt;
}

}  // namespace detail

namespace {

bool string_input(std::string_view name) {
    return name == "Host" || name == "DownloadURL" || name == "UploadURL" || name == "HostName" ||
           name == "DNSServer";
}
// TR-098's TraceRouteDiagnostics names its hop leaves HopHost, HopHostAddress, HopErrorCode, HopRTTimes; the
// result reads TR-181's names.
std::string output_name(std::string rel) {
    if (!rel.starts_with("RouteHops.")) return rel;
    size_t dot = rel.rfind('.');
    if (dot != std::string::npos && rel.compare(dot + 1, 3, "Hop") == 0) rel.erase(dot + 1, 3);
    return rel;
}

}  // namespace

void Diagnostics::run_genieacs(const std::shared_ptr<Run>& run, const sources::GenieDevice& doc) {
    run->inform_before = doc.last_inform;
    const std::string base = run->genie_object + ".";
    std::vector<sources::Task::SetValue> values;
    for (const char* k : run->genie_inputs) {
        auto it = run->request.inputs.find(k);
        if (it == run->request.inputs.end()) continue;
        values.push_back({base + k, it->second, string_input(k) ? "xsd:string" : "xsd:unsignedInt"});
    }
    values.push_back({base + "DiagnosticsState", "Requested", "xsd:string"});
    auto task = sources::Task::set_parameter_values(values);
    if (!task) return finish(run, false, task.error().message);
    sources::TaskOptions opt;
    opt.keep_queued = false;  // a diagnostic asked now is not run hours later
    opt.dedupe = false;
    progress(run, "setting " + run->genie_object + ".DiagnosticsState = Requested through GenieACS");
    std::weak_ptr<void> alive = life_.token();
    std::weak_ptr<Run> weak = run;
    genie_->post_task(run->device, *task, opt, [this, alive, weak](sources::Fetched<sources::TaskResult> f) {
        auto cur = weak.lock();
        if (alive.expired() || !cur || cur->status != "running") return;
        if (!f.ok()) return finish(cur, false, "GenieACS: " + f.provenance.error);
        const auto& t = f.value;
        switch (t.outcome) {
            case sources::TaskOutcome::done:
                break;
            case sources::TaskOutcome::faulted:
                return finish(cur, false,
                              "the CPE refused the parameters: " +
                                  (t.fault.empty() ? t.fault_code + " " + t.fault_message : t.fault));
            case sources::TaskOutcome::no_such_device:
                return finish(cur, false, "GenieACS: no such device");
            default:
                return finish(cur, false,
                              std::string("the device could not be reached now (") +
                                  sources::task_outcome_name(t.outcome) +
                                  (t.reason.empty() ? "" : ": " + t.reason) + ")");
        }
        progress(cur, "the CPE runs the diagnostic; waiting for its 8 DIAGNOSTICS COMPLETE inform");
        genie_poll(cur);
    });
}

void Diagnostics::genie_poll(const std::shared_ptr<Run>& run) {
    std::weak_ptr<void> alive = life_.token();
    std::weak_ptr<Run> weak = run;
    run->poll = hub_.loop().add_timer(options_.genieacs_poll_ms, [this, alive, weak] {
        auto cur = weak.lock();
        if (alive.expired() || !cur || cur->status != "running") return;
        const std::string state_path = cur->genie_object + ".DiagnosticsState";
        genie_->get_device(
            cur->device, {state_path},
            [this, alive, weak, state_path](sources::Fetched<std::optional<sources::GenieDevice>> f) {
                auto inner = weak.lock();
                if (alive.expired() || !inner || inner->status != "running") return;
                if (!f.ok() || !f.value) return genie_poll(inner);  // the budget bounds the retries
                const sources::GenieDevice& doc = *f.value;
                bool ended_in_document = false;
                if (auto it = doc.params.find(state_path); it != doc.params.end() && it->second.has_value)
                    ended_in_document = it->second.value != "Requested" && !it->second.value.empty() &&
                                        it->second.timestamp > inner->inform_before;
                const bool new_session = doc.last_inform > inner->inform_before;
                const bool reread =
                    inner->reads > 0 && ++inner->polls_since_read >= detail::kRereadEveryPolls;
                if (ended_in_document || new_session || reread) return genie_read(inner);
                genie_poll(inner);
            });
    });
}

void Diagnostics::genie_read(const std::shared_ptr<Run>& run) {
    // The whole object (its result tables too: TraceRoute.RouteHops, NSLookupDiagnostics.Result, …): a
    // refreshObject reads it from the CPE, instances gone included.
    auto task = sources::Task::refresh_object(run->genie_object);
    if (!task) return finish(run, false, task.error().message);
    progress(run, "reading the results from the CPE (refreshObject)");
    sources::TaskOptions opt;
    opt.keep_queued = false;
    opt.dedupe = false;
    std::weak_ptr<void> alive = life_.token();
    std::weak_ptr<Run> weak = run;
    genie_->post_task(run->device, *task, opt, [this, alive, weak](sources::Fetched<sources::TaskResult> f) {
        auto cur = weak.lock();
        if (alive.expired() || !cur || cur->status != "running") return;
        if (!f.ok()) return finish(cur, false, "GenieACS: " + f.provenance.error);
        if (f.value.outcome != sources::TaskOutcome::done)
            return finish(cur, false,
                          std::string("reading the results: ") + sources::task_outcome_name(f.value.outcome) +
                              (f.value.fault.empty() ? "" : ": " + f.value.fault));
        genie_->get_device(
            cur->device, {cur->genie_object},
            [this, alive, weak](sources::Fetched<std::optional<sources::GenieDevice>> doc) {
                auto inner = weak.lock();
                if (alive.expired() || !inner || inner->status != "running") return;
                if (!doc.ok()) return finish(inner, false, "GenieACS: " + doc.provenance.error);
                if (!doc.value) return finish(inner, false, "GenieACS: the device is gone");
                std::map<std::string, std::string> out;
                const std::string object = inner->genie_object + ".";
                constexpr size_t kMaxOutputs = 4096;
                for (auto it = doc.value->params.lower_bound(object);
                     it != doc.value->params.end() && it->first.starts_with(object) &&
                     out.size() < kMaxOutputs;
                     ++it)
                    if (!it->second.object && it->second.has_value)
                        out[output_name(it->first.substr(object.size()))] = it->second.value;
                std::string state = out.count("DiagnosticsState") ? out["DiagnosticsState"] : "";
                if (state.empty())
                    return finish(inner, false,
                                  "GenieACS read " + object + " but it has no DiagnosticsState");
                if (state == "Requested") {
                    // Another session than the CPE's 8 DIAGNOSTICS COMPLETE: still running.
                    inner->inform_before = doc.value->last_inform;
                    ++inner->reads;
                    inner->polls_since_read = 0;
                    progress(inner,
                             "the CPE has not finished (DiagnosticsState Requested); waiting "
                             "for its 8 DIAGNOSTICS COMPLETE inform");
                    return genie_poll(inner);
                }
                finish(inner, true, "", std::move(out));
            });
    });
}

}  // namespace cpe::hub::diagnostics
