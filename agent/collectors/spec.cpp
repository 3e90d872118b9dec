#include "collectors/spec.hpp"

#include <cctype>
#include <cmath>
#include <cstring>

#include "collectors/text.hpp"
#include "log/log.hpp"

namespace cpe::agent::spec {
namespace {

std::string key_path(std::string_view where, const char* key, Wording wording = Wording::system) {
    std::string out(where);
    if (wording == Wording::system || !out.empty()) out += '.';
    out += key;
    return out;
}

Error invalid(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

}  // namespace

Status check_keys(const cJSON* spec, std::string_view where, std::initializer_list<const char*> allowed,
                  Wording wording) {
    if (!cJSON_IsObject(spec)) return invalid(std::string(where) + ": must be an object");
    for (const cJSON* item = spec->child; item; item = item->next) {
        const char* name = item->string ? item->string : "";
        bool known = std::strcmp(name, "collector") == 0;
        for (const char* a : allowed) known = known || std::strcmp(name, a) == 0;
        if (!known) {
            std::string list;
            for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
            if (list.empty() && wording == Wording::system) list = "none";
            return invalid(key_path(where, name, wording) + ": unknown option (known: " + list + ")");
        }
    }
    return {};
}

Result<std::string> string_option(const cJSON* spec, const char* key, std::string_view where,
                                  std::string fallback) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return fallback;
    if (!cJSON_IsString(item) || !item->valuestring || !*item->valuestring)
        return invalid(key_path(where, key) + ": must be a non-empty string");
    return std::string(item->valuestring);
}

Result<std::optional<std::vector<std::string>>> string_list_option(const cJSON* spec, const char* key,
                                                                   std::string_view where, size_t min_items) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::vector<std::string>>{};
    if (!cJSON_IsArray(item)) return invalid(key_path(where, key) + ": must be an array");
    std::vector<std::string> out;
    size_t i = 0;
    for (const cJSON* e = item->child; e; e = e->next, ++i) {
        if (!cJSON_IsString(e) || !e->valuestring || !*e->valuestring)
            return invalid(key_path(where, key) + "[" + std::to_string(i) + "]: must be a non-empty string");
        out.emplace_back(e->valuestring);
    }
    if (out.size() < min_items)
        return invalid(key_path(where, key) + ": needs at least " + std::to_string(min_items) + " item(s)");
    return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::string> file_only_spec(const cJSON* spec, std::string_view where, std::string fallback) {
    if (auto st = check_keys(spec, where, {"file"}); !st) return st.error();
    return string_option(spec, "file", where, std::move(fallback));
}

Result<std::optional<std::string>> opt_string(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::string>{};
    if (!cJSON_IsString(item) || !item->valuestring)
        return invalid(key_path(where, key, Wording::radio) + ": must be a string");
    if (item->valuestring[0] == '\0')
        return invalid(key_path(where, key, Wording::radio) + ": must not be empty");
    return std::optional<std::string>(item->valuestring);
}

Result<std::optional<std::vector<std::string>>> opt_argv(const cJSON* spec, const char* key,
                                                         std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<std::vector<std::string>>{};
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) == 0)
        return invalid(key_path(where, key, Wording::radio) + ": must be a non-empty array of strings");
    std::vector<std::string> argv;
    int i = 0;
    for (const cJSON* arg = item->child; arg; arg = arg->next, ++i) {
        if (!cJSON_IsString(arg) || !arg->valuestring || arg->valuestring[0] == '\0')
            return invalid(key_path(where, key, Wording::radio) + "[" + std::to_string(i) +
                           "]: must be a non-empty string");
        argv.emplace_back(arg->valuestring);
    }
    return std::optional<std::vector<std::string>>(std::move(argv));
}

Result<std::optional<double>> opt_number(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    if (!item) return std::optional<double>{};
    if (!cJSON_IsNumber(item) || !std::isfinite(item->valuedouble))
        return invalid(key_path(where, key, Wording::radio) + ": must be a number");
    return std::optional<double>(item->valuedouble);
}

Result<std::string> interface_name(const cJSON* spec, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(spec, key);
    const std::string at = key_path(where, key, Wording::radio);
    if (!item) return invalid(at + ": missing");
    if (!cJSON_IsString(item) || !item->valuestring) return invalid(at + ": must be a string");
    std::string_view name = item->valuestring;
    bool ok = !name.empty() && name.size() <= 15;
    for (char c : name)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    if (!ok)
        return invalid(at + ": '" + text::clip(name) +
                       "' is not an interface name (1-15 of A-Z a-z 0-9 . _ -)");
    return std::string(name);
}

void log_notes(const char* type, std::string_view subject, const ParseNotes& notes, Wording wording) {
    if (notes.skipped == 0) return;
    std::string text;
    for (const std::string& m : notes.messages) {
        if (!text.empty()) text += "; ";
        text += m;
    }
    // Two call sites, two rate limits: the system and radio collectors do not share a budget.
    const int n = static_cast<int>(subject.size());
    if (wording == Wording::system)
        LOG_LIMITED(::cpe::log::Level::warn, 5, 300, "collector", "%s %.*s: %zu entr%s skipped: %s", type, n,
                    subject.data(), notes.skipped, notes.skipped == 1 ? "y" : "ies", text.c_str());
    else
        LOG_LIMITED(::cpe::log::Level::warn, 5, 60, "collector",
                    "%s %.*s: %zu item(s) skipped or incomplete: %s", type, n, subject.data(), notes.skipped,
                    text.c_str());
}

}  // namespace cpe::agent::spec
