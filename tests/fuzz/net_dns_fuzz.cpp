// A DNS response from the network (first byte even) or a board's resolv.conf and hosts file (odd).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/dns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    namespace dns = cpe::net::dns;
    if (data[0] & 1) {
        auto servers =
            dns::parse_resolv_conf(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
        if (servers.size() > 3) __builtin_trap();
        // The same text as a hosts file, looked up for a name taken from its first line.
        const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
        const std::string_view name = text.substr(0, std::min<size_t>(text.find('\n'), 64));
        if (dns::hosts_lookup(text, name, true, true).size() > dns::kMaxAnswers) __builtin_trap();
        return 0;
    }
    auto r = dns::parse_response(std::span<const uint8_t>(data + 1, size - 1));
    if (r) {
        if (r->answers.size() > dns::kMaxAnswers) __builtin_trap();
        for (const auto& rec : r->answers)
            if (rec.name.size() > 255 * 4) __builtin_trap();
    }
    return 0;
}
