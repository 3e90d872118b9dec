// Profile-spec option checks shared by every collector (messages name "<where>.<key>", `where` being e.g.
// "profile.sources[3]"), and the rate-limited log line for a parser's notes.
#pragma once

#include <cJSON.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/records.hpp"
#include "util/result.hpp"

namespace cpe::agent::spec {

// The system collectors (identity, system, leases, arp, sysfs_net) and the radio ones (Wi-Fi, mesh, optical)
// word a few things differently; each keeps its own wording:
//   system: "<where>.<key>" is ".<key>" when `where` is empty; an empty allowed list reads "none";
//           log_notes writes "N entr(y|ies) skipped", at most 5 lines per 300 s.
//   radio:  "<key>" when `where` is empty; an empty allowed list reads ""; log_notes writes
//           "N item(s) skipped or incomplete", at most 5 lines per 60 s.
enum class Wording { system, radio };

// Fails naming "<where>.<key>" if `spec` has a member that is not in `allowed` ("collector" is always
// allowed).
Status check_keys(const cJSON* spec, std::string_view where, std::initializer_list<const char*> allowed,
                  Wording wording = Wording::system);

// System wording: "<key>: must be a non-empty string" / "must be an array".
// A string option: its value, `fallback` when absent, an error naming the key when not a non-empty string.
Result<std::string> string_option(const cJSON* spec, const char* key, std::string_view where,
                                  std::string fallback);
// A list-of-strings option: nullopt when absent; an error when not an array of non-empty strings.
// `min_items` applies when present.
Result<std::optional<std::vector<std::string>>> string_list_option(const cJSON* spec, const char* key,
                                                                   std::string_view where,
                                                                   size_t min_items = 0);
// The spec of a collector whose only option is "file": its value, `fallback` when absent.
Result<std::string> file_only_spec(const cJSON* spec, std::string_view where, std::string fallback);

// Radio wording: "<key>: must be a string" / "must not be empty" / "must be a non-empty array of strings".
// Optional string member; a present member of another type, or an empty string, is an error.
Result<std::optional<std::string>> opt_string(const cJSON* spec, const char* key, std::string_view where);
// Optional non-empty array of non-empty strings.
Result<std::optional<std::vector<std::string>>> opt_argv(const cJSON* spec, const char* key,
                                                         std::string_view where);
Result<std::optional<double>> opt_number(const cJSON* spec, const char* key, std::string_view where);
// A required network interface name as the kernel allows it: 1..15 of [A-Za-z0-9._-].
Result<std::string> interface_name(const cJSON* spec, const char* key, std::string_view where);

// Logs a parser's notes, rate-limited: "<type> <subject>: N … skipped…: first message; …". Nothing when none.
void log_notes(const char* type, std::string_view subject, const ParseNotes& notes, Wording wording);

}  // namespace cpe::agent::spec
