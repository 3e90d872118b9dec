#include "collectors/radio_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "log/log.hpp"

namespace cpe::agent::radio {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

std::string key_path(std::string_view where, const char* key) {
    std::string out(where);
    if (!out.empty()) out += '.';
    out += key;
    return out;
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

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
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

std::optional<uint64_t> parse_u64(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!digit(c)) return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::optional<int64_t> parse_i64(std::string_view s) {
    s = trim(s);
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    auto magnitude = parse_u64(s);
    if (!magnitude || (!s.empty() && blank(s.front()))) return std::nullopt;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (*magnitude > limit) return std::nullopt;
    if (negative) return *magnitude == limit ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(*magnitude);
    return static_cast<int64_t>(*magnitude);
}

std::optional<uint64_t> parse_u64_auto(std::string_view s) {
    s = trim(s);
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        if (s.empty() || s.size() > 16) return std::nullopt;
        uint64_t v = 0;
        for (char c : s) {
            int d;
            if (digit(c)) d = c - '0';
            else if (lower(c) >= 'a' && lower(c) <= 'f') d = lower(c) - 'a' + 10;
            else return std::nullopt;
            v = v << 4 | static_cast<uint64_t>(d);
        }
        return v;
    }
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

std::optional<double> parse_double(std::string_view s) {
    std::string_view rest;
    auto v = leading_double(s, &rest);
    if (!v || !trim(rest).empty()) return std::nullopt;
    return v;
}

std::optional<uint32_t> mbit_to_kbps(double mbit) {
    if (!std::isfinite(mbit) || mbit < 0) return std::nullopt;
    double kbps = std::round(mbit * 1000.0);
    if (kbps > static_cast<double>(std::numeric_limits<uint32_t>::max())) return std::nullopt;
    return static_cast<uint32_t>(kbps);
}

std::optional<uint32_t> to_u32(std::optional<uint64_t> v) {
    if (!v || *v > std::numeric_limits<uint32_t>::max()) return std::nullopt;
    return static_cast<uint32_t>(*v);
}

std::string_view first_token(std::string_view s, std::string_view* rest) {
    s = trim(s);
    size_t end = 0;
    while (end < s.size() && !blank(s[end])) ++end;
    if (rest) *rest = trim(s.substr(end));
    return s.substr(0, end);
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
    auto v = leading_double(s, rest);
    if (!v || *v != std::floor(*v) || *v < static_cast<double>(lo) || *v > static_cast<double>(hi)) return std::nullopt;
    return static_cast<int64_t>(*v);
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

Status check_keys(const cJSON* spec, std::initializer_list<const char*> allowed, std::string_view where) {
    if (!cJSON_IsObject(spec)) return make_error(Errc::invalid_argument, std::string(where) + ": must be an object");
    for (const cJSON* item = spec->child; item; item = item->next) {
        std::string_view name = item->string ? item->string : "";
        if (name == "collector") continue;
        bool known = false;
        for (const char* a : allowed) known = known || name == a;
        if (!known) {
            std::string list;
            for (const char* a : allowed) list += list.empty() ? a : std::string(", ") + a;
            return make_error(Errc::invalid_argument, key_path(where, item->string ? item->string : "") +
                                                          ": unknown option (known: " + list + ")");
        }
    }
    return {};
}

Result<std::optional<std::string>> opt_string(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::string>{};
    if (!cJSON_IsString(item) || !item->valuestring)
        return make_error(Errc::invalid_argument, key_path(where, key) + ": must be a string");
    if (item->valuestring[0] == '\0') return make_error(Errc::invalid_argument, key_path(where, key) + ": must not be empty");
    return std::optional<std::string>(item->valuestring);
}

Result<std::optional<std::vector<std::string>>> opt_argv(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::vector<std::string>>{};
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) == 0)
        return make_error(Errc::invalid_argument, key_path(where, key) + ": must be a non-empty array of strings");
    std::vector<std::string> argv;
    int i = 0;
    for (const cJSON* arg = item->child; arg; arg = arg->next, ++i) {
        if (!cJSON_IsString(arg) || !arg->valuestring || arg->valuestring[0] == '\0')
            return make_error(Errc::invalid_argument,
                              key_path(where, key) + "[" + std::to_string(i) + "]: must be a non-empty string");
        argv.emplace_back(arg->valuestring);
    }
    return std::optional<std::vector<std::string>>(std::move(argv));
}

Result<std::optional<double>> opt_number(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<double>{};
    if (!cJSON_IsNumber(item) || !std::isfinite(item->valuedouble))
        return make_error(Errc::invalid_argument, key_path(where, key) + ": must be a number");
    return std::optional<double>(item->valuedouble);
}

Result<std::string> interface_name(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return make_error(Errc::invalid_argument, key_path(where, key) + ": missing");
    if (!cJSON_IsString(item) || !item->valuestring)
        return make_error(Errc::invalid_argument, key_path(where, key) + ": must be a string");
    std::string_view name = item->valuestring;
    bool ok = !name.empty() && name.size() <= 15;
    for (char c : name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    if (!ok)
        return make_error(Errc::invalid_argument, key_path(where, key) + ": '" + clip(name) +
                                                      "' is not an interface name (1-15 of A-Z a-z 0-9 . _ -)");
    return std::string(name);
}

void log_notes(const char* type, std::string_view subject, const ParseNotes& notes) {
    if (notes.skipped == 0) return;
    std::string text;
    for (const std::string& m : notes.messages) {
        if (!text.empty()) text += "; ";
        text += m;
    }
    LOG_LIMITED(::cpe::log::Level::warn, 5, 60, "collector", "%s %.*s: %zu item(s) skipped or incomplete: %s", type,
                static_cast<int>(subject.size()), subject.data(), notes.skipped, text.c_str());
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
