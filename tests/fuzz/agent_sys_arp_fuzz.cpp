// /proc/net/arp parser on arbitrary bytes: only resolved entries with an interface name come out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/arp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    ParseNotes notes;
    size_t unresolved = 0;
    auto table =
        parse_proc_net_arp(std::string_view(reinterpret_cast<const char*>(data), size), notes, &unresolved);
    if (notes.messages.size() > ParseNotes::kMaxKept || unresolved > notes.skipped) std::abort();
    for (const Neighbour& n : table)
        if (!n.complete || n.device.empty() || n.device.size() > 15 || n.ip.size() > 15) std::abort();
    return 0;
}
