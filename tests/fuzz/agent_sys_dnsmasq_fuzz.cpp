// dnsmasq lease file parser on arbitrary bytes: every record it keeps must be a usable IPv4 lease.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/leases_dnsmasq.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    ParseNotes notes;
    auto leases = parse_dnsmasq_leases(std::string_view(reinterpret_cast<const char*>(data), size), notes);
    if (notes.messages.size() > ParseNotes::kMaxKept) std::abort();
    for (const Lease& l : leases) {
        if (l.mac.is_zero() || l.ip.empty() || l.ip.size() > 15 || l.expires_epoch < 0) std::abort();
        if (l.hostname.find_first_of(" \t\n") != std::string::npos) std::abort();
    }
    return 0;
}
