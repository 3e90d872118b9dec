#pragma once

#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

// The factory for a profile's "collector" type name, or nullptr if there is none.
CollectorFactory find_collector_factory(std::string_view type);
// Comma-separated list of known type names (for error messages).
std::string known_collector_types();

}  // namespace cpe::agent
