#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/econet_pon.hpp"

// The same bytes go to the three Econet parsers: info lines, the RSSICurrent value and the LOS value.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    cpe::agent::ParseNotes notes;
    cpe::agent::EconetPonOptions options;
    cpe::agent::OpticalReading reading;
    cpe::agent::parse_econet_pon_info(text, options, reading, notes);
    for (const auto& v :
         {reading.rx_dbm, reading.tx_dbm, reading.temperature_c, reading.voltage_v, reading.bias_ma})
        if (v && !std::isfinite(*v)) __builtin_trap();
    auto rssi = cpe::agent::parse_econet_rssi(text, notes);
    if (rssi && !std::isfinite(*rssi)) __builtin_trap();
    (void)cpe::agent::parse_econet_los(text, options, notes);
    return 0;
}
