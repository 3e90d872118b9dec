// Raisecom GPON OLT (enterprise 8886): OIDs, the two row-index schemes, raw-value codecs and the status and
// offline-reason enumerations — the ONE place. Facts: shared reference tr181.md ("Raisecom OLT SNMP", revised
// 2026-12) and issue 17, which agree with Raisecom's own management software's ONU helpers and two
// open-source OLT tools in production use. See docs/bridge-olt.md for what is still an assumption.
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
enum class Column : uint8_t {
    serial,
    status,
    onu_rx,
    onu_tx,
    temperature,
    voltage,
    olt_rx,
    distance,
    offline_reason
};
inline constexpr size_t kColumnCount = 9;

// How a column's raw value becomes an engineering value.
enum class Encoding : uint8_t {
    text,           // OCTET STRING (ONU serial)
    dbm_15000_500,  // INTEGER, a signed 16-bit number (≥ 0x8000 → negative); dBm = (raw − 15000) / 500; 0 =
                    // no light
    tenth_dbm,    // INTEGER, dBm = raw / 10; 0 = no reading
    celsius_256,  // INTEGER, a signed 16-bit number; °C = raw / 256; 0 on an ONU not online = no reading
    volts_002,    // INTEGER, V = raw × 0.02; 0 on an ONU not online = no reading
    metres,       // INTEGER metres; 0 on an ONU not online = no reading
    status_code,  // INTEGER rcGponONUWorkStatus: 1 online, 2 pending, 3 offline
    reason_code,  // INTEGER rcGponONUOfflineReason, the last down cause; 0 = none
};

// Which index a column's rows use.
enum class IndexTable : uint8_t {
    optical,  // rcGponOnuPonMngTable (.18.3.6.3.1.1.x): slot·10^7 + port·10^5 + onu·1000 + 1, ONUs ≥ 100
              // under (3<<28)
    onu,      // rcGponONUTable (.18.3.1.3.1.1.x) and OLT-side Rx (.18.3.1.3.3.1.1): see IndexScheme
};

struct ColumnSpec {
    Column column;
    const char* key;  // JSON key and name in messages
    const char* oid;  // column OID; rows are <oid>.<index>
    Encoding encoding;
    IndexTable table;
};

// The table, one entry per Column, indexed by static_cast<size_t>(Column).
std::span<const ColumnSpec> column_specs();
const ColumnSpec& spec(Column column);
const Oid& column_oid(Column column);  // parsed once from the table
const char* column_key(Column column);

// The ONU table's index, which depends on the OLT's firmware.
enum class IndexScheme : uint8_t {
    type2id,  // firmware 2.x/3.x: (1<<28) | (slot<<23) | (port<<16) | onu
    legacy,   // older firmware: slot·10^7 + port·10^5 + onu
};
const char* scheme_name(IndexScheme scheme);  // "type2id", "legacy"
// An olts[].firmware value: "auto" (or empty) → nothing (probe the OLT); "type2id" / "legacy" as named; a
// version "MAJOR[.…]" → type2id from 2 up, legacy below. Anything else is an error naming the value.
Result<std::optional<IndexScheme>> scheme_from_firmware(std::string_view firmware);

inline constexpr int kMaxSlot = 99;
inline constexpr int kMaxPort = 99;
inline constexpr int kMaxOnu = 128;  // GPON: up to 128 ONUs per PON
inline constexpr int kDefaultMaxOnu = kMaxOnu;
inline constexpr int kMaxType2idSlot = 31;   // 5 bits at 23..27
inline constexpr int kMaxType2idPort = 127;  // 7 bits at 16..22
inline constexpr uint32_t kType2idTag = 1u << 28;
inline constexpr uint32_t kHighOnuTag = 3u << 28;  // optical index prefix of ONUs 100..128

// Checks slot/port/max_onu (and, given a scheme, that the scheme can address the PON); the message names the
// field.
Status validate_pon(int slot, int port, int max_onu, std::optional<IndexScheme> scheme = std::nullopt);
bool scheme_fits(IndexScheme scheme, int slot, int port);

uint32_t optical_index(int slot, int port, int onu);                  // onu 1..128
uint32_t onu_index(IndexScheme scheme, int slot, int port, int onu);  // onu 1..128
uint32_t row_index(IndexTable table, IndexScheme scheme, int slot, int port, int onu);

// Inclusive range of row indexes; a PON's rows of one column lie in one or two of them (ascending).
struct IndexRange {
    uint32_t first;
    uint32_t last;
};
std::vector<IndexRange> pon_ranges(IndexTable table, IndexScheme scheme, int slot, int port, int max_onu);

struct OnuAddress {
    int slot;
    int port;
    int onu;
};
// Splits an index into slot/port/onu, or nothing if it is not of the table's form.
std::optional<OnuAddress> decode_optical_index(uint64_t index);
std::optional<OnuAddress> decode_onu_index(IndexScheme scheme, uint64_t index);
// The ONU number of `index` within PON (slot, port), or nothing if the index is not an ONU row of it.
std::optional<int> onu_in_pon(IndexTable table, IndexScheme scheme, uint64_t index, int slot, int port,
                              int max_onu);

// Conversions. Absent results mean "no value exists" (never 0). The 16-bit ones take the raw value as the OLT
// sends it (0..65535, or already negative) and give nothing for raw values that do not fit 16 bits.
std::optional<int64_t> signed16(int64_t raw);
std::optional<double> dbm_from_15000_500(int64_t raw);
std::optional<double> dbm_from_tenths(int64_t raw);
std::optional<double> celsius_from_256(int64_t raw);
std::optional<double> volts_from_002(int64_t raw);

enum class OnuStatus : uint8_t { online, pending, offline };
std::optional<OnuStatus> status_from_code(int64_t code);
const char* status_name(OnuStatus status);  // "online", "pending", "offline"

// rcGponONUOfflineReason, the last down cause. `word` is what the CSR page and the customer portal show
// ("fibre cut", "power off", "deactivated", …); `detail` says which cause it is; `sourced` is false for codes
// our sources do not name (the word is then "other").
struct OfflineCause {
    const char* word;
    const char* detail;
    bool sourced;
};
// Nothing for 0 (no cause recorded).
std::optional<OfflineCause> offline_cause(int64_t code);

// ONU serial for display: printable ASCII as is; otherwise a GPON serial (4-byte vendor + 4 bytes) as
// vendor letters + 8 hex digits, or all bytes in hex. Absent for an empty value.
std::optional<std::string> serial_from_bytes(std::string_view bytes);

}  // namespace cpe::bridge::olt
