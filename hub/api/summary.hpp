// GET /devices/summary: fleet statistics from what the hub holds (no source is asked): agents from the
// registry and their briefs, TR-069 devices from the poller's GenieACS fleet read; a TR-069 record of an
// agent device (same serial, GPON serial or MAC) counted once, as the agent. docs/api.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/agent_cache.hpp"
#include "controller/registry.hpp"
#include "diag/optical.hpp"

namespace cpe::hub::api {

struct FleetState {
    const std::map<std::string, DeviceBrief>& genie_briefs;  // by GenieACS id
    bool genieacs_configured = false;
    int64_t genie_fleet_ms = 0;     // the last fleet read (0: never)
    std::string genie_fleet_error;  // what went wrong then
};

// {total, online, offline, byKind, byModel, byFirmware, opticalGrades, sources: {genieacs}}
// `families`: DevicesConfig::model_families (the byModel keys).
std::string summary_json(const controller::Registry& registry, const AgentCache& agents,
                         const FleetState& fleet, const diag::OpticalThresholds& optical,
                         const std::vector<std::string>& families, int64_t now_ms);

}  // namespace cpe::hub::api
