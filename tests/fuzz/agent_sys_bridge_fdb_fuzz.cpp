// `bridge fdb show` and `brctl showmacs` parsers on arbitrary bytes: bounded output, unicast MACs on known
// ports.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/bridge_fdb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ParseNotes a, b;
    auto fdb = parse_bridge_fdb(text, "br0", a);
    auto macs = parse_brctl_showmacs(text, {{1, "eth0.1"}, {2, "ra0"}}, b);
    if (a.messages.size() > ParseNotes::kMaxKept || b.messages.size() > ParseNotes::kMaxKept) std::abort();
    if (fdb.size() > 1024 || macs.size() > 1024) std::abort();
    for (const FdbEntry& e : fdb)
        if (e.mac.is_multicast() || e.port.empty() || e.port.size() > 15) std::abort();
    for (const FdbEntry& e : macs)
        if (e.mac.is_multicast() || (e.port != "eth0.1" && e.port != "ra0")) std::abort();
    return 0;
}
