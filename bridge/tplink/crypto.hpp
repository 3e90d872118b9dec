// The TP-Link EX/XX web-UI crypto primitives, each mbedTLS context owned by one RAII type:
// RSA on the sign string (raw or OAEP/SHA-1), AES-128-CBC/PKCS#7 and AES-128-GCM on the bodies, md5, base64.
// Protocol: shared reference/tplink-web-api.md (see docs/bridge-tplink.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace cpe::tplink {

// mbedTLS entropy + CTR-DRBG. Not thread-safe: one per session.
class Random {
  public:
    static Result<Random> create(std::string_view personalisation);
    Random(Random&&) noexcept;
    Random& operator=(Random&&) noexcept;
    ~Random();

    Status fill(uint8_t* out, size_t len);
    Result<std::string> digits(size_t count);  // `count` ASCII decimal digits, uniformly drawn
    void* drbg();                              // the mbedtls_ctr_drbg_context*, for mbedtls f_rng callbacks

  private:
    struct State;
    explicit Random(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

enum class RsaPadding { none, oaep_sha1 };

// An RSA public key from the modem's hex modulus and exponent.
class RsaPublicKey {
  public:
    static Result<RsaPublicKey> from_hex(std::string_view modulus_hex, std::string_view exponent_hex);
    RsaPublicKey(RsaPublicKey&&) noexcept;
    RsaPublicKey& operator=(RsaPublicKey&&) noexcept;
    ~RsaPublicKey();

    size_t size_bytes() const;
    // Message bytes per RSA block: the modulus size (raw) or size - 2*20 - 2 (OAEP/SHA-1; 22 for 512 bits).
    size_t chunk_size(RsaPadding padding) const;
    // Splits `message` into chunk_size() pieces and encrypts each; raw blocks are right-padded with NUL.
    // Each block is printed as 2*size_bytes() lower-case hex digits, all concatenated.
    Result<std::string> encrypt_hex(std::string_view message, RsaPadding padding, Random* rng) const;

  private:
    struct Ctx;
    explicit RsaPublicKey(std::unique_ptr<Ctx> ctx);
    std::unique_ptr<Ctx> ctx_;
};

std::string md5_hex(std::string_view data);
std::string base64_encode(std::string_view data);
// Whitespace (CR, LF, space, tab) is ignored; anything else outside the alphabet is an error.
Result<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view data);

// AES-128-CBC with PKCS#7 padding. key and iv must be 16 bytes.
Result<std::string> aes_cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plain);
Result<std::string> aes_cbc_decrypt(std::string_view key, std::string_view iv, std::string_view cipher);

struct GcmSealed {
    std::string cipher;  // same length as the plain text
    std::string tag;     // 16 bytes
};
// AES-128-GCM, no additional data, 16-byte tag. key 16 bytes; nonce any non-empty length (TP-Link: 12).
Result<GcmSealed> aes_gcm_encrypt(std::string_view key, std::string_view nonce, std::string_view plain);
Result<std::string> aes_gcm_decrypt(std::string_view key, std::string_view nonce, std::string_view cipher,
                                    std::string_view tag);

// Session key material: ASCII digits, time-derived prefix then DRBG digits (tplink-web-api.md, Login step 2).
struct KeyIv {
    std::string key;  // 16 digits
    std::string iv;   // 16 digits (CBC) or 12 (GCM nonce)
};
Result<KeyIv> make_key_iv(uint64_t now_ms, size_t iv_digits, Random& rng);

}  // namespace cpe::tplink
