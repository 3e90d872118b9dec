// JSON lookups for tests: parse an answer (null when it is not JSON), walk keys, read a string or a number.
#pragma once

#include <initializer_list>
#include <string>

#include "json/json.hpp"

namespace cpe::testkit {

using json::Ptr;

inline Ptr parse(const std::string& s) {
    auto r = cpe::json::parse(s, "answer");
    return r ? std::move(r).value() : Ptr(cJSON_CreateNull());
}
inline const cJSON* at(const cJSON* o, std::initializer_list<const char*> keys) {
    for (const char* k : keys) o = o ? cJSON_GetObjectItemCaseSensitive(o, k) : nullptr;
    return o;
}
// The string at `keys`, "<absent>" when absent or not a string.
inline std::string str(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsString(v) ? v->valuestring : "<absent>";
}
// A number at `keys`, -1 when absent or not a number.
inline double num(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

}  // namespace cpe::testkit
