// GenieACS device documents (as the NBI's GET /devices returns them) parsed into a small structure: identity,
// inform times, tags and a flat map path → {value, type, timestamp} of the leaves present (i.e. projected).
// Network input: every limit is checked and every failure names the device and the path (fuzzed).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <cJSON.h>

#include "util/result.hpp"

namespace cpe::hub::sources {

struct GenieParam {
    bool object = false;     // {_object:true}: an object or instance (no value)
    bool has_value = false;  // never-fetched leaves have no _value
    std::string value;       // typed JSON value as text: strings as is, numbers as printed, true/false
    std::string type;        // "xsd:string", "xsd:int", … ("" when absent)
    std::string timestamp;   // _timestamp (ISO) when present
    bool writable = false;
};

struct GenieDevice {
    std::string id;  // _id as stored (each part escaped, '-' separators)
    std::string manufacturer, oui, product_class, serial;  // _deviceId
    std::string last_inform, last_boot, registered;        // ISO strings ("" when absent)
    std::vector<std::string> tags;
    std::map<std::string, GenieParam> params;  // "Device.Hosts.Host.1.HostName" → …

    const GenieParam* find(const std::string& path) const;
    // The value of a leaf, or "" when absent or never fetched.
    std::string value(const std::string& path) const;
};

struct GenieParseLimits {
    size_t max_devices = 1000;
    size_t max_params = 200000;  // per device
    int max_depth = 32;
    size_t max_path = 512;
};

// One device object. `where` names it in errors.
Result<GenieDevice> parse_device(const cJSON* doc, std::string_view where,
                                 const GenieParseLimits& limits = {});
// The body of GET /devices: a JSON array of device objects.
Result<std::vector<GenieDevice>> parse_device_list(std::string_view body,
                                                   const GenieParseLimits& limits = {});

// One page of a fleet read (GET /devices/ sorted by _id). Unlike parse_device_list, a device document that
// cannot be parsed does not spoil the page: it is left out and named in `invalid` (its _id is still in `ids`,
// so a pager can go past it). The page itself fails when the body is not a JSON array, has more than
// limits.max_devices entries, or has an entry without a non-empty string _id (nothing to page after).
struct GeniePage {
    std::vector<GenieDevice> devices;      // the documents that parsed, in answer order
    std::vector<std::string> ids;          // every entry's _id, in answer order
    std::vector<std::string> invalid_ids;  // entries left out
    std::vector<std::string> invalid;      // why (the first few: kMaxInvalidMessages)
    static constexpr size_t kMaxInvalidMessages = 5;
};
Result<GeniePage> parse_device_page(std::string_view body, const GenieParseLimits& limits);

}  // namespace cpe::hub::sources
