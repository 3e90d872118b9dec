#include "api/source_clients.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "diag/hosts.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"

namespace cpe::hub::api {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- GenieACS (h11's client) -------------------------------------------------------------------

namespace {
Error error_of(const sources::Provenance& p) {
    return make_error(p.errc.value_or(Errc::unavailable), p.error.empty() ? "GenieACS: no answer" : p.error);
}

json::Ptr breaker_json(const sources::BreakerSnapshot& s, bool configured) {
    auto o = json::make_object();
    json::add_bool(o.get(), "configured", configured);
    json::add_string(o.get(), "circuit", sources::breaker_state_name(s.state));
    json::add_number(o.get(), "consecutive_failures", s.consecutive_failures);
    json::add_number(o.get(), "failures", static_cast<double>(s.total_failures));
    json::add_number(o.get(), "rejected", static_cast<double>(s.rejected));
    if (s.retry_in_ms > 0) json::add_number(o.get(), "retry_in_ms", static_cast<double>(s.retry_in_ms));
    // last_error is left out: /health/devices is open and the source's messages can name a device (serial,
    // id).
    return o;
}
}  // namespace

GenieAcs::GenieAcs(net::EventLoop& loop, net::HttpClient& http, std::string base_url, SourceLimits limits,
                   std::vector<std::string> gpon_paths, uint64_t task_timeout_ms, unsigned fleet_limit,
                   unsigned fleet_page_size)
    : loop_(loop) {
    if (base_url.empty()) return;
    sources::GenieAcsOptions o;
    o.base_url = base_url;
    o.connect_timeout_ms = std::min<uint64_t>(limits.budget_ms, 2000);
    o.query_budget_ms = limits.budget_ms;
    o.connection_request_timeout_ms = task_timeout_ms;
    o.task_budget_ms =
        0;  // follow a task to its end (timeout + 125 s); the device API answers its caller sooner
    o.breaker = {limits.breaker_failures, limits.breaker_open_ms};
    o.gpon_serial_paths = std::move(gpon_paths);
    o.max_matches = 2;
    lookup_ = std::make_unique<sources::GenieAcsClient>(loop, http, o);
    // The fleet read has its own breaker: a failing walk does not refuse lookups. Each page is one NBI call
    // within the source's budget.
    fleet_ = std::make_unique<sources::GenieAcsClient>(loop, http, o);
    fleet_walk_.page_size = std::clamp<size_t>(fleet_page_size, 1, 1000);
    fleet_walk_.max_devices = std::max(1u, fleet_limit);
    fleet_walk_.page_budget_ms = limits.budget_ms;
}

json::Ptr GenieAcs::health(int64_t) const {
    if (!lookup_) return breaker_json({}, false);
    auto o = breaker_json(lookup_->health(), true);
    json::add(o.get(), "fleet", breaker_json(fleet_->health(), true));
    return o;
}

void GenieAcs::find(const std::string& serial, const std::vector<std::string>& projection,
                    std::function<void(Result<std::optional<GenieHit>>)> done) {
    if (!lookup_) {
        loop_.post([done] { done(make_error(Errc::unavailable, "GenieACS is not configured")); });
        return;
    }
    lookup_->find_by_serial(serial, projection, [done](sources::Fetched<sources::DeviceLookup> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        if (f.value.method == sources::LookupMethod::none || f.value.devices.empty())
            return done(std::optional<GenieHit>{});
        GenieHit h = hit_from_device(f.value.devices.front());
        h.match = sources::lookup_method_name(f.value.method);
        h.steps = f.value.steps;
        done(std::optional<GenieHit>(std::move(h)));
    });
}

void GenieAcs::get(const std::string& id, const std::vector<std::string>& projection,
                   std::function<void(Result<std::optional<GenieHit>>)> done) {
    if (!lookup_) {
        loop_.post([done] { done(make_error(Errc::unavailable, "GenieACS is not configured")); });
        return;
    }
    lookup_->get_device(id, projection, [done](sources::Fetched<std::optional<sources::GenieDevice>> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        if (!f.value) return done(std::optional<GenieHit>{});
        GenieHit h = hit_from_device(*f.value);
        h.match = "id";
        done(std::optional<GenieHit>(std::move(h)));
    });
}

namespace {
// The newest _timestamp among the leaves a receive level is read from (diag::optical_levels' leaves).
std::optional<int64_t> optical_time(const sources::GenieDevice& d) {
    std::optional<int64_t> out;
    for (const auto& [path, p] : d.params) {
        if (!p.has_value || p.timestamp.empty()) continue;
        auto dot = path.rfind('.');
        std::string_view leaf = std::string_view(path).substr(dot == std::string::npos ? 0 : dot + 1);
        if (leaf != "OpticalSignalLevel" && leaf != "RXPower" && leaf != "RxPower") continue;
        if (auto t = diag::parse_iso8601_ms(p.timestamp); t && (!out || *t > *out)) out = t;
    }
    return out;
}
}  // namespace

void GenieAcs::list(const std::vector<std::string>& projection,
                    std::function<void(std::vector<FleetDevice>, std::vector<std::string>)> on_page,
                    std::function<void(Result<sources::WalkResult>)> done) {
    if (!fleet_) {
        loop_.post([done] { done(make_error(Errc::unavailable, "GenieACS is not configured")); });
        return;
    }
    fleet_->walk(
        "{}", projection, fleet_walk_,
        [on_page](sources::WalkPage page) {
            std::vector<FleetDevice> out;
            out.reserve(page.devices.size());
            for (const auto& d : page.devices) out.push_back({hit_from_device(d), optical_time(d)});
            page.devices
                .clear();  // the parsed documents go before the caller runs: one page of them at a time
            on_page(std::move(out), std::move(page.invalid_ids));
        },
        [done](sources::Fetched<sources::WalkResult> f) {
            if (!f.ok()) return done(error_of(f.provenance));
            done(std::move(f.value));
        });
}

void GenieAcs::task(const std::string& id, const sources::Task& task, sources::TaskOptions options,
                    std::function<void(Result<sources::TaskResult>)> done) {
    if (!lookup_) {
        loop_.post([done] { done(make_error(Errc::unavailable, "GenieACS is not configured")); });
        return;
    }
    // Every task carries an expiry: one the device never picks up is dropped by GenieACS, not run days later.
    auto t = task.with_expiry(kTaskExpiryS);
    if (!t) {
        loop_.post([done, e = t.error()] { done(e); });
        return;
    }
    lookup_->post_task(id, *t, options, [id, done](sources::Fetched<sources::TaskResult> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        if (f.value.outcome == sources::TaskOutcome::no_such_device)
            return done(make_error(Errc::not_found, "GenieACS: no such device '" + id + "'"));
        done(std::move(f.value));
    });
}

namespace {
template <typename T>
bool not_configured(net::EventLoop& loop, bool configured, const std::function<void(Result<T>)>& done) {
    if (configured) return false;
    loop.post([done] { done(make_error(Errc::unavailable, "GenieACS is not configured")); });
    return true;
}
}  // namespace

void GenieAcs::put_file(const std::string& name, const sources::FileMeta& meta, std::string body,
                        std::function<void(Result<bool>)> done) {
    if (not_configured(loop_, lookup_ != nullptr, done)) return;
    lookup_->put_file(name, meta, std::move(body), [done](sources::Fetched<bool> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        done(f.value);
    });
}

void GenieAcs::find_file(const std::string& name,
                         std::function<void(Result<std::optional<sources::FileInfo>>)> done) {
    if (not_configured(loop_, lookup_ != nullptr, done)) return;
    lookup_->find_file(name, [done](sources::Fetched<std::optional<sources::FileInfo>> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        done(std::move(f.value));
    });
}

void GenieAcs::download_state(const std::string& id, const std::string& task_id,
                              std::function<void(Result<sources::DownloadState>)> done) {
    if (not_configured(loop_, lookup_ != nullptr, done)) return;
    lookup_->download_state(id, task_id, [done](sources::Fetched<sources::DownloadState> f) {
        if (!f.ok()) return done(error_of(f.provenance));
        done(std::move(f.value));
    });
}

// ---- ERPNext (h11's client) --------------------------------------------------------------------

ErpNext::ErpNext(net::EventLoop& loop, net::HttpClient& http, std::string base_url, const std::string& token,
                 SourceLimits limits, sources::ErpFieldMap fields)
    : loop_(&loop) {
    if (base_url.empty()) return;
    sources::ErpNextOptions o;
    o.base_url = std::move(base_url);
    // devices_config_from_env has trimmed and checked it; an unchecked one is parsed the same way here.
    if (auto cred = sources::parse_erp_token(token, "ERP_SERVICE_TOKEN")) o.credentials = *cred;
    o.connect_timeout_ms = std::min<uint64_t>(limits.budget_ms, 2000);
    o.budget_ms = limits.budget_ms;
    o.page_size = 5;
    o.max_rows = 50;
    o.breaker = {limits.breaker_failures, limits.breaker_open_ms};
    o.fields = std::move(fields);
    client_ = std::make_unique<sources::ErpNextClient>(loop, http, o);
    check(0);  // at start-up
}

void ErpNext::check(int64_t now_ms) const {
    if (!client_ || check_->running) return;
    if (check_->checked_ms && now_ms - check_->checked_ms < 60000) return;
    check_->running = true;
    std::weak_ptr<Check> weak = check_;
    client_->check_schema([weak](sources::Fetched<std::vector<sources::ErpDocTypeCheck>> f) {
        auto c = weak.lock();
        if (!c) return;
        c->running = false;
        c->checked_ms = sources::steady_ms();
        if (!f.ok())
            return;  // ERPNext not reached: the last answer stands, the next /health or lookup asks again
        c->doctypes = std::move(f.value);
        c->problem.clear();
        for (const auto& d : c->doctypes)
            if (!d.problem.empty()) {
                c->problem = d.problem;
                break;
            }
        if (!c->problem.empty()) log::write(log::Level::error, "erpnext", "%s", c->problem.c_str());
    });
}

json::Ptr ErpNext::health(int64_t) const {
    if (!client_) return breaker_json({}, false);
    auto o = breaker_json(client_->health(), true);
    check(sources::steady_ms());
    auto d = json::make_object();
    const auto& f = client_->fields();
    for (const auto* m : {&f.equipment, &f.location, &f.customer}) {
        std::string state = "unchecked";
        for (const auto& c : check_->doctypes)
            if (c.doctype == m->doctype) state = c.problem.empty() ? "ok" : c.problem;
        json::add_string(d.get(), m->doctype.c_str(), state);
    }
    json::add(o.get(), "doctypes", std::move(d));
    if (check_->checked_ms)
        json::add_number(
            o.get(), "doctypes_age_s",
            static_cast<double>(std::max<int64_t>(0, sources::steady_ms() - check_->checked_ms) / 1000));
    return o;
}

namespace {
json::Ptr to_json(const sources::ServiceEquipment& e) {
    auto o = json::make_object();
    for (auto [k, v] : {std::pair{"name", &e.name},
                        {"equipment_type", &e.equipment_type},
                        {"serial_number", &e.serial_number},
                        {"mac_address", &e.mac_address},
                        {"status", &e.status},
                        {"ip_address", &e.ip_address},
                        {"firmware", &e.firmware},
                        {"service_location", &e.service_location},
                        {"customer", &e.customer}})
        json::add_string(o.get(), k, *v);
    return o;
}
json::Ptr to_json(const sources::ServiceLocation& l) {
    auto o = json::make_object();
    for (auto [k, v] : {std::pair{"name", &l.name},
                        {"address", &l.address},
                        {"city", &l.city},
                        {"gps", &l.gps},
                        {"connection_type", &l.connection_type},
                        {"olt_name", &l.olt_name},
                        {"olt_port", &l.olt_port},
                        {"vlan", &l.vlan},
                        {"customer", &l.customer}})
        json::add_string(o.get(), k, *v);
    return o;
}
json::Ptr to_json(const sources::Customer& c) {
    auto o = json::make_object();
    for (auto [k, v] : {std::pair{"name", &c.name},
                        {"customer_name", &c.customer_name},
                        {"mobile_no", &c.mobile_no},
                        {"legacy_account_id", &c.legacy_account_id}})
        json::add_string(o.get(), k, *v);
    return o;
}
ErpData to_data(const sources::ErpSubscriber& s) {
    ErpData d;
    // The first Active row (the location/customer h11's client followed are that row's), else the first.
    const sources::ServiceEquipment* pick = &s.equipment.front();
    for (const auto& e : s.equipment)
        if (e.status == "Active") {
            pick = &e;
            break;
        }
    d.equipment = to_json(*pick);
    if (s.location) d.location = to_json(*s.location);
    if (s.customer) d.customer = to_json(*s.customer);
    return d;
}
}  // namespace

void ErpNext::equipment(const std::string& serial, const std::vector<std::string>& macs,
                        std::function<void(Result<std::optional<ErpData>>)> done) {
    if (!client_) return done(make_error(Errc::unavailable, "ERPNext is not configured"));
    check(sources::steady_ms());
    if (!check_->problem.empty()) {  // a misconfigured field map fails every lookup: say why, not "not found"
        Error e = make_error(Errc::invalid_argument, check_->problem);
        loop_->post([done, e] { done(e); });
        return;
    }
    sources::ErpNextClient* c = client_.get();
    std::string mac = macs.empty() ? "" : macs.front();
    c->subscriber_by_serial(serial, [c, mac, done](sources::Fetched<sources::ErpSubscriber> f) {
        if (!f.ok())
            return done(make_error(f.provenance.errc.value_or(Errc::unavailable), f.provenance.error));
        if (!f.value.equipment.empty()) return done(std::optional<ErpData>(to_data(f.value)));
        if (mac.empty()) return done(std::optional<ErpData>{});
        c->subscriber_by_mac(mac, [done](sources::Fetched<sources::ErpSubscriber> g) {
            if (!g.ok())
                return done(make_error(g.provenance.errc.value_or(Errc::unavailable), g.provenance.error));
            if (g.value.equipment.empty()) return done(std::optional<ErpData>{});
            done(std::optional<ErpData>(to_data(g.value)));
        });
    });
}

void ErpNext::equipment_by_serial(const std::string& serial,
                                  std::function<void(Result<std::vector<sources::ServiceEquipment>>)> done) {
    auto later = [this, done](Error e) { loop_->post([done, e] { done(e); }); };
    if (!client_)
        return later(make_error(Errc::unavailable, "ERPNext is not configured (devices.erpnext.url)"));
    check(sources::steady_ms());
    if (!check_->problem.empty()) return later(make_error(Errc::invalid_argument, check_->problem));
    const std::string want = sources::canonical_serial(serial);
    if (want.empty() || want.find_first_not_of("%_") == std::string::npos)
        return later(make_error(Errc::invalid_argument,
                                "serial '" + serial.substr(0, 40) + "' is empty or only wildcards"));
    const auto& map = client_->fields().equipment;
    sources::FrappeFilters f;
    // Frappe's `like` is ILIKE on PostgreSQL (as subscriber_by_serial); each candidate is verified below.
    f.add(map.field("serial_number"), "like", "%" + want + "%");
    client_->list(map.doctype, f, map.query_fields(),
                  [done, want, map](sources::Fetched<std::vector<sources::FrappeRecord>> rows) {
                      if (!rows.ok())
                          return done(make_error(rows.provenance.errc.value_or(Errc::unavailable),
                                                 rows.provenance.error));
                      std::vector<sources::ServiceEquipment> out;
                      for (const auto& row : rows.value)
                          if (auto e = sources::to_equipment(row, map);
                              sources::canonical_serial(e.serial_number) == want)
                              out.push_back(std::move(e));
                      done(std::move(out));
                  });
}

}  // namespace cpe::hub::api
