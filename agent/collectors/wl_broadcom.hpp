// Broadcom stations: `wl -i <if> assoclist` then `wl -i <if> sta_info <mac>` (docs/sources-radio.md §2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

constexpr size_t kWlMaxStations = 256;

struct WlAssociation {
    MacAddress mac;
    std::string printed;  // the MAC exactly as assoclist printed it (the sta_info argument)
};

// "assoclist <MAC>" lines (a bare MAC line is accepted too); duplicates dropped, at most kWlMaxStations.
std::vector<WlAssociation> parse_wl_assoclist(std::string_view text, ParseNotes& notes);
// One `wl sta_info` output for the station `mac` on `interface`.
Station parse_wl_sta_info(std::string_view text, const MacAddress& mac, const std::string& interface,
                          ParseNotes& notes);

// Spec: {"interface": "wl0", "tool": "wl"}.
Result<std::unique_ptr<Collector>> make_wl_broadcom_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
