// The bridge's REST answers (docs/bridge.md, docs/bridge-olt.md) as the hub reads them: the modem's optical
// levels, its mesh nodes and hosts, the OLT's row of one ONU. Parsers of network input (fuzzed through
// tests/fuzz/hub_api_fuzz.cpp); errors name what was wrong.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::hub::sources {

// The bridge's GET /modems/:id/optical answer → {rxDbm, txDbm, oltRxDbm} (numbers only).
Result<json::Ptr> parse_bridge_optical(std::string_view body);

// The bridge's GET /modems/:id/mesh answer (docs/bridge.md) → the consolidated view's mesh nodes:
// [{name, mac, role, firmware, backhaul:{type, signal?, linkRate?}, parent?, clients: <count>}]; at most 64
// nodes; nullopt when the bridge read no mesh (supported false or no nodes). Errors name what was wrong.
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

// The bridge's GET /modems/:id/hosts answer (docs/bridge.md: {"total":N,"hosts":[{name, ip, mac, band, guest,
// active, lease?, node?}], nodes?:[{mac, name, role}]}) → the hosts view of GET /devices/:id/hosts. With mesh
// nodes (a TP-Link modem whose EasyMesh the bridge reads) each active host goes under the node its "node" MAC
// names (an active Wi-Fi client without one under the controller); without them the view has one node, the
// modem
// (`node_name`), holding its active Wi-Fi clients. Wired, unknown-band and inactive clients are under
// wired/other (as hosts_view places them). Bands "2.4G"/"5G"/"6G" → "2.4GHz"/"5GHz"/"6GHz", "wired" → ""
// (interfaceType Ethernet); `guest` is kept. At most kMaxBridgeHosts hosts; "total" must equal the list's
// length. Errors name what was wrong ("bridge hosts answer: hosts[3].mac: …").
inline constexpr size_t kMaxBridgeHosts = 1024;
Result<diag::HostsView> parse_bridge_hosts(std::string_view body, const std::string& node_name);

}  // namespace cpe::hub::sources
