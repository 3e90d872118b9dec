// Econet/Airoha PON transceiver: <dir>/info, <dir>/RSSICurrent and the LOS file (docs/sources-radio.md §5;
// the text format is defined by us, the real one is unconfirmed).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

struct EconetPonOptions {
    int64_t los_active_value = 1;   // the los_file value that means "loss of signal"
    double voltage_lsb_v = 0.0001;  // SFF-8472: 100 µV per unit
    double bias_lsb_ma = 0.002;     // SFF-8472: 2 µA per unit
};

// "Key: value" lines into `out` (only the fields present are set).
void parse_econet_pon_info(std::string_view text, const EconetPonOptions& options, OpticalReading& out,
                           ParseNotes& notes);
// One raw RX value in 0.1 µW (hex or decimal) → dBm; absent for 0 (no light) or garbage (noted).
std::optional<double> parse_econet_rssi(std::string_view text, ParseNotes& notes);
// One integer; true when it equals options.los_active_value.
std::optional<bool> parse_econet_los(std::string_view text, const EconetPonOptions& options,
                                     ParseNotes& notes);

// Spec: {"dir": "/proc/pon_phy", "los_file": "/proc/tc3162/los_status", "los_active_value": 1,
//        "voltage_lsb_v": 0.0001, "bias_lsb_ma": 0.002} — all optional.
Result<std::unique_ptr<Collector>> make_econet_pon_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
