// Frappe (ERPNext) REST answers parsed into records, error bodies into a clear message, and filters built as
// JSON values (cJSON), never by pasting strings. Network input: fuzzed (tests/fuzz/hub_sources.cmake).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cJSON.h>

#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::hub::sources {

// A document's fields as text (numbers printed, null as ""); nested values (child tables) are skipped.
using FrappeRecord = std::map<std::string, std::string>;

struct FrappeLimits {
    size_t max_rows = 10000;
    size_t max_fields = 500;
};

// {"data": [ {...}, … ]}
Result<std::vector<FrappeRecord>> parse_frappe_list(std::string_view body, const FrappeLimits& limits = {});
// {"data": {...}}
Result<FrappeRecord> parse_frappe_doc(std::string_view body, const FrappeLimits& limits = {});

struct FrappeError {
    std::string exc_type;  // "ValidationError", … ("" when the body is not a Frappe error)
    std::string message;   // the first _server_messages message, else exception/message, else ""
};
// Never fails: an unreadable body gives empty fields.
FrappeError parse_frappe_error(std::string_view body);
// Maps an error answer to an Error with a clear message (401/403 → denied, 404 → not_found, 417 → invalid_argument,
// 429 → unavailable with Retry-After, 5xx → unavailable). `what` names the call ("Service Equipment list").
Error frappe_status_error(long status, std::string_view body, std::optional<std::string> retry_after,
                         std::string_view what);

// Filters: [[field, op, value], …]. Operators are checked against Frappe's list so a typo fails here, not as a 417.
class FrappeFilters {
public:
    FrappeFilters();
    FrappeFilters& add(std::string_view field, std::string_view op, std::string_view value);
    FrappeFilters& add_in(std::string_view field, const std::vector<std::string>& values, bool negate = false);
    // The first invalid operator or field, if any.
    Status status() const;
    std::string json() const;
    bool empty() const;

private:
    json::Ptr array_;
    std::string error_;
};

// The typed records the hub uses (ERPNext custom doctypes, operator-system.md).
struct Customer {
    std::string name, customer_name, mobile_no, legacy_account_id;
};
struct ServiceLocation {
    std::string name, address, city, gps, connection_type, olt_name, olt_port, vlan, customer;
};
struct ServiceEquipment {
    std::string name, equipment_type, serial_number, mac_address, status, ip_address, firmware, service_location,
        customer;
};
Customer to_customer(const FrappeRecord& r);
ServiceLocation to_location(const FrappeRecord& r);
ServiceEquipment to_equipment(const FrappeRecord& r);
extern const std::vector<std::string> kCustomerFields;
extern const std::vector<std::string> kLocationFields;
extern const std::vector<std::string> kEquipmentFields;

}  // namespace cpe::hub::sources
