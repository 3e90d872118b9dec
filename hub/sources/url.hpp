// URL building for the source clients.
#pragma once

#include <string>
#include <string_view>

namespace cpe::hub::sources {

// encodeURIComponent: everything outside [A-Za-z0-9-_.!~*'()] as %XX. Used for query values and path segments
// (a GenieACS id "…HT803G%2DW…" travels as "…HT803G%252DW…").
std::string url_component(std::string_view text);
// Escapes regular-expression metacharacters so `text` matches literally.
std::string regex_escape(std::string_view text);
// Drops trailing '/' characters.
std::string trim_base_url(std::string_view url);

}  // namespace cpe::hub::sources

namespace cpe::hub::sources {
// GenieACS lib/util.ts generateDeviceId: inside each id part every byte outside [A-Za-z0-9_] becomes %XX.
std::string genieacs_id_part(std::string_view part);
// "OUI-ProductClass-Serial", or "OUI-Serial" when the product class is empty.
std::string genieacs_device_id(std::string_view oui, std::string_view product_class, std::string_view serial);
// A regular expression for ids containing `text`, which may span parts ("Device2-TPLG…", "HT803G-W"): each
// '-'-separated piece escaped like an id part, each '-' matching either the separator or an escaped '-' (%2D)
// inside a part. "HT803G-W" → "HT803G(-|%2D)W"; "a.b" → "a%2Eb".
std::string genieacs_id_fragment_regex(std::string_view text);
}  // namespace cpe::hub::sources
