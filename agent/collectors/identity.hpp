// "identity": Device.DeviceInfo identity from the profile's "identity" block (merged into the spec under
// "identity" by the profile loader). Each value is a literal string, {"file": "/path"} (first line, trimmed)
// or {"command": ["argv", …]} (first line of stdout, trimmed).
#pragma once

#include <cJSON.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

struct IdentityValue {
    enum class Kind { literal, file, command };
    std::string key;  // "SerialNumber"
    Kind kind = Kind::literal;
    std::string text;               // the literal, or the file path
    std::vector<std::string> argv;  // command
};

// Validates the "identity" object; keys are the TR-181 DeviceInfo names (Manufacturer, ManufacturerOUI,
// ModelName, ProductClass, SerialNumber, HardwareVersion, SoftwareVersion, Description).
Result<std::vector<IdentityValue>> parse_identity_spec(const cJSON* identity, std::string_view where);
// The first line of `text`, trimmed of surrounding white space; control bytes become '?'.
std::string identity_first_line(std::string_view text);
// Stores `value` in the Identity member named by `key`; false for an unknown key.
bool set_identity_field(Identity& identity, std::string_view key, std::string value);

Result<std::unique_ptr<Collector>> make_identity_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
