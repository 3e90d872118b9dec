#include "api/devices_api.hpp"

#include <algorithm>

#include "api/admission.hpp"
#include "api/lookup.hpp"
#include "api/reply.hpp"
#include "api/summary.hpp"
#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::api {

namespace {
net::HttpClientOptions client_options() {
    net::HttpClientOptions o;
    o.max_concurrent = 16;
    o.max_body_bytes = 16 << 20;
    o.proxy = std::string();  // sources are on the operator's network: never through an environment proxy
    return o;
}

uint64_t task_answer_ms(const DevicesConfig& c) {
    return c.genieacs.task_answer_ms ? c.genieacs.task_answer_ms
                                     : c.genieacs.budget_ms + c.genieacs.task_timeout_ms;
}
}  // namespace

// ---- construction ------------------------------------------------------------------------------

DevicesApi::DevicesApi(app::Hub& hub, DevicesConfig config, diag::OpticalHistory history)
    : hub_(hub),
      config_(std::move(config)),
      history_(std::move(history)),
      http_(hub.loop(), client_options()),
      genieacs_(hub.loop(), http_, config_.genieacs.url,
                SourceLimits{config_.genieacs.budget_ms, config_.breaker_failures,
                             config_.breaker_open_s * 1000ULL},
                config_.genieacs.gpon_paths, config_.genieacs.task_timeout_ms, config_.poller.genieacs_limit,
                config_.poller.genieacs_page_size),
      erpnext_(
          hub.loop(), http_, config_.erpnext.url, config_.erpnext.token,
          SourceLimits{config_.erpnext.budget_ms, config_.breaker_failures, config_.breaker_open_s * 1000ULL},
          config_.erpnext.fields),
      bridge_(hub.loop(), http_, config_.bridge.url, config_.bridge.budget_ms,
              sources::BreakerOptions{config_.breaker_failures, config_.breaker_open_s * 1000ULL}),
      cache_(CacheWindows{config_.cache.agent_s * 1000LL, config_.cache.genieacs_s * 1000LL,
                          config_.cache.erpnext_s * 1000LL, config_.cache.bridge_s * 1000LL,
                          config_.cache.max_devices,
                          static_cast<size_t>(config_.cache.genieacs_max_mb) << 20}),
      agents_(config_.model_families),
      tasks_(hub.loop(), genieacs_, hub.events(), task_answer_ms(config_),
             [this](const std::string& id) { forget_genieacs(id); }),
      poller_(hub, config_, genieacs_, agents_,
              Poller::Hooks{[this](const std::string& ep, const std::vector<std::string>& paths,
                                   uint64_t timeout_ms, std::function<void(Result<diag::Params>)> done) {
                                agent_get(ep, paths, timeout_ms, std::move(done));
                            },
                            [this](const std::string& ep, diag::Params params, int64_t time_ms) {
                                remember(ep, std::move(params), time_ms, false);
                            },
                            [this](const std::string& id, const diag::Params& params, int64_t time_ms) {
                                record_optical(id, params, time_ms, "genieacs");
                            }}) {
    tasks_.set_download_follow(config_.genieacs.download_poll_ms,
                               config_.genieacs.download_follow_s * 1000ULL);
}

DevicesApi::~DevicesApi() = default;

Result<std::unique_ptr<DevicesApi>> install(app::Hub& hub, DevicesConfig config) {
    if (hub.config().usp.enabled && hub.config().usp.admission.mode == controller::Admission::erpnext &&
        config.erpnext.url.empty())
        return make_error(
            Errc::invalid_argument,
            "usp.admission.mode 'erpnext' needs the ERPNext source: set devices.erpnext.url (and "
            "ERP_SERVICE_TOKEN)");
    std::string path = config.history_path.empty() ? hub.config().store.path : config.history_path;
    auto h = diag::OpticalHistory::open(path, config.history_keep, config.history_min_interval_s * 1000LL);
    if (!h) return h.error().with_context("devices");
    auto api = std::make_unique<DevicesApi>(hub, std::move(config), std::move(h).value());
    api->start();
    return api;
}

void DevicesApi::start() {
    AccessConfig access = config_.access;
    hub_.add_middleware([access](const net::Request& req) -> std::optional<net::Response> {
        Principal who;
        auto refused = check_access(access, req, &who);
        if (refused)
            LOG_LIMITED(log::Level::warn, 10, 60, "devices", "refused %s %s from %s: %s", req.method.c_str(),
                        req.path.c_str(), req.peer.c_str(), refused->body.c_str());
        return refused;
    });
    hub_.route("GET", "/devices/lookup",
               [this](const net::Request& q, net::Responder r) { lookup(q, std::move(r)); });
    hub_.route("GET", "/devices/summary",
               [this](const net::Request& q, net::Responder r) { summary(q, std::move(r)); });
    hub_.route("GET", "/devices/:id/hosts",
               [this](const net::Request& q, net::Responder r) { hosts(q, std::move(r)); });
    hub_.route("POST", "/devices/:id/tasks",
               [this](const net::Request& q, net::Responder r) { tasks(q, std::move(r)); });
    hub_.route("GET", "/devices/:id/tasks/:taskId",
               [this](const net::Request& q, net::Responder r) { task_status(q, std::move(r)); });
    hub_.route("POST", "/devices/:id/firmware",
               [this](const net::Request& q, net::Responder r) { device_firmware(q, std::move(r)); });
    hub_.route("POST", "/firmware",
               [this](const net::Request& q, net::Responder r) { firmware_upload(q, std::move(r)); });
    hub_.route("GET", "/firmware/:name",
               [this](const net::Request& q, net::Responder r) { firmware_file(q, std::move(r)); });
    // GET /health (the Hub's, open) carries each source's state; /health/devices is the same document (older
    // name). An authenticated caller (service token, staff through the proxy) also gets each source's last
    // error text.
    AccessConfig health_access = config_.access;
    health_access.protected_prefixes = {"/health"};
    hub_.add_health([this, health_access](cJSON* health, const net::Request& req) {
        add_health(health, !check_access(health_access, req).has_value());
    });
    hub_.route("GET", "/health/devices",
               [this](const net::Request& q, net::Responder r) { r.json(200, hub_.health_json(q)); });

    if (auto* c = hub_.controller())
        c->listen(lifetime_.guard([this](const controller::Notification& n) { on_notification(n); }));
    // usp.admission.mode erpnext: the registry asks this API's ERPNext source (api/admission.hpp).
    if (hub_.config().usp.admission.mode == controller::Admission::erpnext)
        hub_.registry().set_vetter(
            erpnext_vetter(erpnext_, hub_.config().usp.admission.refused_statuses, lifetime_.token()));
    hub_.registry().listen(
        lifetime_.guard([this](const controller::Endpoint& e, controller::EndpointChange change) {
            if (change == controller::EndpointChange::connected) poll_if_stale(e.record.endpoint_id, false);
        }));
    // The lookup cache: an endpoint that (re)connects, goes away or changes identity may change what a query
    // resolves to and its "online": rendered answers go; a reconnect may follow a reboot: its snapshot too.
    hub_.registry().listen(
        lifetime_.guard([this](const controller::Endpoint& e, controller::EndpointChange change) {
            cache_.drop_answers();
            if (change != controller::EndpointChange::identified)
                cache_.agent_changed(e.record.endpoint_id, now_ms());
        }));
    if (config_.poller.enabled) poller_.start(1000);
}

// ---- routes ------------------------------------------------------------------------------------

void DevicesApi::lookup(const net::Request& req, net::Responder res) {
    auto serial = parse_serial_query(req);
    if (!serial) return res.json(400, error_body(400, serial.error().message));
    bool refresh = req.has_query("refresh");
    if (!refresh) {
        if (const std::string* body = cache_.answer(*serial, now_ms())) return res.json(200, *body);
    }
    std::make_shared<Lookup>(*this, std::move(res), *serial, refresh)->start();
}

void DevicesApi::summary(const net::Request&, net::Responder res) {
    FleetState fleet{poller_.genie_briefs(), genieacs_.configured(), poller_.genie_fleet_ms(),
                     poller_.genie_fleet_error()};
    res.json(200, summary_json(hub_.registry(), agents_, fleet, config_.optical, config_.model_families,
                               now_ms()));
}

// ---- agent data --------------------------------------------------------------------------------

void DevicesApi::agent_get(const std::string& ep, const std::vector<std::string>& paths, uint64_t timeout_ms,
                           std::function<void(Result<diag::Params>)> done) {
    auto* c = hub_.controller();
    if (!c) {
        hub_.loop().post([done] { done(make_error(Errc::unavailable, "USP is disabled in this hub")); });
        return;
    }
    usp::Get get;
    get.param_paths = paths;
    c->request(ep, get, lifetime_.guard([ep, done](Result<usp::Msg> r) {
        if (!r) return done(r.error());
        auto resp = r->get_resp();
        if (!resp) return done(resp.error());
        auto params = diag::params_from_get_resp(*resp);
        if (params.empty()) return done(make_error(Errc::not_found, "agent '" + ep + "' answered no values"));
        done(std::move(params));
    }),
               timeout_ms);
}

void DevicesApi::remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full) {
    const auto* e = hub_.registry().find(ep);
    record_optical(ep, params, time_ms, "agent");
    agents_.remember(ep, std::move(params), time_ms, full, e && e->record.online);
    seen_agent_.ok(time_ms);
    cache_.drop_answers_of(ep);  // its snapshot changes
}

void DevicesApi::record_optical(const std::string& device_id, const diag::Params& params, int64_t time_ms,
                                const char* source) {
    auto lv = diag::optical_levels(params);
    if (!lv.rx_dbm) return;
    auto r = history_.add(device_id, time_ms, *lv.rx_dbm, lv.tx_dbm, source);
    if (!r) LOG_LIMITED(log::Level::warn, 5, 60, "devices", "%s", r.error().message.c_str());
    if (r && *r) {  // a reading was added: the trend changes
        cache_.drop_history(device_id);
        cache_.drop_answers_of(device_id);
    }
}

std::vector<diag::Reading> DevicesApi::history_of(const std::string& device_id) {
    if (const auto* cached = cache_.history(device_id))
        return *cached;  // unchanged since read (record_optical)
    auto r = history_.recent(device_id, config_.optical.trend_readings);
    if (!r) {
        LOG_LIMITED(log::Level::warn, 5, 60, "devices", "%s", r.error().message.c_str());
        return {};
    }
    cache_.put_history(device_id, *r);
    return std::move(r).value();
}

void DevicesApi::invalidate(const std::string& device_id, bool agent_changed) {
    if (agent_changed) cache_.agent_changed(device_id, now_ms());
    cache_.drop_answers_of(device_id);
}

void DevicesApi::forget_genieacs(const std::string& genieacs_id) {
    cache_.drop_genieacs_if([&](const GenieHit& h) { return h.id == genieacs_id; });
    cache_.drop_answers_of(genieacs_id);
}

void DevicesApi::poll_if_stale(const std::string& ep, bool force) {
    if (!config_.poller.enabled) return;
    const DeviceBrief* b = agents_.brief(ep);
    if (force || !b || now_ms() - b->time_ms > config_.poller.stale_after_s * 1000LL) poller_.enqueue(ep);
}

void DevicesApi::on_notification(const controller::Notification& n) {
    // Anything but Periodic! says the device changed: the next lookup asks the agent again.
    const auto* periodic = std::get_if<usp::Notify::Event>(&n.notify.notification);
    if (!periodic || periodic->event_name != "Periodic!") invalidate(n.endpoint_id, true);
    if (const auto* vc = std::get_if<usp::Notify::ValueChange>(&n.notify.notification)) {
        agents_.set_value(n.endpoint_id, vc->param_path, vc->param_value);
        if (vc->param_path.find("Optical.Interface.") != std::string::npos) {
            diag::Params p{{vc->param_path, vc->param_value}};
            record_optical(n.endpoint_id, p, n.time_ms ? n.time_ms : now_ms(), "agent");
            auto lv = diag::optical_levels(p);
            if (lv.rx_dbm) agents_.brief_for(n.endpoint_id).rx_dbm = lv.rx_dbm;
        }
        return;
    }
    if (const auto* ev = std::get_if<usp::Notify::Event>(&n.notify.notification)) {
        // Periodic!/Boot!: the agent is alive; poll it only if what we hold is stale (a reboot: always).
        if (ev->event_name == "Periodic!" || ev->event_name == "Boot!")
            poll_if_stale(n.endpoint_id, ev->event_name == "Boot!");
    }
}

}  // namespace cpe::hub::api
