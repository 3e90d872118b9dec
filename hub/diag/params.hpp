// A device's TR-181 values as one flat map of full parameter paths ("Device.Hosts.Host.3.HostName" → "tv"),
// whatever source they came from: a USP GetResp (the agent) or a GenieACS device document (TR-069 only).
// The consolidation and the hosts view read only this map, so both kinds of device give the same shapes.
#pragma once

#include <cJSON.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "usp/types.hpp"

namespace cpe::hub::diag {

using Params = std::map<std::string, std::string>;

// Every resolved parameter of every successful requested path; failed requested paths are skipped.
Params params_from_get_resp(const usp::GetResp& resp);

// Walks a GenieACS device document: leaves {"_value": …} become "<path>" → value as text (numbers without a
// trailing ".0", booleans "true"/"false"); keys starting with '_' are metadata and skipped, except the
// _deviceId members, kept as "_deviceId._SerialNumber" etc., and _lastInform/_lastBoot/_id.
Params params_from_genieacs(const cJSON* device);

// The instances directly under `table` ("Device.Hosts.Host."): instance number → {relative name → value}
// (relative names may contain dots, e.g. "IPv4Address.1.IPAddress"). Sorted by instance number.
std::map<unsigned, Params> instances(const Params& params, std::string_view table);

std::optional<std::string> get(const Params& params, const std::string& path);
// Integer value of a parameter, nullopt if absent or not an integer.
std::optional<long long> get_int(const Params& params, const std::string& path);

}  // namespace cpe::hub::diag
