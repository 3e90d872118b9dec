// cJSON wrapped once: ownership in a unique_ptr, parse errors as values naming where the text broke,
// and typed lookups that say which key was missing or of the wrong type.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/c_handle.hpp"
#include "util/result.hpp"

namespace cpe::json {

using Ptr = CHandle<cJSON, cJSON_Delete>;

// Parses `text` (not necessarily NUL-terminated). `what` names the input in the error ("profile.json").
Result<Ptr> parse(std::string_view text, std::string_view what);
Result<Ptr> parse_file(const std::string& path, size_t max_bytes = 1 << 20);

std::string print(const cJSON* node, bool pretty = false);

Ptr make_object();
Ptr make_array();

// Typed member access. `where` names the enclosing object for the message ("profile.collectors[2]").
Result<std::string> get_string(const cJSON* obj, const char* key, std::string_view where);
Result<int64_t> get_int(const cJSON* obj, const char* key, std::string_view where);
Result<bool> get_bool(const cJSON* obj, const char* key, std::string_view where);
std::optional<std::string> opt_string(const cJSON* obj, const char* key);
std::optional<int64_t> opt_int(const cJSON* obj, const char* key);
std::optional<bool> opt_bool(const cJSON* obj, const char* key);

// Adds a member, transferring ownership of `child` to `obj`.
void add(cJSON* obj, const char* key, Ptr child);
void add_string(cJSON* obj, const char* key, std::string_view value);
void add_number(cJSON* obj, const char* key, double value);
void add_bool(cJSON* obj, const char* key, bool value);
void append(cJSON* array, Ptr child);

}  // namespace cpe::json
