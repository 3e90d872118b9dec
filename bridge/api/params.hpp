// Parsing of what a REST client controls besides the route: PON numbers in the path and the query flags.
// Pure functions (fuzzed by tests/fuzz/bridge_api_fuzz.cpp); errors name the parameter and the bad value.
#pragma once

#include <string>
#include <string_view>

#include "net/http_types.hpp"
#include "util/result.hpp"

namespace cpe::bridge::api {

// "0".."99" (what the Raisecom index layout allows); `what` names the path segment ("slot", "port").
Result<int> parse_pon_number(std::string_view text, std::string_view what);

struct ReadOptions {
    bool refresh = false;  // read now instead of answering from the cache (back-off still applies)
};
// `?refresh`, `?refresh=1|true|yes`, `?refresh=0|false|no`; any other query key is refused (a typo would
// otherwise silently serve the cache).
Result<ReadOptions> parse_read_options(const net::HeaderList& query);

// For error messages: a client-supplied value, cut to 40 bytes and with control/non-ASCII bytes as '?'.
std::string printable(std::string_view text);

}  // namespace cpe::bridge::api
