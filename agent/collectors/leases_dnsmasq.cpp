#include "collectors/leases_dnsmasq.hpp"

#include "collectors/lease_file.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using text::quote;
constexpr size_t kMaxLine = 1024;  // 5 fields; a client-id is at most 255 bytes, printed as hex with colons

// Host names as dnsmasq stores them: letters, digits, '-', '_' and '.' (it drops names with other
// characters).
bool plausible_hostname(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool plausible_client_id(std::string_view id) {
    if (id.size() > 3 * 255) return false;
    for (char c : id) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::vector<Lease> parse_dnsmasq_leases(std::string_view text, ParseNotes& notes) {
    std::vector<Lease> leases;
    bool v6_section = false;
    for (const text::NumberedLine& numbered : text::BoundedLines(text, kMaxLine, notes)) {
        std::string_view line = numbered.text;
        const std::string& at = numbered.where;
        auto f = text::split_fields(line);
        if (f.empty()) continue;
        if (f[0] == "duid") {  // the DHCPv6 server DUID; the leases after it are DHCPv6 leases
            v6_section = true;
            continue;
        }
        if (f.size() < 4 || f.size() > 5) {
            notes.add(at + ": expected 4 or 5 fields, found " + std::to_string(f.size()));
            continue;
        }
        if (v6_section && f[2].find(':') != std::string_view::npos) continue;  // a DHCPv6 lease
        Lease lease;
        auto expiry = text::parse_u64(f[0]);
        if (!expiry || *expiry > static_cast<uint64_t>(INT64_MAX)) {
            notes.add(at + ": expiry " + quote(f[0]) + " is not a UNIX time");
            continue;
        }
        lease.expires_epoch = static_cast<int64_t>(*expiry);
        auto mac = MacAddress::parse(f[1]);
        if (!mac) {
            notes.add(at + ": MAC " + quote(f[1]) + " is not an Ethernet address");
            continue;
        }
        if (mac->is_zero()) {
            notes.add(at + ": all-zero MAC");
            continue;
        }
        lease.mac = *mac;
        if (!text::is_ipv4(f[2])) {
            notes.add(at + ": address " + quote(f[2]) + " is not an IPv4 address");
            continue;
        }
        lease.ip = std::string(f[2]);
        if (f[3] != "*") {
            if (!plausible_hostname(f[3])) {
                notes.add(at + ": host name " + quote(f[3]) + " has characters dnsmasq does not store");
                continue;
            }
            lease.hostname = std::string(f[3]);
        }
        if (f.size() == 5 && f[4] != "*") {
            if (!plausible_client_id(f[4])) {
                notes.add(at + ": client id " + quote(f[4]) + " is not hex bytes");
                continue;
            }
            lease.client_id = std::string(f[4]);
        }
        leases.push_back(std::move(lease));
    }
    return leases;
}

Result<std::unique_ptr<Collector>> make_leases_dnsmasq_collector(const cJSON* spec, std::string_view where) {
    auto file = spec::file_only_spec(spec, where, "/tmp/dhcp.leases");
    if (!file) return file.error();
    return make_lease_file_collector("leases_dnsmasq", std::move(*file), parse_dnsmasq_leases);
}

}  // namespace cpe::agent
