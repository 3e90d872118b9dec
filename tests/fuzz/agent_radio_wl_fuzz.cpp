#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/wl_broadcom.hpp"

// The input is an assoclist output and a sta_info output separated by the first NUL byte.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    size_t cut = text.find('\0');
    std::string_view list = text.substr(0, cut);
    std::string_view info = cut == std::string_view::npos ? text : text.substr(cut + 1);
    cpe::agent::ParseNotes notes;
    auto assoc = cpe::agent::parse_wl_assoclist(list, notes);
    if (assoc.size() > cpe::agent::kWlMaxStations) __builtin_trap();
    cpe::MacAddress mac = assoc.empty() ? cpe::MacAddress{} : assoc.front().mac;
    auto station = cpe::agent::parse_wl_sta_info(info, mac, "wl0", notes);
    if (station.mac != mac) __builtin_trap();
    if (station.noise_dbm && (*station.noise_dbm < -200 || *station.noise_dbm > 0)) __builtin_trap();
    return 0;
}
