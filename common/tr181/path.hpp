// TR-181 / USP path expressions: full parameter paths ("Device.DeviceInfo.UpTime"), partial object paths
// ending in '.' ("Device.Hosts."), instance numbers ("Device.Hosts.Host.3.PhysAddress"), wildcards
// ("Device.Hosts.Host.*.PhysAddress"), supported-model placeholders ("Device.Hosts.Host.{i}."), and a final
// command ("Device.Reboot()") or event ("Device.Boot!") segment.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::tr181 {

struct Segment {
    enum class Kind : uint8_t { name, instance, wildcard, placeholder, command, event };
    Kind kind = Kind::name;
    std::string name;       // name, or command/event name without "()" / "!"
    uint32_t instance = 0;  // Kind::instance

    bool operator==(const Segment&) const = default;
};

class Path {
  public:
    // Parses and validates. The error names the offending segment and its position, e.g.
    // "invalid path 'Device.Hosts..Host': segment 3 is empty".
    static Result<Path> parse(std::string_view text);

    const std::vector<Segment>& segments() const { return segments_; }
    bool is_partial() const { return partial_; }  // ends with '.': an object, not a parameter
    bool has_wildcard() const;
    bool is_command() const { return !segments_.empty() && segments_.back().kind == Segment::Kind::command; }
    bool is_event() const { return !segments_.empty() && segments_.back().kind == Segment::Kind::event; }
    std::string str() const;

    // The supported-model form: instance numbers and wildcards become "{i}".
    std::string supported_form() const;

  private:
    std::vector<Segment> segments_;
    bool partial_ = false;
};

// Appends "<n>." to an object path ("Device.Hosts.Host." + 3 → "Device.Hosts.Host.3.").
std::string instance_path(std::string_view table_path, uint32_t instance);

// True when `name` is a valid TR-106 name: a letter or '_' first, then letters, digits, '_' or '-'.
bool is_valid_name(std::string_view name);

}  // namespace cpe::tr181
