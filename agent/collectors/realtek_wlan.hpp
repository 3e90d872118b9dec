// Realtek stations: /proc/<if>/sta_info of the rtl8192cd-family driver (docs/sources-radio.md §3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

// Every " <n>: stat_info..." block with a valid hwaddr becomes a Station on `interface`.
std::vector<Station> parse_realtek_sta_info(std::string_view text, const std::string& interface,
                                            ParseNotes& notes);

// Spec: {"interface": "wlan0", "file": "/proc/wlan0/sta_info"} (file defaults to /proc/<interface>/sta_info).
Result<std::unique_ptr<Collector>> make_realtek_wlan_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
