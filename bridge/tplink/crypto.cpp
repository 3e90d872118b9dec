#include "crypto.hpp"

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md5.h>
#include <mbedtls/rsa.h>

#include <cstdio>
#include <vector>

#include "util/mbedtls.hpp"

namespace cpe::tplink {

namespace {

std::string mbed_err(const char* what, int rc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s failed (mbedTLS -0x%04x)", what, static_cast<unsigned>(-rc));
    return buf;
}

const unsigned char* u8(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bool is_hex(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!ok) return false;
    }
    return true;
}

using mbed::Aes;
using mbed::Gcm;
using mbed::Mpi;

}  // namespace

// ---------------------------------------------------------------- Random

struct Random::State {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    State() {
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
    }
    ~State() {
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;
};

Random::Random(std::unique_ptr<State> state) : state_(std::move(state)) {}
Random::Random(Random&&) noexcept = default;
Random& Random::operator=(Random&&) noexcept = default;
Random::~Random() = default;

Result<Random> Random::create(std::string_view personalisation) {
    auto state = std::make_unique<State>();
    int rc = mbedtls_ctr_drbg_seed(&state->drbg, mbedtls_entropy_func, &state->entropy, u8(personalisation),
                                   personalisation.size());
    if (rc != 0) return make_error(Errc::internal, mbed_err("seeding the CTR-DRBG", rc));
    return Random(std::move(state));
}

Status Random::fill(uint8_t* out, size_t len) {
    int rc = mbedtls_ctr_drbg_random(&state_->drbg, out, len);
    if (rc != 0) return make_error(Errc::internal, mbed_err("CTR-DRBG output", rc));
    return {};
}

Result<std::string> Random::digits(size_t count) {
    std::string out;
    out.reserve(count);
    while (out.size() < count) {
        uint8_t buf[32];
        if (auto st = fill(buf, sizeof buf); !st) return st.error();
        for (uint8_t b : buf) {
            if (b >= 250) continue;  // rejection keeps the digits uniform
            out.push_back(static_cast<char>('0' + b % 10));
            if (out.size() == count) break;
        }
    }
    return out;
}

void* Random::drbg() {
    return &state_->drbg;
}

// ---------------------------------------------------------------- RSA

struct RsaPublicKey::Ctx {
    mbedtls_rsa_context rsa;
    Ctx() { mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA1); }
    ~Ctx() { mbedtls_rsa_free(&rsa); }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
};

RsaPublicKey::RsaPublicKey(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
RsaPublicKey::RsaPublicKey(RsaPublicKey&&) noexcept = default;
RsaPublicKey& RsaPublicKey::operator=(RsaPublicKey&&) noexcept = default;
RsaPublicKey::~RsaPublicKey() = default;

Result<RsaPublicKey> RsaPublicKey::from_hex(std::string_view modulus_hex, std::string_view exponent_hex) {
    if (!is_hex(modulus_hex)) return make_error(Errc::parse_error, "RSA modulus (nn) is not a hex number");
    if (!is_hex(exponent_hex)) return make_error(Errc::parse_error, "RSA exponent (ee) is not a hex number");
    if (modulus_hex.size() > 1024)
        return make_error(Errc::too_large, "RSA modulus (nn) longer than 4096 bits");
    if (exponent_hex.size() > 16) return make_error(Errc::too_large, "RSA exponent (ee) longer than 64 bits");
    Mpi n, e;
    std::string nh(modulus_hex), eh(exponent_hex);
    if (mbedtls_mpi_read_string(&n.v, 16, nh.c_str()) != 0 ||
        mbedtls_mpi_read_string(&e.v, 16, eh.c_str()) != 0)
        return make_error(Errc::parse_error, "RSA key hex could not be read");
    size_t bits = mbedtls_mpi_bitlen(&n.v);
    if (bits < 256)
        return make_error(Errc::unsupported,
                          "RSA modulus (nn) shorter than 256 bits: " + std::to_string(bits));
    auto ctx = std::make_unique<Ctx>();
    int rc = mbedtls_rsa_import(&ctx->rsa, &n.v, nullptr, nullptr, nullptr, &e.v);
    if (rc == 0) rc = mbedtls_rsa_complete(&ctx->rsa);
    if (rc == 0) rc = mbedtls_rsa_check_pubkey(&ctx->rsa);
    if (rc != 0) return make_error(Errc::parse_error, mbed_err("RSA public key (nn/ee) check", rc));
    return RsaPublicKey(std::move(ctx));
}

size_t RsaPublicKey::size_bytes() const {
    return mbedtls_rsa_get_len(&ctx_->rsa);
}

size_t RsaPublicKey::chunk_size(RsaPadding padding) const {
    size_t k = size_bytes();
    if (padding == RsaPadding::none) return k;
    return k - 2 * 20 - 2;
}

Result<std::string> RsaPublicKey::encrypt_hex(std::string_view message, RsaPadding padding,
                                              Random* rng) const {
    const size_t k = size_bytes();
    const size_t chunk = chunk_size(padding);
    if (padding == RsaPadding::oaep_sha1 && rng == nullptr)
        return make_error(Errc::invalid_argument, "RSA-OAEP needs a random generator");
    std::string out;
    std::vector<unsigned char> block(k), result(k);
    for (size_t off = 0; off < message.size() || (off == 0 && message.empty()); off += chunk) {
        std::string_view piece = message.substr(off, chunk);
        int rc;
        if (padding == RsaPadding::none) {
            std::fill(block.begin(), block.end(), 0);
            std::copy(piece.begin(), piece.end(), block.begin());
            rc = mbedtls_rsa_public(&ctx_->rsa, block.data(), result.data());
            if (rc != 0)
                return make_error(Errc::invalid_argument,
                                  mbed_err("raw RSA of a sign block (block not below the modulus?)", rc));
        } else {
            rc = mbedtls_rsa_rsaes_oaep_encrypt(&ctx_->rsa, mbedtls_ctr_drbg_random, rng->drbg(),
                                                MBEDTLS_RSA_PUBLIC, nullptr, 0, piece.size(), u8(piece),
                                                result.data());
            if (rc != 0) return make_error(Errc::internal, mbed_err("RSA-OAEP of a sign block", rc));
        }
        out += hex_encode(std::string_view(reinterpret_cast<const char*>(result.data()), k));
        if (message.empty()) break;
    }
    return out;
}

// ---------------------------------------------------------------- hashes, encodings

std::string hex_encode(std::string_view data) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    unsigned char digest[16];
    mbedtls_md5_ret(u8(data), data.size(), digest);
    return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string base64_encode(std::string_view data) {
    size_t need = 0;
    mbedtls_base64_encode(nullptr, 0, &need, u8(data), data.size());
    std::string out(need, '\0');
    size_t written = 0;
    mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written, u8(data),
                          data.size());
    out.resize(written);
    return out;
}

Result<std::string> base64_decode(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                  c == '/' || c == '=';
        if (!ok) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "base64: byte 0x%02x at offset %zu is not in the alphabet",
                          static_cast<unsigned char>(c), i);
            return make_error(Errc::parse_error, buf);
        }
        clean.push_back(c);
    }
    if (clean.size() % 4 != 0)
        return make_error(Errc::parse_error,
                          "base64: length " + std::to_string(clean.size()) + " is not a multiple of 4");
    std::string out(clean.size() / 4 * 3, '\0');
    size_t written = 0;
    int rc = mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written,
                                   u8(clean), clean.size());
    if (rc != 0) return make_error(Errc::parse_error, "base64: misplaced padding");
    out.resize(written);
    return out;
}

// ---------------------------------------------------------------- AES

Result<std::string> aes_cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plain) {
    if (key.size() != 16 || iv.size() != 16)
        return make_error(Errc::invalid_argument, "AES-CBC key and IV must be 16 bytes");
    size_t pad = 16 - plain.size() % 16;
    std::string in(plain);
    in.append(pad, static_cast<char>(pad));
    std::string out(in.size(), '\0');
    unsigned char ivb[16];
    std::copy(iv.begin(), iv.end(), ivb);
    Aes aes;
    int rc = mbedtls_aes_setkey_enc(aes.get(), u8(key), 128);
    if (rc == 0)
        rc = mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_ENCRYPT, in.size(), ivb, u8(in),
                                   reinterpret_cast<unsigned char*>(out.data()));
    if (rc != 0) return make_error(Errc::internal, mbed_err("AES-CBC encrypt", rc));
    return out;
}

Result<std::string> aes_cbc_decrypt(std::string_view key, std::string_view iv, std::string_view cipher) {
    if (key.size() != 16 || iv.size() != 16)
        return make_error(Errc::invalid_argument, "AES-CBC key and IV must be 16 bytes");
    if (cipher.empty() || cipher.size() % 16 != 0)
        return make_error(Errc::parse_error, "AES-CBC: cipher text of " + std::to_string(cipher.size()) +
                                                 " bytes is not whole blocks");
    std::string out(cipher.size(), '\0');
    unsigned char ivb[16];
    std::copy(iv.begin(), iv.end(), ivb);
    Aes aes;
    int rc = mbedtls_aes_setkey_dec(aes.get(), u8(key), 128);
    if (rc == 0)
        rc = mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_DECRYPT, cipher.size(), ivb, u8(cipher),
                                   reinterpret_cast<unsigned char*>(out.data()));
    if (rc != 0) return make_error(Errc::internal, mbed_err("AES-CBC decrypt", rc));
    unsigned pad = static_cast<unsigned char>(out.back());
    if (pad == 0 || pad > 16)
        return make_error(Errc::parse_error, "AES-CBC: bad PKCS#7 padding (wrong key?)");
    for (size_t i = out.size() - pad; i < out.size(); ++i)
        if (static_cast<unsigned char>(out[i]) != pad)
            return make_error(Errc::parse_error, "AES-CBC: bad PKCS#7 padding (wrong key?)");
    out.resize(out.size() - pad);
    return out;
}

Result<GcmSealed> aes_gcm_encrypt(std::string_view key, std::string_view nonce, std::string_view plain) {
    if (key.size() != 16) return make_error(Errc::invalid_argument, "AES-GCM key must be 16 bytes");
    if (nonce.empty()) return make_error(Errc::invalid_argument, "AES-GCM nonce is empty");
    Gcm gcm;
    GcmSealed out{std::string(plain.size(), '\0'), std::string(16, '\0')};
    int rc = mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, u8(key), 128);
    if (rc == 0)
        rc = mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, plain.size(), u8(nonce), nonce.size(),
                                       nullptr, 0, u8(plain),
                                       reinterpret_cast<unsigned char*>(out.cipher.data()), 16,
                                       reinterpret_cast<unsigned char*>(out.tag.data()));
    if (rc != 0) return make_error(Errc::internal, mbed_err("AES-GCM encrypt", rc));
    return out;
}

Result<std::string> aes_gcm_decrypt(std::string_view key, std::string_view nonce, std::string_view cipher,
                                    std::string_view tag) {
    if (key.size() != 16) return make_error(Errc::invalid_argument, "AES-GCM key must be 16 bytes");
    if (nonce.empty()) return make_error(Errc::invalid_argument, "AES-GCM nonce is empty");
    if (tag.size() != 16)
        return make_error(Errc::parse_error,
                          "AES-GCM tag is " + std::to_string(tag.size()) + " bytes, not 16");
    Gcm gcm;
    std::string out(cipher.size(), '\0');
    int rc = mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, u8(key), 128);
    if (rc != 0) return make_error(Errc::internal, mbed_err("AES-GCM key setup", rc));
    rc = mbedtls_gcm_auth_decrypt(gcm.get(), cipher.size(), u8(nonce), nonce.size(), nullptr, 0, u8(tag),
                                  tag.size(), u8(cipher), reinterpret_cast<unsigned char*>(out.data()));
    if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
        return make_error(Errc::parse_error,
                          "AES-GCM: tag does not authenticate the data (wrong key or altered)");
    if (rc != 0) return make_error(Errc::internal, mbed_err("AES-GCM decrypt", rc));
    return out;
}

Result<KeyIv> make_key_iv(uint64_t now_ms, size_t iv_digits, Random& rng) {
    if (iv_digits != 16 && iv_digits != 12)
        return make_error(Errc::invalid_argument, "IV length must be 16 (CBC) or 12 (GCM) digits");
    // The firmware's JS builds these from the clock then random digits. We keep only the low 8 clock digits
    // so most of each value comes from the DRBG; the modem only sees 16 (12) ASCII digits either way.
    char clock[24];
    std::snprintf(clock, sizeof clock, "%08llu", static_cast<unsigned long long>(now_ms % 100000000ULL));
    auto key_tail = rng.digits(8);
    if (!key_tail) return key_tail.error();
    size_t iv_clock = iv_digits >= 16 ? 8 : 4;
    auto iv_tail = rng.digits(iv_digits - iv_clock);
    if (!iv_tail) return iv_tail.error();
    KeyIv out;
    out.key = std::string(clock) + *key_tail;
    out.iv = std::string(clock + (8 - iv_clock)) + *iv_tail;
    return out;
}

}  // namespace cpe::tplink
