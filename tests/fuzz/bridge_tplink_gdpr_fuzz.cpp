// getGDPRParm JS → GdprParm → RSA public key (the key parse is the next thing the client does with it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parm = cpe::tplink::parse_gdpr_parm(text);
    if (parm && parm->modulus_hex.size() <= 256) {
        auto key = cpe::tplink::RsaPublicKey::from_hex(parm->modulus_hex, parm->exponent_hex);
        if (key) (void)key->encrypt_hex("h=0&s=1", cpe::tplink::RsaPadding::none, nullptr);
    }
    return 0;
}
