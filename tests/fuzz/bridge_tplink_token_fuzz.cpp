// The token page (GET /?_=<ms>) and the firmware's crypto script (/js/tpEncrypt.js).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)cpe::tplink::parse_token_page(text);
    (void)cpe::tplink::parse_encrypt_js(text);
    (void)cpe::tplink::find_js_var(text, "token");
    return 0;
}
