#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/iw_station.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cpe::agent::ParseNotes notes;
    auto stations = cpe::agent::parse_iw_station_dump(
        std::string_view(reinterpret_cast<const char*>(data), size), "ra0", notes);
    for (const auto& s : stations)
        if (s.signal_dbm && (*s.signal_dbm < -200 || *s.signal_dbm > 0)) __builtin_trap();
    if (notes.messages.size() > cpe::agent::ParseNotes::kMaxKept) __builtin_trap();
    return 0;
}
