#include "collectors/radio.hpp"

#include <cmath>
#include <limits>

#include "collectors/text.hpp"

namespace cpe::agent::radio {

std::optional<uint32_t> mbit_to_kbps(double mbit) {
    if (!std::isfinite(mbit) || mbit < 0) return std::nullopt;
    double kbps = std::round(mbit * 1000.0);
    if (kbps > static_cast<double>(std::numeric_limits<uint32_t>::max())) return std::nullopt;
    return static_cast<uint32_t>(kbps);
}

std::string newer_standard(const std::string& a, const std::string& b) {
    auto rank = [](const std::string& s) {
        if (s == "be") return 4;
        if (s == "ax") return 3;
        if (s == "ac") return 2;
        if (s == "n") return 1;
        return 0;
    };
    return rank(b) > rank(a) ? b : a;
}

std::optional<int64_t> leading_int_in(std::string_view s, int64_t lo, int64_t hi, std::string_view* rest) {
    auto v = text::leading_double(s, rest);
    if (!v || *v != std::floor(*v) || *v < static_cast<double>(lo) || *v > static_cast<double>(hi))
        return std::nullopt;
    return static_cast<int64_t>(*v);
}

void merge_optical(std::optional<OpticalReading>& dst, const OpticalReading& src) {
    if (!dst) dst.emplace();
    OpticalReading& d = *dst;
    if (src.rx_dbm) d.rx_dbm = src.rx_dbm;
    if (src.tx_dbm) d.tx_dbm = src.tx_dbm;
    if (src.temperature_c) d.temperature_c = src.temperature_c;
    if (src.voltage_v) d.voltage_v = src.voltage_v;
    if (src.bias_ma) d.bias_ma = src.bias_ma;
    if (src.los) d.los = src.los;
    if (!src.onu_state.empty()) d.onu_state = src.onu_state;
    if (!src.pon_type.empty()) d.pon_type = src.pon_type;
    if (!src.gpon_serial.empty()) d.gpon_serial = src.gpon_serial;
}

}  // namespace cpe::agent::radio
