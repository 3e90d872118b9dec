#include "controller/registry.hpp"

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

Registry::Registry(store::Store* store, std::function<int64_t()> now_ms)
    : store_(store), now_(now_ms ? std::move(now_ms) : std::function<int64_t()>(system_now_ms)) {}

Status Registry::load() {
    if (!store_) return {};
    auto marked = store_->mark_all_offline();
    if (!marked) return marked.error();
    auto all = store_->list();
    if (!all) return all.error();
    for (auto& rec : *all) {
        rec.device_info_json.clear();
        Endpoint e;
        e.record = std::move(rec);
        endpoints_[e.record.endpoint_id] = std::move(e);
    }
    online_ = 0;
    return {};
}

void Registry::connected(const std::string& endpoint_id, const ConnectionInfo& info) {
    const int64_t now = now_();
    auto [it, fresh] = endpoints_.try_emplace(endpoint_id);
    Endpoint& e = it->second;
    if (fresh) {
        e.record.endpoint_id = endpoint_id;
        e.record.first_seen_ms = now;
    }
    if (!e.record.online) ++online_;
    e.record.online = true;
    e.record.last_seen_ms = now;
    e.connection = info;
    e.connected_since_ms = now;
    if (store_) {
        if (auto st = store_->mark_seen(endpoint_id, now, true); !st) log_store_error(st.error());
    }
    notify(e, EndpointChange::connected);
}

void Registry::disconnected(const std::string& endpoint_id) {
    auto it = endpoints_.find(endpoint_id);
    if (it == endpoints_.end() || !it->second.record.online) return;
    Endpoint& e = it->second;
    e.record.online = false;
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
    store::EndpointRecord rec = e.record;
    identity_from_get_resp(resp, rec);
    rec.device_info_ms = now_();
    if (store_) {
        if (auto st = store_->update_identity(rec); !st) log_store_error(st.error());
    }
    rec.device_info_json.clear();
    e.record = std::move(rec);
    notify(e, EndpointChange::identified);
}

const Endpoint* Registry::find(const std::string& endpoint_id) const {
    auto it = endpoints_.find(endpoint_id);
    return it == endpoints_.end() ? nullptr : &it->second;
}

std::vector<const Endpoint*> Registry::list() const {
    std::vector<const Endpoint*> out;
    out.reserve(endpoints_.size());
    for (const auto& [id, e] : endpoints_) out.push_back(&e);
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
