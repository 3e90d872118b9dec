#include "diagnostics/diagnostics.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::diagnostics {

namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string error_body(int status, const std::string& message) {
    auto o = json::make_object();
    json::add_string(o.get(), "error", message);
    json::add_number(o.get(), "status", status);
    return json::print(o.get());
}

constexpr const char* kSubscriptionId = "cpe-hub-diagnostics";
// OperationComplete of any command (TR-369: a ReferenceList entry names a command or an object above it).
// "Device." rather than the diagnostics objects: an agent refuses a ReferenceList naming an object its data
// model lacks (cpe-agent checks each entry against its schema), and the hub tells its diagnostics apart by
// CommandKey.
constexpr const char* kSubscriptionRefs = "Device.";

// A diagnostic as a TR-069 CPE has it: an object whose writable leaves are the inputs and DiagnosticsState =
// "Requested" starts it (TR-069 Amendment 6, Annex "Diagnostics"). By data model: TR-181
// Device.IP.Diagnostics.*, Device.DNS.Diagnostics.NSLookupDiagnostics, Device.WiFi.NeighboringWiFiDiagnostic
// (the XX230v's GenieACS export in tests/sim/data has each, with these leaves); TR-098
// InternetGatewayDevice.IPPingDiagnostics, TraceRouteDiagnostics (TR-098 Amendment 2), DownloadDiagnostics,
// UploadDiagnostics (TR-143); TR-098 has no standard NSLookup or neighbouring-Wi-Fi object (nullopt: 501).
// ProtocolVersion is not sent: older objects lack it (the XX230v's IPPing has none) and setting a missing
// leaf faults the whole task.
struct GenieSpec {
    std::string object;
    std::vector<const char*> inputs;  // TR-181 input argument names = the object's leaf names
};
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
// GenieACS stores each inform's event codes as Events.<code, spaces as '_'> (dateTime of the last one): the
// XX230v's GenieACS export (tests/sim/data) has Events.0_BOOTSTRAP, Events.Inform, Events.Registered. The
// name for "8 DIAGNOSTICS COMPLETE" (TR-069 Amendment 6, Table 7) follows that rule (assumption: not seen in
// a dump).
constexpr const char* kDiagEvent = "Events.8_DIAGNOSTICS_COMPLETE";

}  // namespace

struct Diagnostics::Run {
    std::string id, device, route;
    Request request;
    std::string status = "running";  // running, complete, failed
    std::string progress, reason;
    std::map<std::string, std::string> outputs;
    json::Ptr result;
    int64_t created_ms = 0, ended_ms = 0;
    uint64_t budget_ms = 0;
    net::TimerHandle budget, poll;
    std::string msg_id;                     // USP request in flight
    std::string request_path;               // Device.LocalAgent.Request.{i} of an asynchronous command
    std::string genie_object;               // TR-069: the diagnostics object
    std::vector<const char*> genie_inputs;  // TR-069: the object's input leaves
    std::string event_before;  // TR-069: Events.8_DIAGNOSTICS_COMPLETE when the diagnostic was asked for
    bool reading = false;
};

Diagnostics::Diagnostics(app::Hub& hub, DiagnosticsOptions options, DiagnosticsStore store)
    : hub_(hub), options_(std::move(options)), store_(std::move(store)) {}

Diagnostics::~Diagnostics() {
    for (auto& [id, run] : runs_) {
        run->budget.cancel();
        run->poll.cancel();
    }
}

Result<std::unique_ptr<Diagnostics>> Diagnostics::create(app::Hub& hub, DiagnosticsOptions options) {
    auto store = DiagnosticsStore::open(options.store_path, options.keep_per_device);
    if (!store) return store.error();
    if (store->interrupted())
        LOG_WARN("diagnostics", "%lld diagnostic(s) were running when the hub stopped: marked failed",
                 static_cast<long long>(store->interrupted()));
    std::unique_ptr<Diagnostics> d(new Diagnostics(hub, std::move(options), std::move(store).value()));
    if (!d->options_.genieacs_url.empty()) {
        d->http_ = std::make_unique<net::HttpClient>(hub.loop());
        sources::GenieAcsOptions o;
        o.base_url = d->options_.genieacs_url;
        o.connect_timeout_ms = std::min<uint64_t>(d->options_.genieacs_budget_ms, 2000);
        o.query_budget_ms = d->options_.genieacs_budget_ms;
        o.connection_request_timeout_ms = d->options_.genieacs_connection_request_ms;
        o.max_matches = 2;
        d->genie_ = std::make_unique<sources::GenieAcsClient>(hub.loop(), *d->http_, o);
    }
    return d;
}

Status Diagnostics::start() {
    if (options_.tr143.enabled) {
        tr143_ = std::make_unique<Tr143Server>(hub_.loop(), options_.tr143);
        if (auto st = tr143_->start(); !st) return st;
        LOG_INFO("diagnostics", "TR-143 endpoints on %s:%d (devices reach them as %s)",
                 options_.tr143.bind.empty() ? "*" : options_.tr143.bind.c_str(), tr143_->port(),
                 tr143_->base_url().c_str());
        if (options_.default_url.empty())
            options_.default_url = tr143_->base_url() + "/tr143/download?bytes=" +
                                   std::to_string(options_.tr143.default_download_bytes);
    }
    hub_.route("POST", "/devices/:id/diagnostics",
               [this](const net::Request& q, net::Responder r) { post(q, std::move(r)); });
    hub_.route("GET", "/devices/:id/diagnostics",
               [this](const net::Request& q, net::Responder r) { list(q, std::move(r)); });
    hub_.route("GET", "/devices/:id/diagnostics/:did",
               [this](const net::Request& q, net::Responder r) { get_one(q, std::move(r)); });
    std::weak_ptr<int> alive = alive_;
    if (auto* c = hub_.controller()) {
        c->listen([this, alive](const controller::Notification& n) {
            if (!alive.expired()) on_notification(n);
        });
    }
    // A new connection has none of the subscriptions made on the last one (they are not persistent).
    hub_.registry().listen([this, alive](const controller::Endpoint& e, controller::EndpointChange change) {
        if (alive.expired() || change == controller::EndpointChange::identified) return;
        subscribed_.erase(e.record.endpoint_id);
    });
    hub_.add_health([this](cJSON* health, const net::Request&) {
        auto o = json::make_object();
        json::add_number(o.get(), "running", static_cast<double>(runs_.size()));
        if (tr143_) {
            const auto& s = tr143_->stats();
            auto t = json::make_object();
            json::add_number(t.get(), "active", s.active);
            json::add_number(t.get(), "downloads", static_cast<double>(s.downloads));
            json::add_number(t.get(), "uploads", static_cast<double>(s.uploads));
            json::add_number(t.get(), "bytes_sent", static_cast<double>(s.bytes_sent));
            json::add_number(t.get(), "bytes_received", static_cast<double>(s.bytes_received));
            json::add_number(t.get(), "refused", static_cast<double>(s.refused));
            json::add(o.get(), "tr143", std::move(t));
        }
        json::add(health, "diagnostics", std::move(o));
    });
    return {};
}

// ---- records --------------------------------------------------------------------------------------

std::string Diagnostics::record_json(const Run& run) const {
    auto o = json::make_object();
    json::add_string(o.get(), "id", run.id);
    json::add_string(o.get(), "device", run.device);
    json::add_string(o.get(), "type", kind_name(run.request.kind));
    json::add_string(o.get(), "route", run.route);
    json::add_string(o.get(), "command", run.route == "genieacs" ? run.genie_object : run.request.command);
    json::add_string(o.get(), "status", run.status);
    if (!run.progress.empty()) json::add_string(o.get(), "progress", run.progress);
    if (!run.reason.empty()) json::add_string(o.get(), "reason", run.reason);
    json::add(
        o.get(), "args",
        run.request.args ? json::Ptr(cJSON_Duplicate(run.request.args.get(), true)) : json::make_object());
    json::add_number(o.get(), "created_ms", static_cast<double>(run.created_ms));
    if (run.ended_ms) json::add_number(o.get(), "ended_ms", static_cast<double>(run.ended_ms));
    json::add_number(o.get(), "budget_ms", static_cast<double>(run.budget_ms));
    if (run.result) json::add(o.get(), "result", json::Ptr(cJSON_Duplicate(run.result.get(), true)));
    if (!run.outputs.empty()) {
        auto out = json::make_object();
        for (const auto& [k, v] : run.outputs) json::add_string(out.get(), k.c_str(), v);
        json::add(o.get(), "outputs", std::move(out));
    }
    return json::print(o.get());
}

std::shared_ptr<Diagnostics::Run> Diagnostics::begin(const std::string& device, Request request,
                                                     const std::string& route) {
    auto run = std::make_shared<Run>();
    run->id = "d" + std::to_string(now_ms()) + "-" + std::to_string(++seq_);
    run->device = device;
    run->route = route;
    run->request = std::move(request);
    run->created_ms = now_ms();
    run->budget_ms = std::clamp(run->request.expected_ms + options_.margin_ms, options_.min_budget_ms,
                                options_.max_budget_ms);
    run->progress = "requested";
    runs_[run->id] = run;
    busy_[device + "\n" + kind_name(run->request.kind)] = run->id;
    std::weak_ptr<int> alive = alive_;
    std::weak_ptr<Run> weak = run;
    run->budget = hub_.loop().add_timer(run->budget_ms, [this, alive, weak] {
        auto r = weak.lock();
        if (alive.expired() || !r) return;
        // The agent's Request is still running: cancel it (TR-181 Device.LocalAgent.Request.{i}.Cancel()), so
        // the device does not go on testing for nobody. Its answer is not waited for.
        if (!r->request_path.empty() && hub_.controller()) {
            usp::Operate cancel;
            cancel.command = r->request_path + "Cancel()";
            cancel.command_key = r->id + "-cancel";
            cancel.send_resp = true;
            hub_.controller()->request(
                r->device, cancel, [](Result<usp::Msg>) {}, options_.usp_request_ms);
        }
        finish(r, false,
               "no result within the hub's budget of " + std::to_string(r->budget_ms / 1000) + " s (" +
                   (r->progress.empty() ? std::string("no answer") : "last step: " + r->progress) + ")");
    });
    StoredDiagnostic s{run->id, device,           kind_name(run->request.kind), "running", run->created_ms,
                       0,       record_json(*run)};
    if (auto st = store_.put(s); !st) LOG_WARN("diagnostics", "%s", st.error().message.c_str());
    hub_.events().publish({"device:" + device, "diagnostics"}, "diagnostic", s.json);
    return run;
}

void Diagnostics::progress(const std::shared_ptr<Run>& run, std::string text) {
    if (run->status != "running") return;
    run->progress = std::move(text);
    hub_.events().publish({"device:" + run->device, "diagnostics"}, "diagnostic", record_json(*run));
}

void Diagnostics::finish(const std::shared_ptr<Run>& run, bool completed, std::string reason,
                         std::map<std::string, std::string> outputs) {
    if (run->status != "running") return;
    run->budget.cancel();
    run->poll.cancel();
    if (!run->msg_id.empty()) {
        if (auto* c = hub_.controller()) c->cancel(run->msg_id);
        run->msg_id.clear();
    }
    run->status = completed ? "complete" : "failed";
    run->reason = std::move(reason);
    run->ended_ms = now_ms();
    if (completed) {
        run->outputs = std::move(outputs);
        run->result = render_result(run->request.kind, run->outputs);
        run->progress = "done";
    }
    std::string body = record_json(*run);
    StoredDiagnostic s{run->id,       run->device, kind_name(run->request.kind), run->status, run->created_ms,
                       run->ended_ms, body};
    if (auto st = store_.put(s); !st) LOG_WARN("diagnostics", "%s", st.error().message.c_str());
    LOG_INFO("diagnostics", "%s %s of '%s': %s%s%s", run->id.c_str(), kind_name(run->request.kind),
             run->device.c_str(), run->status.c_str(), run->reason.empty() ? "" : ": ", run->reason.c_str());
    hub_.events().publish({"device:" + run->device, "diagnostics"}, "diagnostic", body);
    busy_.erase(run->device + "\n" + kind_name(run->request.kind));
    auto keep = run;  // the map may hold the last reference
    runs_.erase(run->id);
}

// ---- HTTP -----------------------------------------------------------------------------------------

void Diagnostics::post(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    auto parsed = parse_request(req.body, options_.limits, options_.default_url);
    if (!parsed) {
        int status = parsed.error().code == Errc::too_large ? 413 : 400;
        return res.json(status, error_body(status, parsed.error().message));
    }
    // A test its arguments let run longer than the hub ever waits would only end at the budget: refused now.
    if (parsed->expected_ms > options_.max_budget_ms) {
        static const std::map<Kind, const char*> kWhat = {
            {Kind::ping, "'count' × 'timeoutMs'"},
            {Kind::traceroute, "'maxHops' × 'tries' × 'timeoutMs'"},
            {Kind::nslookup, "'count' × 'timeoutMs'"},
            {Kind::download, "'durationS'"},
            {Kind::upload, "'durationS'"},
            {Kind::wifi_scan, "the scan"}};
        return res.json(400, error_body(400, std::string(kWhat.at(parsed->kind)) + " may take " +
                                                 std::to_string(parsed->expected_ms / 1000) +
                                                 " s, more than the hub waits for a diagnostic (" +
                                                 std::to_string(options_.max_budget_ms / 1000) + " s)"));
    }
    std::string busy_key = id + "\n" + kind_name(parsed->kind);
    if (auto b = busy_.find(busy_key); b != busy_.end())
        return res.json(
            409, error_body(409, std::string("a ") + kind_name(parsed->kind) + " diagnostic of '" + id +
                                     "' is already running: " + b->second));
    if (runs_.size() >= options_.max_running)
        return res.json(503, error_body(503, "the hub runs " + std::to_string(runs_.size()) +
                                                 " diagnostics already (its limit): try again later"));
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
        if (!hub_.controller())
            return res.json(503,
                            error_body(503, "USP is disabled in this hub's configuration (usp.enabled)"));
        if (!e->record.online)
            return res.json(409,
                            error_body(409, "device '" + id + "' is offline: the diagnostic cannot be sent"));
        auto run = begin(id, std::move(parsed).value(), "usp");
        res.json(202, record_json(*run));
        return run_agent(run);
    }
    if (!genie_) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    auto request = std::make_shared<Request>(std::move(parsed).value());
    std::weak_ptr<int> alive = alive_;
    genie_->get_device(
        id,
        {"InternetGatewayDevice.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.SoftwareVersion", kDiagEvent},
        [this, alive, id, res, request](sources::Fetched<std::optional<sources::GenieDevice>> f) {
            if (alive.expired()) return;
            if (!f.ok()) return res.json(502, error_body(502, "GenieACS: " + f.provenance.error));
            if (!f.value) return res.json(404, error_body(404, "device '" + id + "' is not known"));
            std::string key = id + "\n" + kind_name(request->kind);
            if (busy_.count(key))
                return res.json(409, error_body(409, "a diagnostic of this kind is already running"));
            auto model = sources::model_of(f.value->params);
            auto spec = genie_spec(request->kind, model);
            if (!spec)
                return res.json(501, error_body(501, std::string("'type': ") + kind_name(request->kind) +
                                                         " has no standard object in a " +
                                                         sources::data_model_name(model) +
                                                         " device's data model (TR-069 through GenieACS)"));
            auto run = begin(id, std::move(*request), "genieacs");
            run->genie_object = spec->object;
            run->genie_inputs = spec->inputs;
            res.json(202, record_json(*run));
            run_genieacs(run, *f.value);
        });
}

void Diagnostics::get_one(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id"), did = req.param("did");
    if (auto it = runs_.find(did); it != runs_.end() && it->second->device == id)
        return res.json(200, record_json(*it->second));
    auto row = store_.get(id, did);
    if (!row) return res.json(500, error_body(500, row.error().message));
    if (!*row)
        return res.json(404, error_body(404, "diagnostic '" + did + "' of device '" + id +
                                                 "' is not known (the hub keeps the last " +
                                                 std::to_string(options_.keep_per_device) + " per device)"));
    if ((*row)->status == "failed" && (*row)->json.find("\"status\":\"running\"") != std::string::npos) {
        // Left running by an earlier run of the hub (DiagnosticsStore::open marked the row failed).
        auto doc = json::parse((*row)->json, "stored diagnostic");
        if (doc) {
            cJSON_ReplaceItemInObjectCaseSensitive(doc->get(), "status", cJSON_CreateString("failed"));
            json::add_string(doc->get(), "reason", "the hub stopped while the diagnostic ran");
            return res.json(200, json::print(doc->get()));
        }
    }
    res.json(200, (*row)->json);
}

void Diagnostics::list(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    unsigned limit = options_.keep_per_device;
    if (auto l = req.query_value("limit")) {
        if (l->empty() || l->size() > 4 || l->find_first_not_of("0123456789") != std::string::npos)
            return res.json(400, error_body(400, "query parameter 'limit': expected an integer 0..9999"));
        limit = static_cast<unsigned>(std::stoul(*l));
    }
    auto rows = store_.list(id, limit);
    if (!rows) return res.json(500, error_body(500, rows.error().message));
    std::string body =
        "{\"device\":" + json::print(json::Ptr(cJSON_CreateString(id.c_str())).get()) + ",\"diagnostics\":[";
    for (size_t i = 0; i < rows->size(); ++i) {
        const auto& r = (*rows)[i];
        auto live = runs_.find(r.id);
        body += (i ? "," : "") + (live != runs_.end() ? record_json(*live->second) : r.json);
    }
    body += "]}";
    res.json(200, std::move(body));
}

// ---- USP ------------------------------------------------------------------------------------------

void Diagnostics::run_agent(const std::shared_ptr<Run>& run) {
    if (subscribed_.count(run->device)) return operate(run);
    usp::Add add;
    add.allow_partial = true;
    usp::Add::CreateObject obj;
    obj.obj_path = "Device.LocalAgent.Subscription.";
    obj.param_settings = {{"Enable", "true", true},
                          {"ID", kSubscriptionId, true},
                          {"NotifType", "OperationComplete", true},
                          {"ReferenceList", kSubscriptionRefs, true},
                          {"Persistent", "false", false}};
    add.create_objs.push_back(std::move(obj));
    progress(run, "subscribing to OperationComplete");
    std::weak_ptr<int> alive = alive_;
    std::weak_ptr<Run> weak = run;
    run->msg_id = hub_.controller()->request(
        run->device, add,
        [this, alive, weak](Result<usp::Msg> r) {
            auto cur = weak.lock();
            if (alive.expired() || !cur || cur->status != "running") return;
            cur->msg_id.clear();
            if (!r) {
                if (r.error().code == Errc::unavailable || r.error().code == Errc::timeout)
                    return finish(cur, false, "subscription: " + r.error().message);
                // A USP error (e.g. the ID exists already from an earlier connection): the Operate may still
                // be answered; its OperationComplete reaches us if the subscription is there.
                LOG_INFO("diagnostics", "'%s': subscription not added: %s", cur->device.c_str(),
                         r.error().message.c_str());
            } else if (auto resp = r->add_resp()) {
                for (const auto& res : resp->created_obj_results)
                    if (const auto* f = std::get_if<usp::OperFailure>(&res.oper_status))
                        LOG_INFO("diagnostics", "'%s': subscription not created: %u %s", cur->device.c_str(),
                                 f->err_code, f->err_msg.c_str());
            }
            subscribed_.insert(cur->device);
            operate(cur);
        },
        options_.usp_request_ms);
}

void Diagnostics::operate(const std::shared_ptr<Run>& run) {
    usp::Operate op;
    op.command = run->request.command;
    op.command_key = run->id;
    op.send_resp = true;
    for (const auto& [k, v] : run->request.inputs) op.input_args[k] = v;
    progress(run, "sending " + run->request.command);
    std::weak_ptr<int> alive = alive_;
    std::weak_ptr<Run> weak = run;
    run->msg_id = hub_.controller()->request(
        run->device, op,
        [this, alive, weak](Result<usp::Msg> r) {
            auto cur = weak.lock();
            if (alive.expired() || !cur || cur->status != "running") return;
            cur->msg_id.clear();
            if (!r) {
                auto code = r.error().usp_error();
                if (code && *code == 7005)
                    return finish(cur, false,
                                  "the device is busy with another diagnostic of this kind (USP 7005)");
                // The controller's text names the endpoint and msg_id first; the device's own words are
                // enough.
                const std::string& m = r.error().message;
                size_t at = code ? m.find("USP error") : std::string::npos;
                return finish(cur, false,
                              at == std::string::npos ? m : "the device answered " + m.substr(at));
            }
            auto resp = r->operate_resp();
            if (!resp) return finish(cur, false, resp.error().message);
            if (resp->operation_results.empty()) return finish(cur, false, "OperateResp without a result");
            const auto& result = resp->operation_results.front();
            if (const auto* f = std::get_if<usp::CommandFailure>(&result.operation_resp))
                return finish(cur, false, "USP " + std::to_string(f->err_code) + " " + f->err_msg);
            if (const auto* out = std::get_if<usp::OutputArgs>(&result.operation_resp)) {
                std::map<std::string, std::string> o(out->output_args.begin(), out->output_args.end());
                return finish(cur, true, "", std::move(o));
            }
            const auto& path = std::get<usp::OperateResp::ReqObjPath>(result.operation_resp).path;
            cur->request_path = path;
            progress(cur, "running on the device (" + path + ")");
        },
        options_.usp_request_ms);
}

void Diagnostics::on_notification(const controller::Notification& n) {
    if (runs_.empty()) return;
    if (const auto* oc = std::get_if<usp::Notify::OperationComplete>(&n.notify.notification)) {
        auto it = runs_.find(oc->command_key);
        if (it == runs_.end() || it->second->device != n.endpoint_id) return;
        auto run = it->second;
        if (const auto* f = std::get_if<usp::CommandFailure>(&oc->operation_resp))
            return finish(run, false, "USP " + std::to_string(f->err_code) + " " + f->err_msg);
        const auto& out = std::get<usp::OutputArgs>(oc->operation_resp).output_args;
        return finish(run, true, "", std::map<std::string, std::string>(out.begin(), out.end()));
    }
    if (const auto* ev = std::get_if<usp::Notify::Event>(&n.notify.notification)) {
        if (ev->event_name != "Boot!") return;
        std::vector<std::shared_ptr<Run>> hit;
        for (auto& [id, run] : runs_)
            if (run->device == n.endpoint_id && run->route == "usp") hit.push_back(run);
        for (auto& run : hit) finish(run, false, "the device restarted while the diagnostic ran (Boot!)");
    }
}

// ---- GenieACS -------------------------------------------------------------------------------------

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
    std::weak_ptr<int> alive = alive_;
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
    std::weak_ptr<int> alive = alive_;
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
    std::weak_ptr<int> alive = alive_;
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
