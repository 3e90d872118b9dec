// Devices for a sticker sheet from ERPNext: Service Equipment by status, type and serial range, read with the
// hub's own ERPNext client (hub/sources/erpnext_client.hpp: Frappe REST, token auth, paged lists, the field
// map). docs/stickers.md.
#pragma once

#include <cstdint>
#include <string>

#include "device_list.hpp"
#include "sources/erpnext_client.hpp"
#include "util/result.hpp"

namespace cpe::stickers {

struct ErpQuery {
    std::string base_url;  // ERPNext, e.g. https://erp.example.net
    hub::sources::ErpCredentials credentials;
    std::string status;  // equipment status ("Active", "En stock", …); "" = any
    std::string type;    // equipment type ("ONT", "Router", …); "" = any
    std::string
        serial_from;  // inclusive bounds on the serial as the hub compares it (spaces removed, upper case);
    std::string serial_to;  // "" = open. Applied here: serials are typed in mixed case in ERPNext.
    uint64_t budget_ms = 60000;
};

// Status and type are asked of ERPNext (exact '=' filters); each row is then checked like a CSV row: its
// serial (canonical: spaces removed, upper case) and its mac_address (any notation the hub accepts) must be
// usable and unique; a refused row is an error naming the equipment ("ERPNext Service Equipment EQP-00012:
// …"). Ordered by serial. A failure: ERPNext could not be asked (unreachable, key rejected, field map not
// matching).
Result<DeviceList> fetch_erp_devices(const ErpQuery& query, const CsvLimits& limits = {});

}  // namespace cpe::stickers
