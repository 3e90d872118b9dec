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
    // The body is a JSON object (Frappe's error shape); false: HTML from a proxy, empty, …
    bool json = false;
    // "ValidationError", … ("" when the body is not a Frappe error).
    std::string exc_type;
    // _error_message (a PermissionError's detail), else the first _server_messages message, else
    // exception/message, else ""; HTML tags (frappe.bold) removed.
    std::string message;
};
// Never fails: an unreadable body gives empty fields.
FrappeError parse_frappe_error(std::string_view body);
// Maps an error answer to an Error with a clear message: 401 → denied "API key or secret rejected" (Frappe
// sends no message with it); 403 → denied with the detail; 404 → io_error naming what the 404 was (a missing
// DocType, or not Frappe's JSON at all: a proxy, a wrong URL prefix, an unknown site) — a 404 that means "no
// such document" is frappe_document_absent's to decide, never this one's; 417 → invalid_argument; 429 →
// unavailable with Retry-After; 5xx → unavailable. `what` names the call ("Service Equipment list"). The
// status is the Error's http_status().
Error frappe_status_error(long status, std::string_view body, std::optional<std::string> retry_after,
                          std::string_view what);
// True only for the answer Frappe gives for a missing document: 404 with JSON exc_type DoesNotExistError, and
// not about the DocType `doctype` itself ("DocType <doctype> not found").
bool frappe_document_absent(long status, std::string_view body, std::string_view doctype);

// The fieldnames of `doctype` in GET /api/method/frappe.desk.form.load.getdoctype?doctype=… ({"docs":
// [{"name": <doctype>, "fields": [{"fieldname", "permlevel", …}, …]}, …child tables]}); custom fields are
// among them. Value: fieldname → permlevel.
Result<std::map<std::string, int>> parse_frappe_doctype_fields(std::string_view body,
                                                               std::string_view doctype);

// Filters: [[field, op, value], …]. Operators are checked against Frappe's list so a typo fails here, not as
// a 417.
class FrappeFilters {
  public:
    FrappeFilters();
    FrappeFilters& add(std::string_view field, std::string_view op, std::string_view value);
    FrappeFilters& add_in(std::string_view field, const std::vector<std::string>& values,
                          bool negate = false);
    // The first invalid operator or field, if any.
    Status status() const;
    std::string json() const;
    bool empty() const;

  private:
    json::Ptr array_;
    std::string error_;
};

// Field names are configuration (docs/sources-hub.md "ERPNext field map"): per DocType the hub reads, the
// ERPNext fieldname of each datum the hub uses (its key). A fieldname "" = that datum is not read. Defaults:
// the operator's DocTypes (operator-system.md); a field added in the UI is named custom_… (Frappe's
// custom_field.py).
struct ErpDocTypeMap {
    std::string
        config_key;       // "equipment", "location", "customer" (erpnext.fields.<config_key> in the config)
    std::string doctype;  // "Service Equipment"
    std::vector<std::pair<std::string, std::string>> fields;  // key → fieldname, in a fixed order
    std::vector<std::string> required;                        // keys that may not be ""
    // The fieldname of `key` ("" when not read or not a key).
    std::string field(std::string_view key) const;
    bool set(std::string_view key, std::string fieldname);  // false: not a key
    // "name" and each fieldname read (what the list's `fields` asks for).
    std::vector<std::string> query_fields() const;
    // Required keys mapped, fieldnames well formed; the error names erpnext.fields.<config_key>.<key>.
    Status validate() const;
    // Every fieldname read is among `present` (the DocType's fields); the error names the first missing one.
    Status check_present(const std::map<std::string, int>& present) const;
};
struct ErpFieldMap {
    ErpDocTypeMap equipment, location, customer;
    ErpFieldMap();
    Status validate() const;
};

// The typed records the hub uses (ERPNext custom doctypes, operator-system.md).
struct Customer {
    std::string name, customer_name, mobile_no, legacy_account_id;
};
struct ServiceLocation {
    std::string name, address, city, gps, connection_type, olt_name, olt_port, vlan, customer;
};
struct ServiceEquipment {
    std::string name, equipment_type, serial_number, mac_address, status, ip_address, firmware,
        service_location, customer;
};
// A record read with `map`'s fieldnames → the hub's keys.
Customer to_customer(const FrappeRecord& r, const ErpDocTypeMap& map = ErpFieldMap().customer);
ServiceLocation to_location(const FrappeRecord& r, const ErpDocTypeMap& map = ErpFieldMap().location);
ServiceEquipment to_equipment(const FrappeRecord& r, const ErpDocTypeMap& map = ErpFieldMap().equipment);

// A MAC as stored by hand: ':' '-' '.' and whitespace ignored, any case → "1C:61:B4:FB:2A:C8"; nullopt when
// that leaves anything but 12 hex digits.
std::optional<std::string> canonical_mac(std::string_view stored);
// A serial as stored by hand: whitespace removed, upper case (compared case-insensitively, as ILIKE does).
std::string canonical_serial(std::string_view stored);

}  // namespace cpe::hub::sources
