// nl80211 stations: `iw dev <if> station dump` (format: docs/sources-radio.md §1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

// Every "Station <mac>" block with a valid MAC becomes a Station on `interface`; bad blocks and fields are
// noted.
std::vector<Station> parse_iw_station_dump(std::string_view text, const std::string& interface,
                                           ParseNotes& notes);

// Spec: {"interface": "ra0", "command": [...]} (command defaults to iw dev <interface> station dump).
Result<std::unique_ptr<Collector>> make_iw_station_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
