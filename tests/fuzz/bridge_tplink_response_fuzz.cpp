// Encrypted answer bodies as they come off the wire: base64 + AES-CBC/PKCS#7 or AES-GCM (both tag forms),
// then the act parser. First input byte picks the cipher.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol.hpp"

namespace {
// A fixed 512-bit test modulus (any valid key will do: the sign is not exercised here).
constexpr const char* kN =
    "dc44a0ca2890130c7431565fe475e0904b2cba96acadbe9206ecfa41527af206"
    "57efaa1f0a81a1ad19cd778d20104175227cc0740ad17543b5beebd76b6254a9";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::tplink;
    if (size < 1) return 0;
    static auto key_cbc = RsaPublicKey::from_hex(kN, "10001");
    static auto key_gcm = RsaPublicKey::from_hex(kN, "10001");
    if (!key_cbc || !key_gcm) return 0;
    static SessionCrypto cbc(std::move(*key_cbc), kCbcRaw, KeyIv{"1700000000123456", "1700000000654321"}, "h",
                             1);
    static SessionCrypto gcm(std::move(*key_gcm), kGcmRaw, KeyIv{"1700000000123456", "170000123456"}, "h", 1);
    std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto plain = (data[0] & 1) ? gcm.open_response(body) : cbc.open_response(body);
    if (plain) (void)parse_act_reply(*plain);
    return 0;
}
