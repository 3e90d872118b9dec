// A radio's scan output; the first byte picks the parser (0 iw, 1 wl, 2 Realtek).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "diag/site_survey.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    namespace d = cpe::agent::diag;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    auto found = data[0] % 3 == 0   ? d::parse_iw_scan(text)
                 : data[0] % 3 == 1 ? d::parse_wl_scanresults(text)
                                    : d::parse_realtek_ss_result(text);
    if (found.size() > d::kMaxNeighbors) __builtin_trap();
    for (const auto& n : found) {
        if (n.bssid.size() != 17) __builtin_trap();
        if (n.signal_dbm && (*n.signal_dbm < -200 || *n.signal_dbm > 0)) __builtin_trap();
    }
    return 0;
}
