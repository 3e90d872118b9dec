#include "collectors/leases_udhcpd.hpp"

#include "collectors/lease_file.hpp"
#include "collectors/spec.hpp"

namespace cpe::agent {
namespace {

// A written_at beyond this (year 2242) or negative means the file is not in this layout (busybox < 1.15
// wrote no header, and its first bytes are then a MAC address).
constexpr int64_t kMaxPlausibleTime = int64_t{1} << 33;

uint32_t be32(const unsigned char* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

}  // namespace

std::vector<Lease> parse_udhcpd_leases(std::string_view data, ParseNotes& notes) {
    std::vector<Lease> leases;
    if (data.empty()) return leases;  // udhcpd has not written the file yet
    if (data.size() < kUdhcpdHeaderBytes) {
        notes.add("file of " + std::to_string(data.size()) + " bytes is shorter than the 8-byte header");
        return leases;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    uint64_t raw = 0;
    for (size_t i = 0; i < 8; ++i) raw = raw << 8 | bytes[i];
    const auto written_at = static_cast<int64_t>(raw);
    if (written_at < 0 || written_at > kMaxPlausibleTime) {
        notes.add("header: written-at time " + std::to_string(written_at) +
                  " is implausible (not a busybox >= 1.15 udhcpd lease file?)");
        return leases;
    }
    size_t offset = kUdhcpdHeaderBytes;
    size_t index = 0;
    for (; offset + kUdhcpdRecordBytes <= data.size(); offset += kUdhcpdRecordBytes, ++index) {
        const unsigned char* r = bytes + offset;
        const std::string at = "record " + std::to_string(index) + " (byte " + std::to_string(offset) + ")";
        const uint32_t remaining = be32(r);
        const uint32_t nip = be32(r + 4);
        Lease lease;
        for (size_t i = 0; i < 6; ++i) lease.mac.bytes[i] = r[8 + i];
        if (lease.mac.is_zero()) {
            notes.add(at + ": all-zero MAC");
            continue;
        }
        if (nip == 0) {
            notes.add(at + ": address 0.0.0.0");
            continue;
        }
        lease.ip = std::to_string(nip >> 24) + "." + std::to_string(nip >> 16 & 255) + "." +
                   std::to_string(nip >> 8 & 255) + "." + std::to_string(nip & 255);
        // hostname[20]: up to the first NUL; busybox keeps it NUL-terminated, but a full field is accepted.
        const char* name = reinterpret_cast<const char*>(r + 14);
        size_t len = 0;
        while (len < 20 && name[len] != '\0') ++len;
        lease.hostname.reserve(len);
        for (size_t i = 0; i < len; ++i) {
            auto c = static_cast<unsigned char>(name[i]);
            lease.hostname += (c < 0x20 || c == 0x7f) ? '?' : name[i];
        }
        lease.expires_epoch = written_at + remaining;
        if (lease.expires_epoch == 0) lease.expires_epoch = 1;  // 0 would read as "infinite"
        leases.push_back(std::move(lease));
    }
    if (offset < data.size())
        notes.add("trailing " + std::to_string(data.size() - offset) + " bytes at byte " +
                  std::to_string(offset) + ": a partial 36-byte record");
    return leases;
}

Result<std::unique_ptr<Collector>> make_leases_udhcpd_collector(const cJSON* spec, std::string_view where) {
    auto file = spec::file_only_spec(spec, where, "/var/lib/misc/udhcpd.leases");
    if (!file) return file.error();
    return make_lease_file_collector("leases_udhcpd", std::move(*file), parse_udhcpd_leases);
}

}  // namespace cpe::agent
