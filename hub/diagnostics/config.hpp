// The diagnostics settings (docs/api.md "Diagnostics"): an optional JSON file named by
// HUB_DIAGNOSTICS_CONFIG, every key checked (an unknown key is an error naming it). Defaults apply when the
// variable is unset. The store path and the GenieACS NBI come from the hub's and the device API's
// configurations (hub/main.cpp).
#pragma once

#include <string>
#include <string_view>

#include "diagnostics/diagnostics.hpp"
#include "util/result.hpp"

namespace cpe::hub::diagnostics {

// Applies the file's keys over `base`. `what` names the text in errors.
Result<DiagnosticsOptions> parse_diagnostics_config(std::string_view text, std::string_view what,
                                                    DiagnosticsOptions base = {});
// HUB_DIAGNOSTICS_CONFIG (optional).
Result<DiagnosticsOptions> diagnostics_config_from_env(DiagnosticsOptions base = {});
// The "diagnostics" section of the hub's configuration file (one file for the hub: docs/usp.md); a
// HUB_DIAGNOSTICS_CONFIG file is still read when the section is absent, with a warning naming the section;
// both at once is an error.
Result<DiagnosticsOptions> diagnostics_config(const std::string& hub_config_path,
                                              DiagnosticsOptions base = {});

}  // namespace cpe::hub::diagnostics
