#include "raisecom.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>

namespace cpe::bridge::olt {

namespace {

// Shared reference tr181.md ("Raisecom OLT SNMP (enterprise 8886)") and issue 17.
constexpr std::array<ColumnSpec, kColumnCount> kColumns{{
    {Column::serial, "serial", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.2", Encoding::text, IndexTable::onu},
    {Column::status, "status", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.17", Encoding::status_code, IndexTable::onu},
    {Column::onu_rx, "rx_dbm", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.16", Encoding::dbm_15000_500,
     IndexTable::optical},
    {Column::onu_tx, "tx_dbm", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.17", Encoding::dbm_15000_500,
     IndexTable::optical},
    {Column::temperature, "temperature_c", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.18", Encoding::celsius_256,
     IndexTable::optical},
    {Column::voltage, "voltage_v", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.19", Encoding::volts_002,
     IndexTable::optical},
    {Column::olt_rx, "olt_rx_dbm", ".1.3.6.1.4.1.8886.18.3.1.3.3.1.1", Encoding::tenth_dbm, IndexTable::onu},
    {Column::distance, "distance_m", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.16", Encoding::metres, IndexTable::onu},
    {Column::offline_reason, "offline_reason", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.15", Encoding::reason_code,
     IndexTable::onu},
}};

// Decimal layouts: slot·10^7 + port·10^5 + onu·onu_mul + offset.
constexpr uint64_t kSlotMul = 10'000'000;
constexpr uint64_t kPortMul = 100'000;

constexpr int64_t kDbmRawOffset = 15000;
constexpr double kDbmRawPerDb = 500.0;

// rcGponONUOfflineReason codes named by tr181.md / issue 17 (1..28 exist; the others are not in our sources).
struct CauseEntry {
    int64_t code;
    OfflineCause cause;
};
constexpr std::array<CauseEntry, 7> kCauses{{
    {1, {"unknown", "cause unknown to the OLT", true}},
    {2, {"deactivated", "deactivated from the OLT command line", true}},
    {3, {"deregistered", "deregistered at the OLT host's request", true}},
    {4, {"alarm", "ONU alarm", true}},
    {6, {"power off", "dying gasp: the ONU lost power", true}},
    {12, {"fibre cut", "backbone (feeder) fibre cut", true}},
    {13, {"fibre cut", "branch (drop) fibre cut", true}},
}};
constexpr int64_t kMaxCauseCode = 28;

struct ParsedOids {
    std::array<Oid, kColumnCount> oids;
};

const ParsedOids& parsed() {
    static const ParsedOids table = [] {
        ParsedOids p;
        for (size_t i = 0; i < kColumns.size(); ++i) {
            auto r = parse_oid(kColumns[i].oid);
            // The table is a compile-time constant: a typo there is a broken invariant, not input.
            assert(r.ok() && static_cast<size_t>(kColumns[i].column) == i);
            if (r.ok()) p.oids[i] = std::move(r.value());
        }
        return p;
    }();
    return table;
}

uint64_t decimal_base(int slot, int port) {
    return static_cast<uint64_t>(slot) * kSlotMul + static_cast<uint64_t>(port) * kPortMul;
}

uint64_t type2id_base(int slot, int port) {
    return kType2idTag | (static_cast<uint64_t>(slot) << 23) | (static_cast<uint64_t>(port) << 16);
}

}  // namespace

Result<Oid> parse_oid(std::string_view text) {
    Oid out;
    size_t pos = 0;
    if (!text.empty() && text[0] == '.') pos = 1;
    if (pos >= text.size()) return make_error(Errc::parse_error, "empty OID");
    while (pos <= text.size()) {
        uint64_t arc = 0;
        size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            arc = arc * 10 + static_cast<uint64_t>(text[pos] - '0');
            if (arc > 0xFFFFFFFFull)
                return make_error(Errc::parse_error,
                                  "OID arc at byte " + std::to_string(start) + " exceeds 32 bits");
            ++pos;
        }
        if (pos == start)
            return make_error(Errc::parse_error, "OID: expected a number at byte " + std::to_string(pos));
        if (out.size() >= 128) return make_error(Errc::too_large, "OID longer than 128 arcs");
        out.push_back(static_cast<uint32_t>(arc));
        if (pos == text.size()) break;
        if (text[pos] != '.')
            return make_error(Errc::parse_error, "OID: unexpected character at byte " + std::to_string(pos));
        ++pos;
        if (pos == text.size()) return make_error(Errc::parse_error, "OID ends with '.'");
    }
    return out;
}

std::string format_oid(std::span<const uint32_t> oid) {
    std::string s;
    for (uint32_t arc : oid) {
        s += '.';
        s += std::to_string(arc);
    }
    return s;
}

std::span<const ColumnSpec> column_specs() {
    return kColumns;
}
const ColumnSpec& spec(Column column) {
    return kColumns[static_cast<size_t>(column)];
}
const Oid& column_oid(Column column) {
    return parsed().oids[static_cast<size_t>(column)];
}
const char* column_key(Column column) {
    return spec(column).key;
}

const char* scheme_name(IndexScheme scheme) {
    return scheme == IndexScheme::type2id ? "type2id" : "legacy";
}

Result<std::optional<IndexScheme>> scheme_from_firmware(std::string_view firmware) {
    if (firmware.empty() || firmware == "auto") return std::optional<IndexScheme>{};
    if (firmware == "type2id") return std::optional<IndexScheme>{IndexScheme::type2id};
    if (firmware == "legacy") return std::optional<IndexScheme>{IndexScheme::legacy};
    size_t i = 0;
    if (firmware[0] == 'v' || firmware[0] == 'V') i = 1;
    uint64_t major = 0;
    size_t digits = 0;
    for (; i < firmware.size() && firmware[i] >= '0' && firmware[i] <= '9' && digits < 6; ++i, ++digits)
        major = major * 10 + static_cast<uint64_t>(firmware[i] - '0');
    const bool ends_ok = i == firmware.size() || firmware[i] == '.';
    if (digits == 0 || !ends_ok)
        return make_error(Errc::invalid_argument,
                          "firmware '" + std::string(firmware.substr(0, 40)) +
                              "': expected \"auto\", \"type2id\", \"legacy\" or a version such as \"3.1\"");
    return std::optional<IndexScheme>{major >= 2 ? IndexScheme::type2id : IndexScheme::legacy};
}

bool scheme_fits(IndexScheme scheme, int slot, int port) {
    if (scheme == IndexScheme::legacy) return true;
    return slot >= 0 && slot <= kMaxType2idSlot && port >= 0 && port <= kMaxType2idPort;
}

Status validate_pon(int slot, int port, int max_onu, std::optional<IndexScheme> scheme) {
    if (slot < 0 || slot > kMaxSlot)
        return make_error(Errc::invalid_argument,
                          "slot " + std::to_string(slot) + " out of range 0.." + std::to_string(kMaxSlot));
    if (port < 0 || port > kMaxPort)
        return make_error(Errc::invalid_argument, "PON port " + std::to_string(port) + " out of range 0.." +
                                                      std::to_string(kMaxPort));
    if (max_onu < 1 || max_onu > kMaxOnu)
        return make_error(Errc::invalid_argument, "max ONU " + std::to_string(max_onu) + " out of range 1.." +
                                                      std::to_string(kMaxOnu));
    if (scheme && !scheme_fits(*scheme, slot, port))
        return make_error(Errc::invalid_argument, "slot " + std::to_string(slot) + " out of range 0.." +
                                                      std::to_string(kMaxType2idSlot) +
                                                      " of the type2id index (firmware 2.x/3.x)");
    return {};
}

uint32_t optical_index(int slot, int port, int onu) {
    uint64_t v = decimal_base(slot, port) + static_cast<uint64_t>(onu % 100) * 1000 + 1;
    if (onu >= 100) v += kHighOnuTag;
    assert(v <= 0xFFFFFFFFull);
    return static_cast<uint32_t>(v);
}

uint32_t onu_index(IndexScheme scheme, int slot, int port, int onu) {
    uint64_t v = (scheme == IndexScheme::type2id ? type2id_base(slot, port) : decimal_base(slot, port)) +
                 static_cast<uint64_t>(onu);
    assert(v <= 0xFFFFFFFFull);
    return static_cast<uint32_t>(v);
}

uint32_t row_index(IndexTable table, IndexScheme scheme, int slot, int port, int onu) {
    return table == IndexTable::optical ? optical_index(slot, port, onu) : onu_index(scheme, slot, port, onu);
}

std::vector<IndexRange> pon_ranges(IndexTable table, IndexScheme scheme, int slot, int port, int max_onu) {
    std::vector<IndexRange> out;
    if (max_onu < 1) return out;
    if (table == IndexTable::onu) {
        out.push_back({onu_index(scheme, slot, port, 1), onu_index(scheme, slot, port, max_onu)});
        return out;
    }
    out.push_back({optical_index(slot, port, 1), optical_index(slot, port, std::min(max_onu, 99))});
    if (max_onu >= 100) out.push_back({optical_index(slot, port, 100), optical_index(slot, port, max_onu)});
    return out;
}

std::optional<OnuAddress> decode_optical_index(uint64_t index) {
    if (index > 0xFFFFFFFFull || index < 1) return std::nullopt;
    int high = 0;
    if (index >= kHighOnuTag + 1) {
        // Plain indexes stop at 99·10^7 + 99·10^5 + 99·1000 + 1 < (3<<28) + 10^9; tagged ones start at
        // (3<<28) + 1. Both forms overlap in value, but (3<<28) is not a multiple of 1000, so at most one has
        // the ·1000 + 1 form.
        uint64_t t = index - kHighOnuTag;
        if ((t - 1) % 1000 == 0 && t / kSlotMul <= static_cast<uint64_t>(kMaxSlot)) {
            index = t;
            high = 100;
        }
    }
    uint64_t v = index - 1;
    if (v % 1000 != 0) return std::nullopt;
    uint64_t slot = v / kSlotMul;
    uint64_t port = (v % kSlotMul) / kPortMul;
    uint64_t onu = (v % kPortMul) / 1000;
    if (slot > static_cast<uint64_t>(kMaxSlot)) return std::nullopt;
    if (high ? onu > static_cast<uint64_t>(kMaxOnu - 100) : onu == 0) return std::nullopt;
    return OnuAddress{static_cast<int>(slot), static_cast<int>(port), static_cast<int>(onu) + high};
}

std::optional<OnuAddress> decode_onu_index(IndexScheme scheme, uint64_t index) {
    if (index > 0xFFFFFFFFull) return std::nullopt;
    uint64_t slot, port, onu;
    if (scheme == IndexScheme::type2id) {
        if ((index >> 28) != 1) return std::nullopt;
        slot = (index >> 23) & 0x1F;
        port = (index >> 16) & 0x7F;
        onu = index & 0xFFFF;
    } else {
        slot = index / kSlotMul;
        port = (index % kSlotMul) / kPortMul;
        onu = index % kPortMul;
        if (slot > static_cast<uint64_t>(kMaxSlot)) return std::nullopt;
    }
    if (onu < 1 || onu > static_cast<uint64_t>(kMaxOnu) || port > static_cast<uint64_t>(kMaxPort))
        return std::nullopt;
    return OnuAddress{static_cast<int>(slot), static_cast<int>(port), static_cast<int>(onu)};
}

std::optional<int> onu_in_pon(IndexTable table, IndexScheme scheme, uint64_t index, int slot, int port,
                              int max_onu) {
    auto a = table == IndexTable::optical ? decode_optical_index(index) : decode_onu_index(scheme, index);
    if (!a || a->slot != slot || a->port != port || a->onu < 1 || a->onu > max_onu) return std::nullopt;
    return a->onu;
}

std::optional<int64_t> signed16(int64_t raw) {
    if (raw < -32768 || raw > 65535) return std::nullopt;
    return raw >= 32768 ? raw - 65536 : raw;
}

std::optional<double> dbm_from_15000_500(int64_t raw) {
    auto v = signed16(raw);
    if (!v || *v == 0) return std::nullopt;
    return static_cast<double>(*v - kDbmRawOffset) / kDbmRawPerDb;
}

std::optional<double> dbm_from_tenths(int64_t raw) {
    if (raw == 0) return std::nullopt;
    return static_cast<double>(raw) / 10.0;
}

std::optional<double> celsius_from_256(int64_t raw) {
    auto v = signed16(raw);
    if (!v) return std::nullopt;
    return static_cast<double>(*v) / 256.0;
}

std::optional<double> volts_from_002(int64_t raw) {
    if (raw < 0 || raw > 65535) return std::nullopt;
    return static_cast<double>(raw) * 0.02;
}

std::optional<OnuStatus> status_from_code(int64_t code) {
    switch (code) {
        case 1:
            return OnuStatus::online;
        case 2:
            return OnuStatus::pending;
        case 3:
            return OnuStatus::offline;
        default:
            return std::nullopt;
    }
}

const char* status_name(OnuStatus status) {
    switch (status) {
        case OnuStatus::online:
            return "online";
        case OnuStatus::pending:
            return "pending";
        case OnuStatus::offline:
            return "offline";
    }
    return "?";
}

std::optional<OfflineCause> offline_cause(int64_t code) {
    if (code == 0) return std::nullopt;
    for (const CauseEntry& e : kCauses)
        if (e.code == code) return e.cause;
    if (code >= 1 && code <= kMaxCauseCode)
        return OfflineCause{"other", "a cause our sources do not name", false};
    return OfflineCause{"other", "a code outside the documented 1..28", false};
}

std::optional<std::string> serial_from_bytes(std::string_view bytes) {
    if (bytes.empty()) return std::nullopt;
    auto printable = [](unsigned char c) { return c >= 0x21 && c <= 0x7e; };
    bool all_printable = true;
    for (unsigned char c : bytes) all_printable = all_printable && printable(c);
    if (all_printable) return std::string(bytes);
    std::string out;
    size_t from = 0;
    if (bytes.size() == 8 && printable(static_cast<unsigned char>(bytes[0])) &&
        printable(static_cast<unsigned char>(bytes[1])) && printable(static_cast<unsigned char>(bytes[2])) &&
        printable(static_cast<unsigned char>(bytes[3]))) {
        out.assign(bytes.substr(0, 4));
        from = 4;
    }
    char hex[3];
    for (size_t i = from; i < bytes.size(); ++i) {
        std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned char>(bytes[i]));
        out += hex;
    }
    return out;
}

}  // namespace cpe::bridge::olt
