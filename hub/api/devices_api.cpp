#include "api/devices_api.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_set>

#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/genieacs_model.hpp"

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
                                              "InternetGatewayDevice.LANDevice.1.Hosts",
                                              "InternetGatewayDevice.LANDevice.1.WLANConfiguration"};
// A device's data model and last inform (the identity always comes): its DeviceInfo under either root, and
// whether it has DataElements (refreshed with the hosts where present).
const std::vector<std::string> kGenieModelProbe = {"Device.DeviceInfo.SoftwareVersion",
                                                   "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                                                   "Device.WiFi.DataElements.Network.ID"};
// The hosts projection plus what ERPNext is asked by (diag::identity_of: Ethernet MACs; the serial is _deviceId's).
const std::vector<std::string> kGenieHostsIdentity = {
    "Device.Hosts",
    "Device.WiFi",
    "Device.DHCPv4.Server.Pool",
    "InternetGatewayDevice.LANDevice.1.Hosts",
    "InternetGatewayDevice.LANDevice.1.WLANConfiguration",
    "Device.Ethernet.Interface",
    "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig"};

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
    b.variant = diag::model_variant(b.model, diag::get(p, "_deviceId._ProductClass").value_or(""));
    b.macs = diag::identity_of(p).macs;
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
                config_.genieacs.gpon_paths, config_.genieacs.task_timeout_ms, config_.poller.genieacs_limit,
                config_.poller.genieacs_page_size),
      erpnext_(hub.loop(), http_, config_.erpnext.url, config_.erpnext.token,
               SourceLimits{config_.erpnext.budget_ms, config_.breaker_failures, config_.breaker_open_s * 1000ULL},
               config_.erpnext.fields),
      bridge_(hub.loop(), http_, config_.bridge.url, config_.bridge.budget_ms,
              Breaker(config_.breaker_failures, config_.breaker_open_s * 1000LL)),
      cache_(CacheWindows{config_.cache.agent_s * 1000LL, config_.cache.genieacs_s * 1000LL,
                          config_.cache.erpnext_s * 1000LL, config_.cache.bridge_s * 1000LL, config_.cache.max_devices,
                          static_cast<size_t>(config_.cache.genieacs_max_mb) << 20}) {}

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
    hub_.route("GET", "/devices/:id/tasks/:taskId",
               [this](const net::Request& q, net::Responder r) { task_status(q, std::move(r)); });
    // GET /health (the Hub's, open) carries each source's state; /health/devices is the same document (older name).
    // An authenticated caller (service token, staff through the proxy) also gets each source's last error text.
    AccessConfig health_access = config_.access;
    health_access.protected_prefixes = {"/health"};
    hub_.add_health([this, health_access](cJSON* health, const net::Request& req) {
        add_health(health, !check_access(health_access, req).has_value());
    });
    hub_.route("GET", "/health/devices", [this](const net::Request& q, net::Responder r) { r.json(200, hub_.health_json(q)); });

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
    // The lookup cache: an endpoint that (re)connects, goes away or changes identity may change what a query
    // resolves to and its "online": rendered answers go; a reconnect may follow a reboot: its snapshot too.
    hub_.registry().listen([this, alive](const controller::Endpoint& e, controller::EndpointChange change) {
        if (alive.expired()) return;
        cache_.drop_answers();
        if (change != controller::EndpointChange::identified) cache_.agent_changed(e.record.endpoint_id, now_ms());
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
    seen_agent_.ok(time_ms);
    cache_.drop_answers_of(ep);  // its snapshot changes
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
    if (r && *r) {  // a reading was added: the trend changes
        cache_.drop_history(device_id);
        cache_.drop_answers_of(device_id);
    }
}

std::vector<diag::Reading> DevicesApi::history_of(const std::string& device_id) {
    if (const auto* cached = cache_.history(device_id)) return *cached;  // unchanged since read (record_optical)
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

diag::DeviceIdentity DevicesApi::agent_identity(const controller::Endpoint& e) const {
    auto it = agent_briefs_.find(e.record.endpoint_id);
    return diag::make_identity(e.record.serial, it == agent_briefs_.end() ? "" : it->second.gpon_serial, e.record.macs);
}

void DevicesApi::on_notification(const controller::Notification& n) {
    // Anything but Periodic! says the device changed: the next lookup asks the agent again.
    const auto* periodic = std::get_if<usp::Notify::Event>(&n.notify.notification);
    if (!periodic || periodic->event_name != "Periodic!") invalidate(n.endpoint_id, true);
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

namespace {
json::Ptr dup(const json::Ptr& p) { return p ? json::Ptr(cJSON_Duplicate(p.get(), 1)) : json::Ptr(); }
}  // namespace

struct DevicesApi::Lookup : std::enable_shared_from_this<Lookup> {
    DevicesApi* api = nullptr;
    std::weak_ptr<int> alive;
    net::Responder res;
    std::string serial;
    bool refresh = false;  // ?refresh: ask every source whatever the cache holds (and refill it)
    net::TimerHandle deadline;
    bool answered = false;
    bool phase2 = false;
    // The rendered answer may be reused (LookupCache::answer) only when every source's part came from the cache
    // (so each one's "cached" flag is true) and none failed; until `expires_ms` (a cached answer leaves its window).
    bool reusable = true;
    int64_t expires_ms = std::numeric_limits<int64_t>::max();

    std::string ep;  // matched agent endpoint ("" = none)
    int ep_level = 0;
    std::shared_ptr<const GenieHit> genie;
    bool genie_cached = false;
    bool genie_pending = false, agent_pending = false, erp_pending = false, bridge_pending = false;
    Errc genie_errc =
        Errc::unavailable;  // why GenieACS failed: the same status as every endpoint gives it (status_for)
    std::string bridge_fallback_id, erp_key, bridge_key;
    diag::DeviceInputs in;

    Lookup(net::Responder r) : res(std::move(r)) {}

    static std::string level_name(int level) {
        return level == 1 ? "serial" : level == 2 ? "gpon_suffix" : level == 3 ? "id_contains" : "none";
    }
    static int level_of(const std::string& m) { return m == "serial" ? 1 : m == "gpon_suffix" ? 2 : m == "id_contains" ? 3 : 4; }

    void keep_until(int64_t t) { expires_ms = std::min(expires_ms, t); }
    void fetched_live() { reusable = false; }  // this answer shows live data: the next lookup renders from the cache

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
        // Two live agents claiming the serial: neither is believed; a quarantined match is shown as such
        // (docs/security-identity.md).
        std::vector<std::string> claimants;
        for (const auto* e : api->hub_.registry().list())
            if (e->record.online && !e->record.serial.empty() && upper(e->record.serial) == su)
                claimants.push_back(e->record.endpoint_id);
        if (claimants.size() >= 2)
            return finish_identity("conflict", claimants,
                                   std::to_string(claimants.size()) + " connected agents claim serial '" + serial + "'");
        if (const auto* e = ep.empty() ? nullptr : api->hub_.registry().find(ep); e && e->quarantined)
            return finish_identity("quarantined", {ep}, "agent '" + ep + "' is quarantined: " + e->quarantine_reason);
        // 2. GenieACS (TR-069), in parallel; an exact agent match does not wait for it. Its last answer to this
        //    query is reused within cache.genieacs_s.
        if (api->genieacs_.configured()) {
            const SourceAnswer<GenieHit>* c = refresh ? nullptr : api->cache_.genieacs(serial, now);
            if (c) {
                genie_cached = true;
                genie = c->value;
                in.genieacs_status.cached = true;
                keep_until(c->fetched_ms + api->cache_.windows().genieacs_ms);
            } else {
                genie_pending = true;
                fetched_live();
                api->genieacs_.find(serial, kGenieFull, [self](Result<std::optional<GenieHit>> r) {
                    if (self->alive.expired()) return;
                    int64_t t = now_ms();
                    std::shared_ptr<const GenieHit> hit;
                    if (r && *r) hit = std::make_shared<const GenieHit>(std::move(**r));
                    // Kept for the next lookups even when this one has already answered.
                    if (r) {
                        self->api->cache_.put_genieacs(self->serial, hit, t);
                        self->api->seen_genie_.ok(t);
                    } else {
                        self->api->seen_genie_.failed(t, r.error().message);
                    }
                    if (self->answered) return;
                    self->genie_pending = false;
                    auto& st = self->in.genieacs_status;
                    if (!r) {
                        st.state = diag::SourceState::failed;
                        st.error = r.error().message;
                        self->genie_errc = r.error().code;
                    } else if (!hit) {
                        st.state = diag::SourceState::not_found;
                    } else {
                        self->genie = std::move(hit);
                    }
                    self->resolved();
                });
            }
        }
        if (ep_level == 1 || !genie_pending) resolved();
    }

    diag::DeviceIdentity genie_identity() const { return diag::identity_of(genie->params); }

    // Called when the device may be identified: starts phase 2 once, merges late GenieACS data.
    void resolved() {
        if (genie && (!ep_level || (!phase2 && level_of(genie->match) < ep_level))) {
            // GenieACS matched better: a TR-069 device, or an agent device found through its GenieACS record
            // (same serial, GPON serial or MAC: its TR-069 serial may be a factory one).
            diag::DeviceIdentity gid = genie_identity();
            std::string found;
            bool found_online = false;
            for (const auto* e : api->hub_.registry().list()) {
                if (!diag::same_device(api->agent_identity(*e), gid)) continue;
                if (found.empty() || (e->record.online && !found_online)) {
                    found = e->record.endpoint_id;
                    found_online = e->record.online;
                }
            }
            ep = found;
            ep_level = level_of(genie->match);
        }
        if (genie && (ep.empty() || sameDevice())) {
            in.genieacs = genie->params;
            in.genieacs_status.state = diag::SourceState::fresh;
            // The age of the values shown (their _timestamp), DeviceInfo and optical by the record's data
            // model; _lastInform only when none has a timestamp.
            const auto& mp = sources::model_paths(sources::model_of(genie->params));
            in.genieacs_status.data_ms = oldest_value_ms(*genie, {mp.device_info, mp.optical});
            if (!in.genieacs_status.data_ms) in.genieacs_status.data_ms = genie->last_inform_ms;
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
        return e && diag::same_device(api->agent_identity(*e), genie_identity());
    }

    void start_phase2() {
        auto self = shared_from_this();
        int64_t now = now_ms();
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
            // Agent: its last full snapshot within cache.agent_s (and no notification since); else a live Get
            // within its budget; the last snapshot, stale, if that fails.
            const Snapshot* snap = api->snapshot(ep);
            if (e->record.online && api->hub_.controller() && !refresh && snap &&
                api->cache_.agent_fresh(ep, snap->time_ms, now)) {
                in.agent = snap->params;
                in.agent_status.state = diag::SourceState::fresh;
                in.agent_status.data_ms = snap->time_ms;
                in.agent_status.error.clear();
                in.agent_status.cached = true;
                keep_until(snap->time_ms + api->cache_.windows().agent_ms);
            } else if (e->record.online && api->hub_.controller()) {
                agent_pending = true;
                fetched_live();
                uint64_t budget = std::min(api->config_.agent_budget_ms, api->config_.lookup_budget_ms);
                api->agent_get(ep, kFullPaths, budget, [self](Result<diag::Params> r) {
                    if (self->alive.expired()) return;
                    int64_t t = now_ms();
                    if (r) self->api->remember(self->ep, *r, t, true);
                    if (self->answered) return;
                    self->agent_pending = false;
                    if (r) {
                        self->in.agent = std::move(r).value();
                        self->in.agent_status.state = diag::SourceState::fresh;
                        self->in.agent_status.data_ms = t;
                        self->in.agent_status.error.clear();
                    } else {
                        self->use_snapshot(r.error().message, true);
                    }
                    self->maybe_answer();
                });
            } else {
                use_snapshot("agent is offline", false);
            }
        } else {
            in.online = genie->last_inform_ms && now - *genie->last_inform_ms < api->config_.genieacs.online_window_s * 1000LL;
            in.last_seen_ms = genie->last_inform_ms;
            dev_serial = diag::get(genie->params, "_deviceId._SerialNumber").value_or(serial);
            // ERPNext knows the sticker serial; a factory TR-069 serial is not it: its MACs are the fallback.
            macs = diag::identity_of(genie->params).macs;
        }
        // The bridge knows modems by their ERPNext equipment name (docs/bridge.md): asked once ERPNext answered.
        bridge_fallback_id = dev_serial;
        bridge_pending = api->bridge_.configured();
        if (api->erpnext_.configured()) {
            erp_key = dev_serial + "\n" + (macs.empty() ? std::string() : macs.front());
            const SourceAnswer<ErpData>* c = refresh ? nullptr : api->cache_.erpnext(erp_key, now);
            if (c) {
                use_erp(c->value, c->fetched_ms, true);
            } else {
                erp_pending = true;
                fetched_live();
                api->erpnext_.equipment(dev_serial, macs, [self](Result<std::optional<ErpData>> r) {
                    if (self->alive.expired()) return;
                    int64_t t = now_ms();
                    std::shared_ptr<const ErpData> data;
                    if (r && *r) data = std::make_shared<const ErpData>(std::move(**r));
                    if (r) {
                        self->api->cache_.put_erpnext(self->erp_key, data, t);
                        self->api->seen_erp_.ok(t);
                    } else {
                        self->api->seen_erp_.failed(t, r.error().message);
                    }
                    if (self->answered) return;
                    self->erp_pending = false;
                    if (r) {
                        self->use_erp(data, t, false);
                    } else {
                        self->in.erpnext_status = {diag::SourceState::failed, std::nullopt, r.error().message};
                        self->reusable = false;
                        if (self->bridge_pending) self->start_bridge(self->bridge_fallback_id);
                    }
                    self->maybe_answer();
                });
            }
        } else if (bridge_pending) {
            start_bridge(dev_serial);
        }
    }

    // ERPNext's answer (null: it does not know the device); then the bridge, by the equipment name.
    void use_erp(const std::shared_ptr<const ErpData>& data, int64_t fetched_ms, bool cached) {
        erp_pending = false;
        auto& st = in.erpnext_status;
        st = {data ? diag::SourceState::fresh : diag::SourceState::not_found, fetched_ms, ""};
        st.cached = cached;
        if (data) {
            in.equipment = dup(data->equipment);
            in.location = dup(data->location);
            in.customer = dup(data->customer);
        }
        keep_until(fetched_ms + api->cache_.windows().erpnext_ms);
        if (bridge_pending) {
            const cJSON* name = in.equipment ? cJSON_GetObjectItemCaseSensitive(in.equipment.get(), "name") : nullptr;
            start_bridge(cJSON_IsString(name) ? name->valuestring : bridge_fallback_id);
        }
    }

    // The bridge: the modem's own optical levels (GET /modems/<equipment>/optical, TP-Link modems it logs into) and
    // the OLT's row for the device's position (GET /olts/<olt_name>/pons/<slot>/<port>, from the Service Location's
    // olt_name and olt_port "<slot>/<port>/<onu>"), merged into one reading: oltRxDbm, onuStatus, distanceM, and
    // the ONU's rx/tx where the modem gave none.
    struct BridgeRead {
        int pending = 0;
        std::optional<json::Ptr> modem, onu, mesh;
        std::string error;
        bool any_ok = false;
    };

    void start_bridge(const std::string& modem_id) {
        std::string olt;
        std::optional<OltPosition> pos;
        if (in.location) {
            const cJSON* name = cJSON_GetObjectItemCaseSensitive(in.location.get(), "olt_name");
            const cJSON* port = cJSON_GetObjectItemCaseSensitive(in.location.get(), "olt_port");
            if (cJSON_IsString(name) && *name->valuestring && cJSON_IsString(port)) {
                pos = parse_olt_port(port->valuestring);
                if (pos) olt = name->valuestring;
            }
        }
        bridge_key = modem_id;
        if (pos) bridge_key += "\n" + olt + "/" + std::to_string(pos->slot) + "/" + std::to_string(pos->port) + "/" +
                              std::to_string(pos->onu);
        const SourceAnswer<json::Ptr>* c = refresh ? nullptr : api->cache_.bridge(bridge_key, now_ms());
        if (c) return use_bridge(c->value, c->fetched_ms, true);
        fetched_live();
        auto self = shared_from_this();
        auto read = std::make_shared<BridgeRead>();
        read->pending = pos ? 3 : 2;
        auto done = [self, read](const char* what, Result<std::optional<json::Ptr>> r, std::optional<json::Ptr>& slot) {
            if (!r) read->error += std::string(read->error.empty() ? "" : "; ") + what + ": " + r.error().message;
            else {
                read->any_ok = true;
                slot = std::move(*r);
            }
            if (--read->pending == 0) self->bridge_answered(*read);
        };
        api->bridge_.optical(modem_id, [self, read, done](Result<std::optional<json::Ptr>> r) {
            if (self->alive.expired()) return;
            done("modem", std::move(r), read->modem);
        });
        // The modem's mesh nodes (issue 16): the same cached read at the bridge, no second modem login.
        api->bridge_.mesh(modem_id, [self, read, done](Result<std::optional<json::Ptr>> r) {
            if (self->alive.expired()) return;
            done("mesh", std::move(r), read->mesh);
        });
        if (pos)
            api->bridge_.onu(olt, pos->slot, pos->port, pos->onu, [self, read, done](Result<std::optional<json::Ptr>> r) {
                if (self->alive.expired()) return;
                done("OLT", std::move(r), read->onu);
            });
    }

    void bridge_answered(BridgeRead& read) {
        int64_t t = now_ms();
        std::shared_ptr<const json::Ptr> reading;
        if (read.modem || read.onu) {
            json::Ptr merged = read.modem ? std::move(*read.modem) : json::make_object();
            if (read.onu) {
                for (const cJSON* v = read.onu->get()->child; v; v = v->next) {
                    // the modem's own levels first; the OLT's view of the ONU otherwise
                    if (cJSON_GetObjectItemCaseSensitive(merged.get(), v->string)) continue;
                    json::add(merged.get(), v->string, json::Ptr(cJSON_Duplicate(v, true)));
                }
            }
            if (read.mesh) json::add(merged.get(), "mesh", std::move(*read.mesh));
            reading = std::make_shared<const json::Ptr>(std::move(merged));
        }
        if (read.any_ok && read.error.empty()) {
            api->cache_.put_bridge(bridge_key, reading, t);
            api->seen_bridge_.ok(t);
        } else if (!read.error.empty()) {
            api->seen_bridge_.failed(t, read.error);
        }
        if (answered) return;
        if (read.any_ok) {
            use_bridge(reading, t, false);
            if (!read.error.empty()) {
                in.bridge_status.error = read.error;  // half of the reading: say which half is missing
                reusable = false;
            }
        } else {
            bridge_pending = false;
            in.bridge_status = {diag::SourceState::failed, std::nullopt, read.error};
            reusable = false;
        }
        maybe_answer();
    }

    void use_bridge(const std::shared_ptr<const json::Ptr>& reading, int64_t fetched_ms, bool cached) {
        bridge_pending = false;
        auto& st = in.bridge_status;
        st = {reading ? diag::SourceState::fresh : diag::SourceState::not_found, fetched_ms, ""};
        st.cached = cached;
        if (reading) in.bridge = dup(*reading);
        keep_until(fetched_ms + api->cache_.windows().bridge_ms);
    }

    // The last snapshot, stale. `retry`: a live Get failed (the next lookup asks again); else the agent is offline.
    void use_snapshot(const std::string& why, bool retry) {
        if (retry) {
            reusable = false;
            api->seen_agent_.failed(now_ms(), why);
        }
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

    // 409: the identity cannot be trusted ("conflict", "quarantined"); the endpoints involved are named.
    void finish_identity(const std::string& identity, const std::vector<std::string>& endpoints, const std::string& msg) {
        if (answered || alive.expired()) return;
        answered = true;
        deadline.cancel();
        auto o = json::make_object();
        json::add_string(o.get(), "error", msg);
        json::add_number(o.get(), "status", 409);
        json::add_string(o.get(), "identity", identity);
        auto list = json::make_array();
        for (const auto& id : endpoints) json::append(list.get(), json::Ptr(cJSON_CreateString(id.c_str())));
        json::add(o.get(), "endpoints", std::move(list));
        res.json(409, json::print(o.get()));
    }

    void finish_not_found() {
        if (answered || alive.expired()) return;
        answered = true;
        deadline.cancel();
        // Nothing matched: the next search asks GenieACS again (a device just installed must not stay unknown
        // for a whole window; "not found" is kept only when the query found an agent).
        api->cache_.drop_genieacs(serial);
        auto o = json::make_object();
        bool genie_failed = in.genieacs_status.state == diag::SourceState::failed;
        int status = genie_failed ? status_for(make_error(genie_errc, "")) : 404;
        std::string msg = "no device matches serial '" + serial + "' (exact serial, GPON serial suffix, id containing it)";
        if (genie_failed) msg += "; GenieACS could not be asked: " + in.genieacs_status.error;
        json::add_string(o.get(), "error", msg);
        json::add_number(o.get(), "status", status);
        auto src = json::make_object();
        for (auto [name, st] : {std::pair{"agent", &in.agent_status}, {"genieacs", &in.genieacs_status}}) {
            auto s = json::make_object();
            json::add_string(s.get(), "state", diag::state_name(st->state));
            if (st->cached) json::add_bool(s.get(), "cached", true);
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
                genie_errc = Errc::timeout;
                genie_pending = false;
                reusable = false;
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
        if (agent_pending) use_snapshot(late, true);
        if (genie_pending) in.genieacs_status = {diag::SourceState::failed, std::nullopt, late};
        if (erp_pending) in.erpnext_status = {diag::SourceState::failed, std::nullopt, late};
        if (bridge_pending) in.bridge_status = {diag::SourceState::failed, std::nullopt, late};
        if (genie_pending || erp_pending || bridge_pending) reusable = false;
        // Optical history: the current reading first (TR-069 devices too; a cached document adds nothing new),
        // then the trend.
        if (in.genieacs && in.kind == "tr069" && !genie_cached)
            api->record_optical(in.id, *in.genieacs, in.genieacs_status.data_ms.value_or(in.now_ms), "genieacs");
        in.optical_history = api->history_of(in.id);
        in.now_ms = now_ms();  // every age as of this answer
        std::string body = diag::device_view_json(in);
        // The fallback that found it.
        body.pop_back();
        body += ",\"match\":" + quote(level_name(ep_level && in.kind == "usp" ? ep_level : (genie ? level_of(genie->match) : 0)));
        if (genie && !genie->steps.empty()) {  // the GenieACS lookup's steps: which found it, which were skipped
            auto steps = json::make_array();
            for (const auto& st : genie->steps) json::append(steps.get(), json::Ptr(cJSON_CreateString(st.c_str())));
            body += ",\"genieacs_steps\":" + json::print(steps.get());
        }
        body += "}";
        if (reusable && !refresh) {
            int64_t until = expires_ms;
            for (const diag::SourceStatus* st : {&in.agent_status, &in.genieacs_status, &in.erpnext_status, &in.bridge_status})
                if (st->data_ms) until = std::min(until, next_age_change(in.now_ms, *st->data_ms));
            if (in.kind == "tr069" && in.online && in.last_seen_ms)  // "online" flips when the inform gets too old
                until = std::min(until, *in.last_seen_ms + static_cast<int64_t>(api->config_.genieacs.online_window_s) * 1000);
            if (until > in.now_ms) api->cache_.put_answer(serial, in.id, body, until);
        }
        res.json(200, std::move(body));
    }
};

void DevicesApi::lookup(const net::Request& req, net::Responder res) {
    auto serial = parse_serial_query(req);
    if (!serial) return res.json(400, error_body(400, serial.error().message));
    bool refresh = req.has_query("refresh");
    if (!refresh) {
        if (const std::string* body = cache_.answer(*serial, now_ms())) return res.json(200, *body);
    }
    auto l = std::make_shared<Lookup>(std::move(res));
    l->api = this;
    l->alive = alive_;
    l->serial = *serial;
    l->refresh = refresh;
    l->start();
}

// ---- hosts -------------------------------------------------------------------------------------

namespace {
std::string with_source(std::string hosts_body, const char* source, diag::SourceState state, std::optional<int64_t> data_ms,
                        const std::string& error, const std::string& id, const std::string& modem = "") {
    auto s = json::make_object();
    json::add_string(s.get(), "name", source);
    json::add_string(s.get(), "state", diag::state_name(state));
    if (data_ms) json::add_number(s.get(), "age_s", static_cast<double>(std::max<int64_t>(0, (now_ms() - *data_ms) / 1000)));
    if (!modem.empty()) json::add_string(s.get(), "modem", modem);
    if (!error.empty()) json::add_string(s.get(), "error", error);
    hosts_body.pop_back();
    return hosts_body + ",\"id\":" + quote(id) + ",\"source\":" + json::print(s.get()) + "}";
}

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "; " + b; }
}  // namespace

void DevicesApi::hosts(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    bool refresh = req.has_query("refresh");
    std::weak_ptr<int> alive = alive_;
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
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
    if (!bridge_.configured() || !erpnext_.configured()) return hosts_genieacs(id, refresh, "", nullptr, std::move(res));
    hosts_tr069(id, refresh, std::move(res));
}

// The bridge knows TP-Link modems by their ERPNext equipment name (docs/bridge.md), as the lookup asks it: the
// device's serial and first MAC (the poller's brief, else one GenieACS read that also carries its hosts) → ERPNext
// (the lookup cache's entry when fresh) → GET /modems/<name>/hosts. Any miss or failure falls back to GenieACS
// with the reason in source.error; the whole attempt is bounded by lookup_budget_ms.
void DevicesApi::hosts_tr069(const std::string& id, bool refresh, net::Responder res) {
    struct Attempt {
        bool done = false;
        net::TimerHandle deadline;
        std::shared_ptr<const GenieHit> doc;
    };
    auto at = std::make_shared<Attempt>();
    std::weak_ptr<int> alive = alive_;
    // Ends the attempt once: true when the caller is the one to answer.
    auto claim = [alive, at]() {
        if (alive.expired() || at->done) return false;
        at->done = true;
        at->deadline.cancel();
        return true;
    };
    auto fallback = [this, id, refresh, res, at, claim](const std::string& why) {
        if (claim()) hosts_genieacs(id, refresh, "bridge not used: " + why, at->doc, res);
    };
    at->deadline = hub_.loop().add_timer(
        config_.lookup_budget_ms,
        [fallback, late = "no answer within the lookup budget of " + std::to_string(config_.lookup_budget_ms) + " ms"] {
            fallback(late);
        });

    auto ask_bridge = [this, alive, id, refresh, res, claim, fallback](const std::string& modem) {
        bridge_.hosts(modem, refresh, [this, alive, id, res, claim, fallback, modem](Result<std::optional<BridgeHosts>> r) {
            if (alive.expired()) return;
            int64_t t = now_ms();
            if (r) seen_bridge_.ok(t);
            else seen_bridge_.failed(t, r.error().message);
            if (!r) return fallback(r.error().message);
            if (!*r) return fallback("the bridge does not know modem '" + modem + "'");
            if (!claim()) return;
            res.json(200, with_source(diag::hosts_json((*r)->view), "bridge", diag::SourceState::fresh, (*r)->data_ms, "",
                                      id, modem));
        });
    };
    auto use_erp = [at, ask_bridge, fallback](const std::shared_ptr<const ErpData>& data, const std::string& asked) {
        if (at->done) return;
        if (!data || !data->equipment) return fallback("ERPNext knows no equipment for " + asked);
        const cJSON* name = cJSON_GetObjectItemCaseSensitive(data->equipment.get(), "name");
        if (!cJSON_IsString(name) || !*name->valuestring) return fallback("ERPNext's equipment for " + asked + " has no name");
        ask_bridge(name->valuestring);
    };
    // The equipment name changes far less often than hosts: ?refresh reuses a fresh ERPNext entry too.
    auto ask_erp = [this, alive, use_erp, fallback](const std::string& serial, const std::vector<std::string>& macs) {
        std::string mac = macs.empty() ? std::string() : macs.front();
        std::string asked = "serial '" + serial + "'" + (mac.empty() ? "" : " or MAC " + mac);
        if (serial.empty() && mac.empty()) return fallback("the device has no serial or MAC to ask ERPNext by");
        std::string key = serial + "\n" + mac;  // the lookup's key (Lookup::start_phase2)
        if (const SourceAnswer<ErpData>* c = cache_.erpnext(key, now_ms())) return use_erp(c->value, asked);
        erpnext_.equipment(serial, macs, [this, alive, use_erp, fallback, key, asked](Result<std::optional<ErpData>> r) {
            if (alive.expired()) return;
            int64_t t = now_ms();
            std::shared_ptr<const ErpData> data;
            if (r && *r) data = std::make_shared<const ErpData>(std::move(**r));
            if (r) {
                cache_.put_erpnext(key, data, t);
                seen_erp_.ok(t);
            } else {
                seen_erp_.failed(t, r.error().message);
                return fallback("ERPNext: " + r.error().message);
            }
            use_erp(data, asked);
        });
    };

    auto b = genie_briefs_.find(id);
    if (b != genie_briefs_.end() && !b->second.serial.empty()) return ask_erp(b->second.serial, b->second.macs);
    // Not polled yet: one GenieACS read gives the identity and, for the fallback, the hosts.
    genieacs_.get(id, kGenieHostsIdentity, [alive, id, res, at, claim, ask_erp](Result<std::optional<GenieHit>> r) {
        if (alive.expired() || at->done) return;
        if (!r) {
            if (claim())
                res.json(status_for(r.error()), error_body(status_for(r.error()), "hosts of '" + id + "': " + r.error().message));
            return;
        }
        if (!*r) {
            if (claim()) res.json(404, error_body(404, "device '" + id + "' is not known"));
            return;
        }
        at->doc = std::make_shared<const GenieHit>(std::move(**r));
        ask_erp(diag::get(at->doc->params, "_deviceId._SerialNumber").value_or(""), diag::identity_of(at->doc->params).macs);
    });
}

void DevicesApi::hosts_genieacs(const std::string& id, bool refresh, const std::string& why,
                                std::shared_ptr<const GenieHit> doc, net::Responder res) {
    std::weak_ptr<int> alive = alive_;
    // The age shown is the age of the values shown: the oldest _timestamp of the hosts and association leaves
    // (the record's own paths, by its data model), not _lastInform (an inform does not re-read them).
    auto answer = [id, res, why](const GenieHit& hit, const std::string& task_error,
                                 const std::string& task_json) {
        const auto& mp = sources::model_paths(sources::model_of(hit.params));
        std::vector<std::string> shown = {mp.hosts};
        for (const auto& a : mp.associations) shown.push_back(a);
        for (const auto& m : mp.mesh_if_present) shown.push_back(m);
        std::string body = diag::hosts_json(diag::hosts_view(hit.params, now_ms()));
        auto state = task_error.empty() ? diag::SourceState::fresh : diag::SourceState::stale;
        std::string out = with_source(std::move(body), "genieacs", state, oldest_value_ms(hit, shown),
                                      join(why, task_error), id);
        if (!task_json.empty()) {
            out.pop_back();
            out += ",\"task\":" + task_json + "}";
        }
        res.json(200, out);
    };
    auto fetch = [this, alive, id, res, why, answer](const std::string& task_error,
                                                     const std::string& task_json) {
        genieacs_.get(
            id, kGenieHosts,
            [alive, id, res, why, answer, task_error, task_json](Result<std::optional<GenieHit>> r) {
                if (alive.expired()) return;
                if (!r)
                    return res.json(status_for(r.error()),
                                    error_body(status_for(r.error()),
                                               "hosts of '" + id + "': " + join(r.error().message, why)));
                if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
                answer(**r, task_error, task_json);
            });
    };
    if (!refresh) {
        if (doc) return answer(*doc, "", "");
        return fetch("", "");
    }
    // ?refresh on a TR-069 device: the record first (its data model and whether it has DataElements), then
    // the refreshObject tasks of its hosts and Wi-Fi/mesh associations (run_genie_task), then read. A task
    // still running at genieacs.task_answer_ms: the hosts as GenieACS holds them now, with the task to
    // follow.
    auto run = [this, alive, id, fetch](const GenieHit& record) {
        run_genie_task(id, "refreshHosts", false, record, [this, alive, fetch](const TrackedTask& t) {
            if (alive.expired()) return;
            std::string tj = tracked_json(t);
            if (t.status == "done") return fetch("", tj);
            if (t.status == "running") return fetch("refresh still running (task " + t.task_id + ")", tj);
            if (t.status == "faulted")
                return fetch("refresh faulted: " + t.fault_code + " " + t.fault_message, tj);
            if (t.status == "queued") return fetch("refresh task not run now (" + t.reason + ")", tj);
            fetch("refresh failed: " + t.error, tj);
        });
    };
    genieacs_.get(id, kGenieModelProbe, [alive, id, res, run](Result<std::optional<GenieHit>> r) {
        if (alive.expired()) return;
        if (!r)
            return res.json(status_for(r.error()),
                            error_body(status_for(r.error()), "hosts of '" + id + "': " + r.error().message));
        if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
        run(**r);
    });
}

// ---- summary -----------------------------------------------------------------------------------

void DevicesApi::summary(const net::Request&, net::Responder res) {
    struct Counts {
        unsigned total = 0, online = 0;
        std::map<std::string, unsigned> variants;  // the names the devices report
    };
    std::map<std::string, Counts> by_model;  // by family (diag::model_family)
    std::map<std::string, unsigned> by_firmware;
    std::map<std::string, unsigned> grades;
    for (const char* g : {"good", "warning", "critical", "too_high", "no_signal", "unknown"}) grades[g] = 0;
    unsigned total = 0, online = 0, usp = 0, tr069 = 0;
    auto count = [&](const std::string& model, const std::string& variant, const std::string& fw, bool on,
                     std::optional<double> rx) {
        ++total;
        online += on;
        auto& m = by_model[diag::model_family(model)];
        ++m.total;
        m.online += on;
        ++m.variants[variant.empty() ? "unknown" : variant];
        ++by_firmware[fw.empty() ? "unknown" : fw];
        ++grades[diag::grade_name(diag::grade_rx(rx, config_.optical))];
    };
    // A TR-069 record of an agent device is the same device (serial, GPON serial or MAC, as the lookup matches):
    // counted once, as the agent.
    std::unordered_set<std::string> agent_ids, agent_macs;  // serials and GPON serials; MACs
    for (const auto* e : hub_.registry().list()) {
        const auto& r = e->record;
        auto b = agent_briefs_.find(r.endpoint_id);
        bool has_brief = b != agent_briefs_.end();
        std::string model = !r.model.empty() ? r.model : (has_brief ? b->second.model : "");
        std::string fw = !r.firmware.empty() ? r.firmware : (has_brief ? b->second.firmware : "");
        ++usp;
        count(model, model, fw, r.online, has_brief ? b->second.rx_dbm : std::nullopt);
        diag::DeviceIdentity id = agent_identity(*e);
        for (const std::string* k : {&id.serial, &id.gpon_serial})
            if (!k->empty()) agent_ids.insert(*k);
        agent_macs.insert(id.macs.begin(), id.macs.end());
    }
    for (const auto& [gid, b] : genie_briefs_) {
        (void)gid;
        bool agent = (!b.serial.empty() && agent_ids.count(upper(b.serial))) ||
                     (!b.gpon_serial.empty() && agent_ids.count(upper(b.gpon_serial))) ||
                     std::any_of(b.macs.begin(), b.macs.end(), [&](const std::string& m) { return agent_macs.count(m) > 0; });
        if (agent) continue;  // counted as an agent device
        ++tr069;
        count(b.model, b.variant, b.firmware, b.online, b.rx_dbm);
    }
    int64_t now = now_ms();
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
        auto v = json::make_object();
        for (const auto& [name, n] : c.variants) json::add_number(v.get(), name.c_str(), n);
        json::add(e.get(), "variants", std::move(v));
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
    if (const auto* e = hub_.registry().find(id); e && e->admitted) {
        if (!e->record.online || !hub_.controller())
            return res.json(409, error_body(409, "device '" + id + "' is offline: the task cannot be sent"));
        if (*task == "reboot") {
            usp::Operate op;
            op.command = "Device.Reboot()";
            op.command_key = "cpe-hub-" + std::to_string(now_ms());
            op.send_resp = true;
            hub_.controller()->request(id, op, [this, alive, id, res, reply](Result<usp::Msg> r) {
                if (alive.expired()) return;
                if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), r.error().message));
                auto resp = r->operate_resp();
                if (!resp) return res.json(502, error_body(502, resp.error().message));
                for (const auto& result : resp->operation_results)
                    if (const auto* f = std::get_if<usp::CommandFailure>(&result.operation_resp))
                        return res.json(502, error_body(502, "Device.Reboot() failed: " + f->err_msg));
                invalidate(id, true);  // rebooting: nothing cached about it stands
                if (const auto* ep = hub_.registry().find(id)) {
                    diag::DeviceIdentity me = agent_identity(*ep);
                    cache_.drop_genieacs_if([&](const GenieHit& h) { return diag::same_device(me, diag::identity_of(h.params)); });
                }
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
    // TR-069: the device's record first (its data model chooses the task's paths; its last inform says
    // online), then only tasks built here, validated by construction (genieacs-nbi.md: a bad shape crashes
    // the NBI).
    bool schedule = req.has_query("schedule");
    auto key = tracked_running_.find(id + "\n" + *task);
    if (key != tracked_running_.end()) {  // a retry while it runs: the same task, never a second one
        const TrackedTask& t = tracked_.at(key->second);
        return res.json(t.http, tracked_json(t));
    }
    genieacs_.get(id, kGenieModelProbe,
                  [this, alive, id, res, schedule, kind = *task](Result<std::optional<GenieHit>> r) {
                      if (alive.expired()) return;
                      if (!r)
                          return res.json(status_for(r.error()),
                                          error_body(status_for(r.error()),
                                                     "task for '" + id + "': " + r.error().message));
                      if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
                      const GenieHit& doc = **r;
                      // A reboot never waits in a queue for a device that is offline: it would run whenever
                      // the device comes back, long after the CSR asked. The NBI says whether it reached the
                      // device (202 "Device is offline", "Connection request error"): then the task is
                      // deleted and the answer is 409 "device offline", unless ?schedule asked to queue it
                      // (it keeps its expiry).
                      run_genie_task(id, kind, schedule, doc, [res, this](const TrackedTask& t) {
                          res.json(t.http, tracked_json(t));
                      });
                  });
}

void DevicesApi::task_status(const net::Request& req, net::Responder res) {
    auto it = tracked_.find(req.param("taskId"));
    if (it == tracked_.end() || it->second.device != req.param("id"))
        return res.json(404,
                        error_body(404, "task '" + req.param("taskId") + "' of device '" + req.param("id") +
                                            "' is not known (the hub keeps its last tasks only)"));
    res.json(200, tracked_json(it->second));
}

std::string DevicesApi::tracked_json(const TrackedTask& t) const {
    auto o = json::make_object();
    json::add_string(o.get(), "id", t.device);
    json::add_string(o.get(), "task", t.kind);
    json::add_string(o.get(), "task_id", t.task_id);
    json::add_string(o.get(), "status", t.status);
    if (!t.reason.empty()) json::add_string(o.get(), "reason", t.reason);
    if (!t.fault_code.empty() || !t.fault_message.empty()) {
        auto f = json::make_object();
        json::add_string(f.get(), "code", t.fault_code);
        json::add_string(f.get(), "message", t.fault_message);
        json::add(o.get(), "fault", std::move(f));
    }
    if (!t.error.empty()) json::add_string(o.get(), "error", t.error);
    auto ids = json::make_array();
    for (const auto& g : t.genieacs_task_ids)
        json::append(ids.get(), json::Ptr(cJSON_CreateString(g.c_str())));
    json::add(o.get(), "genieacs_task_ids", std::move(ids));
    auto steps = json::make_array();
    for (const auto& g : t.steps) json::append(steps.get(), json::Ptr(cJSON_CreateString(g.c_str())));
    json::add(o.get(), "steps", std::move(steps));
    int64_t end = t.ended_ms ? t.ended_ms : now_ms();
    json::add_number(o.get(), "elapsed_ms", static_cast<double>(end - t.started_ms));
    std::string detail = t.status == "running" ? "still running in GenieACS: follow GET /devices/:id/tasks/" +
                                                     t.task_id + " or SSE topic device:<id> (event task)"
                         : t.status == "done"    ? "GenieACS task: done"
                         : t.status == "queued"  ? "GenieACS task: queued (" + t.reason + ")"
                         : t.status == "offline" ? "device offline: " + t.reason
                         : t.status == "faulted"
                             ? "GenieACS task faulted: " + t.fault_code + " " + t.fault_message
                             : "GenieACS task failed: " + t.error;
    json::add_string(o.get(), "detail", detail);
    return json::print(o.get());
}

void DevicesApi::run_genie_task(const std::string& id, const std::string& kind, bool schedule,
                                const GenieHit& doc, std::function<void(const TrackedTask&)> answer) {
    const std::string key = id + "\n" + kind;
    if (auto k = tracked_running_.find(key); k != tracked_running_.end())
        return answer(tracked_.at(k->second));
    // Every path from the device's data model (sources/genieacs_model: TR-181 Device. or TR-098
    // InternetGatewayDevice.); object names without a trailing dot (genieacs-nbi.md).
    const auto& mp = sources::model_paths(sources::model_of(doc.params));
    std::vector<std::string> objects;
    if (kind == "refresh") {
        objects = {mp.device_info, mp.optical};
    } else if (kind == "refreshHosts") {
        objects = {mp.hosts};
        for (const auto& a : mp.associations) objects.push_back(a);
        for (const auto& m : mp.mesh_if_present)
            if (sources::has_subtree(doc.params, m)) objects.push_back(m);
    }
    std::vector<sources::Task> list;
    if (kind == "reboot") {
        list.push_back(*sources::Task::reboot());
    } else {
        for (const auto& o : objects) {
            auto t = sources::Task::refresh_object(o);
            if (!t) {
                TrackedTask bad;
                bad.device = id;
                bad.kind = kind;
                bad.status = "failed";
                bad.http = 500;
                bad.error = t.error().message;
                return answer(bad);
            }
            list.push_back(*t);
        }
    }
    TrackedTask fresh;
    fresh.task_id = "t" + std::to_string(++task_seq_) + "-" + std::to_string(now_ms() % 100000);
    fresh.device = id;
    fresh.kind = kind;
    fresh.started_ms = now_ms();
    const std::string tid = fresh.task_id;
    tracked_[tid] = fresh;
    tracked_running_[key] = tid;
    // Beyond 200 kept, the task that ended first goes (running ones stay).
    constexpr size_t kMaxTracked = 200;
    while (tracked_.size() > kMaxTracked) {
        auto oldest = tracked_.end();
        for (auto it = tracked_.begin(); it != tracked_.end(); ++it)
            if (it->second.ended_ms && (oldest == tracked_.end() || it->second.ended_ms < oldest->second.ended_ms))
                oldest = it;
        if (oldest == tracked_.end()) break;
        tracked_.erase(oldest);
    }

    struct Run {
        bool answered = false;
        net::TimerHandle timer;
        std::vector<sources::Task> list;
        size_t next = 0;
        std::function<void()> step;
    };
    auto run = std::make_shared<Run>();
    run->list = std::move(list);
    std::weak_ptr<int> alive = alive_;
    uint64_t answer_ms = config_.genieacs.task_answer_ms
                             ? config_.genieacs.task_answer_ms
                             : config_.genieacs.budget_ms + config_.genieacs.task_timeout_ms;
    run->timer = hub_.loop().add_timer(answer_ms, [this, alive, run, tid, answer] {
        if (alive.expired() || run->answered) return;
        run->answered = true;
        answer(tracked_.at(tid));
    });
    auto end = [this, alive, run, tid, key, id, answer](std::string status, int http) {
        if (alive.expired()) return;
        hub_.loop().post(
            [run] { run->step = nullptr; });  // breaks the cycle step → run (not from inside step)
        tracked_running_.erase(key);
        forget_genieacs(id);  // done or queued: the next lookup reads the device again
        auto it = tracked_.find(tid);
        if (it == tracked_.end()) return;
        it->second.status = std::move(status);
        it->second.http = http;
        it->second.ended_ms = now_ms();
        std::string body = tracked_json(it->second);
        hub_.events().publish({"device:" + id, "tasks"}, "task", body);
        if (run->answered) return;
        run->answered = true;
        run->timer.cancel();
        answer(it->second);
    };
    sources::TaskOptions opt;
    opt.keep_queued = kind != "reboot" || schedule;  // a reboot the NBI could not run now is deleted
    run->step = [this, alive, run, tid, id, kind, schedule, opt, end] {
        if (run->next >= run->list.size()) return end("done", 200);
        const sources::Task& task = run->list[run->next++];
        std::string what = task.name() + (task.target().empty() ? "" : " " + task.target());
        genieacs_.task(
            id, task, opt, [this, alive, run, tid, kind, schedule, end, what](Result<sources::TaskResult> r) {
                if (alive.expired()) return;
                auto it = tracked_.find(tid);
                if (it == tracked_.end()) return;
                TrackedTask& t = it->second;
                if (!r) {
                    t.error = r.error().message;
                    t.steps.push_back(what + ": failed (" + r.error().message + ")");
                    return end("failed", status_for(r.error()));
                }
                const sources::TaskResult& tr = *r;
                if (!tr.task_id.empty()) t.genieacs_task_ids.push_back(tr.task_id);
                using O = sources::TaskOutcome;
                t.steps.push_back(what + ": " + sources::task_outcome_name(tr.outcome) +
                                  (tr.reason.empty() ? "" : " (" + tr.reason + ")") +
                                  (tr.removed ? ", deleted from GenieACS" : "") +
                                  (tr.cleanup_error.empty() ? "" : ", cleanup failed: " + tr.cleanup_error));
                switch (tr.outcome) {
                    case O::done:
                        if (run->step) run->step();
                        return;
                    case O::faulted:
                        t.reason = tr.reason;
                        t.fault_code = tr.fault_code;
                        t.fault_message = tr.fault_message;
                        return end("faulted", 502);
                    case O::no_such_device:
                        t.error = "GenieACS: no such device";
                        return end("failed", 404);
                    default:
                        t.reason = tr.reason;
                        if (kind == "reboot" && !schedule) {
                            t.error =
                                "device offline (" + tr.reason +
                                "): the reboot was deleted from GenieACS, not left to run "
                                "whenever the device comes back; ?schedule queues it for its next session";
                            return end("offline", 409);
                        }
                        return end("queued", 202);
                }
            });
    };
    run->step();
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
        if (!e->record.online || e->quarantined) continue;
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
        genie_seen_.clear();
        // Only what the summary's brief (brief_of) and the optical history (diag::optical_levels) read; the
        // serial is the identity's _deviceId._SerialNumber, the reading's time the leaves' _timestamp.
        static const std::vector<std::string> proj = {
            "Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ModelName",
            "Device.Optical.Interface.1.OpticalSignalLevel", "Device.Optical.Interface.1.TransmitOpticalLevel",
            "Device.Optical.Interface.1.X_TP_GPON_Config.RXPower", "Device.Optical.Interface.1.X_TP_GPON_Config.TXPower",
            "Device.XPON.ONU.1.ANI.1.Transceiver.1.RxPower", "Device.XPON.ONU.1.ANI.1.Transceiver.1.TxPower",
            "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.ModelName",
            "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower",
            "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.TXPower",
            // The identity the summary matches agents on (diag::identity_of: GPON serial, first Ethernet MAC).
            "Device.Optical.Interface.1.GponAuth.GponSn", "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn",
            "Device.Ethernet.Interface.1.MACAddress", "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress"};
        std::weak_ptr<int> alive = alive_;
        // Pages are folded in as they arrive (one page of documents in memory at a time).
        auto on_page = [this, alive](std::vector<FleetDevice> page, std::vector<std::string> invalid_ids) {
            if (alive.expired()) return;
            int64_t now = now_ms();
            for (auto& d : page) {
                const GenieHit& h = d.hit;
                Brief b = brief_of(h.params, h.last_inform_ms.value_or(0));
                b.online = h.last_inform_ms && now - *h.last_inform_ms < config_.genieacs.online_window_s * 1000LL;
                // GenieACS refreshes values only in a session, which moves _lastInform: the same inform time as
                // at the last poll means the same reading, already in the history.
                auto prev = genie_briefs_.find(h.id);
                bool same = prev != genie_briefs_.end() && prev->second.time_ms == b.time_ms && b.time_ms != 0;
                if (auto t = d.optical_ms ? d.optical_ms : h.last_inform_ms; t && !same)
                    record_optical(h.id, h.params, *t, "genieacs");
                genie_seen_.insert(h.id);
                if (prev != genie_briefs_.end()) prev->second = std::move(b);
                else genie_briefs_.emplace(h.id, std::move(b));
            }
            for (auto& id : invalid_ids) genie_seen_.insert(std::move(id));  // kept as they were
            poll_.genieacs_devices += static_cast<unsigned>(page.size());
            poll_.genieacs_invalid += static_cast<unsigned>(invalid_ids.size());
            ++poll_.genieacs_pages;
        };
        genieacs_.list(proj, on_page, [this, alive](Result<sources::WalkResult> r) {
            if (alive.expired()) return;
            --genie_pending_;
            poll_.genieacs_ms = now_ms() - poll_.started_ms;
            // Two wordings: genie_fleet_error_ (the protected summary, the log) may name devices; poll_'s goes
            // to the open /health/devices and says only what failed and how many.
            if (!r) {
                // Not one page could be read: every brief stays as it was (the summary says stale, with why).
                genie_fleet_error_ = r.error().message;
                poll_.genieacs_kept = static_cast<unsigned>(genie_briefs_.size());
                poll_.genieacs_error = std::string("the GenieACS fleet read failed (") + errc_name(r.error().code) +
                                       "); every device kept from the previous poll";
            } else {
                const sources::WalkResult& w = *r;
                poll_.genieacs_requests = w.requests;
                poll_.genieacs_retries = w.retries;
                poll_.genieacs_failed_pages = w.failed_pages;
                poll_.genieacs_total = w.first_total;
                poll_.genieacs_truncated = w.truncated;
                // A device not read this time is gone from GenieACS, unless its id lies where a page failed.
                for (auto it = genie_briefs_.begin(); it != genie_briefs_.end();) {
                    bool seen = genie_seen_.count(it->first) > 0;
                    bool unread = !seen && std::any_of(w.skipped.begin(), w.skipped.end(),
                                                       [&](const sources::SkippedRange& s) { return s.contains(it->first); });
                    if (unread) ++poll_.genieacs_kept;
                    if (seen || unread) {
                        ++it;
                    } else {
                        ++poll_.genieacs_dropped;
                        it = genie_briefs_.erase(it);
                    }
                }
                std::string why, detail;
                auto both = [&](const std::string& plain, const std::string& more) {
                    why += (why.empty() ? "" : "; ") + plain;
                    detail += (detail.empty() ? "" : "; ") + plain + more;
                };
                if (w.failed_pages)
                    both(std::to_string(w.failed_pages) + " page(s) of the GenieACS fleet read failed" +
                             (w.stopped ? " and the read stopped" : "") + " (" + errc_name(w.errc.value_or(Errc::unavailable)) +
                             "); " + std::to_string(poll_.genieacs_kept) + " device(s) kept from the previous poll",
                         " — last: " + w.error);
                if (w.invalid_devices)
                    both(std::to_string(w.invalid_devices) + " device document(s) could not be read, their previous data kept",
                         w.invalid.empty() ? "" : " — " + w.invalid.front());
                if (w.truncated)
                    both("more than poller.genieacs_limit (" + std::to_string(config_.poller.genieacs_limit) +
                             ") devices: the rest was not read", "");
                poll_.genieacs_error = why;
                genie_fleet_error_ = detail;
                if (!detail.empty()) LOG_LIMITED(log::Level::warn, 5, 300, "devices", "poll: %s", detail.c_str());
                genie_fleet_ms_ = now_ms();
            }
            genie_seen_.clear();
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
        // Checked before the jitter wait too: an endpoint gone (or quarantined) takes no slot (no head-of-line wait).
        if (const auto* e = hub_.registry().find(ep); !e || !e->admitted || !e->record.online || e->quarantined ||
                                                       !hub_.controller()) {
            queued_.erase(ep);
            continue;
        }
        ++running_;
        poll_.agents_max_running = std::max(poll_.agents_max_running, running_);
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
        ++polls_finished_;
    }
}

std::string DevicesApi::health_json(bool detailed) const {
    auto o = json::make_object();
    add_health(o.get(), detailed);
    return json::print(o.get());
}

void DevicesApi::add_health(cJSON* health, bool detailed) const {
    int64_t now = now_ms();
    // Each source: "state" off | ok | failing (its last call failed) | open (circuit open: calls refused for now),
    // the breaker's counters, the age of the last success and of the last failure; the failure's text only for
    // an authenticated caller (it can name a device).
    auto source = [&](const char* name, json::Ptr o, bool configured, const SourceSeen& seen, int64_t ok_ms) {
        ok_ms = std::max(ok_ms, seen.ok_ms);
        const cJSON* circuit = cJSON_GetObjectItemCaseSensitive(o.get(), "circuit");
        bool open = cJSON_IsString(circuit) && std::string(circuit->valuestring) == "open";
        const char* state = !configured ? "off" : open ? "open" : seen.error_ms > ok_ms ? "failing" : "ok";
        cJSON_DeleteItemFromObjectCaseSensitive(o.get(), "last_ok_age_s");
        json::add_string(o.get(), "state", state);
        if (ok_ms) json::add_number(o.get(), "last_ok_age_s", static_cast<double>(std::max<int64_t>(0, now - ok_ms) / 1000));
        if (seen.error_ms) {
            json::add_number(o.get(), "last_error_age_s", static_cast<double>(std::max<int64_t>(0, now - seen.error_ms) / 1000));
            if (detailed) json::add_string(o.get(), "last_error", seen.error);
        }
        json::add(health, name, std::move(o));
    };
    auto agent = json::make_object();
    json::add_bool(agent.get(), "configured", hub_.controller() != nullptr);
    json::add_bool(agent.get(), "enabled", hub_.controller() != nullptr);
    json::add_number(agent.get(), "endpoints", static_cast<double>(hub_.registry().size()));
    json::add_number(agent.get(), "online", static_cast<double>(hub_.registry().online_count()));
    json::add_number(agent.get(), "snapshots", static_cast<double>(snapshots_.size()));
    source("agent", std::move(agent), hub_.controller() != nullptr, seen_agent_, 0);
    source("genieacs", genieacs_.health(now), genieacs_.configured(), seen_genie_,
           genie_fleet_error_.empty() ? genie_fleet_ms_ : 0);
    source("erpnext", erpnext_.health(now), erpnext_.configured(), seen_erp_, 0);
    const cJSON* bridge_ok = nullptr;
    json::Ptr bridge = bridge_.health(now);
    bridge_ok = cJSON_GetObjectItemCaseSensitive(bridge.get(), "last_ok_age_s");
    int64_t bridge_ok_ms = cJSON_IsNumber(bridge_ok) ? now - static_cast<int64_t>(bridge_ok->valuedouble) * 1000 : 0;
    source("bridge", std::move(bridge), bridge_.configured(), seen_bridge_, bridge_ok_ms);
    json::add(health, "cache", cache_.stats_json());
    auto p = json::make_object();
    json::add_bool(p.get(), "enabled", config_.poller.enabled);
    json::add_number(p.get(), "interval_s", config_.poller.interval_s);
    json::add_number(p.get(), "stale_after_s", config_.poller.stale_after_s);
    json::add_bool(p.get(), "running", poll_.running);
    json::add_number(p.get(), "queued", static_cast<double>(queue_.size()));
    json::add_number(p.get(), "finished", static_cast<double>(polls_finished_));  // polls since the hub started
    if (last_poll_.finished_ms) {
        auto l = json::make_object();
        json::add_number(l.get(), "age_s", static_cast<double>((now - last_poll_.finished_ms) / 1000));
        json::add_number(l.get(), "duration_ms", static_cast<double>(last_poll_.finished_ms - last_poll_.started_ms));
        json::add_number(l.get(), "agents_due", last_poll_.agents_due);
        json::add_number(l.get(), "agents_fresh", last_poll_.agents_fresh);
        json::add_number(l.get(), "agents_polled", last_poll_.agents_polled);
        json::add_number(l.get(), "agents_failed", last_poll_.agents_failed);
        json::add_number(l.get(), "agents_max_running", last_poll_.agents_max_running);
        json::add_number(l.get(), "genieacs_devices", last_poll_.genieacs_devices);
        if (genieacs_.configured()) {  // the fleet read's pages (poller section of docs/api.md)
            json::add_number(l.get(), "genieacs_total", static_cast<double>(last_poll_.genieacs_total));
            json::add_number(l.get(), "genieacs_ms", static_cast<double>(last_poll_.genieacs_ms));
            json::add_number(l.get(), "genieacs_pages", last_poll_.genieacs_pages);
            json::add_number(l.get(), "genieacs_requests", last_poll_.genieacs_requests);
            json::add_number(l.get(), "genieacs_retries", last_poll_.genieacs_retries);
            json::add_number(l.get(), "genieacs_failed_pages", last_poll_.genieacs_failed_pages);
            json::add_number(l.get(), "genieacs_invalid", last_poll_.genieacs_invalid);
            json::add_number(l.get(), "genieacs_kept", last_poll_.genieacs_kept);
            json::add_number(l.get(), "genieacs_dropped", last_poll_.genieacs_dropped);
            json::add_bool(l.get(), "genieacs_truncated", last_poll_.genieacs_truncated);
        }
        if (!last_poll_.genieacs_error.empty()) json::add_string(l.get(), "genieacs_error", last_poll_.genieacs_error);
        json::add(p.get(), "last", std::move(l));
    }
    json::add(health, "poll", std::move(p));
}

}  // namespace cpe::hub::api
