// The /q/ flow's pure logic: sticker MACs, forms, cookies, codes, signed sessions, masking, language.
#include <gtest/gtest.h>

#include <set>

#include "qr/qr_core.hpp"

using namespace cpe::hub::qr;

TEST(QrCore, StickerMacInEveryCommonNotationIsLowerHex) {
    EXPECT_EQ(parse_sticker_mac("1c61b4fb2ac8"), "1c61b4fb2ac8");
    EXPECT_EQ(parse_sticker_mac("1C61B4FB2AC8"), "1c61b4fb2ac8");
    EXPECT_EQ(parse_sticker_mac("1C:61:B4:FB:2A:C8"), "1c61b4fb2ac8");
    EXPECT_EQ(parse_sticker_mac("1c-61-b4-fb-2a-c8"), "1c61b4fb2ac8");
    EXPECT_EQ(parse_sticker_mac("1c61.b4fb.2ac8"), "1c61b4fb2ac8");
    for (const char* bad :
         {"", "1c61b4fb2ac", "1c61b4fb2ac8a", "1c61b4fb2acg", "1c:61-b4:fb:2a:c8",
          "1c:61:b4:fb:2a:c8:", "../../etc/passwd", "1c61b4fb2ac8\n", "1c61 b4fb2ac8", "1c61.b4fb:2ac8"})
        EXPECT_FALSE(parse_sticker_mac(bad).has_value()) << bad;
    EXPECT_EQ(colon_mac("1c61b4fb2ac8"), "1C:61:B4:FB:2A:C8");
}

TEST(QrCore, CodeIsSixDigitsSpacesAllowed) {
    EXPECT_EQ(parse_code("123456"), "123456");
    EXPECT_EQ(parse_code(" 123 456 "), "123456");
    EXPECT_EQ(parse_code("123-456"), "123456");
    EXPECT_FALSE(parse_code("12345").has_value());
    EXPECT_FALSE(parse_code("1234567").has_value());
    EXPECT_FALSE(parse_code("12345a").has_value());
    EXPECT_FALSE(parse_code("").has_value());
}

TEST(QrCore, FormAndCookieValues) {
    EXPECT_EQ(form_value("a=1&code=12+34%2056", "code"), "12 34 56");
    EXPECT_FALSE(form_value("a=1", "code").has_value());
    EXPECT_EQ(cookie_value("qr_lang=en; qr_c=abc.def", "qr_c"), "abc.def");
    EXPECT_EQ(cookie_value("qr_c=first; qr_c=second", "qr_c"), "first");
    EXPECT_EQ(cookie_value("xqr_c=no; qr_c=\"yes\"", "qr_c"), "yes");
    EXPECT_FALSE(cookie_value("qr_cx=1", "qr_c").has_value());
}

TEST(QrCore, RandomCodesAreSixDigitsAndVary) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        auto c = random_code();
        ASSERT_TRUE(c.ok());
        ASSERT_EQ(c->size(), 6u);
        for (char ch : *c) ASSERT_TRUE(ch >= '0' && ch <= '9');
        seen.insert(*c);
    }
    EXPECT_GT(seen.size(), 40u);  // 50 draws of 10^6: a repeat is rare, many would be a broken generator
}

TEST(QrCore, HmacMatchesRfc4231Case2) {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(QrCore, Base64UrlRoundTrips) {
    for (std::string s : std::initializer_list<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                            std::string("\xff\x00\xfe", 3)}) {
        auto d = base64url_decode(base64url(s));
        ASSERT_TRUE(d.has_value()) << s;
        EXPECT_EQ(*d, s);
    }
    EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
    EXPECT_FALSE(base64url_decode("a").has_value());
    EXPECT_FALSE(base64url_decode("ab+c").has_value());
}

TEST(QrCore, SessionSignedVerifiedAndBound) {
    const std::string key(32, 'k');
    Session s{'c', "otp", "1c61b4fb2ac8", 10'000};
    std::string cookie = sign_session(key, s);
    auto v = verify_session(key, cookie, 5'000);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->kind, 'c');
    EXPECT_EQ(v->mac, "1c61b4fb2ac8");
    EXPECT_EQ(v->expires_ms, 10'000);
    // Expired.
    EXPECT_FALSE(verify_session(key, cookie, 10'000).has_value());
    // Another key.
    EXPECT_FALSE(verify_session(std::string(32, 'x'), cookie, 5'000).has_value());
    // Forged: the MAC or the expiry changed, the signature kept.
    std::string other = cookie;
    other.replace(other.find("1c61b4fb2ac8"), 12, "1c61b4fb2ac9");
    EXPECT_FALSE(verify_session(key, other, 5'000).has_value());
    std::string longer = cookie;
    longer.replace(longer.find(".10000."), 7, ".99999.");
    EXPECT_FALSE(verify_session(key, longer, 5'000).has_value());
    // A customer cookie turned into a tech one.
    std::string tech = cookie;
    tech[0] = 't';
    EXPECT_FALSE(verify_session(key, tech, 5'000).has_value());
    for (const char* junk : {"", ".", "c.otp.-.5.", "garbage", "t..-.99999.abc"})
        EXPECT_FALSE(verify_session(key, junk, 5'000).has_value()) << junk;
    // A technician session has no MAC.
    auto t = verify_session(key, sign_session(key, Session{'t', "tok_1", "", 10'000}), 1);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->subject, "tok_1");
    EXPECT_TRUE(t->mac.empty());
    // A customer session without a device is refused even when signed.
    EXPECT_FALSE(verify_session(key, sign_session(key, Session{'c', "otp", "", 10'000}), 1).has_value());
}

TEST(QrCore, PhoneMaskedToLastTwoDigitsAndE164) {
    EXPECT_EQ(mask_phone("+14185559922"), "\u2022\u202222");
    EXPECT_EQ(mask_phone("12"), "");
    EXPECT_EQ(e164("+1 418 555-9922"), "+14185559922");
    EXPECT_EQ(e164("(418) 555.9922"), "+14185559922");
    EXPECT_FALSE(e164("").has_value());
    EXPECT_FALSE(e164("call me").has_value());
    EXPECT_FALSE(e164("+0123456789").has_value());
    EXPECT_FALSE(e164("+1234567890123456").has_value());
}

TEST(QrCore, LanguageFromQueryCookieThenHeader) {
    cpe::net::Request r;
    EXPECT_EQ(page_lang(r), Lang::fr);
    r.headers["accept-language"] = "de-DE, en-US;q=0.8, fr;q=0.5";
    EXPECT_EQ(page_lang(r), Lang::en);
    r.headers["cookie"] = "qr_lang=fr";
    EXPECT_EQ(page_lang(r), Lang::fr);
    r.query = {{"lang", "en"}};
    EXPECT_EQ(page_lang(r), Lang::en);
}

TEST(QrCore, SignalInWords) {
    EXPECT_STREQ(signal_grade(-45), "excellent");
    EXPECT_STREQ(signal_grade(-60), "excellent");
    EXPECT_STREQ(signal_grade(-65), "good");
    EXPECT_STREQ(signal_grade(-71), "weak");
}

TEST(QrCore, HtmlEscaped) {
    EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(QrCore, CustomerSsoIdentityOnlyFromTheCustomerProxy) {
    cpe::net::Request r;
    r.peer = "10.0.0.9";
    r.headers["x-authentik-username"] = " CUST-00001 ";
    EXPECT_EQ(customer_sso_identity(r, {"10.0.0.9"}, "x-authentik-username"), "CUST-00001");
    EXPECT_FALSE(customer_sso_identity(r, {"10.0.0.8"}, "x-authentik-username").has_value());  // another peer
    EXPECT_FALSE(customer_sso_identity(r, {"10.0.0.9"}, "x-authentik-email").has_value());  // no such header
    r.peer = "::ffff:10.0.0.9";
    EXPECT_TRUE(customer_sso_identity(r, {"10.0.0.9"}, "x-authentik-username").has_value());
    for (const char* bad : {"a,b", "a b", "a;b", ""}) {
        r.headers["x-authentik-username"] = bad;
        EXPECT_FALSE(customer_sso_identity(r, {"10.0.0.9"}, "x-authentik-username").has_value()) << bad;
    }
    EXPECT_TRUE(sso_owns("Jane@Example.net ", "jane@example.net"));
    EXPECT_FALSE(sso_owns("", ""));
    EXPECT_FALSE(sso_owns("jane@example.net", "jane@example.ne"));
}
