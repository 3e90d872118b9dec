#include "controller/registry.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::controller {

namespace {
int64_t system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void log_store_error(const Error& e) {
    LOG_LIMITED(log::Level::error, 5, 60, "registry", "%s", e.message.c_str());
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}
}  // namespace

void identity_from_get_resp(const usp::GetResp& resp, store::EndpointRecord& out) {
    auto snapshot = json::make_object();
    std::set<std::string> macs;
    for (const auto& req : resp.req_path_results) {
        if (req.err_code != 0) continue;
        for (const auto& res : req.resolved_path_results) {
            const std::string& path = res.resolved_path;
            if (starts_with(path, "Device.DeviceInfo.")) {
                auto obj = json::make_object();
                for (const auto& [name, value] : res.result_params)
                    json::add_string(obj.get(), name.c_str(), value);
                json::add(snapshot.get(), path.c_str(), std::move(obj));
                if (path != "Device.DeviceInfo.") continue;
                for (const auto& [name, value] : res.result_params) {
                    if (name == "ModelName")
                        out.model = value;
                    else if (name == "SerialNumber")
                        out.serial = value;
                    else if (name == "ManufacturerOUI")
                        out.oui = value;
                    else if (name == "ProductClass")
                        out.product_class = value;
                    else if (name == "SoftwareVersion")
                        out.firmware = value;
                }
            }
            for (const auto& [name, value] : res.result_params) {
                const bool mac_param =
                    name == "MACAddress" || (name.size() > 11 && name.ends_with(".MACAddress"));
                if (mac_param && !value.empty()) macs.insert(value);
            }
        }
    }
    std::string joined;
    for (const auto& m : macs) {
        if (!joined.empty()) joined += ',';
        joined += m;
    }
    if (!joined.empty()) out.macs = joined;
    out.device_info_json = json::print(snapshot.get());
}

bool oui_serial_of(const std::string& endpoint_id, std::string& oui, std::string& serial) {
    auto sep = endpoint_id.find("::");
    if (sep == std::string::npos) return false;
    std::string rest = endpoint_id.substr(sep + 2);
    auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == rest.size()) return false;
    oui = rest.substr(0, dash);
    serial = rest.substr(dash + 1);
    return true;
}

namespace {
bool same_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Under a certificate, "" when the reported OUI and serial are the ones its endpoint id names; else why not.
std::string certificate_mismatch(const Endpoint& e, const store::EndpointRecord& reported) {
    if (!e.connection.proven) return {};
    std::string oui, serial;
    if (!oui_serial_of(e.record.endpoint_id, oui, serial))
        return "its certificate's endpoint id is not of the form <authority>::<OUI>-<serial>";
    if (reported.serial != serial || !same_ignoring_case(reported.oui, oui))
        return "it reports OUI '" + reported.oui + "' serial '" + reported.serial +
               "', its certificate names OUI '" + oui + "' serial '" + serial + "'";
    return {};
}
}  // namespace

const char* admission_name(Admission a) {
    switch (a) {
        case Admission::identified:
            return "identified";
        case Admission::allow_list:
            return "allow_list";
        case Admission::erpnext:
            return "erpnext";
        case Admission::provisioning:
            return "provisioning";
    }
    return "unknown";
}

namespace {
// A serial as a source compares it: whitespace removed, upper case.
std::string serial_key(std::string_view s) {
    std::string out;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}
}  // namespace

Registry::Registry(store::Store* store, std::function<int64_t()> now_ms, RegistryOptions options)
    : store_(store),
      now_(now_ms ? std::move(now_ms) : std::function<int64_t()>(system_now_ms)),
      options_(options) {}

Registry::~Registry() {
    for (auto& [id, c] : checks_)
        if (c.cancel) c.cancel();
}

Status Registry::load() {
    if (!store_) return {};
    auto marked = store_->mark_all_offline();
    if (!marked) return marked.error();
    auto expired = store_->expire_unidentified(now_() - options_.unidentified_ttl_ms);
    if (!expired) return expired.error();
    if (*expired > 0)
        LOG_INFO("registry", "%lld never-identified endpoint(s) expired from the store",
                 static_cast<long long>(*expired));
    auto all = store_->list();
    if (!all) return all.error();
    for (auto& rec : *all) {
        rec.device_info_json.clear();
        Endpoint e;
        e.record = std::move(rec);
        e.admitted = true;
        endpoints_[e.record.endpoint_id] = std::move(e);
    }
    online_ = 0;
    waiting_ = 0;
    return {};
}

void Registry::admit(Endpoint& e) {
    e.admitted = true;
    --waiting_;
    if (e.record.online) ++online_;
    if (store_) {
        if (auto st = store_->mark_seen(e.record.endpoint_id, e.record.last_seen_ms, e.record.online); !st)
            log_store_error(st.error());
    }
    LOG_DEBUG("registry", "endpoint '%s' admitted (%s)", e.record.endpoint_id.c_str(),
              admission_name(options_.admission));
}

void Registry::connected(const std::string& endpoint_id, const ConnectionInfo& info) {
    const int64_t now = now_();
    auto [it, fresh] = endpoints_.try_emplace(endpoint_id);
    Endpoint& e = it->second;
    if (fresh) {
        e.record.endpoint_id = endpoint_id;
        e.record.first_seen_ms = now;
        ++waiting_;
    }
    if (e.record.online && e.admitted) --online_;
    e.record.online = true;
    e.record.last_seen_ms = now;
    e.connection = info;
    e.connected_since_ms = now;
    e.identified_now = false;
    e.connection_seq = ++next_seq_;
    if (e.vetting) drop_check(endpoint_id);  // a check for the connection this one replaces
    // allow_list: the transport checked the list; provisioning: a verified certificate names the id.
    const bool on_connect = options_.admission == Admission::allow_list ||
                            (options_.admission == Admission::provisioning && info.proven);
    if (!e.admitted && on_connect)
        admit(e);
    else if (e.admitted)
        ++online_;
    if (!e.admitted) return;  // nothing stored, nobody told, until it identifies
    if (store_) {
        if (auto st = store_->mark_seen(endpoint_id, now, true); !st) log_store_error(st.error());
    }
    notify(e, EndpointChange::connected);
}

void Registry::disconnected(const std::string& endpoint_id) {
    auto it = endpoints_.find(endpoint_id);
    if (it == endpoints_.end() || !it->second.record.online) return;
    Endpoint& e = it->second;
    if (!e.admitted) {  // never identified: it leaves no trace
        if (e.vetting) drop_check(endpoint_id);
        endpoints_.erase(it);
        --waiting_;
        return;
    }
    e.record.online = false;
    e.identified_now = false;
    --online_;
    e.record.last_seen_ms = now_();
    if (store_) {
        if (auto st = store_->set_online(endpoint_id, false, e.record.last_seen_ms); !st)
            log_store_error(st.error());
    }
    notify(e, EndpointChange::disconnected);
    e.connection = {};
}

void Registry::identify(const std::string& endpoint_id, const usp::GetResp& resp) {
    auto it = endpoints_.find(endpoint_id);
    if (it == endpoints_.end()) return;
    Endpoint& e = it->second;
    // A fresh identity: nothing an earlier connection of this id reported survives this answer.
    store::EndpointRecord rec;
    rec.endpoint_id = e.record.endpoint_id;
    rec.first_seen_ms = e.record.first_seen_ms;
    rec.last_seen_ms = e.record.last_seen_ms;
    rec.online = e.record.online;
    identity_from_get_resp(resp, rec);
    rec.device_info_ms = now_();
    const std::string mismatch = certificate_mismatch(e, rec);
    e.quarantined = !mismatch.empty();
    e.quarantine_reason.clear();
    if (e.quarantined) {
        // Believed neither for lookups nor for the poller: the claim is kept in the reason only.
        e.quarantine_reason = mismatch;
        rec.serial.clear();
        rec.oui.clear();
        LOG_LIMITED(log::Level::warn, 10, 60, "registry", "endpoint '%s' quarantined: %s",
                    endpoint_id.c_str(), mismatch.c_str());
    }
    if (!e.admitted) {
        if (rec.serial.empty() && !e.quarantined) {
            LOG_LIMITED(log::Level::info, 10, 60, "registry",
                        "endpoint '%s' reported no serial number: not admitted", endpoint_id.c_str());
            return;
        }
        if (options_.admission == Admission::provisioning) {
            // Admitted on connect when its certificate names it; an unproven connection (loopback) never is.
            LOG_LIMITED(
                log::Level::info, 10, 60, "registry",
                "endpoint '%s' has no verified certificate naming it: not admitted (mode provisioning)",
                endpoint_id.c_str());
            return;
        }
        if (options_.admission == Admission::erpnext) {
            // The serial the operator's records would hold: the reported one, or under a certificate the one
            // the certificate names (a quarantined endpoint's report is not believed).
            std::string serial = rec.serial, oui;
            if (e.quarantined) oui_serial_of(endpoint_id, oui, serial);
            if (serial_key(serial).empty()) return;
            auto [ct, fresh] = checks_.try_emplace(endpoint_id);
            Check& c = ct->second;
            c.identity = std::move(rec);
            if (!fresh && c.serial == serial && c.seq == e.connection_seq) return;  // its check is under way
            if (c.cancel) c.cancel();
            c.cancel = nullptr;
            c.serial = serial;
            c.seq = e.connection_seq;
            c.backoff_ms = 0;
            e.vetting = true;
            if (const Vetting* v = cached(serial)) {
                // Known verdict: decided here (a refusal leaves it unadmitted; the caller closes it).
                Vetting verdict = *v;
                store::EndpointRecord identity = std::move(c.identity);
                drop_check(endpoint_id);
                if (!verdict.admitted) {
                    LOG_LIMITED(log::Level::info, 10, 60, "registry", "endpoint '%s' not admitted: %s",
                                endpoint_id.c_str(), verdict.reason.c_str());
                    return;
                }
                return apply_identity(e, std::move(identity), true);
            }
            start_check(endpoint_id);
            return;
        }
        return apply_identity(e, std::move(rec), true);
    }
    apply_identity(e, std::move(rec), false);
}

void Registry::apply_identity(Endpoint& e, store::EndpointRecord rec, bool admitting) {
    if (admitting) {
        e.record.last_seen_ms = now_();
        rec.last_seen_ms = e.record.last_seen_ms;
        admit(e);
        notify(e, EndpointChange::connected);
    }
    if (store_) {
        if (auto st = store_->update_identity(rec); !st) log_store_error(st.error());
    }
    rec.device_info_json.clear();
    e.record = std::move(rec);
    e.identified_now = true;
    notify(e, EndpointChange::identified);
}

std::function<void()> Registry::after(uint64_t ms, std::function<void()> fn) {
    if (!schedule_) return nullptr;  // no timers (a test without a scheduler): no timeout, no retry
    return schedule_(ms, std::move(fn));
}

void Registry::drop_check(const std::string& endpoint_id) {
    auto it = checks_.find(endpoint_id);
    if (it != checks_.end()) {
        if (it->second.cancel) it->second.cancel();
        checks_.erase(it);
    }
    auto e = endpoints_.find(endpoint_id);
    if (e != endpoints_.end()) e->second.vetting = false;
}

void Registry::start_check(const std::string& endpoint_id) {
    auto it = checks_.find(endpoint_id);
    if (it == checks_.end()) return;
    Check& c = it->second;
    const uint64_t attempt = ++next_attempt_;
    c.attempt = attempt;
    const std::string serial = c.serial;
    const uint64_t timeout = options_.check_timeout_ms;
    c.cancel = after(timeout, life_.guard([this, endpoint_id, attempt, serial, timeout] {
        check_answer(endpoint_id, attempt, serial,
                     make_error(Errc::timeout, "no answer within " + std::to_string(timeout) + " ms"));
    }));
    if (!vetter_) {
        if (c.cancel) c.cancel();
        c.cancel = after(0, life_.guard([this, endpoint_id, attempt, serial] {
            check_answer(endpoint_id, attempt, serial,
                         make_error(Errc::unavailable, "no admission source is configured"));
        }));
        return;
    }
    vetter_(serial, life_.guard([this, endpoint_id, attempt, serial](Result<Vetting> r) {
        check_answer(endpoint_id, attempt, serial, std::move(r));
    }));
}

void Registry::check_answer(const std::string& endpoint_id, uint64_t attempt, const std::string& serial,
                            Result<Vetting> r) {
    // A verdict is kept for the serial whoever asked; an error decides nothing.
    if (r) remember(serial, *r);
    auto it = checks_.find(endpoint_id);
    if (it == checks_.end() || it->second.attempt != attempt) return;  // gone, or an older attempt's answer
    Check& c = it->second;
    if (c.cancel) c.cancel();
    c.cancel = nullptr;
    auto e = endpoints_.find(endpoint_id);
    if (e == endpoints_.end() || e->second.connection_seq != c.seq || e->second.admitted) {
        drop_check(endpoint_id);
        return;
    }
    if (!r) {
        // The source could not say: the endpoint stays unadmitted and connected, and is asked about again.
        c.backoff_ms = c.backoff_ms ? std::min(c.backoff_ms * 2, options_.retry_max_ms)
                                    : std::max<uint64_t>(options_.retry_min_ms, 1);
        LOG_LIMITED(
            log::Level::warn, 5, 60, "registry",
            "endpoint '%s': admission check of serial '%s' failed (%s): not admitted, asked again in %llu ms",
            endpoint_id.c_str(), serial.c_str(), r.error().message.c_str(),
            static_cast<unsigned long long>(c.backoff_ms));
        c.cancel = after(c.backoff_ms, life_.guard([this, endpoint_id, attempt] {
            auto ct = checks_.find(endpoint_id);
            if (ct == checks_.end() || ct->second.attempt != attempt) return;
            start_check(endpoint_id);
        }));
        return;
    }
    store::EndpointRecord identity = std::move(c.identity);
    drop_check(endpoint_id);
    if (!r->admitted) {
        LOG_LIMITED(log::Level::info, 10, 60, "registry", "endpoint '%s' not admitted: %s",
                    endpoint_id.c_str(), r->reason.c_str());
        if (refused_) refused_(endpoint_id, r->reason);
        return;
    }
    LOG_INFO("registry", "endpoint '%s' admitted: %s", endpoint_id.c_str(), r->reason.c_str());
    apply_identity(e->second, std::move(identity), true);
}

void Registry::remember(const std::string& serial, const Vetting& v) {
    if (options_.check_cache_ms <= 0) return;
    const int64_t now = now_();
    if (verdicts_.size() >= options_.check_cache_entries) {
        for (auto it = verdicts_.begin(); it != verdicts_.end();)
            it = it->second.until_ms <= now ? verdicts_.erase(it) : std::next(it);
        while (verdicts_.size() >= options_.check_cache_entries && !verdicts_.empty()) {
            auto oldest = verdicts_.begin();
            for (auto it = verdicts_.begin(); it != verdicts_.end(); ++it)
                if (it->second.until_ms < oldest->second.until_ms) oldest = it;
            verdicts_.erase(oldest);
        }
    }
    if (options_.check_cache_entries == 0) return;
    verdicts_[serial_key(serial)] = {v, now + options_.check_cache_ms};
}

const Vetting* Registry::cached(const std::string& serial) {
    auto it = verdicts_.find(serial_key(serial));
    if (it == verdicts_.end()) return nullptr;
    if (it->second.until_ms <= now_()) {
        verdicts_.erase(it);
        return nullptr;
    }
    return &it->second.vetting;
}

const Endpoint* Registry::find(const std::string& endpoint_id) const {
    auto it = endpoints_.find(endpoint_id);
    return it == endpoints_.end() ? nullptr : &it->second;
}

std::vector<const Endpoint*> Registry::list() const {
    std::vector<const Endpoint*> out;
    out.reserve(endpoints_.size());
    for (const auto& [id, e] : endpoints_)
        if (e.admitted) out.push_back(&e);
    return out;
}

std::string Registry::device_info(const std::string& endpoint_id) const {
    if (!store_) return {};
    auto rec = store_->get(endpoint_id);
    if (!rec) {
        log_store_error(rec.error());
        return {};
    }
    return *rec ? (*rec)->device_info_json : std::string();
}

void Registry::notify(const Endpoint& e, EndpointChange change) {
    for (const auto& l : listeners_) l(e, change);
}

}  // namespace cpe::hub::controller
