// Realtek PON transceiver: `diag pon get transceiver <quantity>` and `diag gpon get onu-state`
// (docs/sources-radio.md §6).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

enum class RealtekQuantity { rx_power, tx_power, temperature, voltage, bias_current };

// The sub-command word for a quantity ("rx-power", …) and the label its output line carries ("Rx Power").
const char* realtek_quantity_arg(RealtekQuantity q);
const char* realtek_quantity_label(RealtekQuantity q);

// The value of `q` in the record's unit (dBm, °C, V, mA). For rx_power, `no_light` is set when the output
// says there is no light (-inf, or at/below -60 dBm); the value is then absent.
std::optional<double> parse_realtek_transceiver(std::string_view text, RealtekQuantity q, ParseNotes& notes,
                                                bool* no_light = nullptr);
// "ONU state: Operation State(O5)" → "O5"; "" when no state is found (noted).
std::string parse_realtek_onu_state(std::string_view text, ParseNotes& notes);

// Spec: {"command": ["diag","pon","get","transceiver"], "state_command": ["diag","gpon","get","onu-state"]}.
Result<std::unique_ptr<Collector>> make_realtek_pon_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
