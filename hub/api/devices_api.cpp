#include "api/devices_api.hpp"

#include <algorithm>
#include <cctype>

#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::api {

namespace {
const std::vector<std::string> kFullPaths = {
    "Device.DeviceInfo.", "Device.Optical.Interface.", "Device.XPON.ONU.", "Device.Ethernet.Interface.",
    "Device.IP.Interface.", "Device.WiFi.Radio.", "Device.WiFi.SSID.", "Device.WiFi.AccessPoint.",
    "Device.WiFi.MultiAP.", "Device.Hosts.", "Device.DHCPv4.Server.Pool."};
const std::vector<std::string> kBriefPaths = {"Device.DeviceInfo.", "Device.Optical.Interface.", "Device.XPON.ONU."};
const std::vector<std::string> kHostsPaths = {"Device.Hosts.", "Device.WiFi.Radio.", "Device.WiFi.SSID.",
                                              "Device.WiFi.AccessPoint.", "Device.WiFi.MultiAP.",
                                              "Device.DHCPv4.Server.Pool."};
// GenieACS projections: only what the view reads (subtrees).
const std::vector<std::string> kGenieFull = {
    "Device.DeviceInfo", "Device.Optical.Interface", "Device.XPON.ONU", "Device.Ethernet.Interface",
    "Device.IP.Interface", "Device.WiFi", "Device.Hosts", "Device.DHCPv4.Server.Pool",
    "InternetGatewayDevice.DeviceInfo", "InternetGatewayDevice.LANDevice.1.Hosts",
    "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig"};
const std::vector<std::string> kGenieHosts = {"Device.Hosts", "Device.WiFi", "Device.DHCPv4.Server.Pool",
                                              "InternetGatewayDevice.LANDevice.1.Hosts"};

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string quote(const std::string& s) { return json::print(json::Ptr(cJSON_CreateString(s.c_str())).get()); }

std::string error_body(int status, const std::string& message) {
    auto o = json::make_object();
    json::add_string(o.get(), "error", message);
    json::add_number(o.get(), "status", status);
    return json::print(o.get());
}

int status_for(const Error& e) {
    switch (e.code) {
    case Errc::not_found: return 404;
    case Errc::timeout: return 504;
    case Errc::unavailable: return 503;
    case Errc::invalid_argument: return 400;
    default: return 502;
    }
}

net::HttpClientOptions client_options() {
    net::HttpClientOptions o;
    o.max_concurrent = 16;
    o.max_body_bytes = 16 << 20;
    o.proxy = std::string();  // sources are on the operator's network: never through an environment proxy
    return o;
}

DevicesApi::Brief brief_of(const diag::Params& p, int64_t time_ms) {
    DevicesApi::Brief b;
    b.serial = diag::get(p, "Device.DeviceInfo.SerialNumber").value_or(diag::get(p, "_deviceId._SerialNumber").value_or(""));
    b.gpon_serial = diag::gpon_serial(p);
    b.model = diag::get(p, "Device.DeviceInfo.ModelName")
                  .value_or(diag::get(p, "InternetGatewayDevice.DeviceInfo.ModelName").value_or(diag::get(p, "_deviceId._ProductClass").value_or("")));
    b.firmware = diag::get(p, "Device.DeviceInfo.SoftwareVersion").value_or(diag::get(p, "InternetGatewayDevice.DeviceInfo.SoftwareVersion").value_or(""));
    b.rx_dbm = diag::optical_levels(p).rx_dbm;
    b.time_ms = time_ms;
    return b;
}
}  // namespace



// ---- construction ------------------------------------------------------------------------------

DevicesApi::DevicesApi(app::Hub& hub, DevicesConfig config, diag::OpticalHistory history)
    : hub_(hub),
      config_(std::move(config)),
      history_(std::move(history)),
      http_(hub.loop(), client_options()),
      genieacs_(hub.loop(), http_, config_.genieacs.url,
                SourceLimits{config_.genieacs.budget_ms, config_.breaker_failures, config_.breaker_open_s * 1000ULL},
                config_.genieacs.gpon_paths, config_.genieacs.task_timeout_ms, config_.poller.genieacs_limit),
      erpnext_(hub.loop(), http_, config_.erpnext.url, config_.erpnext.token,
               SourceLimits{config_.erpnext.budget_ms, config_.breaker_failures, config_.breaker_open_s * 1000ULL}),
      bridge_(hub.loop(), http_, config_.bridge.url, config_.bridge.budget_ms,
              Breaker(config_.breaker_failures, config_.breaker_open_s * 1000LL)) {}

DevicesApi::~DevicesApi() { poll_timer_.cancel(); }

Result<std::unique_ptr<DevicesApi>> install(app::Hub& hub, DevicesConfig config) {
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
        if (refused) LOG_LIMITED(log::Level::warn, 10, 60, "devices", "refused %s %s from %s: %s", req.method.c_str(),
                                 req.path.c_str(), req.peer.c_str(), refused->body.c_str());
        return refused;
    });
    hub_.route("GET", "/devices/lookup", [this](const net::Request& q, net::Responder r) { lookup(q, std::move(r)); });
    hub_.route("GET", "/devices/summary", [this](const net::Request& q, net::Responder r) { summary(q, std::move(r)); });
    hub_.route("GET", "/devices/:id/hosts", [this](const net::Request& q, net::Responder r) { hosts(q, std::move(r)); });
    hub_.route("POST", "/devices/:id/tasks", [this](const net::Request& q, net::Responder r) { tasks(q, std::move(r)); });
    hub_.route("GET", "/health/devices", [this](const net::Request&, net::Responder r) { r.json(200, health_json()); });

    std::weak_ptr<int> alive = alive_;
    if (auto* c = hub_.controller()) {
        c->listen([this, alive](const controller::Notification& n) {
            if (!alive.expired()) on_notification(n);
        });
    }
    hub_.registry().listen([this, alive](const controller::Endpoint& e, controller::EndpointChange change) {
        if (alive.expired()) return;
        if (change == controller::EndpointChange::connected && config_.poller.enabled) {
            auto it = agent_briefs_.find(e.record.endpoint_id);
            if (it == agent_briefs_.end() || now_ms() - it->second.time_ms > config_.poller.stale_after_s * 1000LL) {
                if (queued_.insert(e.record.endpoint_id).second) queue_.push_back(e.record.endpoint_id);
                pump();
            }
        }
    });
    if (config_.poller.enabled) schedule_poll(1000);
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
    std::weak_ptr<int> alive = alive_;
    c->request(ep, get, [alive, ep, done](Result<usp::Msg> r) {
        if (alive.expired()) return;
        if (!r) return done(r.error());
        auto resp = r->get_resp();
        if (!resp) return done(resp.error());
        auto params = diag::params_from_get_resp(*resp);
        if (params.empty()) return done(make_error(Errc::not_found, "agent '" + ep + "' answered no values"));
        done(std::move(params));
    }, timeout_ms);
}

void DevicesApi::remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full) {
    Brief b = brief_of(params, time_ms);
    if (const auto* e = hub_.registry().find(ep)) b.online = e->record.online;
    agent_briefs_[ep] = b;
    record_optical(ep, params, time_ms, "agent");
    if (!full) {
        // Merge into an existing full snapshot without making it look fresher than it is.
        auto it = snapshots_.find(ep);
        if (it != snapshots_.end())
            for (auto& [k, v] : params) it->second.first.params[k] = v;
        return;
    }
    auto it = snapshots_.find(ep);
    if (it != snapshots_.end()) {
        lru_.erase(it->second.second);
        snapshots_.erase(it);
    }
    lru_.push_front(ep);
    snapshots_.emplace(ep, std::make_pair(Snapshot{std::move(params), time_ms}, lru_.begin()));
    while (snapshots_.size() > max_snapshots_) {
        snapshots_.erase(lru_.back());
        lru_.pop_back();
    }
}

const DevicesApi::Snapshot* DevicesApi::snapshot(const std::string& ep) const {
    auto it = snapshots_.find(ep);
    return it == snapshots_.end() ? nullptr : &it->second.first;
}

void DevicesApi::record_optical(const std::string& device_id, const diag::Params& params, int64_t time_ms,
                                const char* source) {
    auto lv = diag::optical_levels(params);
    if (!lv.rx_dbm) return;
    auto r = history_.add(device_id, time_ms, *lv.rx_dbm, lv.tx_dbm, source);
    if (!r) LOG_LIMITED(log::Level::warn, 5, 60, "devices", "%s", r.error().message.c_str());
}

std::vector<diag::Reading> DevicesApi::history_of(const std::string& device_id) {
    auto r = history_.recent(device_id, config_.optical.trend_readings);
    if (!r) {
        LOG_LIMITED(log::Level::warn, 5, 60, "devices", "%s", r.error().message.c_str());
        return {};
    }
    return std::move(r).value();
}

void DevicesApi::on_notification(const controller::Notification& n) {
    if (const auto* vc = std::get_if<usp::Notify::ValueChange>(&n.notify.notification)) {
        auto it = snapshots_.find(n.endpoint_id);
        if (it != snapshots_.end()) it->second.first.params[vc->param_path] = vc->param_value;
        if (vc->param_path.find("Optical.Interface.") != std::string::npos) {
            diag::Params p{{vc->param_path, vc->param_value}};
            record_optical(n.endpoint_id, p, n.time_ms ? n.time_ms : now_ms(), "agent");
            auto lv = diag::optical_levels(p);
            if (lv.rx_dbm) agent_briefs_[n.endpoint_id].rx_dbm = lv.rx_dbm;
        }
        return;
    }
    if (const auto* ev = std::get_if<usp::Notify::Event>(&n.notify.notification)) {
        // Periodic!/Boot!: the agent is alive; poll it only if what we hold is stale.
        if (!config_.poller.enabled || (ev->event_name != "Periodic!" && ev->event_name != "Boot!")) return;
        auto it = agent_briefs_.find(n.endpoint_id);
        bool stale = it == agent_briefs_.end() || now_ms() - it->second.time_ms > config_.poller.stale_after_s * 1000LL ||
                     ev->event_name == "Boot!";
        if (stale && queued_.insert(n.endpoint_id).second) {
            queue_.push_back(n.endpoint_id);
            pump();
        }
    }
}

// ---- lookup ------------------------------------------------------------------------------------

struct DevicesApi::Lookup : std::enable_shared_from_this<Lookup> {
    DevicesApi* api = nullptr;
    std::weak_ptr<int> alive;
    net::Responder res;
    std::string serial;
    net::TimerHandle deadline;
    bool answered = false;
    bool phase2 = false;

    std::string ep;  // matched agent endpoint ("" = none)
    int ep_level = 0;
    std::optional<GenieHit> genie;
    bool genie_pending = false, agent_pending = false, erp_pending = false, bridge_pending = false;
    std::string bridge_fallback_id;
    diag::DeviceInputs in;

    Lookup(net::Responder r) : res(std::move(r)) {}

    static std::string level_name(int level) {
        return level == 1 ? "serial" : level == 2 ? "gpon_suffix" : level == 3 ? "id_contains" : "none";
    }
    static int level_of(const std::string& m) { return m == "serial" ? 1 : m == "gpon_suffix" ? 2 : m == "id_contains" ? 3 : 4; }

    void start() {
        auto self = shared_from_this();
        int64_t now = now_ms();
        in.now_ms = now;
        in.thresholds = api->config_.optical;
        in.agent_status.state = api->hub_.controller() ? diag::SourceState::not_found : diag::SourceState::off;
        in.genieacs_status.state = api->genieacs_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
        in.erpnext_status.state = api->erpnext_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
        in.bridge_status.state = api->bridge_.configured() ? diag::SourceState::not_found : diag::SourceState::off;
        deadline = api->hub_.loop().add_timer(api->config_.lookup_budget_ms, [self] { self->answer(true); });

        // 1. Agents the hub knows, by the three fallbacks.
        std::string su = upper(serial);
        std::string tail = su.size() >= 8 ? su.substr(su.size() - 8) : "";
        for (const auto* e : api->hub_.registry().list()) {
            int level = 0;
            const auto& id = e->record.endpoint_id;
            std::string gpon;
            if (auto it = api->agent_briefs_.find(id); it != api->agent_briefs_.end()) gpon = upper(it->second.gpon_serial);
            if (upper(e->record.serial) == su) level = 1;
            else if (!tail.empty() && gpon.size() >= 8 && gpon.compare(gpon.size() - 8, 8, tail) == 0) level = 2;
            else if (upper(id).find(su) != std::string::npos) level = 3;
            if (level && (!ep_level || level < ep_level || (level == ep_level && e->record.online))) {
                ep = id;
                ep_level = level;
            }
        }
        // 2. GenieACS (TR-069), in parallel; an exact agent match does not wait for it.
        if (api->genieacs_.configured()) {
            genie_pending = true;
            api->genieacs_.find(serial, kGenieFull, [self](Result<std::optional<GenieHit>> r) {
                if (self->alive.expired() || self->answered) return;
                self->genie_pending = false;
                auto& st = self->in.genieacs_status;
                if (!r) {
                    st.state = diag::SourceState::failed;
                    st.error = r.error().message;
                } else if (!*r) {
                    st.state = diag::SourceState::not_found;
                } else {
                    self->genie = std::move(**r);
                }
                self->resolved();
            });
        }
        if (ep_level == 1 || !genie_pending) resolved();
    }

    // Called when the device may be identified: starts phase 2 once, merges late GenieACS data.
    void resolved() {
        if (genie && (!ep_level || (!phase2 && level_of(genie->match) < ep_level))) {
            // GenieACS matched better: a TR-069 device (or an agent device found by its GenieACS record).
            std::string gserial = diag::get(genie->params, "_deviceId._SerialNumber").value_or("");
            for (const auto* e : api->hub_.registry().list())
                if (!gserial.empty() && upper(e->record.serial) == upper(gserial)) ep = e->record.endpoint_id;
        }
        if (genie && (ep.empty() || sameDevice())) {
            in.genieacs = genie->params;
            in.genieacs_status.state = diag::SourceState::fresh;
            in.genieacs_status.data_ms = genie->last_inform_ms;
        } else if (genie) {
            in.genieacs_status.state = diag::SourceState::not_found;
            in.genieacs_status.error = "GenieACS matched another device (" + genie->id + ")";
        }
        if (!phase2) {
            if (ep.empty() && !genie) {
                if (!genie_pending) finish_not_found();
                return;
            }
            phase2 = true;
            start_phase2();
        }
        maybe_answer();
    }

    bool sameDevice() const {
        const auto* e = api->hub_.registry().find(ep);
        std::string gs = upper(diag::get(genie->params, "_deviceId._SerialNumber").value_or(""));
        std::string gg = upper(diag::gpon_serial(genie->params));
        return e && (upper(e->record.serial) == gs || (!gg.empty() && upper(e->record.serial) == gg));
    }

    void start_phase2() {
        auto self = shared_from_this();
        const controller::Endpoint* e = ep.empty() ? nullptr : api->hub_.registry().find(ep);
        in.id = e ? ep : genie->id;
        in.kind = e ? "usp" : "tr069";
        std::string dev_serial = serial;
        std::vector<std::string> macs;
        if (e) {
            in.online = e->record.online;
            in.last_seen_ms = e->record.last_seen_ms;
            dev_serial = e->record.serial.empty() ? serial : e->record.serial;
            size_t start = 0;
            const std::string& m = e->record.macs;
            while (start < m.size()) {
                size_t end = m.find(',', start);
                if (end == std::string::npos) end = m.size();
                std::string mac = diag::normalize_mac(m.substr(start, end - start));
                if (!mac.empty()) macs.push_back(mac);
                start = end + 1;
            }
            // Agent: live Get within its budget; the last snapshot otherwise.
            if (e->record.online && api->hub_.controller()) {
                agent_pending = true;
                uint64_t budget = std::min(api->config_.agent_budget_ms, api->config_.lookup_budget_ms);
                api->agent_get(ep, kFullPaths, budget, [self](Result<diag::Params> r) {
                    if (self->alive.expired()) return;
                    int64_t now = now_ms();
                    if (r) self->api->remember(self->ep, *r, now, true);
                    if (self->answered) return;
                    self->agent_pending = false;
                    if (r) {
                        self->in.agent = std::move(r).value();
                        self->in.agent_status = {diag::SourceState::fresh, now, ""};
                    } else {
                        self->use_snapshot(r.error().message);
                    }
                    self->maybe_answer();
                });
            } else {
                use_snapshot("agent is offline");
            }
        } else {
            in.online = genie->last_inform_ms && now_ms() - *genie->last_inform_ms < api->config_.genieacs.online_window_s * 1000LL;
            in.last_seen_ms = genie->last_inform_ms;
            dev_serial = diag::get(genie->params, "_deviceId._SerialNumber").value_or(serial);
        }
        if (api->erpnext_.configured()) {
            erp_pending = true;
            api->erpnext_.equipment(dev_serial, macs, [self](Result<std::optional<ErpData>> r) {
                if (self->alive.expired() || self->answered) return;
                self->erp_pending = false;
                auto& st = self->in.erpnext_status;
                if (!r) {
                    st = {diag::SourceState::failed, std::nullopt, r.error().message};
                } else if (!*r) {
                    st = {diag::SourceState::not_found, now_ms(), ""};
                } else {
                    st = {diag::SourceState::fresh, now_ms(), ""};
                    self->in.equipment = std::move((*r)->equipment);
                    self->in.location = std::move((*r)->location);
                    self->in.customer = std::move((*r)->customer);
                }
                if (self->bridge_pending) {
                    const cJSON* name = self->in.equipment ? cJSON_GetObjectItemCaseSensitive(self->in.equipment.get(), "name") : nullptr;
                    self->start_bridge(cJSON_IsString(name) ? name->valuestring : self->bridge_fallback_id);
                }
                self->maybe_answer();
            });
        }
        // The bridge knows modems by their ERPNext equipment name (docs/bridge.md): ask it once ERPNext answered.
        if (api->bridge_.configured()) {
            bridge_pending = true;
            if (!api->erpnext_.configured()) start_bridge(dev_serial);
        }
        bridge_fallback_id = dev_serial;
    }

    void start_bridge(const std::string& modem_id) {
        auto self = shared_from_this();
        api->bridge_.optical(modem_id, [self](Result<std::optional<json::Ptr>> r) {
            if (self->alive.expired() || self->answered) return;
            self->bridge_pending = false;
            auto& st = self->in.bridge_status;
            if (!r) st = {diag::SourceState::failed, std::nullopt, r.error().message};
            else if (!*r) st = {diag::SourceState::not_found, now_ms(), ""};
            else {
                st = {diag::SourceState::fresh, now_ms(), ""};
                self->in.bridge = std::move(**r);
            }
            self->maybe_answer();
        });
    }

    void use_snapshot(const std::string& why) {
        if (const auto* s = api->snapshot(ep)) {
            in.agent = s->params;
            in.agent_status = {diag::SourceState::stale, s->time_ms, why};
        } else {
            in.agent_status = {diag::SourceState::failed, std::nullopt, why + "; no earlier snapshot"};
        }
    }

    void maybe_answer() {
        if (!phase2 || genie_pending || agent_pending || erp_pending || bridge_pending) return;
        answer(false);
    }

    void finish_not_found() {
        if (answered || alive.expired()) return;
        answered = true;
        deadline.cancel();
        auto o = json::make_object();
        bool genie_failed = in.genieacs_status.state == diag::SourceState::failed;
        int status = genie_failed ? 503 : 404;
        std::string msg = "no device matches serial '" + serial + "' (exact serial, GPON serial suffix, id containing it)";
        if (genie_failed) msg += "; GenieACS could not be asked: " + in.genieacs_status.error;
        json::add_string(o.get(), "error", msg);
        json::add_number(o.get(), "status", status);
        auto src = json::make_object();
        for (auto [name, st] : {std::pair{"agent", &in.agent_status}, {"genieacs", &in.genieacs_status}}) {
            auto s = json::make_object();
            json::add_string(s.get(), "state", diag::state_name(st->state));
            if (!st->error.empty()) json::add_string(s.get(), "error", st->error);
            json::add(src.get(), name, std::move(s));
        }
        json::add(o.get(), "sources", std::move(src));
        res.json(status, json::print(o.get()));
    }

    void answer(bool at_deadline) {
        if (answered || alive.expired()) return;
        if (!phase2) {
            if (at_deadline) {
                in.genieacs_status = {diag::SourceState::failed, std::nullopt,
                                      "no answer within the lookup budget of " + std::to_string(api->config_.lookup_budget_ms) + " ms"};
                genie_pending = false;
                if (ep.empty()) return finish_not_found();
                phase2 = true;
                start_phase2();
                // Sources just started have no time left: answer with what is known.
            } else {
                return;
            }
        }
        answered = true;
        deadline.cancel();
        std::string late = "no answer within the lookup budget of " + std::to_string(api->config_.lookup_budget_ms) + " ms";
        if (agent_pending) use_snapshot(late);
        if (genie_pending) in.genieacs_status = {diag::SourceState::failed, std::nullopt, late};
        if (erp_pending) in.erpnext_status = {diag::SourceState::failed, std::nullopt, late};
        if (bridge_pending) in.bridge_status = {diag::SourceState::failed, std::nullopt, late};
        // Optical history: the current reading first (TR-069 devices too), then the trend.
        if (in.genieacs && in.kind == "tr069")
            api->record_optical(in.id, *in.genieacs, in.genieacs_status.data_ms.value_or(in.now_ms), "genieacs");
        in.optical_history = api->history_of(in.id);
        std::string body = diag::device_view_json(in);
        // The fallback that found it.
        body.pop_back();
        body += ",\"match\":" + quote(level_name(ep_level && in.kind == "usp" ? ep_level : (genie ? level_of(genie->match) : 0))) + "}";
        res.json(200, std::move(body));
    }
};

void DevicesApi::lookup(const net::Request& req, net::Responder res) {
    auto serial = parse_serial_query(req);
    if (!serial) return res.json(400, error_body(400, serial.error().message));
    auto l = std::make_shared<Lookup>(std::move(res));
    l->api = this;
    l->alive = alive_;
    l->serial = *serial;
    l->start();
}

// ---- hosts -------------------------------------------------------------------------------------

namespace {
std::string with_source(std::string hosts_body, const char* source, diag::SourceState state, std::optional<int64_t> data_ms,
                        const std::string& error, const std::string& id) {
    auto s = json::make_object();
    json::add_string(s.get(), "name", source);
    json::add_string(s.get(), "state", diag::state_name(state));
    if (data_ms) json::add_number(s.get(), "age_s", static_cast<double>(std::max<int64_t>(0, (now_ms() - *data_ms) / 1000)));
    if (!error.empty()) json::add_string(s.get(), "error", error);
    hosts_body.pop_back();
    return hosts_body + ",\"id\":" + quote(id) + ",\"source\":" + json::print(s.get()) + "}";
}
}  // namespace

void DevicesApi::hosts(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    bool refresh = req.has_query("refresh");
    std::weak_ptr<int> alive = alive_;
    if (const auto* e = hub_.registry().find(id)) {
        const Snapshot* s = snapshot(id);
        bool has_hosts = s && s->params.lower_bound("Device.Hosts.") != s->params.end();
        bool fresh_enough = has_hosts && now_ms() - s->time_ms < config_.poller.stale_after_s * 1000LL;
        if (!refresh && fresh_enough)
            return res.json(200, with_source(diag::hosts_json(diag::hosts_view(s->params, now_ms())), "agent",
                                             diag::SourceState::fresh, s->time_ms, "", id));
        auto fallback = [this, id, res](const std::string& why) {
            const Snapshot* snap = snapshot(id);
            if (snap) return res.json(200, with_source(diag::hosts_json(diag::hosts_view(snap->params, now_ms())), "agent",
                                                       diag::SourceState::stale, snap->time_ms, why, id));
            res.json(503, error_body(503, "hosts of '" + id + "': " + why + "; no earlier snapshot"));
        };
        if (!e->record.online || !hub_.controller()) return fallback("agent is offline");
        agent_get(id, kHostsPaths, config_.agent_budget_ms, [this, alive, id, res, fallback](Result<diag::Params> r) {
            if (alive.expired()) return;
            if (!r) return fallback(r.error().message);
            int64_t now = now_ms();
            std::string body = diag::hosts_json(diag::hosts_view(*r, now));
            remember(id, std::move(r).value(), now, false);
            res.json(200, with_source(std::move(body), "agent", diag::SourceState::fresh, now, "", id));
        });
        return;
    }
    if (!genieacs_.configured()) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    auto fetch = [this, alive, id, res](const std::string& task_error) {
        genieacs_.get(id, kGenieHosts, [alive, id, res, task_error](Result<std::optional<GenieHit>> r) {
            if (alive.expired()) return;
            if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), "hosts of '" + id + "': " + r.error().message));
            if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
            std::string body = diag::hosts_json(diag::hosts_view((*r)->params, now_ms()));
            auto state = task_error.empty() ? diag::SourceState::fresh : diag::SourceState::stale;
            res.json(200, with_source(std::move(body), "genieacs", state, (*r)->last_inform_ms, task_error, id));
        });
    };
    if (!refresh) return fetch("");
    // ?refresh on a TR-069 device: one validated refreshObject task (connection request), then read.
    auto task = sources::Task::refresh_object("Device.Hosts");  // no trailing dot (genieacs-nbi.md)
    if (!task) return res.json(500, error_body(500, task.error().message));
    genieacs_.task(id, *task, [alive, fetch](Result<std::pair<long, std::string>> r) {
        if (alive.expired()) return;
        if (!r) return fetch("refresh failed: " + r.error().message);
        fetch(r->first == 200 ? "" : "refresh task not run now (" + r->second + ")");
    });
}

// ---- summary -----------------------------------------------------------------------------------

void DevicesApi::summary(const net::Request&, net::Responder res) {
    struct Counts {
        unsigned total = 0, online = 0;
    };
    std::map<std::string, Counts> by_model;
    std::map<std::string, unsigned> by_firmware;
    std::map<std::string, unsigned> grades;
    for (const char* g : {"good", "warning", "critical", "too_high", "no_signal", "unknown"}) grades[g] = 0;
    unsigned total = 0, online = 0, usp = 0, tr069 = 0;
    std::set<std::string> serials;
    for (const auto* e : hub_.registry().list()) {
        const auto& r = e->record;
        auto b = agent_briefs_.find(r.endpoint_id);
        std::string model = !r.model.empty() ? r.model : (b != agent_briefs_.end() ? b->second.model : "");
        std::string fw = !r.firmware.empty() ? r.firmware : (b != agent_briefs_.end() ? b->second.firmware : "");
        std::optional<double> rx = b != agent_briefs_.end() ? b->second.rx_dbm : std::nullopt;
        ++total;
        ++usp;
        online += r.online;
        auto& m = by_model[model.empty() ? "unknown" : model];
        ++m.total;
        m.online += r.online;
        ++by_firmware[fw.empty() ? "unknown" : fw];
        ++grades[diag::grade_name(diag::grade_rx(rx, config_.optical))];
        if (!r.serial.empty()) serials.insert(upper(r.serial));
    }
    int64_t now = now_ms();
    for (const auto& [id, b] : genie_briefs_) {
        if (!b.serial.empty() && serials.count(upper(b.serial))) continue;  // counted as an agent device
        ++total;
        ++tr069;
        online += b.online;
        auto& m = by_model[b.model.empty() ? "unknown" : b.model];
        ++m.total;
        m.online += b.online;
        ++by_firmware[b.firmware.empty() ? "unknown" : b.firmware];
        ++grades[diag::grade_name(diag::grade_rx(b.rx_dbm, config_.optical))];
    }
    auto o = json::make_object();
    json::add_number(o.get(), "total", total);
    json::add_number(o.get(), "online", online);
    json::add_number(o.get(), "offline", total - online);
    auto kinds = json::make_object();
    json::add_number(kinds.get(), "usp", usp);
    json::add_number(kinds.get(), "tr069", tr069);
    json::add(o.get(), "byKind", std::move(kinds));
    auto models = json::make_object();
    for (const auto& [m, c] : by_model) {
        auto e = json::make_object();
        json::add_number(e.get(), "total", c.total);
        json::add_number(e.get(), "online", c.online);
        json::add(models.get(), m.c_str(), std::move(e));
    }
    json::add(o.get(), "byModel", std::move(models));
    auto fws = json::make_object();
    for (const auto& [f, n] : by_firmware) json::add_number(fws.get(), f.c_str(), n);
    json::add(o.get(), "byFirmware", std::move(fws));
    auto gr = json::make_object();
    for (const auto& [g, n] : grades) json::add_number(gr.get(), g.c_str(), n);
    json::add(o.get(), "opticalGrades", std::move(gr));
    auto src = json::make_object();
    auto g = json::make_object();
    json::add_string(g.get(), "state", !genieacs_.configured() ? "off" : genie_fleet_ms_ ? (genie_fleet_error_.empty() ? "fresh" : "stale") : "failed");
    if (genie_fleet_ms_) json::add_number(g.get(), "age_s", static_cast<double>((now - genie_fleet_ms_) / 1000));
    if (!genie_fleet_error_.empty()) json::add_string(g.get(), "error", genie_fleet_error_);
    json::add(src.get(), "genieacs", std::move(g));
    json::add(o.get(), "sources", std::move(src));
    res.json(200, json::print(o.get()));
}

// ---- tasks -------------------------------------------------------------------------------------

void DevicesApi::tasks(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    auto task = parse_task_body(req.body);
    if (!task) return res.json(400, error_body(400, task.error().message));
    std::weak_ptr<int> alive = alive_;
    auto reply = [res, id](int status, const std::string& t, const std::string& outcome, const std::string& detail) {
        auto o = json::make_object();
        json::add_string(o.get(), "id", id);
        json::add_string(o.get(), "task", t);
        json::add_string(o.get(), "status", outcome);
        if (!detail.empty()) json::add_string(o.get(), "detail", detail);
        res.json(status, json::print(o.get()));
    };
    if (const auto* e = hub_.registry().find(id)) {
        if (!e->record.online || !hub_.controller())
            return res.json(409, error_body(409, "device '" + id + "' is offline: the task cannot be sent"));
        if (*task == "reboot") {
            usp::Operate op;
            op.command = "Device.Reboot()";
            op.command_key = "cpe-hub-" + std::to_string(now_ms());
            op.send_resp = true;
            hub_.controller()->request(id, op, [alive, res, reply](Result<usp::Msg> r) {
                if (alive.expired()) return;
                if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), r.error().message));
                auto resp = r->operate_resp();
                if (!resp) return res.json(502, error_body(502, resp.error().message));
                for (const auto& result : resp->operation_results)
                    if (const auto* f = std::get_if<usp::CommandFailure>(&result.operation_resp))
                        return res.json(502, error_body(502, "Device.Reboot() failed: " + f->err_msg));
                reply(202, "reboot", "accepted", "USP Operate Device.Reboot()");
            }, config_.agent_budget_ms);
            return;
        }
        const auto& paths = *task == "refresh" ? kFullPaths : kHostsPaths;
        agent_get(id, paths, config_.agent_budget_ms, [this, alive, id, res, reply, t = *task](Result<diag::Params> r) {
            if (alive.expired()) return;
            if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), r.error().message));
            remember(id, std::move(r).value(), now_ms(), t == "refresh");
            reply(200, t, "done", "USP Get of " + std::string(t == "refresh" ? "the device view" : "hosts and Wi-Fi"));
        });
        return;
    }
    if (!genieacs_.configured()) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    // TR-069: only tasks built here, validated by construction (genieacs-nbi.md: a bad shape crashes the NBI).
    auto t = *task == "reboot" ? sources::Task::reboot()
                               : sources::Task::refresh_object(*task == "refresh" ? "Device.DeviceInfo" : "Device.Hosts");
    if (!t) return res.json(500, error_body(500, t.error().message));
    genieacs_.task(id, *t, [alive, res, reply, tk = *task](Result<std::pair<long, std::string>> r) {
        if (alive.expired()) return;
        if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), r.error().message));
        if (r->first == 200) return reply(200, tk, "done", "GenieACS task: " + r->second);
        reply(202, tk, "queued", "GenieACS task: " + r->second);
    });
}

// ---- poller ------------------------------------------------------------------------------------

void DevicesApi::schedule_poll(uint64_t delay_ms) {
    std::weak_ptr<int> alive = alive_;
    poll_timer_ = hub_.loop().add_timer(delay_ms, [this, alive] {
        if (alive.expired()) return;
        poll();
        schedule_poll(config_.poller.interval_s * 1000ULL);
    });
}

void DevicesApi::poll() {
    if (poll_.running) return;  // the previous one is still going: skip this tick
    poll_ = PollStats{};
    poll_.running = true;
    poll_.started_ms = now_ms();
    int64_t stale = config_.poller.stale_after_s * 1000LL;
    for (const auto* e : hub_.registry().list()) {
        if (!e->record.online) continue;
        auto it = agent_briefs_.find(e->record.endpoint_id);
        if (it != agent_briefs_.end() && poll_.started_ms - it->second.time_ms < stale) {
            ++poll_.agents_fresh;
            continue;
        }
        ++poll_.agents_due;
        if (queued_.insert(e->record.endpoint_id).second) queue_.push_back(e->record.endpoint_id);
    }
    if (genieacs_.configured()) {
        ++genie_pending_;
        std::vector<std::string> proj = {"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ModelName",
                                         "Device.DeviceInfo.SerialNumber", "Device.Optical.Interface.1.OpticalSignalLevel",
                                         "Device.Optical.Interface.1.X_TP_GPON_Config.RXPower",
                                         "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                                         "InternetGatewayDevice.DeviceInfo.ModelName",
                                         "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower"};
        std::weak_ptr<int> alive = alive_;
        genieacs_.list(proj, [this, alive](Result<std::vector<GenieHit>> r) {
            if (alive.expired()) return;
            --genie_pending_;
            int64_t now = now_ms();
            if (!r) {
                poll_.genieacs_error = genie_fleet_error_ = r.error().message;
            } else {
                genie_fleet_error_.clear();
                genie_fleet_ms_ = now;
                genie_briefs_.clear();
                for (auto& h : *r) {
                    Brief b = brief_of(h.params, h.last_inform_ms.value_or(0));
                    b.online = h.last_inform_ms && now - *h.last_inform_ms < config_.genieacs.online_window_s * 1000LL;
                    genie_briefs_[h.id] = std::move(b);
                }
                poll_.genieacs_devices = static_cast<unsigned>(r->size());
            }
            pump();
        });
    }
    pump();
}

void DevicesApi::pump() {
    std::weak_ptr<int> alive = alive_;
    while (running_ < config_.poller.concurrency && !queue_.empty()) {
        std::string ep = queue_.front();
        queue_.pop_front();
        ++running_;
        uint64_t jitter = config_.poller.jitter_ms ? std::uniform_int_distribution<uint64_t>(0, config_.poller.jitter_ms)(rng_) : 0;
        hub_.loop().add_timer(jitter, [this, alive, ep] {
            if (alive.expired()) return;
            const auto* e = hub_.registry().find(ep);
            if (!e || !e->record.online || !hub_.controller()) {
                --running_;
                queued_.erase(ep);
                return pump();
            }
            agent_get(ep, kBriefPaths, config_.agent_budget_ms, [this, alive, ep](Result<diag::Params> r) {
                if (alive.expired()) return;
                --running_;
                queued_.erase(ep);
                if (r) {
                    ++poll_.agents_polled;
                    remember(ep, std::move(r).value(), now_ms(), false);
                } else {
                    ++poll_.agents_failed;
                    LOG_LIMITED(log::Level::warn, 5, 60, "devices", "poll of '%s': %s", ep.c_str(), r.error().message.c_str());
                }
                pump();
            });
        });
    }
    if (poll_.running && running_ == 0 && queue_.empty() && genie_pending_ == 0) {
        poll_.running = false;
        poll_.finished_ms = now_ms();
        last_poll_ = poll_;
    }
}

std::string DevicesApi::health_json() const {
    int64_t now = now_ms();
    auto o = json::make_object();
    auto agent = json::make_object();
    json::add_bool(agent.get(), "enabled", hub_.controller() != nullptr);
    json::add_number(agent.get(), "endpoints", static_cast<double>(hub_.registry().size()));
    json::add_number(agent.get(), "online", static_cast<double>(hub_.registry().online_count()));
    json::add_number(agent.get(), "snapshots", static_cast<double>(snapshots_.size()));
    json::add(o.get(), "agent", std::move(agent));
    json::add(o.get(), "genieacs", genieacs_.health(now));
    json::add(o.get(), "erpnext", erpnext_.health(now));
    json::add(o.get(), "bridge", bridge_.health(now));
    auto p = json::make_object();
    json::add_bool(p.get(), "enabled", config_.poller.enabled);
    json::add_number(p.get(), "interval_s", config_.poller.interval_s);
    json::add_number(p.get(), "stale_after_s", config_.poller.stale_after_s);
    json::add_bool(p.get(), "running", poll_.running);
    json::add_number(p.get(), "queued", static_cast<double>(queue_.size()));
    if (last_poll_.finished_ms) {
        auto l = json::make_object();
        json::add_number(l.get(), "age_s", static_cast<double>((now - last_poll_.finished_ms) / 1000));
        json::add_number(l.get(), "duration_ms", static_cast<double>(last_poll_.finished_ms - last_poll_.started_ms));
        json::add_number(l.get(), "agents_due", last_poll_.agents_due);
        json::add_number(l.get(), "agents_fresh", last_poll_.agents_fresh);
        json::add_number(l.get(), "agents_polled", last_poll_.agents_polled);
        json::add_number(l.get(), "agents_failed", last_poll_.agents_failed);
        json::add_number(l.get(), "genieacs_devices", last_poll_.genieacs_devices);
        if (!last_poll_.genieacs_error.empty()) json::add_string(l.get(), "genieacs_error", last_poll_.genieacs_error);
        json::add(p.get(), "last", std::move(l));
    }
    json::add(o.get(), "poll", std::move(p));
    return json::print(o.get());
}

}  // namespace cpe::hub::api
