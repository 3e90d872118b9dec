#include "collectors/text.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace cpe::agent::text {
namespace {

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

std::string_view first_token(std::string_view s, std::string_view* rest) {
    s = trim(s);
    size_t end = 0;
    while (end < s.size() && !blank(s[end])) ++end;
    if (rest) *rest = trim(s.substr(end));
    return s.substr(0, end);
}

bool split_key_value(std::string_view line, std::string_view separators, std::string_view& key,
                     std::string_view& value) {
    size_t sep = line.find_first_of(separators);
    if (sep == std::string_view::npos) return false;
    key = trim(line.substr(0, sep));
    value = trim(line.substr(sep + 1));
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

size_t ifind(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) return std::string_view::npos;
    for (size_t i = 0; i + needle.size() <= haystack.size(); ++i)
        if (iequals(haystack.substr(i, needle.size()), needle)) return i;
    return std::string_view::npos;
}

std::optional<uint64_t> parse_u64(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (!digit(c)) return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::optional<int64_t> parse_i64(std::string_view text) {
    bool neg = !text.empty() && text.front() == '-';
    if (neg) text.remove_prefix(1);
    auto v = parse_u64(text);
    if (!v) return std::nullopt;
    if (neg) {
        if (*v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
        return static_cast<int64_t>(0 - *v);
    }
    if (*v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*v);
}

std::optional<uint64_t> parse_hex(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    if (text.empty() || text.size() > 16) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        int d;
        if (digit(c))
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return std::nullopt;
        v = v << 4 | static_cast<uint64_t>(d);
    }
    return v;
}

std::optional<double> parse_decimal(std::string_view text) {
    size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    auto w = parse_u64(whole);
    if (!w) return std::nullopt;
    double value = static_cast<double>(*w);
    if (dot != std::string_view::npos) {
        std::string_view frac = text.substr(dot + 1);
        if (frac.empty() || frac.size() > 9) return std::nullopt;
        auto f = parse_u64(frac);
        if (!f) return std::nullopt;
        double scale = 1;
        for (size_t i = 0; i < frac.size(); ++i) scale *= 10;
        value += static_cast<double>(*f) / scale;
    }
    return value;
}

bool is_ipv4(std::string_view text) {
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t start = i;
        unsigned v = 0;
        while (i < text.size() && digit(text[i]) && i - start < 3) {
            v = v * 10 + static_cast<unsigned>(text[i] - '0');
            ++i;
        }
        size_t len = i - start;
        if (len == 0 || v > 255 || (len > 1 && text[start] == '0')) return false;
        ++parts;
        if (parts < 4) {
            if (i >= text.size() || text[i] != '.') return false;
            ++i;
        }
    }
    return i == text.size();
}

std::optional<uint64_t> token_u64(std::string_view s) {
    return parse_u64(trim(s));
}

std::optional<int64_t> token_i64(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && s.front() == '-') return std::nullopt;  // "+-5"
    }
    return parse_i64(s);
}

std::optional<uint64_t> token_u64_auto(std::string_view s) {
    s = trim(s);
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return parse_hex(s);
    return parse_u64(s);
}

std::optional<double> leading_double(std::string_view s, std::string_view* rest) {
    s = trim(s);
    // Copy a bounded numeric prefix: strtod needs a terminated string and must not see locale-specific text.
    size_t n = 0;
    if (n < s.size() && (s[n] == '-' || s[n] == '+')) ++n;
    size_t digits_start = n;
    while (n < s.size() && digit(s[n])) ++n;
    if (n < s.size() && s[n] == '.') {
        ++n;
        while (n < s.size() && digit(s[n])) ++n;
    }
    if (n == digits_start || (n == digits_start + 1 && s[digits_start] == '.')) return std::nullopt;
    if (n > 64) return std::nullopt;
    std::string copy(s.substr(0, n));
    char* end = nullptr;
    double v = std::strtod(copy.c_str(), &end);
    if (!end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    if (rest) *rest = s.substr(n);
    return v;
}

std::optional<double> token_double(std::string_view s) {
    std::string_view rest;
    auto v = leading_double(s, &rest);
    if (!v || !trim(rest).empty()) return std::nullopt;
    return v;
}

std::optional<uint32_t> to_u32(std::optional<uint64_t> v) {
    if (!v || *v > std::numeric_limits<uint32_t>::max()) return std::nullopt;
    return static_cast<uint32_t>(*v);
}

std::string quote(std::string_view text, size_t max) {
    std::string out = "'";
    size_t n = 0;
    for (unsigned char c : text) {
        if (n++ >= max) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out + "'";
}

std::string clip(std::string_view s, size_t max) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    if (s.size() > max) out += "...";
    return out;
}

bool is_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (char c : name)
        if (c == '/' || c == ':' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    return true;
}

BoundedLines::BoundedLines(std::string_view text, size_t max_len, ParseNotes& notes)
    : lines_(split_lines(text)), max_len_(max_len), notes_(notes) {}

BoundedLines::Iterator& BoundedLines::Iterator::operator++() {
    while (next_ < owner_->lines_.size()) {
        std::string_view line = owner_->lines_[next_++];
        std::string where = "line " + std::to_string(next_);
        if (line.size() > owner_->max_len_) {
            owner_->notes_.add(where + ": longer than " + std::to_string(owner_->max_len_) + " bytes");
            continue;
        }
        current_ = {next_, line, std::move(where)};
        return *this;
    }
    done_ = true;
    return *this;
}

BoundedLines::Iterator BoundedLines::begin() const {
    Iterator it(this, 0);
    ++it;
    return it;
}

BoundedLines::Iterator BoundedLines::end() const {
    Iterator it(this, lines_.size());
    it.done_ = true;
    return it;
}

}  // namespace cpe::agent::text
