// Text and spec helpers shared by the radio, mesh and optical collectors (formats: docs/sources-radio.md).
// Every number parser is total: it returns std::nullopt for garbage, overflow, NaN or infinity, never throws.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/records.hpp"
#include "util/result.hpp"

namespace cpe::agent::radio {

// Splits on '\n', dropping one trailing '\r' per line. The last line may be unterminated.
std::vector<std::string_view> split_lines(std::string_view text);
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
size_t ifind(std::string_view haystack, std::string_view needle);  // npos when absent

// Whole-token parsers (surrounding blanks allowed, nothing else).
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<int64_t> parse_i64(std::string_view s);
std::optional<uint64_t> parse_u64_auto(std::string_view s);  // decimal or 0x-prefixed hex
std::optional<double> parse_double(std::string_view s);     // finite only
// The leading number of s (e.g. "-52 [-54, -55] dBm" → -52); `rest` receives what follows it.
std::optional<double> leading_double(std::string_view s, std::string_view* rest = nullptr);

// Mbit/s (possibly fractional) to kbit/s, absent when negative or above UINT32_MAX kbps.
std::optional<uint32_t> mbit_to_kbps(double mbit);
std::optional<uint32_t> to_u32(std::optional<uint64_t> v);

// The first blank-separated token of s; `rest` receives the remainder.
std::string_view first_token(std::string_view s, std::string_view* rest = nullptr);
// The later of two Wi-Fi generations by our names: "" < "n" < "ac" < "ax" < "be".
std::string newer_standard(const std::string& a, const std::string& b);
// The integral leading number of s when it lies in [lo, hi] (e.g. "-52 [-54] dBm" with -200..0).
std::optional<int64_t> leading_int_in(std::string_view s, int64_t lo, int64_t hi, std::string_view* rest = nullptr);

// For messages: at most `max` characters, non-printable bytes replaced with '?'.
std::string clip(std::string_view s, size_t max = 40);

// Spec validation. `where` is "profile.sources[3]"; messages name "<where>.<key>".
Status check_keys(const cJSON* spec, std::initializer_list<const char*> allowed, std::string_view where);
// Optional string member; a present member of another type, or an empty string, is an error.
Result<std::optional<std::string>> opt_string(const cJSON* spec, const char* key, std::string_view where);
// Optional non-empty array of non-empty strings.
Result<std::optional<std::vector<std::string>>> opt_argv(const cJSON* spec, const char* key, std::string_view where);
Result<std::optional<double>> opt_number(const cJSON* spec, const char* key, std::string_view where);
// A network interface name as the kernel allows it: 1..15 of [A-Za-z0-9._-].
Result<std::string> interface_name(const cJSON* spec, const char* key, std::string_view where);

// Logs a collector's parse notes (rate-limited): "<type> <subject>: skipped N: first message; …".
void log_notes(const char* type, std::string_view subject, const ParseNotes& notes);
// Fills the fields of `dst` that `src` has (creating `dst` if needed); fields `src` lacks are kept.
void merge_optical(std::optional<OpticalReading>& dst, const OpticalReading& src);

}  // namespace cpe::agent::radio
