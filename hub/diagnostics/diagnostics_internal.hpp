// Internal to the hub diagnostics' translation units (diagnostics*.cpp): the state of one run and what the
// HTTP, USP and GenieACS parts share. Not part of the module's API.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "json/json.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::diagnostics {

struct Diagnostics::Run {
    std::string id, device, route;
    Request request;
    std::string status = "running";  // running, complete, failed
    std::string progress, reason;
    std::map<std::string, std::string> outputs;
    json::Ptr result;
    int64_t created_ms = 0, ended_ms = 0;
    uint64_t budget_ms = 0;
    net::TimerHandle budget, poll;
    std::string msg_id;                     // USP request in flight
    std::string request_path;               // Device.LocalAgent.Request.{i} of an asynchronous command
    std::string genie_object;               // TR-069: the diagnostics object
    std::vector<const char*> genie_inputs;  // TR-069: the object's input leaves
    std::string
        inform_before;   // TR-069: the device's _lastInform when last read (ISO), see diagnostics_genieacs
    unsigned reads = 0;  // TR-069: refreshObjects that found the diagnostic still Requested
    unsigned polls_since_read = 0;
    bool reading = false;
};

namespace detail {

// A diagnostic as a TR-069 CPE has it: an object whose writable leaves are the inputs and DiagnosticsState =
// "Requested" starts it (TR-069 Amendment 6, Annex "Diagnostics"). By data model: TR-181
// Device.IP.Diagnostics.*, Device.DNS.Diagnostics.NSLookupDiagnostics, Device.WiFi.NeighboringWiFiDiagnostic
// (the XX230v's GenieACS export in tests/sim/data has each, with these leaves); TR-098
// InternetGatewayDevice.IPPingDiagnostics, TraceRouteDiagnostics (TR-098 Amendment 2), DownloadDiagnostics,
// UploadDiagnostics (TR-143); TR-098 has no standard NSLookup or neighbouring-Wi-Fi object (nullopt: 501).
// ProtocolVersion is not sent: older objects lack it (the XX230v's IPPing has none) and setting a missing
// leaf faults the whole task.
struct GenieSpec {
    std::string object;
    std::vector<const char*> inputs;  // TR-181 input argument names = the object's leaf names
};
// The TR-069 diagnostics object and its inputs for `kind` in data model `m`; nullopt when it has none
// (diagnostics_genieacs.cpp).
std::optional<GenieSpec> genie_spec(Kind kind, sources::DataModel m);

// How a TR-069 diagnostic's end is seen through GenieACS: the CPE informs with "8 DIAGNOSTICS COMPLETE"
// (TR-069 Amendment 6, Table 7), but GenieACS keeps that event only for the session (lib/session.ts inform()
// sets Events.<code> in the session's data; lib/cwmp/db.ts saveDevice() persists only Inform, 1_BOOT,
// 0_BOOTSTRAP and Registered, as _lastInform etc.), so the NBI never shows it. What the NBI does show:
// _lastInform moves with every session, and a preset on that event (provisioning/genieacs) may refresh the
// object by itself. Hence the poll in diagnostics_genieacs.cpp.
inline constexpr unsigned kRereadEveryPolls = 5;  // a slow re-read while nothing informs (see genie_poll)

}  // namespace detail

}  // namespace cpe::hub::diagnostics
