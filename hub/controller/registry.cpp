#include "controller/registry.hpp"

#include <cctype>
#include <chrono>
#include <set>

#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::hub::controller {

namespace {
int64_t system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void log_store_error(const Error& e) {
    LOG_LIMITED(log::Level::error, 5, 60, "registry", "%s", e.message.c_str());
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
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
                for (const auto& [name, value] : res.result_params) json::add_string(obj.get(), name.c_str(), value);
                json::add(snapshot.get(), path.c_str(), std::move(obj));
                if (path != "Device.DeviceInfo.") continue;
                for (const auto& [name, value] : res.result_params) {
                    if (name == "ModelName") out.model = value;
                    else if (name == "SerialNumber") out.serial = value;
                    else if (name == "ManufacturerOUI") out.oui = value;
                    else if (name == "ProductClass") out.product_class = value;
                    else if (name == "SoftwareVersion") out.firmware = value;
                }
            }
            for (const auto& [name, value] : res.result_params) {
                const bool mac_param = name == "MACAddress" || (name.size() > 11 && name.ends_with(".MACAddress"));
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
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// Under a certificate, "" when the reported OUI and serial are the ones its endpoint id names; else why not.
std::string certificate_mismatch(const Endpoint& e, const store::EndpointRecord& reported) {
    if (!e.connection.proven) return {};
    std::string oui, serial;
    if (!oui_serial_of(e.record.endpoint_id, oui, serial))
        return "its certificate's endpoint id is not of the form <authority>::<OUI>-<serial>";
    if (reported.serial != serial || !same_ignoring_case(reported.oui, oui))
        return "it reports OUI '" + reported.oui + "' serial '" + reported.serial + "', its certificate names OUI '" +
               oui + "' serial '" + serial + "'";
    return {};
}
}  // namespace

Registry::Registry(store::Store* store, std::function<int64_t()> now_ms, RegistryOptions options)
    : store_(store), now_(now_ms ? std::move(now_ms) : std::function<int64_t()>(system_now_ms)), options_(options) {}

Status Registry::load() {
    if (!store_) return {};
    auto marked = store_->mark_all_offline();
    if (!marked) return marked.error();
    auto expired = store_->expire_unidentified(now_() - options_.unidentified_ttl_ms);
    if (!expired) return expired.error();
    if (*expired > 0)
        LOG_INFO("registry", "%lld never-identified endpoint(s) expired from the store", static_cast<long long>(*expired));
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
             options_.admission == Admission::allow_list ? "on the allow-list" : "identified");
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
    if (!e.admitted && options_.admission == Admission::allow_list) admit(e);  // the transport checked the list
    else if (e.admitted) ++online_;
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
        endpoints_.erase(it);
        --waiting_;
        return;
    }
    e.record.online = false;
    e.identified_now = false;
    --online_;
    e.record.last_seen_ms = now_();
    if (store_) {
        if (auto st = store_->set_online(endpoint_id, false, e.record.last_seen_ms); !st) log_store_error(st.error());
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
        LOG_LIMITED(log::Level::warn, 10, 60, "registry", "endpoint '%s' quarantined: %s", endpoint_id.c_str(),
                    mismatch.c_str());
    }
    if (!e.admitted) {
        if (rec.serial.empty() && !e.quarantined) {
            LOG_LIMITED(log::Level::info, 10, 60, "registry", "endpoint '%s' reported no serial number: not admitted",
                        endpoint_id.c_str());
            return;
        }
        e.record.last_seen_ms = now_();
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
