// Text helpers shared by every collector: line and field splitting, trimming, number parsers, quoting for
// messages. Every parser is total: it returns std::nullopt for garbage, overflow, NaN or infinity, never
// throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/records.hpp"
#include "util/text.hpp"

namespace cpe::agent::text {

// Lines up to the next '\n' (one trailing '\r' per line is dropped); a final line without '\n' is included.
std::vector<std::string_view> split_lines(std::string_view text);
// A line of a device file as the line-oriented parsers see it: its number (from 1) and "line N" for messages.
struct NumberedLine {
    size_t number = 0;
    std::string_view text;
    std::string where;
};
// split_lines, numbered, without the lines longer than max_len: each of those is noted ("line N: longer than
// M bytes") when the loop reaches it, so notes stay in line order and a parser only sees lines it can afford
// to read.
//   for (const text::NumberedLine& line : text::BoundedLines(text, kMaxLine, notes)) …
class BoundedLines {
  public:
    BoundedLines(std::string_view text, size_t max_len, ParseNotes& notes);
    class Iterator {
      public:
        const NumberedLine& operator*() const { return current_; }
        Iterator& operator++();
        bool operator!=(const Iterator& other) const { return next_ != other.next_ || done_ != other.done_; }

      private:
        friend class BoundedLines;
        Iterator(const BoundedLines* owner, size_t next) : owner_(owner), next_(next) {}
        const BoundedLines* owner_;
        size_t next_;
        bool done_ = false;
        NumberedLine current_;
    };
    Iterator begin() const;
    Iterator end() const;

  private:
    std::vector<std::string_view> lines_;
    size_t max_len_;
    ParseNotes& notes_;
};
// Without the surrounding blanks (space, \t, \r, \n, \v, \f).
std::string_view trim(std::string_view text);
// Fields separated by runs of spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view line);
// The first blank-separated token of s; `rest` receives the remainder, trimmed.
std::string_view first_token(std::string_view s, std::string_view* rest = nullptr);
// "key<sep>value" split at the first of `separators`, both sides trimmed; false when there is no separator.
bool split_key_value(std::string_view line, std::string_view separators, std::string_view& key,
                     std::string_view& value);

// Case-blind ASCII comparison: the shared one (common/util/text.hpp).
using cpe::text::iequals;
bool istarts_with(std::string_view s, std::string_view prefix);
size_t ifind(std::string_view haystack, std::string_view needle);  // npos when absent

// Strict parsers: the whole text is the number, no blanks around it.
// Unsigned decimal: digits only, no sign, no overflow.
std::optional<uint64_t> parse_u64(std::string_view text);
// Signed decimal: an optional '-' (no '+'), then digits.
std::optional<int64_t> parse_i64(std::string_view text);
// "0x1f" or "1f": hexadecimal, no overflow.
std::optional<uint64_t> parse_hex(std::string_view text);
// A decimal with an optional fraction ("1234.56"), as /proc/uptime and /proc/loadavg print.
std::optional<double> parse_decimal(std::string_view text);
// Dotted-quad IPv4 ("192.168.1.10"), each part 0..255 without leading zeros beyond "0".
bool is_ipv4(std::string_view text);
// A network interface name as the kernel accepts one (dev_valid_name, net/core/dev.c): 1..15 bytes
// (IFNAMSIZ − 1), not "." or "..", no '/', ':', blank or control character.
bool is_interface_name(std::string_view name);

// Token parsers: surrounding blanks allowed, nothing else.
std::optional<uint64_t> token_u64(std::string_view s);
std::optional<int64_t> token_i64(std::string_view s);        // an optional '-' or '+'
std::optional<uint64_t> token_u64_auto(std::string_view s);  // decimal, or hexadecimal with "0x"
std::optional<double> token_double(std::string_view s);      // finite only
// The leading number of s (e.g. "-52 [-54, -55] dBm" → -52); `rest` receives what follows it.
std::optional<double> leading_double(std::string_view s, std::string_view* rest = nullptr);

std::optional<uint32_t> to_u32(std::optional<uint64_t> v);

// Two ways of showing input in a message, both cut at `max` bytes:
// quote: in single quotes, non-printable bytes, ' and \ as \xNN, "..." inside the quotes when cut.
std::string quote(std::string_view text, size_t max = 40);
// clip: as is, non-printable bytes as '?', "..." appended when cut.
std::string clip(std::string_view s, size_t max = 40);

}  // namespace cpe::agent::text
