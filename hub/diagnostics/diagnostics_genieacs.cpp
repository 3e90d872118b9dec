// Hub diagnostics over GenieACS (TR-069): the diagnostics object of each kind, the task that sets its inputs,
// the poll for 8 DIAGNOSTICS COMPLETE and the reading of its results.
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

using detail::kDiagEvent;

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
    run->event_before = doc.value(kDiagEvent);
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
        genie_->get_device(cur->device, {kDiagEvent},
                           [this, alive, weak](sources::Fetched<std::optional<sources::GenieDevice>> f) {
                               auto inner = weak.lock();
                               if (alive.expired() || !inner || inner->status != "running") return;
                               if (!f.ok() || !f.value)
                                   return genie_poll(inner);  // the budget bounds the retries
                               std::string ev = f.value->value(kDiagEvent);
                               if (ev.empty() || ev <= inner->event_before) return genie_poll(inner);
                               genie_read(inner);
                           });
    });
}

void Diagnostics::genie_read(const std::shared_ptr<Run>& run) {
    // The whole object (its result tables too: TraceRoute.RouteHops, NSLookupDiagnostics.Result, …): a
    // refreshObject reads it from the CPE, instances gone included.
    auto task = sources::Task::refresh_object(run->genie_object);
    if (!task) return finish(run, false, task.error().message);
    progress(run, "8 DIAGNOSTICS COMPLETE received; reading the results");
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
        genie_->get_device(cur->device, {cur->genie_object},
                           [this, alive, weak](sources::Fetched<std::optional<sources::GenieDevice>> doc) {
                               auto inner = weak.lock();
                               if (alive.expired() || !inner || inner->status != "running") return;
                               if (!doc.ok())
                                   return finish(inner, false, "GenieACS: " + doc.provenance.error);
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
                               std::string state =
                                   out.count("DiagnosticsState") ? out["DiagnosticsState"] : "";
                               if (state == "Requested" || state.empty())
                                   return finish(inner, false,
                                                 "the CPE reported 8 DIAGNOSTICS COMPLETE but "
                                                 "DiagnosticsState is '" +
                                                     state + "'");
                               finish(inner, true, "", std::move(out));
                           });
    });
}

}  // namespace cpe::hub::diagnostics
