#include "raisecom.hpp"

#include <array>
#include <cstdio>

namespace cpe::bridge::olt {

namespace {

// Vendor facts from shared reference tr181.md ("Raisecom OLT SNMP, unconfirmed by the vendor").
constexpr std::array<ColumnSpec, kColumnCount> kColumns{{
    {Column::serial, "serial", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.2", Encoding::text},
    {Column::status, "status", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.17", Encoding::status_code},
    {Column::onu_rx, "rx_dbm", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.16", Encoding::dbm_15000_500},
    {Column::onu_tx, "tx_dbm", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.17", Encoding::dbm_15000_500},
    {Column::temperature, "temperature_c", ".1.3.6.1.4.1.8886.18.3.6.3.1.1.18", Encoding::celsius},
    {Column::olt_rx, "olt_rx_dbm", ".1.3.6.1.4.1.8886.18.3.1.3.3.1.1", Encoding::tenth_dbm},
    {Column::distance, "distance_m", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.16", Encoding::metres},
    {Column::offline_reason, "offline_reason", ".1.3.6.1.4.1.8886.18.3.1.3.1.1.15", Encoding::reason_code},
}};

constexpr IndexLayout kLayout{10'000'000, 100'000, 1000, 1};

constexpr int64_t kDbmRawOffset = 15000;
constexpr double kDbmRawPerDb = 500.0;

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
                return make_error(Errc::parse_error, "OID arc at byte " + std::to_string(start) + " exceeds 32 bits");
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

std::span<const ColumnSpec> column_specs() { return kColumns; }
const ColumnSpec& spec(Column column) { return kColumns[static_cast<size_t>(column)]; }
const Oid& column_oid(Column column) { return parsed().oids[static_cast<size_t>(column)]; }
const char* column_key(Column column) { return spec(column).key; }
const IndexLayout& layout() { return kLayout; }

Status validate_pon(int slot, int port, int max_onu) {
    if (slot < 0 || slot > kMaxSlot)
        return make_error(Errc::invalid_argument, "slot " + std::to_string(slot) + " out of range 0.." +
                                                      std::to_string(kMaxSlot));
    if (port < 0 || port > kMaxPort)
        return make_error(Errc::invalid_argument, "PON port " + std::to_string(port) + " out of range 0.." +
                                                      std::to_string(kMaxPort));
    if (max_onu < 1 || max_onu > kMaxOnu)
        return make_error(Errc::invalid_argument, "max ONU " + std::to_string(max_onu) + " out of range 1.." +
                                                      std::to_string(kMaxOnu));
    return {};
}

uint32_t encode_index(int slot, int port, int onu) {
    uint64_t v = static_cast<uint64_t>(slot) * kLayout.slot_mul + static_cast<uint64_t>(port) * kLayout.port_mul +
                 static_cast<uint64_t>(onu) * kLayout.onu_mul + kLayout.offset;
    assert(v <= 0xFFFFFFFFull);
    return static_cast<uint32_t>(v);
}

int max_unambiguous_onu() {
    return static_cast<int>((kLayout.port_mul - kLayout.offset - 1) / kLayout.onu_mul);
}

std::optional<OnuAddress> decode_index(uint64_t index) {
    if (index < kLayout.offset) return std::nullopt;
    uint64_t v = index - kLayout.offset;
    if (v % kLayout.onu_mul != 0) return std::nullopt;
    uint64_t slot = v / kLayout.slot_mul;
    uint64_t port = (v % kLayout.slot_mul) / kLayout.port_mul;
    uint64_t onu = (v % kLayout.port_mul) / kLayout.onu_mul;
    if (slot > static_cast<uint64_t>(kMaxSlot)) return std::nullopt;
    return OnuAddress{static_cast<int>(slot), static_cast<int>(port), static_cast<int>(onu)};
}

std::optional<int> onu_in_pon(uint64_t index, int slot, int port, int max_onu) {
    uint64_t base = static_cast<uint64_t>(slot) * kLayout.slot_mul + static_cast<uint64_t>(port) * kLayout.port_mul +
                    kLayout.offset;
    if (index < base) return std::nullopt;
    uint64_t d = index - base;
    if (d % kLayout.onu_mul != 0) return std::nullopt;
    uint64_t onu = d / kLayout.onu_mul;
    if (onu < 1 || onu > static_cast<uint64_t>(max_onu)) return std::nullopt;
    return static_cast<int>(onu);
}

std::optional<double> dbm_from_15000_500(int64_t raw) {
    if (raw == 0) return std::nullopt;
    return static_cast<double>(raw - kDbmRawOffset) / kDbmRawPerDb;
}

std::optional<double> dbm_from_tenths(int64_t raw) {
    if (raw == 0) return std::nullopt;
    return static_cast<double>(raw) / 10.0;
}

std::optional<OnuStatus> status_from_code(int64_t code) {
    if (code == 1) return OnuStatus::online;
    if (code == 3) return OnuStatus::offline;
    return std::nullopt;
}

const char* status_name(OnuStatus status) { return status == OnuStatus::online ? "online" : "offline"; }

const char* offline_reason_text(int64_t code) {
    switch (code) {
        case 0: return nullptr;
        case 2: return "LOS";
        case 6: return "dying gasp";
        default: return "unknown";
    }
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
