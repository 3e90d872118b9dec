// `ip -o -4 addr show` parser on arbitrary bytes: bounded output, every record an IPv4 address on an
// interface name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/ip_addr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    ParseNotes notes;
    auto list = parse_ip_addr_oneline(std::string_view(reinterpret_cast<const char*>(data), size), notes);
    if (notes.messages.size() > ParseNotes::kMaxKept || list.size() > 64) std::abort();
    for (const InterfaceAddress& a : list)
        if (a.interface.empty() || a.interface.size() > 15 || a.address.size() > 15 || a.address.size() < 7 ||
            a.prefix_len < 0 || a.prefix_len > 32)
            std::abort();
    return 0;
}
