// Optical receive-level grading and trend. Default thresholds are the GPON class B+ ONT receive window
// (ITU-T G.984.2: −8 … −27 dBm) with a warning band above the sensitivity limit (shared reference tr181.md):
//   rx > −8 dBm          too_high   (overload)
//   −25 ≤ rx ≤ −8        good
//   −27 ≤ rx < −25       warning    (GenieACS scripts warn below −25)
//   rx < −27             critical   (below class B+ sensitivity; GenieACS scripts call < −28 critical)
//   rx ≤ −40 or absent   no_signal / unknown
// Every threshold is configurable (devices.optical in the hub's device config, docs/api.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cpe::hub::diag {

struct OpticalThresholds {
    double too_high_above_dbm = -8.0;
    double good_min_dbm = -25.0;
    double warning_min_dbm = -27.0;
    double no_signal_at_or_below_dbm = -40.0;
    // Trend: least-squares slope over the last `trend_readings` readings, in dB per day.
    unsigned trend_readings = 12;
    unsigned trend_min_readings = 3;
    double stable_db_per_day = 0.5;  // |slope| below this: "stable"
};

enum class Grade { unknown, no_signal, critical, warning, good, too_high };
const char* grade_name(Grade grade);

Grade grade_rx(std::optional<double> rx_dbm, const OpticalThresholds& t);

struct Reading {
    int64_t time_ms = 0;
    double rx_dbm = 0;
};

struct Trend {
    std::string direction = "unknown";  // unknown (too few readings), stable, degrading, improving
    std::optional<double> slope_db_per_day;
    unsigned readings = 0;
};

// Readings in any order; uses the newest t.trend_readings of them.
Trend trend_of(std::vector<Reading> readings, const OpticalThresholds& t);

// TR-181 Dbm1000 ("-21500" → −21.5) and XPON 0.1 dBm ("-215" → −21.5); nullopt when not a number.
std::optional<double> dbm_from_dbm1000(const std::string& text);
std::optional<double> dbm_from_tenths(const std::string& text);

}  // namespace cpe::hub::diag
