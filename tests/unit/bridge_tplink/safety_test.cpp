#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "safety.hpp"

namespace cpe::tplink {
namespace {

GuardPolicy policy() {
    GuardPolicy p;
    p.base_backoff_s = 60;
    p.max_backoff_s = 600;
    p.lockout_margin_s = 10;
    return p;
}

TEST(TplinkGuard, OneFailedLoginPerWindowDoublingUpToTheCap) {
    LoginGuard g(policy());
    const std::string m = "modem-a";
    int64_t now = 1000;
    EXPECT_TRUE(g.check(m, now).allowed);
    g.on_failure(m, now, LoginFailure::bad_credentials, std::nullopt);
    EXPECT_FALSE(g.check(m, now).allowed);
    EXPECT_FALSE(g.check(m, now + 59).allowed);
    EXPECT_TRUE(g.check(m, now + 60).allowed);
    EXPECT_TRUE(g.check("modem-b", now).allowed);  // per modem

    int64_t expected[] = {120, 240, 480, 600, 600};
    now += 60;
    for (int64_t wait : expected) {
        g.on_failure(m, now, LoginFailure::bad_credentials, std::nullopt);
        EXPECT_FALSE(g.check(m, now + wait - 1).allowed) << wait;
        EXPECT_TRUE(g.check(m, now + wait).allowed) << wait;
        now += wait;
    }
    auto d = g.check(m, now - 1);
    EXPECT_FALSE(d.allowed);
    EXPECT_NE(d.reason.find("bad-credentials"), std::string::npos);
}

TEST(TplinkGuard, LockoutWaitsForTheForbidTime) {
    LoginGuard g(policy());
    const std::string m = "modem-a";
    const GuardRecord& r = g.on_failure(m, 5000, LoginFailure::locked, 3600);
    EXPECT_TRUE(r.locked);
    EXPECT_EQ(r.blocked_until, 5000 + 3600 + 10);
    auto d = g.check(m, 5000 + 3600);
    EXPECT_FALSE(d.allowed);
    EXPECT_NE(d.reason.find("locked out"), std::string::npos);
    // A lockout without a reported time still backs off.
    LoginGuard h(policy());
    EXPECT_EQ(h.on_failure(m, 0, LoginFailure::locked, std::nullopt).blocked_until, 60);
}

TEST(TplinkGuard, SuccessClearsAndRemembersTheVariant) {
    LoginGuard g(policy());
    g.on_failure("m", 0, LoginFailure::no_answer, std::nullopt);
    g.on_success("m", "gcm");
    EXPECT_TRUE(g.check("m", 1).allowed);
    EXPECT_EQ(g.find("m")->failures, 0u);
    EXPECT_EQ(g.find("m")->variant, "gcm");
    g.on_failure("m", 10, LoginFailure::bad_credentials, std::nullopt);
    EXPECT_EQ(g.find("m")->blocked_until, 70);  // the doubling restarted
}

TEST(TplinkGuard, StateSurvivesARestart) {
    std::string path = ::testing::TempDir() + "/tplink_guard_state.json";
    std::remove(path.c_str());
    auto empty = LoginGuard::load(path, policy());
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->check("m", 0).allowed);
    LoginGuard g(policy());
    g.on_failure("192.168.1.1", 100, LoginFailure::locked, 900);
    g.on_success("10.0.0.2", "cbc-oaep");
    ASSERT_TRUE(g.save(path));
    auto back = LoginGuard::load(path, policy());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->check("192.168.1.1", 100 + 900).allowed);
    EXPECT_TRUE(back->find("192.168.1.1")->locked);
    EXPECT_EQ(back->find("10.0.0.2")->variant, "cbc-oaep");
    std::ofstream(path) << "{\"modems\":{\"x\":{\"failures\":\"two\"}}}";
    auto bad = LoginGuard::load(path, policy());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("failures"), std::string::npos);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace cpe::tplink
