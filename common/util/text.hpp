// Text and URL helpers shared by every program: ASCII case, trimming, case-blind comparison,
// percent-encoding. Byte-wise and locale-free (ASCII only): what protocols, header names and device output
// need.
#pragma once

#include <string>
#include <string_view>

namespace cpe::text {

// Blank characters trimmed by default: space, tab, CR, LF, VT, FF (what std::isspace calls space in "C").
inline constexpr std::string_view kBlank = " \t\r\n\v\f";

// `s` without leading and trailing characters from `blanks`.
std::string_view trim(std::string_view s, std::string_view blanks = kBlank);
std::string lower(std::string_view s);
std::string upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// Every byte as %XX (upper-case hex) except ASCII letters, digits and the characters in `keep`. Callers name
// the set their receiver expects, e.g. kUriComponent for a query value or path segment.
std::string percent_encode(std::string_view s, std::string_view keep);
// RFC 3986 unreserved characters besides letters and digits.
inline constexpr std::string_view kUnreserved = "-._~";
// What JavaScript's encodeURIComponent leaves as it is besides letters and digits.
inline constexpr std::string_view kUriComponent = "-_.!~*'()";

}  // namespace cpe::text
