#include "util/mac.hpp"

namespace cpe {
namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

Result<MacAddress> MacAddress::parse(std::string_view text) {
    MacAddress mac;
    auto fail = [&] {
        return make_error(Errc::parse_error, "invalid MAC address '" + std::string(text.substr(0, 32)) + "'");
    };
    size_t pos = 0;
    const bool separated = text.size() == 17;
    if (!separated && text.size() != 12) return fail();
    const char sep = separated ? text[2] : '\0';
    if (separated && sep != ':' && sep != '-') return fail();
    for (size_t i = 0; i < 6; ++i) {
        if (separated && i > 0) {
            if (text[pos] != sep) return fail();
            ++pos;
        }
        int hi = hex_digit(text[pos]);
        int lo = hex_digit(text[pos + 1]);
        if (hi < 0 || lo < 0) return fail();
        mac.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
        pos += 2;
    }
    return mac;
}

std::string MacAddress::str() const {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(17);
    for (size_t i = 0; i < 6; ++i) {
        if (i) out += ':';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

std::string MacAddress::upper_hex() const {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

bool MacAddress::is_zero() const {
    for (uint8_t b : bytes)
        if (b) return false;
    return true;
}

}  // namespace cpe
