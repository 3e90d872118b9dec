// Vendor-specific parameter names (TR-106 "Vendor-Specific Parameters"): X_<VENDOR>_<Name>, where <VENDOR> is
// the OUI (six upper-case hexadecimal digits) or the domain name (upper case, each dot replaced by a hyphen
// or an underscore) of the organisation that defines the parameter — for this project's extensions, the
// operator. The prefix is therefore configuration (agent `vendor_prefix`, hub `usp.vendor_prefix`), never a
// constant of ours.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace cpe::tr181 {

// "X_0A1B2C_" or "X_EXAMPLE-NET_": accepted as given; anything else is refused with what is wrong.
Status check_vendor_prefix(std::string_view prefix, std::string_view what = "vendor_prefix");

// The placeholder the agent's schema text uses for the operator's prefix (agent/model/device.tr181).
inline constexpr std::string_view kVendorPlaceholder = "X_VENDOR_";

// The schema text with every `X_VENDOR_` name given `prefix`; with an empty prefix, every line declaring such
// a name is dropped (no prefix configured: the extensions are not offered).
std::string apply_vendor_prefix(std::string_view schema_text, std::string_view prefix);

}  // namespace cpe::tr181
