#include "sources/genieacs_files.hpp"

#include <cctype>

#include <cJSON.h>

#include "json/json.hpp"

namespace cpe::hub::sources {

Status validate_file_name(std::string_view name) {
    if (name.empty()) return make_error(Errc::invalid_argument, "file name: empty");
    if (name.size() > 128)
        return make_error(Errc::invalid_argument,
                          "file name: " + std::to_string(name.size()) + " characters (at most 128)");
    if (name[0] == '.') return make_error(Errc::invalid_argument, "file name: must not start with '.'");
    for (size_t i = 0; i < name.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(name[i]);
        if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
            return make_error(Errc::invalid_argument,
                              "file name: character " + std::to_string(i) + " is not one of [A-Za-z0-9._-]");
    }
    return {};
}

Status validate_file_meta(const FileMeta& m) {
    static const char* kTypes[] = {"1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File",
                                   "4 Tone File", "5 Ringer File"};
    bool known = false;
    for (const char* t : kTypes) known = known || m.file_type == t;
    if (!known)
        return make_error(Errc::invalid_argument,
                          "file_type: '" + m.file_type.substr(0, 40) +
                              "' is not a TR-069 Download FileType (e.g. \"1 Firmware Upgrade Image\")");
    if (!m.oui.empty()) {
        bool hex = m.oui.size() == 6;
        for (char c : m.oui) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
        if (!hex) return make_error(Errc::invalid_argument, "oui: must be 6 hexadecimal digits");
    }
    if (!m.product_class.empty()) {
        bool ok = m.product_class.size() <= 64;
        for (char c : m.product_class)
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
        if (!ok) return make_error(Errc::invalid_argument, "product_class: 1…64 characters of [A-Za-z0-9_-]");
    }
    if (m.version.empty()) return make_error(Errc::invalid_argument, "version: missing");
    if (m.version.size() > 64) return make_error(Errc::invalid_argument, "version: at most 64 characters");
    for (char c : m.version)
        if (c < 0x20 || c > 0x7e)
            return make_error(Errc::invalid_argument, "version: printable ASCII characters only");
    return {};
}

namespace {
std::string str_or_empty(const cJSON* o, const char* key) {
    const cJSON* v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : nullptr;
    return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}
}  // namespace

Result<std::vector<FileInfo>> parse_file_list(std::string_view body) {
    auto list = json::parse(body, "GenieACS files answer");
    if (!list) return make_error(Errc::parse_error, list.error().message);
    if (!cJSON_IsArray(list->get()))
        return make_error(Errc::parse_error, "GenieACS files answer: expected a JSON array");
    std::vector<FileInfo> out;
    size_t i = 0;
    for (const cJSON* f = list->get()->child; f; f = f->next, ++i) {
        const cJSON* id = cJSON_GetObjectItemCaseSensitive(f, "_id");
        if (!cJSON_IsObject(f) || !cJSON_IsString(id))
            return make_error(Errc::parse_error,
                              "GenieACS files answer: item " + std::to_string(i) + " has no string _id");
        FileInfo fi;
        fi.name = id->valuestring;
        const cJSON* len = cJSON_GetObjectItemCaseSensitive(f, "length");
        if (cJSON_IsNumber(len) && len->valuedouble >= 0 && len->valuedouble < 9.0e15)
            fi.length = static_cast<int64_t>(len->valuedouble);
        fi.upload_date = str_or_empty(f, "uploadDate");
        const cJSON* m = cJSON_GetObjectItemCaseSensitive(f, "metadata");
        if (cJSON_IsObject(m)) {
            fi.meta.file_type = str_or_empty(m, "fileType");
            fi.meta.oui = str_or_empty(m, "oui");
            fi.meta.product_class = str_or_empty(m, "productClass");
            fi.meta.version = str_or_empty(m, "version");
        } else {
            fi.meta.file_type.clear();
        }
        out.push_back(std::move(fi));
    }
    return out;
}

Result<size_t> parse_operation_count(std::string_view body) {
    auto list = json::parse(body, "GenieACS operations answer");
    if (!list) return make_error(Errc::parse_error, list.error().message);
    if (!cJSON_IsArray(list->get()))
        return make_error(Errc::parse_error, "GenieACS operations answer: expected a JSON array");
    size_t n = 0;
    for (const cJSON* o = list->get()->child; o; o = o->next, ++n)
        if (!cJSON_IsObject(o))
            return make_error(Errc::parse_error,
                              "GenieACS operations answer: item " + std::to_string(n) + " is not an object");
    return n;
}

}  // namespace cpe::hub::sources
