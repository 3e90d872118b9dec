// Device.WiFi.NeighboringWiFiDiagnostic() (TR-181): the networks each radio hears, from the radio family's
// own tool — a collector per family, like the station collectors (agent/collectors/): `iw dev <if> scan`
// (cfg80211 drivers, MediaTek under OpenWrt), Broadcom's `wl -i <if> scanresults`, Realtek's
// /proc/<if>/SS_Result. The tool runs on the command's worker thread through a SourceReader (3 s timeout per
// call, bounded output), so a fixture's captured output replays it. Parsers read the tools' text
// (tests/fuzz/agent_diag_scan_*_fuzz).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "usp/commands.hpp"

namespace cpe::agent::diag {

struct Neighbor {
    std::string ssid, bssid;  // bssid lower-case "aa:bb:cc:dd:ee:ff"
    uint32_t channel = 0;
    std::string band;       // "2.4GHz", "5GHz", "6GHz"
    std::string bandwidth;  // "20MHz", "40MHz", "80MHz", "160MHz" ("" when not said)
    std::optional<int> signal_dbm, noise_dbm;
    std::string security;        // TR-181 SecurityModeEnabled: "None", "WEP-64", "WPA2-Personal", …
    std::string encryption;      // "AES", "TKIP", "TKIP,AES", "" for open networks
    std::string standards;       // OperatingStandards: "b,g,n,ax" (what the beacon shows)
    uint32_t beacon_period = 0;  // TU, 0 when not said
};

inline constexpr size_t kMaxNeighbors = 128;  // per radio

// Each returns at most kMaxNeighbors entries; entries without a valid BSSID are skipped.
std::vector<Neighbor> parse_iw_scan(std::string_view text);
std::vector<Neighbor> parse_wl_scanresults(std::string_view text);
std::vector<Neighbor> parse_realtek_ss_result(std::string_view text);

// 2412 → 1 (2.4GHz), 5180 → 36 (5GHz), 5955 → 1 (6GHz); 0 / "" when the frequency is in none of them.
uint32_t channel_of(uint32_t mhz, std::string* band);

enum class RadioFamily { iw, wl, realtek };
struct SurveyRadio {
    std::string interface;  // "ra0"
    std::string band;       // the profile's band of that radio
    RadioFamily family = RadioFamily::iw;
};

// `root` "" = the live device; otherwise a fixture rootfs (captured/<argv>.out, proc files).
usp::CommandSpec neighboring_wifi_command(std::vector<SurveyRadio> radios, std::string root);

}  // namespace cpe::agent::diag
