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
}  // namespace cpe::hub::sources
