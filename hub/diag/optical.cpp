#include "diag/optical.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace cpe::hub::diag {

const char* grade_name(Grade grade) {
    switch (grade) {
        case Grade::unknown:
            return "unknown";
        case Grade::no_signal:
            return "no_signal";
        case Grade::critical:
            return "critical";
        case Grade::warning:
            return "warning";
        case Grade::good:
            return "good";
        case Grade::too_high:
            return "too_high";
    }
    return "unknown";
}

Grade grade_rx(std::optional<double> rx, const OpticalThresholds& t) {
    if (!rx || !std::isfinite(*rx)) return Grade::unknown;
    if (*rx <= t.no_signal_at_or_below_dbm) return Grade::no_signal;
    if (*rx > t.too_high_above_dbm) return Grade::too_high;
    if (*rx >= t.good_min_dbm) return Grade::good;
    if (*rx >= t.warning_min_dbm) return Grade::warning;
    return Grade::critical;
}

Trend trend_of(std::vector<Reading> readings, const OpticalThresholds& t) {
    Trend out;
    std::sort(readings.begin(), readings.end(),
              [](const Reading& a, const Reading& b) { return a.time_ms < b.time_ms; });
    if (readings.size() > t.trend_readings)
        readings.erase(readings.begin(), readings.end() - t.trend_readings);
    out.readings = static_cast<unsigned>(readings.size());
    if (readings.size() < std::max(2u, t.trend_min_readings)) return out;
    // Least squares on (days since the first reading, dBm).
    const double t0 = static_cast<double>(readings.front().time_ms);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double n = static_cast<double>(readings.size());
    for (const auto& r : readings) {
        double x = (static_cast<double>(r.time_ms) - t0) / 86400000.0;
        sx += x;
        sy += r.rx_dbm;
        sxx += x * x;
        sxy += x * r.rx_dbm;
    }
    double den = n * sxx - sx * sx;
    if (!(den > 0)) return out;  // all readings at one instant: no slope
    double slope = (n * sxy - sx * sy) / den;
    out.slope_db_per_day = std::round(slope * 1000.0) / 1000.0;
    if (std::fabs(slope) < t.stable_db_per_day)
        out.direction = "stable";
    else
        out.direction = slope < 0 ? "degrading" : "improving";
    return out;
}

namespace {
std::optional<double> number(const std::string& text) {
    if (text.empty() || text.size() > 32) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || !end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}
}  // namespace

std::optional<double> dbm_from_dbm1000(const std::string& text) {
    auto v = number(text);
    if (!v) return std::nullopt;
    return *v / 1000.0;
}

std::optional<double> dbm_from_tenths(const std::string& text) {
    auto v = number(text);
    if (!v) return std::nullopt;
    return *v / 10.0;
}

}  // namespace cpe::hub::diag
