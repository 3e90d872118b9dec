#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace cpe {

// An Ethernet MAC address. Parses "aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF" and "aabbccddeeff";
// prints lower-case with colons (the TR-181 MACAddress form).
struct MacAddress {
    std::array<uint8_t, 6> bytes{};

    static Result<MacAddress> parse(std::string_view text);
    std::string str() const;
    std::string upper_hex() const;  // "AABBCCDDEEFF", as used in endpoint ids and QR stickers
    bool is_zero() const;
    bool is_multicast() const { return (bytes[0] & 1) != 0; }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
    auto operator<=>(const MacAddress&) const = default;
};

}  // namespace cpe
