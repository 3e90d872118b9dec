#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/realtek_wlan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cpe::agent::ParseNotes notes;
    auto stations = cpe::agent::parse_realtek_sta_info(
        std::string_view(reinterpret_cast<const char*>(data), size), "wlan0", notes);
    for (const auto& s : stations)
        if (s.signal_dbm && (*s.signal_dbm < -100 || *s.signal_dbm > 0)) __builtin_trap();
    return 0;
}
