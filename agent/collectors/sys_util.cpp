#include "collectors/sys_util.hpp"

#include <cstdio>
#include <cstring>

#include "log/log.hpp"

namespace cpe::agent::sysutil {

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
    const char* ws = " \t\r\n\v\f";
    size_t b = text.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    size_t e = text.find_last_not_of(ws);
    return text.substr(b, e - b + 1);
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

std::optional<uint64_t> parse_u64(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
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
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
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
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
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

namespace {
std::string key_path(std::string_view where, const char* key) {
    std::string out(where);
    out += '.';
    out += key;
    return out;
}
}  // namespace

Status check_keys(const cJSON* spec, std::string_view where, std::initializer_list<const char*> allowed) {
    if (!cJSON_IsObject(spec)) return make_error(Errc::invalid_argument, std::string(where) + ": must be an object");
    for (const cJSON* item = spec->child; item; item = item->next) {
        const char* name = item->string ? item->string : "";
        bool known = std::strcmp(name, "collector") == 0;
        for (const char* a : allowed) known = known || std::strcmp(name, a) == 0;
        if (!known) {
            std::string list;
            for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
            return make_error(Errc::invalid_argument, key_path(where, name) + ": unknown option (known: " +
                                                          (list.empty() ? std::string("none") : list) + ")");
        }
    }
    return {};
}

Result<std::string> string_option(const cJSON* spec, const char* key, std::string_view where, std::string fallback) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return fallback;
    if (!cJSON_IsString(item) || !item->valuestring || !*item->valuestring)
        return make_error(Errc::invalid_argument, key_path(where, key) + ": must be a non-empty string");
    return std::string(item->valuestring);
}

Result<std::optional<std::vector<std::string>>> string_list_option(const cJSON* spec, const char* key,
                                                                   std::string_view where, size_t min_items) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::vector<std::string>>{};
    if (!cJSON_IsArray(item)) return make_error(Errc::invalid_argument, key_path(where, key) + ": must be an array");
    std::vector<std::string> out;
    size_t i = 0;
    for (const cJSON* e = item->child; e; e = e->next, ++i) {
        if (!cJSON_IsString(e) || !e->valuestring || !*e->valuestring)
            return make_error(Errc::invalid_argument,
                              key_path(where, key) + "[" + std::to_string(i) + "]: must be a non-empty string");
        out.emplace_back(e->valuestring);
    }
    if (out.size() < min_items)
        return make_error(Errc::invalid_argument,
                          key_path(where, key) + ": needs at least " + std::to_string(min_items) + " item(s)");
    return std::optional<std::vector<std::string>>(std::move(out));
}

void log_notes(const char* type, const std::string& source, const ParseNotes& notes) {
    if (notes.skipped == 0) return;
    std::string text;
    for (const std::string& m : notes.messages) {
        if (!text.empty()) text += "; ";
        text += m;
    }
    LOG_LIMITED(::cpe::log::Level::warn, 5, 300, "collector", "%s %s: %zu entr%s skipped: %s", type, source.c_str(),
                notes.skipped, notes.skipped == 1 ? "y" : "ies", text.c_str());
}

}  // namespace cpe::agent::sysutil
