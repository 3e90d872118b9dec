// busybox udhcpd binary lease file parser on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/leases_udhcpd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    ParseNotes notes;
    auto leases = parse_udhcpd_leases(std::string_view(reinterpret_cast<const char*>(data), size), notes);
    if (notes.messages.size() > ParseNotes::kMaxKept) std::abort();
    if (size >= kUdhcpdHeaderBytes && leases.size() > (size - kUdhcpdHeaderBytes) / kUdhcpdRecordBytes)
        std::abort();
    for (const Lease& l : leases) {
        if (l.mac.is_zero() || l.ip.size() < 7 || l.ip.size() > 15 || l.hostname.size() > 20) std::abort();
        if (l.expires_epoch <= 0) std::abort();
    }
    return 0;
}
