// The /q/ flow's store on a real SQLite file: codes hashed with their tries, the rate limits, token links.
#include <gtest/gtest.h>

#include <filesystem>

#include "qr/qr_core.hpp"
#include "qr/qr_store.hpp"

using namespace cpe::hub::qr;

namespace {
struct TempDb {
    TempDb() {
        std::string t = (std::filesystem::temp_directory_path() / "hub-qr-XXXXXX").string();
        dir = mkdtemp(t.data());
        path = dir + "/hub.db";
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string dir, path;
};
constexpr int64_t kT0 = 1'800'000'000'000;
const std::string kMac = "1c61b4fb2ac8";
std::string h(const std::string& code) {
    return hex(hmac_sha256(std::string(32, 'k'), kMac + ":" + code));
}
}  // namespace

TEST(QrStore, CodeOkOnceThenGone) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE((*s)->record_send(kMac, "+14185559922", "10.0.0.1", h("123456"), "••22", kT0).ok());
    auto p = (*s)->pending(kMac, kT0 + 1);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->masked, "••22");
    auto v = (*s)->verify(kMac, h("123456"), kT0 + 2);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->verdict, Verdict::ok);
    EXPECT_EQ((*s)->verify(kMac, h("123456"), kT0 + 3)->verdict, Verdict::none);  // used: gone
}

TEST(QrStore, FiveWrongTriesLockTheCodeTheSixthIsRefusedEvenWhenRight) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->record_send(kMac, "+14185559922", "10.0.0.1", h("123456"), "••22", kT0).ok());
    for (unsigned i = 1; i <= 4; ++i) {
        auto v = (*s)->verify(kMac, h("000000"), kT0 + i);
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->verdict, Verdict::wrong);
        EXPECT_EQ(v->tries_left, 5 - i);
    }
    auto fifth = (*s)->verify(kMac, h("000000"), kT0 + 5);
    EXPECT_EQ(fifth->verdict, Verdict::locked);
    EXPECT_GT(fifth->wait_s, 0);
    auto sixth = (*s)->verify(kMac, h("123456"), kT0 + 6);
    EXPECT_EQ(sixth->verdict, Verdict::locked);
    EXPECT_EQ(sixth->wait_s, 600);  // until the code expires (10 minutes after it was sent)
    // No new code while locked, and the refusal says for how long.
    auto r = (*s)->may_send(kMac, "+14185559922", "10.0.0.1", kT0 + 7);
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_EQ((*r)->limit, "locked");
}

TEST(QrStore, TriesSurviveARestart) {
    TempDb t;
    {
        auto s = QrStore::open(t.path, OtpLimits{});
        ASSERT_TRUE((*s)->record_send(kMac, "+14185559922", "10.0.0.1", h("123456"), "••22", kT0).ok());
        for (int i = 0; i < 4; ++i) (void)(*s)->verify(kMac, h("000000"), kT0 + 1);
    }
    auto s = QrStore::open(t.path, OtpLimits{});
    EXPECT_EQ((*s)->verify(kMac, h("000000"), kT0 + 2)->verdict, Verdict::locked);
}

TEST(QrStore, ExpiredCodeRefused) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    ASSERT_TRUE((*s)->record_send(kMac, "+14185559922", "10.0.0.1", h("123456"), "••22", kT0).ok());
    EXPECT_EQ((*s)->verify(kMac, h("123456"), kT0 + 600'000)->verdict, Verdict::expired);
    EXPECT_FALSE((*s)->pending(kMac, kT0 + 600'000)->has_value());
}

TEST(QrStore, RateLimitsPerMacPhoneAddressAndGlobal) {
    TempDb t;
    OtpLimits lim;
    lim.per_mac_per_hour = 2;
    lim.per_phone_per_day = 3;
    lim.per_address_per_hour = 3;
    lim.global_per_day = 6;
    auto s = QrStore::open(t.path, lim);
    ASSERT_TRUE(s.ok());
    auto send = [&](const std::string& mac, const std::string& phone, const std::string& addr, int64_t now) {
        auto r = (*s)->may_send(mac, phone, addr, now);
        EXPECT_TRUE(r.ok());
        if (*r) return (*r)->limit;
        EXPECT_TRUE((*s)->record_send(mac, phone, addr, "x", "••00", now).ok());
        return std::string();
    };
    EXPECT_EQ(send("m1", "+1000", "a1", kT0), "");
    EXPECT_EQ(send("m1", "+1000", "a1", kT0), "");
    EXPECT_EQ(send("m1", "+1000", "a1", kT0), "mac");
    EXPECT_EQ(send("m1", "+1000", "a1", kT0 + 3'600'000), "");       // the next hour
    EXPECT_EQ(send("m2", "+1000", "a2", kT0 + 3'600'000), "phone");  // 3 to this phone today
    EXPECT_EQ(send("m3", "+2000", "a1", kT0 + 3'600'000), "");
    EXPECT_EQ(send("m4", "+3000", "a1", kT0 + 3'600'000), "");
    EXPECT_EQ(send("m5", "+4000", "a1", kT0 + 3'600'000), "address");  // a1 sent 3 this hour (m1, m3, m4)
    EXPECT_EQ(send("m5", "+4000", "a3", kT0 + 3'600'000), "");
    EXPECT_EQ(send("m6", "+5000", "a4", kT0 + 3'600'000), "global");  // 6 SMS today
    // A device ERPNext does not know sends no SMS: not counted globally or per phone, still per MAC and
    // address.
    EXPECT_EQ(send("m7", "", "a5", kT0 + 3'600'000), "");
    auto refusal = (*s)->may_send("m1", "+9999", "a9", kT0 + 3'600'000);
    ASSERT_TRUE(refusal.ok());
    EXPECT_TRUE(refusal->has_value());
}

TEST(QrStore, GenericHitCounter) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    EXPECT_FALSE((*s)->hit("restart:m", 600'000, 1, kT0)->has_value());
    auto again = (*s)->hit("restart:m", 600'000, 1, kT0 + 1000);
    ASSERT_TRUE(again->has_value());
    EXPECT_EQ(**again, 599);
    EXPECT_FALSE((*s)->hit("restart:m", 600'000, 1, kT0 + 600'000)->has_value());
}

TEST(QrStore, TokensStoredHashedRevocable) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    TechToken tok{"tok_1", "alice", "staff:lead@example.net", kT0, kT0 + 86'400'000, 0};
    ASSERT_TRUE((*s)->add_token(tok, sha256_hex("secret-token")).ok());
    auto found = (*s)->token_by_hash(sha256_hex("secret-token"), kT0 + 1);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->tech, "alice");
    EXPECT_FALSE((*s)->token_by_hash(sha256_hex("other"), kT0 + 1)->has_value());
    EXPECT_FALSE((*s)->token_by_hash(sha256_hex("secret-token"), kT0 + 86'400'000)->has_value());  // expired
    EXPECT_TRUE(*(*s)->revoke_token("tok_1", kT0 + 2));
    EXPECT_FALSE(*(*s)->revoke_token("tok_1", kT0 + 3));
    EXPECT_FALSE((*s)->token_by_hash(sha256_hex("secret-token"), kT0 + 4)->has_value());
    EXPECT_NE((*(*s)->token_by_id("tok_1"))->revoked_ms, 0);
    // The token itself is nowhere in the file.
    std::string file;
    {
        FILE* f = std::fopen(t.path.c_str(), "rb");
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) file.append(buf, n);
        std::fclose(f);
    }
    EXPECT_EQ(file.find("secret-token"), std::string::npos);
}

TEST(QrStore, PurgeKeepsTheTablesBounded) {
    TempDb t;
    auto s = QrStore::open(t.path, OtpLimits{});
    ASSERT_TRUE((*s)->record_send(kMac, "+14185559922", "10.0.0.1", h("123456"), "••22", kT0).ok());
    EXPECT_FALSE((*s)->hit("restart:m", 600'000, 1, kT0)->has_value());
    // A day and a bit later: the old windows and the expired code are gone, so nothing refuses or remains.
    ASSERT_TRUE((*s)->purge(kT0 + 86'400'000 + 1).ok());
    EXPECT_FALSE((*s)->pending(kMac, kT0 + 1)->has_value()) << "the code row was dropped";
    EXPECT_FALSE((*s)->hit("restart:m", 600'000'000, 1, kT0 + 2)->has_value())
        << "the counter row was dropped";
}
