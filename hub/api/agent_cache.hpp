// What the device API keeps of each agent's answers: the last full snapshot of the devices looked up lately
// (bounded; the least recently stored goes first) and a small brief of every device an answer came from
// (fleet statistics, the poller's freshness, the lookup's GPON serial). Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "controller/registry.hpp"
#include "diag/identity.hpp"
#include "diag/params.hpp"

namespace cpe::hub::api {

struct AgentSnapshot {
    diag::Params params;
    int64_t time_ms = 0;
};

// A device's small summary kept for every known device (fleet statistics).
struct DeviceBrief {
    std::string serial, gpon_serial, model, firmware;
    std::string variant;            // the most precise model name reported (diag::model_variant)
    std::vector<std::string> macs;  // TR-069 devices: the Ethernet MACs of the NBI projection
    std::optional<double> rx_dbm;
    int64_t time_ms = 0;
    bool online = false;
};
// The brief of TR-181 values (an agent's Get or a GenieACS document; TR-098 names too). `families`:
// DevicesConfig::model_families (diag::model_variant).
DeviceBrief brief_of(const diag::Params& p, int64_t time_ms, const std::vector<std::string>& families);

class AgentCache {
  public:
    explicit AgentCache(std::vector<std::string> model_families, size_t max_snapshots = 500)
        : families_(std::move(model_families)), max_snapshots_(max_snapshots) {}
    // The brief always. `full`: the snapshot is replaced (most recent); else the values are merged into an
    // existing snapshot without making it look fresher than it is.
    void remember(const std::string& ep, diag::Params params, int64_t time_ms, bool full, bool online);
    const AgentSnapshot* snapshot(const std::string& ep) const;
    // A ValueChange: into the snapshot held (if any).
    void set_value(const std::string& ep, const std::string& path, const std::string& value);
    const DeviceBrief* brief(const std::string& ep) const;
    DeviceBrief& brief_for(const std::string& ep);  // made empty when absent
    // The endpoint's identity: its record's serial and MACs, the GPON serial its answers gave.
    diag::DeviceIdentity identity(const controller::Endpoint& e) const;
    size_t snapshots() const { return snapshots_.size(); }

  private:
    std::vector<std::string> families_;
    std::list<std::string> lru_;
    std::unordered_map<std::string, std::pair<AgentSnapshot, std::list<std::string>::iterator>> snapshots_;
    size_t max_snapshots_;
    std::map<std::string, DeviceBrief> briefs_;  // by endpoint id
};

}  // namespace cpe::hub::api
