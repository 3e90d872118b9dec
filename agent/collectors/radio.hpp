// Helpers only the radio collectors use (Wi-Fi stations, optical modules; formats: docs/sources-radio.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/records.hpp"

namespace cpe::agent::radio {

// Mbit/s (possibly fractional) to kbit/s, absent when negative or above UINT32_MAX kbps.
std::optional<uint32_t> mbit_to_kbps(double mbit);
// The later of two Wi-Fi generations by our names: "" < "n" < "ac" < "ax" < "be".
std::string newer_standard(const std::string& a, const std::string& b);
// The integral leading number of s when it lies in [lo, hi] (e.g. "-52 [-54] dBm" with -200..0).
std::optional<int64_t> leading_int_in(std::string_view s, int64_t lo, int64_t hi,
                                      std::string_view* rest = nullptr);
// Fills the fields of `dst` that `src` has (creating `dst` if needed); fields `src` lacks are kept.
void merge_optical(std::optional<OpticalReading>& dst, const OpticalReading& src);

}  // namespace cpe::agent::radio
