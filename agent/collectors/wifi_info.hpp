// "wifi_info": what a Wi-Fi interface is running with, from `iw dev <if> info` (iw's interface.c,
// print_iface_handler):
//   Interface ra0
//   \tifindex 9
//   \taddr 1c:61:b4:3e:91:d4
//   \tssid TP-Link_91D4
//   \ttype AP
//   \tchannel 10 (2457 MHz), width: 40 MHz, center1: 2447 MHz
// The SSID is printed as iw's print_ssid_escaped does: bytes that are not printable, a backslash, and a space
// at either end as "\xNN"; those are decoded. One collector per interface; the SSID of WiFi.SSID comes from
// here, never from the profile. Format and sources: docs/sources-radio.md.
#pragma once

#include <string>
#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

// The "Interface <name>" block of `iw dev <if> info` for `interface`. Lines it cannot read are noted and
// skipped; no block for that interface gives nullopt (noted).
std::optional<WifiIfaceInfo> parse_iw_info(std::string_view text, const std::string& interface,
                                           ParseNotes& notes);

// Spec: {"interface": "ra0", "command": [...]} (command defaults to iw dev <interface> info).
Result<std::unique_ptr<Collector>> make_wifi_info_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
