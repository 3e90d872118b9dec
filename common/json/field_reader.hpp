// Typed reads of a JSON object's fields, for the configuration parsers: an absent field leaves `out` as it
// is, a wrong one is an error naming the text and the field ("hub.json: devices.poller.interval_s: expected
// an integer in 1..86400"). `prefix` names the section the object sits in ("devices." in hub.json).
#pragma once

#include <cJSON.h>

#include <cstdio>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace cpe::json {

struct FieldReader {
    std::string what;
    std::string prefix;

    Error bad(const std::string& key, const std::string& why) const {
        return make_error(Errc::invalid_argument, what + ": " + prefix + key + ": " + why);
    }
    Status str(const cJSON* obj, const char* key, const std::string& where, std::string& out) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return {};
        if (!cJSON_IsString(c)) return bad(where + key, "expected a string");
        out = c->valuestring;
        return {};
    }
    template <typename T>
    Status uint(const cJSON* obj, const char* key, const std::string& where, T& out, double lo,
                double hi) const {
        const cJSON* c = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!c) return {};
        if (!cJSON_IsNumber(c) ||
            c->valuedouble != static_cast<double>(static_cast<long long>(c->valuedouble)) ||
            c->valuedouble < lo || c->valuedouble > hi) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "expected an integer in %.0f..%.0f", lo, hi);
            return bad(where + key, buf);
        }
        out = static_cast<T>(c->valuedouble);
        return {};
    }
};

}  // namespace cpe::json
