// An ICMP datagram as a ping or raw socket delivers it (first byte of the input picks the socket kind).
#include <cstddef>
#include <cstdint>
#include <span>

#include "diag/icmp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool with_ip = data[0] & 1, v6 = data[0] & 2;
    std::span<const uint8_t> bytes(data + 1, size - 1);
    auto m = cpe::agent::diag::parse_icmp(bytes, with_ip && !v6, v6);
    if (m && m->kind == cpe::agent::diag::IcmpMessage::Kind::echo_reply) {
        // The payload lies inside the input.
        if (m->payload.data() < bytes.data() ||
            m->payload.data() + m->payload.size() > bytes.data() + bytes.size())
            __builtin_trap();
    }
    (void)cpe::agent::diag::inet_checksum(bytes);
    return 0;
}
