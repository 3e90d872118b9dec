#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/realtek_pon.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using cpe::agent::RealtekQuantity;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    cpe::agent::ParseNotes notes;
    for (RealtekQuantity q :
         {RealtekQuantity::rx_power, RealtekQuantity::tx_power, RealtekQuantity::temperature,
          RealtekQuantity::voltage, RealtekQuantity::bias_current}) {
        bool no_light = false;
        auto v = cpe::agent::parse_realtek_transceiver(text, q, notes, &no_light);
        if (v && (!std::isfinite(*v) || no_light)) __builtin_trap();
    }
    auto state = cpe::agent::parse_realtek_onu_state(text, notes);
    if (!state.empty() && (state.size() != 2 || state[0] != 'O')) __builtin_trap();
    return 0;
}
