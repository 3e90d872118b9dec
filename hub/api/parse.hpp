// The device API's parsers of network input, apart from the clients and routes so they build (and fuzz)
// without the network stack: the lookup serial, the task body, a GenieACS device → TR-181 values (the
// bridge's answers: sources/bridge_document.hpp). Errors name what was wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diag/hosts.hpp"
#include "diag/params.hpp"
#include "json/json.hpp"
#include "net/http_types.hpp"
#include "sources/bridge_document.hpp"
#include "sources/genieacs_document.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

// The serial in ?serial=: 1..64 characters of [A-Za-z0-9._:-]; the error names the parameter.
Result<std::string> parse_serial_query(const net::Request& req);
// {"task": "reboot"|"refresh"|"refreshHosts"} ("name" accepted too); the error names what was wrong.
Result<std::string> parse_task_body(std::string_view body);
// The bridge's answers (sources/bridge_document.hpp), by their older names here.
using sources::kMaxBridgeHosts;
using sources::OltPosition;
using sources::parse_bridge_hosts;
using sources::parse_bridge_mesh;
using sources::parse_bridge_onu;
using sources::parse_bridge_optical;
using sources::parse_olt_port;

// A GenieACS device as the device view uses it.
struct GenieHit {
    std::string id;
    std::string match;  // serial, gpon_suffix, id_contains, id
    diag::Params params;
    std::optional<int64_t> last_inform_ms;
    std::map<std::string, int64_t> value_ms;  // each leaf's _timestamp (when GenieACS read that value)
    std::vector<std::string> steps;  // what each lookup step did ("serial: found", "…: skipped (…)")
};
// The oldest _timestamp among the leaves of `hit` under any of `objects` ("Device.Hosts" → "Device.Hosts.…"):
// the age of the values an answer shows. nullopt: none of them has a timestamp.
std::optional<int64_t> oldest_value_ms(const GenieHit& hit, const std::vector<std::string>& objects);
// h11's parsed device → the view's TR-181 values (leaves with a value, "_deviceId._SerialNumber", "_id", …).
GenieHit hit_from_device(const sources::GenieDevice& d);

}  // namespace cpe::hub::api
