// Raisecom OLT (enterprise 8886) optical OIDs, index math and raw-value conversions: the ONE place.
// Every OID and encoding here is "unconfirmed by the vendor" (shared tr181.md); a correction is a one-line
// change in raisecom.cpp (kColumns / kLayout). See docs/bridge-olt.md for what is assumed and why.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace cpe::bridge::olt {

using Oid = std::vector<uint32_t>;

// Parses ".1.3.6…" (leading dot optional). Each arc must fit 32 bits (SNMP subidentifier); ≤ 128 arcs.
Result<Oid> parse_oid(std::string_view text);
std::string format_oid(std::span<const uint32_t> oid);

// The columns read for each ONU of one PON. Order = output order.
enum class Column : uint8_t { serial, status, onu_rx, onu_tx, temperature, olt_rx, distance, offline_reason };
inline constexpr size_t kColumnCount = 8;

// How a column's raw value becomes an engineering value.
enum class Encoding : uint8_t {
    text,             // OCTET STRING (ONU serial)
    dbm_15000_500,    // INTEGER, dBm = (raw − 15000) / 500; 0 = no light (offline)
    tenth_dbm,        // INTEGER, dBm = raw / 10; 0 = no reading (offline)
    celsius,          // INTEGER, °C = raw (assumed; tr181.md gives no unit); 0 on an offline ONU = no reading
    metres,           // INTEGER metres; 0 on an offline ONU = no reading
    status_code,      // INTEGER, 1 online, 3 offline
    reason_code,      // INTEGER, 2 LOS, 6 dying gasp, 0 = none (assumed)
};

struct ColumnSpec {
    Column column;
    const char* key;  // JSON key and name in messages
    const char* oid;  // column OID; rows are <oid>.<index>
    Encoding encoding;
};

// The table, one entry per Column, indexed by static_cast<size_t>(Column).
std::span<const ColumnSpec> column_specs();
const ColumnSpec& spec(Column column);
const Oid& column_oid(Column column);  // parsed once from the table
const char* column_key(Column column);

// Row index of an ONU: slot·10^7 + port·10^5 + onu·1000 + 1. The same form is assumed for the
// "ONU id"-indexed columns (status, serial, distance, reason, OLT-side Rx) — see docs/bridge-olt.md.
struct IndexLayout {
    uint64_t slot_mul;
    uint64_t port_mul;
    uint64_t onu_mul;
    uint64_t offset;
};
const IndexLayout& layout();

inline constexpr int kMaxSlot = 99;
inline constexpr int kMaxPort = 99;
inline constexpr int kMaxOnu = 128;  // GPON: up to 128 ONUs per PON
// What a PON walk reads by default: the largest ONU number the assumed layout keeps apart from the next
// port (onu·1000 + 1 < 10^5). Reading up to kMaxOnu is allowed and warns when such an ONU shows up.
inline constexpr int kDefaultMaxOnu = 99;

// Checks slot/port/max_onu against the layout; the message names the bad field.
Status validate_pon(int slot, int port, int max_onu);
uint32_t encode_index(int slot, int port, int onu);
// Largest ONU number whose index cannot be mistaken for one of the next port (99 with the default layout:
// onu·1000 + 1 must stay below 10^5). Above it the assumed layout is ambiguous; the reader warns.
int max_unambiguous_onu();

struct OnuAddress {
    int slot;
    int port;
    int onu;
};
// Splits an index into slot/port/onu, or nothing if it is not of the layout's form (wrong offset).
std::optional<OnuAddress> decode_index(uint64_t index);
// The ONU number of `index` within PON (slot, port), or nothing if the index is not an ONU row of it.
std::optional<int> onu_in_pon(uint64_t index, int slot, int port, int max_onu);

// Conversions. Absent results mean "no value exists" (never 0).
std::optional<double> dbm_from_15000_500(int64_t raw);
std::optional<double> dbm_from_tenths(int64_t raw);

enum class OnuStatus : uint8_t { online, offline };
std::optional<OnuStatus> status_from_code(int64_t code);
const char* status_name(OnuStatus status);
// "LOS", "dying gasp", or "unknown" for codes the table does not name; nullptr for 0 (no reason).
const char* offline_reason_text(int64_t code);

// ONU serial for display: printable ASCII as is; otherwise a GPON serial (4-byte vendor + 4 bytes) as
// vendor letters + 8 hex digits, or all bytes in hex. Absent for an empty value.
std::optional<std::string> serial_from_bytes(std::string_view bytes);

}  // namespace cpe::bridge::olt
