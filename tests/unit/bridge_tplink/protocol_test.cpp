#include <gtest/gtest.h>

#include "crypto_vectors.hpp"
#include "protocol.hpp"

namespace cpe::tplink {
namespace {

TEST(TplinkProtocol, ParsesGdprParmInItsVariants) {
    auto a = parse_gdpr_parm("var ee=\"010001\";\nvar nn=\"C0FFEE\";\nvar seq=\"123456789\";\n$.ret=0;\n");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->exponent_hex, "010001");
    EXPECT_EQ(a->modulus_hex, "C0FFEE");
    EXPECT_EQ(a->seq, 123456789u);
    // Single quotes, spaces around '=', a bare number, CRLF, other vars around.
    auto b = parse_gdpr_parm("var  x=1;\r\nvar nn = 'ab12' ;var ee= '3'; var seq = 42;\r\n");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->modulus_hex, "ab12");
    EXPECT_EQ(b->seq, 42u);
    // A variable whose name merely ends in "nn" is not nn.
    auto c = parse_gdpr_parm("var xnn=\"ff\"; var ee=\"3\"; var seq=\"1\";");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("nn"), std::string::npos);
}

TEST(TplinkProtocol, GdprParmErrorsNameTheMissingField) {
    auto no_ee = parse_gdpr_parm("var nn=\"ab\"; var seq=\"1\";");
    ASSERT_FALSE(no_ee);
    EXPECT_NE(no_ee.error().message.find("ee"), std::string::npos);
    auto no_seq = parse_gdpr_parm("var nn=\"ab\"; var ee=\"3\";");
    ASSERT_FALSE(no_seq);
    EXPECT_NE(no_seq.error().message.find("seq"), std::string::npos);
    auto bad_seq = parse_gdpr_parm("var nn=\"ab\"; var ee=\"3\"; var seq=\"12x\";");
    ASSERT_FALSE(bad_seq);
    EXPECT_NE(bad_seq.error().message.find("seq"), std::string::npos);
    auto unterminated = parse_gdpr_parm("var nn=\"ab; var ee=\"3\"; var seq=\"1\";");
    EXPECT_FALSE(unterminated);
    auto not_hex = parse_gdpr_parm("var nn=\"zz\"; var ee=\"3\"; var seq=\"1\";");
    ASSERT_FALSE(not_hex);
    EXPECT_NE(not_hex.error().message.find("nn is not hex"), std::string::npos);
    auto ret = parse_gdpr_parm("var nn=\"ab\"; var ee=\"3\"; var seq=\"1\"; $.ret=71234;");
    ASSERT_FALSE(ret);
    EXPECT_NE(ret.error().message.find("71234"), std::string::npos);
}

TEST(TplinkProtocol, TokenPage) {
    auto t = parse_token_page("<html><script type=\"text/javascript\">var token=\"8c3e1f\";</script></html>");
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, "8c3e1f");
    auto none = parse_token_page("<html>login</html>");
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("token"), std::string::npos);
    EXPECT_FALSE(parse_token_page("var token=\"\";"));
    EXPECT_FALSE(
        parse_token_page("var token=\"a\x01"
                         "b\";"));
}

TEST(TplinkProtocol, LoginReplies) {
    auto ok = parse_login_reply("$.ret=0;\n");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->ret, kRetOk);
    EXPECT_FALSE(ok->locked);
    auto bad = parse_login_reply("$.ret=71233;\nvar currAuthTimes=2;\nvar currForbidTime=0;\n");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->ret, kRetBadCredentials);
    EXPECT_EQ(bad->auth_times, 2);
    EXPECT_FALSE(bad->locked);
    auto locked = parse_login_reply("$.ret=71233;var currAuthTimes=5;var currForbidTime=600;");
    ASSERT_TRUE(locked);
    EXPECT_TRUE(locked->locked);
    EXPECT_EQ(locked->forbid_seconds, 600);
    auto luci = parse_login_reply("{\"error\":\"exceeded max attempts\"}");
    ASSERT_TRUE(luci);
    EXPECT_TRUE(luci->locked);
    auto json_ok = parse_login_reply("{\"success\":true,\"errorcode\":0}");
    ASSERT_TRUE(json_ok);
    EXPECT_EQ(json_ok->ret, 0);
    auto garbage = parse_login_reply("hello");
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find("$.ret"), std::string::npos);
    EXPECT_EQ(plain_ret_code("$.ret=71234;"), 71234);
    EXPECT_EQ(plain_ret_code("QUJD"), std::nullopt);
}

TEST(TplinkProtocol, ActReplies) {
    auto obj = parse_act_reply(
        R"({"data":{"modelName":"XX230v","n":5,"b":true},"operation":"go","oid":"DEV2_DEV_INFO","success":true})");
    ASSERT_TRUE(obj) << obj.error().message;
    EXPECT_TRUE(obj->success);
    ASSERT_EQ(obj->items.size(), 1u);
    EXPECT_EQ(*obj->items[0].get("modelName"), "XX230v");
    EXPECT_EQ(*obj->items[0].get("n"), "5");
    EXPECT_EQ(*obj->items[0].get("b"), "true");
    EXPECT_EQ(obj->items[0].get("missing"), nullptr);
    auto list = parse_act_reply(
        R"({"data":[{"stack":"1,0,0,0,0,0"},{"stack":"2,0,0,0,0,0"}],"operation":"gl","success":true})");
    ASSERT_TRUE(list);
    EXPECT_EQ(list->items.size(), 2u);
    auto err = parse_act_reply(R"({"success":false,"errorcode":9003})");
    ASSERT_TRUE(err);
    EXPECT_FALSE(err->success);
    EXPECT_EQ(err->errorcode, 9003);
    auto set = parse_act_reply(R"({"success":true,"errorcode":0})");
    ASSERT_TRUE(set);
    EXPECT_TRUE(set->success);
    EXPECT_FALSE(parse_act_reply("{\"data\":"));
    auto scalar = parse_act_reply(R"({"data":5,"success":true})");
    ASSERT_FALSE(scalar);
    EXPECT_NE(scalar.error().message.find("data"), std::string::npos);
    auto item = parse_act_reply(R"({"data":[1],"success":true})");
    ASSERT_FALSE(item);
    EXPECT_NE(item.error().message.find("data[0]"), std::string::npos);
}

TEST(TplinkProtocol, Payloads) {
    EXPECT_EQ(
        login_payload("user", "password"),
        R"({"data":{"UserName":"dXNlcg==","Passwd":"cGFzc3dvcmQ=","Action":"1","stack":"0,0,0,0,0,0","pstack":"0,0,0,0,0,0"},"operation":"cgi","oid":"/cgi/login"})");
    EXPECT_EQ(
        act_payload("gl", "DEV2_HOST_ENTRY", "0,0,0,0,0,0", {"IPAddress"}),
        R"({"data":{"stack":"0,0,0,0,0,0","pstack":"0,0,0,0,0,0","IPAddress":""},"operation":"gl","oid":"DEV2_HOST_ENTRY"})");
    // With the data member, as the independent client sends it (issue 16 item 3).
    EXPECT_EQ(
        logout_payload(),
        R"({"data":{"stack":"0,0,0,0,0,0","pstack":"0,0,0,0,0,0"},"operation":"cgi","oid":"/cgi/logout"})");
}

TEST(TplinkProtocol, VariantNames) {
    for (Variant v : {kCbcRaw, kCbcOaep, kGcmRaw, kGcmOaep}) {
        auto back = parse_variant(variant_name(v));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, v);
    }
    auto bad = parse_variant("ecb");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("ecb"), std::string::npos);
    auto hint = parse_encrypt_js("var rsaEncrypt = $.rsa.encryptOAEP; var aesMode = \"GCM\";");
    EXPECT_TRUE(hint.oaep && hint.gcm);
    auto none = parse_encrypt_js("var rsaEncrypt = $.rsa.encrypt; var aesMode = \"CBC\";");
    EXPECT_FALSE(none.oaep || none.gcm);
}

// Only real use counts: helpers defined but not called, comments and object keys say nothing (issue 16 item
// 5).
TEST(TplinkProtocol, EncryptJsHintsCountOnlyUse) {
    const char* defined_only =
        "/* encryptOAEP and GCM helpers */\n"
        "$.rsa = { encrypt: function (m) { return m; }, encryptOAEP: function (m) { return m; } };\n"
        "function aesGcmEncrypt(k, iv, m) { return m; }\n"
        "$.rsa.decryptOAEP = function (m) { return m; };\n"
        "var modes = { \"GCM\": 1, \"CBC\": 2 };  // GCM later\n"
        "var rsaEncrypt = $.rsa.encrypt; var aesMode = \"CBC\";\n";
    auto h = parse_encrypt_js(defined_only);
    EXPECT_FALSE(h.oaep);
    EXPECT_FALSE(h.gcm);
    auto used =
        parse_encrypt_js(std::string(defined_only) + "rsaEncrypt = $.rsa.encryptOAEP;\naesMode = 'GCM';\n");
    EXPECT_TRUE(used.oaep);
    EXPECT_TRUE(used.gcm);
    auto called = parse_encrypt_js("function f(m) { return aesGcmEncrypt(k, iv, m); }");
    EXPECT_TRUE(called.gcm);
    EXPECT_FALSE(called.oaep);
}

class SealTest : public ::testing::TestWithParam<Variant> {};

TEST_P(SealTest, BodyShapeAndSignLengthFollowTheDoc) {
    Variant v = GetParam();
    auto key = RsaPublicKey::from_hex(vectors::kN, vectors::kE);
    ASSERT_TRUE(key);
    auto rng = Random::create("t");
    ASSERT_TRUE(rng);
    KeyIv kiv{vectors::kAesKey, v.cipher == Cipher::gcm ? vectors::kGcmNonce : vectors::kAesIv};
    SessionCrypto crypto(std::move(*key), v, kiv, md5_hex("userpassword"), 1000);
    auto body = crypto.seal_request(vectors::kPlain, true, *rng);
    ASSERT_TRUE(body) << body.error().message;
    ASSERT_EQ(body->rfind("sign=", 0), 0u);
    size_t data_at = body->find("\r\ndata=");
    ASSERT_NE(data_at, std::string::npos);
    std::string sign = body->substr(5, data_at - 5);
    // Sign: key=K&iv=I&h=32&s=N. CBC: K, I the 16 digits; GCM: base64 of the 16 key digits (24) and of the
    // 12-digit nonce (16) — tplinkrouterc6u's GCM wrapper. Raw: 2 blocks (256 hex); OAEP: ceil(len/22)
    // blocks.
    bool gcm = v.cipher == Cipher::gcm;
    size_t sign_len = 4 + (gcm ? 24 : 16) + 4 + (gcm ? 16 : kiv.iv.size()) + 3 + 32 + 3 + 4;
    size_t blocks = v.rsa == RsaPadding::none ? 2 : (sign_len + 21) / 22;
    EXPECT_EQ(sign.size(), blocks * 128) << variant_name(v);
    // The EX920 0.8.0 browser capture (GCM + OAEP) has a 640-hex login sign: 5 OAEP blocks.
    if (v == kGcmOaep) {
        EXPECT_EQ(sign.size(), 640u);
    }
    size_t tag_at = body->find("\r\ntag=");
    EXPECT_EQ(tag_at != std::string::npos, v.cipher == Cipher::gcm);
    EXPECT_EQ(body->substr(body->size() - 2), "\r\n");
    std::string data =
        body->substr(data_at + 7, (tag_at == std::string::npos ? body->size() - 2 : tag_at) - data_at - 7);
    if (v.cipher == Cipher::cbc)
        EXPECT_EQ(data, vectors::kCbcB64);
    else
        EXPECT_EQ(data, vectors::kGcmCipherB64);

    // The response direction: what the modem would send back decrypts to the plain text.
    std::string answer = v.cipher == Cipher::cbc ? std::string(vectors::kCbcB64)
                                                 : std::string(vectors::kGcmCipherB64) + vectors::kGcmTagB64;
    auto opened = crypto.open_response(answer);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(*opened, vectors::kPlain);
    // Garbling: GCM's tag catches it; CBC has no integrity, the plain text is at least not the original
    // (the JSON parse after it then fails).
    auto garbled = crypto.open_response("AAAA" + answer.substr(4));
    if (v.cipher == Cipher::gcm)
        EXPECT_FALSE(garbled);
    else
        EXPECT_TRUE(!garbled || *garbled != vectors::kPlain);
    auto truncated = crypto.open_response(answer.substr(0, answer.size() / 2));
    EXPECT_FALSE(truncated);
    auto empty = crypto.open_response("  \r\n");
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty, "");
}

INSTANTIATE_TEST_SUITE_P(Variants, SealTest, ::testing::Values(kCbcRaw, kCbcOaep, kGcmRaw, kGcmOaep),
                         [](const auto& param_info) {
                             std::string n = variant_name(param_info.param);
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

TEST(TplinkProtocol, GcmJoinedAnswerForm) {
    auto key = RsaPublicKey::from_hex(vectors::kN, vectors::kE);
    ASSERT_TRUE(key);
    SessionCrypto crypto(std::move(*key), kGcmRaw, KeyIv{vectors::kAesKey, vectors::kGcmNonce}, "h", 1);
    auto ct = base64_decode(vectors::kGcmCipherB64);
    auto tag = base64_decode(vectors::kGcmTagB64);
    ASSERT_TRUE(ct && tag);
    auto opened = crypto.open_response(base64_encode(*ct + *tag));  // VX220: base64(cipher || tag)
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(*opened, vectors::kPlain);
}

}  // namespace
}  // namespace cpe::tplink
