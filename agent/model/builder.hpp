// Builds the TR-181 tree (Device.*) from one refresh of the collectors. Pure: the same BoardData,
// profile, clock and instance-number history give the same tree. Where each parameter comes from is
// listed in agent/model/README.md.
#pragma once

#include <cstdint>
#include <string>

#include "collectors/records.hpp"
#include "model/profile.hpp"
#include "tr181/instances.hpp"
#include "tr181/tree.hpp"

namespace cpe::agent {

// Device.RootDataModelVersion the agent declares (TR-181 Device:2.17; docs/tr181.md says why not 2.19).
inline constexpr const char* kRootDataModelVersion = "2.17";

struct BuildContext {
    const Profile& profile;
    tr181::InstanceNumbers& numbers;
    int64_t now = 0;            // UNIX time of this refresh
    std::string endpoint_id;    // Device.LocalAgent.EndpointID ("" to derive os::<OUI>-<serial>)
    std::string vendor_prefix;  // the operator's TR-106 prefix of our extensions ("" = none emitted)
};

tr181::Tree build_model(const BoardData& data, BuildContext& ctx);

// "os::<OUI>-<serial>" (USP endpoint id from the device identity, TR-369 "os" authority scheme).
std::string default_endpoint_id(const Identity& identity);

// The supported data model (agent/model/device.tr181, compiled in).
const char* device_model_text();

}  // namespace cpe::agent
