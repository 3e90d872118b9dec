#include "api/agent_cache.hpp"

#include "diag/consolidate.hpp"
#include "diag/optical.hpp"

namespace cpe::hub::api {

DeviceBrief brief_of(const diag::Params& p, int64_t time_ms, const std::vector<std::string>& families) {
    DeviceBrief b;
    b.serial = diag::get(p, "Device.DeviceInfo.SerialNumber")
                   .value_or(diag::get(p, "_deviceId._SerialNumber").value_or(""));
    b.gpon_serial = diag::gpon_serial(p);
    b.model = diag::get(p, "Device.DeviceInfo.ModelName")
                  .value_or(diag::get(p, "InternetGatewayDevice.DeviceInfo.ModelName")
                                .value_or(diag::get(p, "_deviceId._ProductClass").value_or("")));
    b.firmware = diag::get(p, "Device.DeviceInfo.SoftwareVersion")
                     .value_or(diag::get(p, "InternetGatewayDevice.DeviceInfo.SoftwareVersion").value_or(""));
    b.variant = diag::model_variant(b.model, diag::get(p, "_deviceId._ProductClass").value_or(""), families);
    b.macs = diag::identity_of(p).macs;
    b.rx_dbm = diag::optical_levels(p).rx_dbm;
    b.time_ms = time_ms;
    return b;
}

void AgentCache::remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full,
                          bool online) {
    DeviceBrief b = brief_of(params, time_ms, families_);
    b.online = online;
    briefs_[ep] = b;
    auto it = snapshots_.find(ep);
    if (!full) {
        if (it != snapshots_.end())
            for (auto& [k, v] : params) it->second.first.params[k] = v;
        return;
    }
    if (it != snapshots_.end()) {
        lru_.erase(it->second.second);
        snapshots_.erase(it);
    }
    lru_.push_front(ep);
    snapshots_.emplace(ep, std::make_pair(AgentSnapshot{std::move(params), time_ms}, lru_.begin()));
    while (snapshots_.size() > max_snapshots_) {
        snapshots_.erase(lru_.back());
        lru_.pop_back();
    }
}

const AgentSnapshot* AgentCache::snapshot(const std::string& ep) const {
    auto it = snapshots_.find(ep);
    return it == snapshots_.end() ? nullptr : &it->second.first;
}

void AgentCache::set_value(const std::string& ep, const std::string& path, const std::string& value) {
    auto it = snapshots_.find(ep);
    if (it != snapshots_.end()) it->second.first.params[path] = value;
}

const DeviceBrief* AgentCache::brief(const std::string& ep) const {
    auto it = briefs_.find(ep);
    return it == briefs_.end() ? nullptr : &it->second;
}

DeviceBrief& AgentCache::brief_for(const std::string& ep) {
    return briefs_[ep];
}

diag::DeviceIdentity AgentCache::identity(const controller::Endpoint& e) const {
    const DeviceBrief* b = brief(e.record.endpoint_id);
    return diag::make_identity(e.record.serial, b ? b->gpon_serial : "", e.record.macs);
}

}  // namespace cpe::hub::api
