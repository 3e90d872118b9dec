// udhcpd.conf and dnsmasq configuration parsers on arbitrary bytes: a pool only with IPv4 start and end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/dhcp_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (int dnsmasq = 0; dnsmasq < 2; ++dnsmasq) {
        ParseNotes notes;
        auto pool = dnsmasq ? parse_dnsmasq_conf(text, notes) : parse_udhcpd_conf(text, notes);
        if (notes.messages.size() > ParseNotes::kMaxKept) std::abort();
        if (pool && (pool->min_address.size() < 7 || pool->min_address.size() > 15 ||
                     pool->max_address.size() < 7 || pool->max_address.size() > 15 ||
                     pool->subnet_mask.size() > 15 || (pool->lease_time_s && *pool->lease_time_s < -1)))
            std::abort();
    }
    return 0;
}
