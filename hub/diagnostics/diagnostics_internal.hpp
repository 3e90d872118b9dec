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
    std::string event_before;  // TR-069: Events.8_DIAGNOSTICS_COMPLETE when the diagnostic was asked for
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

// GenieACS stores each inform's event codes as Events.<code, spaces as '_'> (dateTime of the last one): the
// XX230v's GenieACS export (tests/sim/data) has Events.0_BOOTSTRAP, Events.Inform, Events.Registered. The
// name for "8 DIAGNOSTICS COMPLETE" (TR-069 Amendment 6, Table 7) follows that rule (assumption: not seen in
// a dump).
inline constexpr const char* kDiagEvent = "Events.8_DIAGNOSTICS_COMPLETE";

}  // namespace detail

}  // namespace cpe::hub::diagnostics
