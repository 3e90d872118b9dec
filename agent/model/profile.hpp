// A board profile (boards/<board>/profile.json): what the board is and which collector reads which
// file or command. Loading validates everything and names the offending key ("profile.sources[2].file").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::agent {

struct WifiInterface {
    std::string interface;  // "ra0"
    std::string band;       // "2.4GHz", "5GHz", "6GHz"
};

struct Profile {
    std::string board;
    std::string description;
    std::string target;
    std::string lan_bridge;              // "br0"
    std::vector<std::string> lan_ports;  // Ethernet.Interface rows, in order
    std::vector<WifiInterface> wifi;     // WiFi.Radio/SSID/AccessPoint rows, in order
    std::string wan_interface;           // "" when the board has none
    std::vector<std::unique_ptr<Collector>> collectors;
};

// Reads <board_dir>/profile.json.
Result<Profile> load_profile(const std::string& board_dir);
// Parses profile text; `what` names it in errors.
Result<Profile> parse_profile(std::string_view text, std::string_view what);

}  // namespace cpe::agent
