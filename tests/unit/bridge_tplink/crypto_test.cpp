#include <gtest/gtest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/rsa.h>

#include "crypto.hpp"
#include "crypto_vectors.hpp"

namespace cpe::tplink {
namespace {

std::string unhex(std::string_view h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

TEST(TplinkCrypto, RawRsaMatchesIndependentVectors) {
    auto key = RsaPublicKey::from_hex(vectors::kN, vectors::kE);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->size_bytes(), 64u);
    auto login = key->encrypt_hex(vectors::kSignLogin, RsaPadding::none, nullptr);
    ASSERT_TRUE(login) << login.error().message;
    EXPECT_EQ(login->size(), 256u);  // two 64-byte blocks, as the doc says for a login sign
    EXPECT_EQ(*login, vectors::kSignLoginRawHex);
    auto act = key->encrypt_hex(vectors::kSignAct, RsaPadding::none, nullptr);
    ASSERT_TRUE(act);
    EXPECT_EQ(*act, vectors::kSignActRawHex);
}

TEST(TplinkCrypto, OaepUses22ByteChunksAndDecryptsWithThePrivateKey) {
    auto key = RsaPublicKey::from_hex(vectors::kN, vectors::kE);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->chunk_size(RsaPadding::oaep_sha1), 22u);
    auto rng = Random::create("test");
    ASSERT_TRUE(rng);
    std::string sign = std::string(vectors::kSignLogin) + "000";  // 90 bytes → 5 blocks → 640 hex
    auto hex = key->encrypt_hex(sign, RsaPadding::oaep_sha1, &*rng);
    ASSERT_TRUE(hex) << hex.error().message;
    ASSERT_EQ(hex->size(), 640u);

    // Decrypt each block with the private half (mbedTLS here; the python simulator checks it independently).
    mbedtls_rsa_context priv;
    mbedtls_rsa_init(&priv, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA1);
    mbedtls_mpi n, p, q, d, e;
    for (auto* m : {&n, &p, &q, &d, &e}) mbedtls_mpi_init(m);
    ASSERT_EQ(mbedtls_mpi_read_string(&n, 16, vectors::kN), 0);
    ASSERT_EQ(mbedtls_mpi_read_string(&p, 16, vectors::kP), 0);
    ASSERT_EQ(mbedtls_mpi_read_string(&q, 16, vectors::kQ), 0);
    ASSERT_EQ(mbedtls_mpi_read_string(&d, 16, vectors::kD), 0);
    ASSERT_EQ(mbedtls_mpi_read_string(&e, 16, vectors::kE), 0);
    ASSERT_EQ(mbedtls_rsa_import(&priv, &n, &p, &q, &d, &e), 0);
    ASSERT_EQ(mbedtls_rsa_complete(&priv), 0);
    std::string joined;
    for (size_t off = 0; off < hex->size(); off += 128) {
        std::string block = unhex(std::string_view(*hex).substr(off, 128));
        unsigned char out[64];
        size_t olen = 0;
        ASSERT_EQ(mbedtls_rsa_rsaes_oaep_decrypt(
                      &priv, mbedtls_ctr_drbg_random, rng->drbg(), MBEDTLS_RSA_PRIVATE, nullptr, 0, &olen,
                      reinterpret_cast<const unsigned char*>(block.data()), out, sizeof out),
                  0);
        joined.append(reinterpret_cast<char*>(out), olen);
    }
    EXPECT_EQ(joined, sign);
    mbedtls_rsa_free(&priv);
    for (auto* m : {&n, &p, &q, &d, &e}) mbedtls_mpi_free(m);
}

TEST(TplinkCrypto, RsaKeyErrorsNameTheField) {
    auto bad = RsaPublicKey::from_hex("xyz", "10001");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("modulus (nn)"), std::string::npos);
    auto bad_e = RsaPublicKey::from_hex(vectors::kN, "");
    ASSERT_FALSE(bad_e);
    EXPECT_NE(bad_e.error().message.find("exponent (ee)"), std::string::npos);
    auto tiny = RsaPublicKey::from_hex("c5", "3");
    ASSERT_FALSE(tiny);
    EXPECT_EQ(tiny.error().code, Errc::unsupported);
}

TEST(TplinkCrypto, AesCbcMatchesVectorAndRoundTrips) {
    auto enc = aes_cbc_encrypt(vectors::kAesKey, vectors::kAesIv, vectors::kPlain);
    ASSERT_TRUE(enc);
    EXPECT_EQ(base64_encode(*enc), vectors::kCbcB64);
    auto raw = base64_decode(vectors::kCbcB64);
    ASSERT_TRUE(raw);
    auto dec = aes_cbc_decrypt(vectors::kAesKey, vectors::kAesIv, *raw);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, vectors::kPlain);
    // A wrong key gives a padding error, not garbage.
    auto wrong = aes_cbc_decrypt("0000000000000000", vectors::kAesIv, *raw);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::parse_error);
    auto partial = aes_cbc_decrypt(vectors::kAesKey, vectors::kAesIv, raw->substr(0, 17));
    ASSERT_FALSE(partial);
    EXPECT_NE(partial.error().message.find("17 bytes"), std::string::npos);
}

TEST(TplinkCrypto, AesGcmMatchesVectorAndRejectsTampering) {
    auto sealed = aes_gcm_encrypt(vectors::kAesKey, vectors::kGcmNonce, vectors::kPlain);
    ASSERT_TRUE(sealed);
    EXPECT_EQ(base64_encode(sealed->cipher), vectors::kGcmCipherB64);
    EXPECT_EQ(base64_encode(sealed->tag), vectors::kGcmTagB64);
    auto ct = base64_decode(vectors::kGcmCipherB64);
    auto tag = base64_decode(vectors::kGcmTagB64);
    ASSERT_TRUE(ct && tag);
    auto plain = aes_gcm_decrypt(vectors::kAesKey, vectors::kGcmNonce, *ct, *tag);
    ASSERT_TRUE(plain);
    EXPECT_EQ(*plain, vectors::kPlain);
    std::string bent = *ct;
    bent[3] ^= 1;
    auto bad = aes_gcm_decrypt(vectors::kAesKey, vectors::kGcmNonce, bent, *tag);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("tag"), std::string::npos);
}

TEST(TplinkCrypto, Md5AndBase64) {
    EXPECT_EQ(md5_hex("userpassword"), vectors::kMd5UserPassword);
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("user"), "dXNlcg==");
    auto ws = base64_decode("dXNl\r\ncg==");
    ASSERT_TRUE(ws);
    EXPECT_EQ(*ws, "user");
    auto bad = base64_decode("dX*lcg==");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("offset 2"), std::string::npos);
    EXPECT_FALSE(base64_decode("dXNlc"));
    EXPECT_FALSE(base64_decode("d=Nl"));
}

TEST(TplinkCrypto, KeyIvAreDigitsOfTheRightLength) {
    auto rng = Random::create("test");
    ASSERT_TRUE(rng);
    auto cbc = make_key_iv(1700000000123ULL, 16, *rng);
    ASSERT_TRUE(cbc);
    EXPECT_EQ(cbc->key.size(), 16u);
    EXPECT_EQ(cbc->iv.size(), 16u);
    auto gcm = make_key_iv(1700000000123ULL, 12, *rng);
    ASSERT_TRUE(gcm);
    EXPECT_EQ(gcm->iv.size(), 12u);
    for (const std::string& s : {cbc->key, cbc->iv, gcm->key, gcm->iv})
        for (char c : s) EXPECT_TRUE(c >= '0' && c <= '9') << s;
    EXPECT_EQ(cbc->key.substr(0, 8), "00000123");  // low clock digits first
    EXPECT_NE(cbc->key, cbc->iv);
    EXPECT_FALSE(make_key_iv(1, 5, *rng));
}

}  // namespace
}  // namespace cpe::tplink
