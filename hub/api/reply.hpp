// What every route of the device API shares: the projections it asks the sources for, its error bodies and
// statuses, the "source" member of a hosts answer. Loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag/consolidate.hpp"
#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

// USP Get paths: the device view, the poller's brief, the hosts view.
extern const std::vector<std::string> kFullPaths;
extern const std::vector<std::string> kBriefPaths;
extern const std::vector<std::string> kHostsPaths;
// GenieACS projections: only what the view reads (subtrees).
extern const std::vector<std::string> kGenieFull;
extern const std::vector<std::string> kGenieHosts;
// A device's data model and last inform (the identity always comes): its DeviceInfo under either root, and
// whether it has DataElements (refreshed with the hosts where present).
extern const std::vector<std::string> kGenieModelProbe;
// The hosts projection plus what ERPNext is asked by (diag::identity_of: Ethernet MACs; the serial is
// _deviceId's).
extern const std::vector<std::string> kGenieHostsIdentity;

std::string upper(std::string s);
json::Ptr json_copy(const json::Ptr& p);  // a deep copy (null stays null)
std::string quote(const std::string& s);  // a JSON string
// {"error": message, "status": status}
std::string error_body(int status, const std::string& message);
// not_found 404, timeout 504, unavailable 503, invalid_argument 400, else 502.
int status_for(const Error& e);
// "a; b", either may be empty.
std::string join(const std::string& a, const std::string& b);
// A hosts answer with its "id" and "source" {name, state, age_s, modem?, error?} members added.
std::string with_source(std::string hosts_body, const char* source, diag::SourceState state,
                        std::optional<int64_t> data_ms, const std::string& error, const std::string& id,
                        const std::string& modem = "");

}  // namespace cpe::hub::api
