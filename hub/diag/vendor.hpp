// The TR-106 prefix of the agents' extension parameters (X_<OUI>_ / X_<DOMAIN>_, common/tr181/vendor.hpp):
// the operator's, set once at start from hub.json usp.vendor_prefix ("" = the hub reads no extension).
#pragma once

#include <string>

namespace cpe::hub::diag {

void set_vendor_prefix(std::string prefix);
const std::string& vendor_prefix();
// `name` with the prefix ("X_EXAMPLE-NET_Name"); "" when no prefix is configured (a key no parameter has).
std::string vendor_param(const char* name);

}  // namespace cpe::hub::diag
