// The consolidated device view ("Diagnostiquer"): one JSON object per device built from what each source
// gave, every field with its provenance. The operator's shape is kept (general info, interfaces[], mesh[],
// wifi{}, opticalStatus{}, ethernet{}, ip{internet, management, service, lan}, customer{}, location{}) and
// two objects are added: `sources` (each source's state for this answer) and `provenance`
// ({"<field>": {source, age_s, state}} for every field filled). docs/api.md has the full shape.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag/optical.hpp"
#include "diag/params.hpp"
#include "json/json.hpp"

namespace cpe::hub::diag {

// fresh: answered within its budget for this request; stale: the last known data (source slow, offline or
// not asked); failed: asked and no usable answer, nothing older to show; off: not configured;
// not_found: answered, but knows nothing of this device.
enum class SourceState { off, fresh, stale, failed, not_found };
const char* state_name(SourceState s);

struct SourceStatus {
    SourceState state = SourceState::off;
    std::optional<int64_t> data_ms;  // when the data shown was produced (for age_s)
    std::string error;               // why it is stale/failed
    bool cached = false;             // taken from the hub's lookup cache, not asked for this answer
};

struct DeviceInputs {
    std::string id;    // USP endpoint id, or GenieACS device id for TR-069-only devices
    std::string kind;  // "usp" or "tr069"
    bool online = false;
    std::optional<int64_t> last_seen_ms;
    int64_t now_ms = 0;

    std::optional<Params> agent;  // agent values (live Get or the last snapshot)
    SourceStatus agent_status;
    std::optional<Params> genieacs;  // NBI document, flattened
    SourceStatus genieacs_status;
    json::Ptr customer;   // ERPNext Customer (selected fields), or null
    json::Ptr location;   // ERPNext Service Location
    json::Ptr equipment;  // ERPNext Service Equipment
    SourceStatus erpnext_status;
    json::Ptr bridge;  // {"rxDbm", "txDbm", "oltRxDbm"?, "mesh"?:[…]} from the bridge, or null
    SourceStatus bridge_status;

    std::vector<Reading> optical_history;  // including the current reading when there is one
    OpticalThresholds thresholds;
};

// The optical receive/transmit levels (dBm) the device reports, from whichever leaves it has:
// Optical.Interface.1.OpticalSignalLevel (Dbm1000; 0 means "not supported" on TP-Link), XPON Transceiver
// RxPower (0.1 dBm), TP-Link X_TP_GPON_Config.RXPower (0.1 µW), TR-098 X_CT-COM_GponInterfaceConfig.RXPower
// (0.1 µW; HT803G, boards.md).
struct OpticalLevels {
    std::optional<double> rx_dbm;
    std::optional<double> tx_dbm;
};
OpticalLevels optical_levels(const Params& params);

// The device's GPON serial (XPON ONUActivation.SerialNumber, or GponAuth.GponSn / TR-098 GponSn hex-decoded
// to TPLG…).
std::string gpon_serial(const Params& params);

// Builds the view; returns the JSON text.
std::string device_view_json(const DeviceInputs& in);

}  // namespace cpe::hub::diag
