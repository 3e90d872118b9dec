// The hub's diagnostics: creation and start (routes, store, controller hooks) and the records of a run
// (begin, progress, finish). The HTTP API is in diagnostics_http.cpp, runs over USP in diagnostics_usp.cpp,
// over GenieACS (TR-069) in diagnostics_genieacs.cpp; the run state in diagnostics_internal.hpp.
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

namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

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
    std::weak_ptr<void> alive = life_.token();
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
    std::weak_ptr<void> alive = life_.token();
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
}  // namespace cpe::hub::diagnostics
