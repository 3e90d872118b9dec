// The device API's parsers of network input, apart from the clients and routes so they build (and fuzz) without
// the network stack: the lookup serial, the task body, the bridge's optical answer, a GenieACS device → TR-181
// values. Errors name what was wrong.
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
#include "sources/genieacs_document.hpp"
#include "util/result.hpp"

namespace cpe::hub::api {

// The serial in ?serial=: 1..64 characters of [A-Za-z0-9._:-]; the error names the parameter.
Result<std::string> parse_serial_query(const net::Request& req);
// {"task": "reboot"|"refresh"|"refreshHosts"} ("name" accepted too); the error names what was wrong.
Result<std::string> parse_task_body(std::string_view body);
// The bridge's GET /modems/:id/optical answer → {rxDbm, txDbm, oltRxDbm} (numbers only).
Result<json::Ptr> parse_bridge_optical(std::string_view body);

// The bridge's GET /modems/:id/mesh answer (docs/bridge.md) → the consolidated view's mesh nodes:
// [{name, mac, role, firmware, backhaul:{type, signal?, linkRate?}, parent?, clients: <count>}]; at most 64 nodes;
// nullopt when the bridge read no mesh (supported false or no nodes). Errors name what was wrong.
Result<std::optional<json::Ptr>> parse_bridge_mesh(std::string_view body);

// A Service Location's "olt_port" ("<slot>/<port>/<onu>", ERPNext, operator-system.md) → its three numbers;
// nullopt when it is not three integers in the bridge's ranges (slot, port 0..99; ONU 1..128).
struct OltPosition {
    int slot = 0, port = 0, onu = 0;
};
std::optional<OltPosition> parse_olt_port(std::string_view text);
// The bridge's GET /olts/:id/pons/:slot/:port answer (docs/bridge-olt.md) → the row of ONU `onu` as
// {oltRxDbm, rxDbm, txDbm, onuStatus ("online"/"pending"/"offline"), distanceM, onuSerial, and for an ONU not
// online onuOfflineReason/onuOfflineDetail} (what the row has); nullopt when the PON has no such
// ONU. An answer that is not that table is an error naming what was wrong.
Result<std::optional<json::Ptr>> parse_bridge_onu(std::string_view body, int onu);

// The bridge's GET /modems/:id/hosts answer (docs/bridge.md: {"total":N,"hosts":[{name, ip, mac, band, guest, active,
// lease?, node?}], nodes?:[{mac, name, role}]}) → the hosts view of GET /devices/:id/hosts. With mesh nodes (a
// TP-Link modem whose EasyMesh the bridge reads) each active host goes under the node its "node" MAC names (an
// active Wi-Fi client without one under the controller); without them the view has one node, the modem
// (`node_name`), holding its active Wi-Fi clients. Wired, unknown-band and inactive clients are under wired/other
// (as hosts_view places them). Bands "2.4G"/"5G"/"6G" → "2.4GHz"/"5GHz"/"6GHz", "wired" → ""
// (interfaceType Ethernet); `guest` is kept. At most kMaxBridgeHosts hosts; "total" must equal the list's length.
// Errors name what was wrong ("bridge hosts answer: hosts[3].mac: …").
inline constexpr size_t kMaxBridgeHosts = 1024;
Result<diag::HostsView> parse_bridge_hosts(std::string_view body, const std::string& node_name);

// A GenieACS device as the device view uses it.
struct GenieHit {
    std::string id;
    std::string match;  // serial, gpon_suffix, id_contains, id
    diag::Params params;
    std::optional<int64_t> last_inform_ms;
    std::map<std::string, int64_t> value_ms;  // each leaf's _timestamp (when GenieACS read that value)
    std::vector<std::string> steps;           // what each lookup step did ("serial: found", "…: skipped (…)")
};
// The oldest _timestamp among the leaves of `hit` under any of `objects` ("Device.Hosts" → "Device.Hosts.…"):
// the age of the values an answer shows. nullopt: none of them has a timestamp.
std::optional<int64_t> oldest_value_ms(const GenieHit& hit, const std::vector<std::string>& objects);
// h11's parsed device → the view's TR-181 values (leaves with a value, "_deviceId._SerialNumber", "_id", …).
GenieHit hit_from_device(const sources::GenieDevice& d);

}  // namespace cpe::hub::api
