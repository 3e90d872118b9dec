// Unit conversions shared by the agent (device sources), the bridge (TP-Link web UI, OLT) and the hub.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace cpe::units {

// Optical power in 0.1 µW (TP-Link X_TP_GPON_Config.RXPower/TXPower, X_CT-COM RXPower) to dBm.
// 0 (and negatives) mean "no light": no dBm value exists, so the result is absent.
inline std::optional<double> tenth_microwatt_to_dbm(double tenth_uw) {
    if (!(tenth_uw > 0)) return std::nullopt;
    return 10.0 * std::log10(tenth_uw * 1e-4);
}

inline std::optional<double> microwatt_to_dbm(double uw) {
    if (!(uw > 0)) return std::nullopt;
    return 10.0 * std::log10(uw * 1e-3);
}

// TR-181 Dbm1000: thousandths of a dBm, rounded to nearest.
inline int32_t dbm_to_dbm1000(double dbm) {
    return static_cast<int32_t>(std::lround(dbm * 1000.0));
}

// EasyMesh RCPI (0..255, IEEE 802.11-2016 §9.4.2.38) to dBm: dBm = RCPI/2 − 110. 255 = not measured.
inline std::optional<double> rcpi_to_dbm(int rcpi) {
    if (rcpi < 0 || rcpi > 220) return std::nullopt;
    return rcpi / 2.0 - 110.0;
}
inline int dbm_to_rcpi(double dbm) {
    double r = (dbm + 110.0) * 2.0;
    if (r < 0) r = 0;
    if (r > 220) r = 220;
    return static_cast<int>(std::lround(r));
}

}  // namespace cpe::units
