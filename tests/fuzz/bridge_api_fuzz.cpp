// cpe-bridge request parameters (PON numbers from the path, the query string) and its configuration file.
// The first byte picks the parser; the rest is its input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config.hpp"
#include "net/http_types.hpp"
#include "params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    using namespace cpe::bridge::api;
    switch (data[0] % 3) {
        case 0: {
            auto n = parse_pon_number(text, "slot");
            if (n && (*n < 0 || *n > 99)) __builtin_trap();
            if (!n && n.error().message.find("slot") == std::string::npos) __builtin_trap();
            break;
        }
        case 1: {
            auto q = cpe::net::parse_query(text);
            auto o = parse_read_options(q);
            if (!o && o.error().message.empty()) __builtin_trap();
            break;
        }
        default: {
            auto c = parse_config(text, "fuzz.json", "");
            if (c) {
                for (const auto& m : c->modems)
                    if (!valid_id(m.id) || m.secret_file.empty()) __builtin_trap();
                for (const auto& o : c->olts)
                    if (o.pons.empty() || (o.community_file.empty() == o.v3_file.empty())) __builtin_trap();
            } else if (c.error().message.empty()) {
                __builtin_trap();
            }
            break;
        }
    }
    return 0;
}
