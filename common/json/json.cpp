#include "json/json.hpp"

#include <cmath>
#include <cstdio>

namespace cpe::json {

Result<Ptr> parse(std::string_view text, std::string_view what) {
    const char* end = nullptr;
    Ptr root(cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false));
    if (!root) {
        size_t offset = end && end >= text.data() ? static_cast<size_t>(end - text.data()) : 0;
        if (offset > text.size()) offset = text.size();
        size_t line = 1;
        for (size_t i = 0; i < offset; ++i) line += text[i] == '\n';
        return make_error(Errc::parse_error, std::string(what) + ": invalid JSON at byte " +
                                                 std::to_string(offset) + " (line " + std::to_string(line) +
                                                 ")");
    }
    return root;
}

Result<Ptr> parse_file(const std::string& path, size_t max_bytes) {
    FILE* file = fopen(path.c_str(), "rb");
    if (!file) return make_error(Errc::not_found, path + ": cannot open");
    std::string text;
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, file)) > 0) {
        text.append(buf, n);
        if (text.size() > max_bytes) {
            fclose(file);
            return make_error(Errc::too_large,
                              path + ": larger than " + std::to_string(max_bytes) + " bytes");
        }
    }
    fclose(file);
    return parse(text, path);
}

std::string print(const cJSON* node, bool pretty) {
    char* raw = pretty ? cJSON_Print(node) : cJSON_PrintUnformatted(node);
    if (!raw) return {};
    std::string out(raw);
    cJSON_free(raw);
    return out;
}

Ptr make_object() {
    return Ptr(cJSON_CreateObject());
}
Ptr make_array() {
    return Ptr(cJSON_CreateArray());
}

namespace {
std::string where_key(std::string_view where, const char* key) {
    std::string out(where);
    if (!out.empty()) out += '.';
    out += key;
    return out;
}
}  // namespace

Result<std::string> get_string(const cJSON* obj, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return make_error(Errc::invalid_argument, where_key(where, key) + ": missing");
    if (!cJSON_IsString(item))
        return make_error(Errc::invalid_argument, where_key(where, key) + ": must be a string");
    return std::string(item->valuestring);
}

Result<int64_t> get_int(const cJSON* obj, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return make_error(Errc::invalid_argument, where_key(where, key) + ": missing");
    if (!cJSON_IsNumber(item) || std::floor(item->valuedouble) != item->valuedouble)
        return make_error(Errc::invalid_argument, where_key(where, key) + ": must be an integer");
    return static_cast<int64_t>(item->valuedouble);
}

Result<bool> get_bool(const cJSON* obj, const char* key, std::string_view where) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) return make_error(Errc::invalid_argument, where_key(where, key) + ": missing");
    if (!cJSON_IsBool(item))
        return make_error(Errc::invalid_argument, where_key(where, key) + ": must be true or false");
    return cJSON_IsTrue(item) != 0;
}

std::optional<std::string> opt_string(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(item)) return std::nullopt;
    return std::string(item->valuestring);
}

std::optional<int64_t> opt_int(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item)) return std::nullopt;
    return static_cast<int64_t>(item->valuedouble);
}

std::optional<bool> opt_bool(const cJSON* obj, const char* key) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsBool(item)) return std::nullopt;
    return cJSON_IsTrue(item) != 0;
}

void add(cJSON* obj, const char* key, Ptr child) {
    cJSON_AddItemToObject(obj, key, child.release());
}
void add_string(cJSON* obj, const char* key, std::string_view value) {
    add(obj, key, Ptr(cJSON_CreateString(std::string(value).c_str())));
}
void add_number(cJSON* obj, const char* key, double value) {
    cJSON_AddNumberToObject(obj, key, value);
}
void add_bool(cJSON* obj, const char* key, bool value) {
    cJSON_AddBoolToObject(obj, key, value ? 1 : 0);
}
void append(cJSON* array, Ptr child) {
    cJSON_AddItemToArray(array, child.release());
}

}  // namespace cpe::json
