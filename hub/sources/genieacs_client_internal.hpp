// Internal to the GenieACS client's translation units (genieacs_client*.cpp): what they share. Not part of
// the client's API.
#pragma once

#include <string>

#include "net/http_client.hpp"
#include "util/result.hpp"

namespace cpe::hub::sources::genieacs_detail {

inline constexpr const char* kSource = "genieacs";

// The Error for a GenieACS answer with an unexpected status, naming `what` was asked.
Error status_error(const net::HttpResponse& r, const std::string& what);

}  // namespace cpe::hub::sources::genieacs_detail
