// Small helpers shared by the system collectors (identity, system, leases, arp, sysfs_net):
// line splitting, strict number parsing, and profile-spec option checks that name "<where>.<key>".
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

namespace cpe::agent::sysutil {

// Lines up to the next '\n' (a trailing '\r' is dropped); a final line without '\n' is included.
std::vector<std::string_view> split_lines(std::string_view text);
std::string_view trim(std::string_view text);
// Fields separated by runs of spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view line);
// Strict unsigned decimal: digits only, no sign, no overflow.
std::optional<uint64_t> parse_u64(std::string_view text);
// Strict signed decimal.
std::optional<int64_t> parse_i64(std::string_view text);
// "0x1f" or "1f": hexadecimal, no overflow.
std::optional<uint64_t> parse_hex(std::string_view text);
// A decimal with an optional fraction ("1234.56"), as /proc/uptime and /proc/loadavg print.
std::optional<double> parse_decimal(std::string_view text);
// Dotted-quad IPv4 ("192.168.1.10"), each part 0..255 without leading zeros beyond "0".
bool is_ipv4(std::string_view text);
// Text quoted for an error message: non-printable bytes as \xNN, cut at `max` bytes.
std::string quote(std::string_view text, size_t max = 40);

// Fails naming "<where>.<key>" if `spec` has a member that is not in `allowed` ("collector" is always allowed).
Status check_keys(const cJSON* spec, std::string_view where, std::initializer_list<const char*> allowed);
// A string option: its value, `fallback` when absent, an error naming the key when not a non-empty string.
Result<std::string> string_option(const cJSON* spec, const char* key, std::string_view where, std::string fallback);
// A list-of-strings option: nullopt when absent; an error when not an array of non-empty strings.
// `min_items` applies when present.
Result<std::optional<std::vector<std::string>>> string_list_option(const cJSON* spec, const char* key,
                                                                   std::string_view where, size_t min_items = 0);

// Logs a parser's notes once per call site window (rate-limited): "<type> <source>: N skipped: first, …".
void log_notes(const char* type, const std::string& source, const ParseNotes& notes);

}  // namespace cpe::agent::sysutil
