#include <gtest/gtest.h>

#include <sys/stat.h>

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
    GuardPolicy p = policy();
    p.modem_max_attempts = 100;  // the doubling alone, far from the stop margin
    LoginGuard g(p);
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
    // A lockout without a reported time: nothing resumes it but an operator.
    LoginGuard h(policy());
    h.on_failure(m, 0, LoginFailure::locked, std::nullopt);
    auto stuck = h.check(m, 400 * 86400);
    EXPECT_FALSE(stuck.allowed);
    EXPECT_TRUE(stuck.needs_operator);
    h.clear(m);
    EXPECT_TRUE(h.check(m, 1).allowed);
}

// Issue 10 item 8: the modem says nothing (the EX lockout answer is unconfirmed). With 5 attempts before the
// modem locks and 2 kept for a person, the guard stops after the 3rd failure; after the stop window it allows
// one more, and then (one attempt left) only an operator resumes. The modem is never locked.
TEST(TplinkGuard, StopsAtTheReserveMarginWhenTheModemSaysNothing) {
    GuardPolicy p = policy();  // max 5, reserve 2
    p.stop_window_s = 86400;
    LoginGuard g(p);
    const std::string m = "silent";
    int64_t now = 0;
    int attempts = 0;
    for (int day = 0; day < 30; ++day, now += 3 * 86400) {
        for (int64_t t = now; t < now + 3 * 86400; t += 600) {
            if (!g.check(m, t).allowed) continue;
            ++attempts;
            g.on_failure(m, t, LoginFailure::bad_credentials, std::nullopt);
        }
    }
    EXPECT_EQ(attempts, 4);
    EXPECT_LT(attempts, p.modem_max_attempts);
    auto d = g.check(m, now);
    EXPECT_FALSE(d.allowed);
    EXPECT_TRUE(d.needs_operator);
    EXPECT_NE(d.reason.find("operator"), std::string::npos);
    EXPECT_TRUE(g.find(m)->stopped);
    g.clear(m);
    EXPECT_TRUE(g.check(m, now).allowed);
}

// The modem's count (currAuthTimes) wins over ours: failures by a person count too.
TEST(TplinkGuard, HonoursTheModemsAttemptCount) {
    LoginGuard g(policy());
    const GuardRecord& r = g.on_failure("m", 0, LoginFailure::bad_credentials, std::nullopt, 3);
    EXPECT_EQ(r.attempts_used, 3);
    EXPECT_TRUE(r.stopped);  // 5 − 3 = 2 left = the reserve: our first failure already stops
    EXPECT_FALSE(g.check("m", 3600).allowed);
    LoginGuard h(policy());
    EXPECT_FALSE(h.on_failure("m", 0, LoginFailure::bad_credentials, std::nullopt, 1).stopped);
    EXPECT_FALSE(h.on_failure("m", 60, LoginFailure::bad_credentials, std::nullopt, 2).stopped);
    EXPECT_TRUE(h.on_failure("m", 200, LoginFailure::bad_credentials, std::nullopt, 3).stopped);
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
    auto empty = LoginGuard::load(path, policy(), 0);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->check("m", 0).allowed);
    LoginGuard g(policy());
    g.on_failure("192.168.1.1", 100, LoginFailure::locked, 900);
    g.on_success("10.0.0.2", "cbc-oaep");
    ASSERT_TRUE(g.save(path));
    auto back = LoginGuard::load(path, policy(), 100);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->check("192.168.1.1", 100 + 900).allowed);
    EXPECT_TRUE(back->find("192.168.1.1")->locked);
    EXPECT_EQ(back->find("10.0.0.2")->variant, "cbc-oaep");
    std::remove(path.c_str());
}

TEST(TplinkGuard, StateFileIsPrivateAndDurable) {
    std::string path = ::testing::TempDir() + "/tplink_guard_mode.json";
    std::remove(path.c_str());
    std::ofstream(path + ".tmp") << "left over";
    chmod((path + ".tmp").c_str(), 0644);
    LoginGuard g(policy());
    g.on_failure("m", 0, LoginFailure::bad_credentials, std::nullopt);
    ASSERT_TRUE(g.save(path));
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_NE(stat((path + ".tmp").c_str(), &st), 0);  // renamed into place
    std::remove(path.c_str());
}

// An empty or corrupt state file must not reset the back-off: every modem is stopped at the margin.
TEST(TplinkGuard, EmptyOrCorruptStateDoesNotReset) {
    std::string path = ::testing::TempDir() + "/tplink_guard_lost.json";
    for (const char* content : {"", "  \n", "{\"modems\":{\"x\":{\"failures\":\"two\"}}}", "{\"mod"}) {
        std::ofstream(path, std::ios::trunc) << content;
        std::string warning;
        auto g = LoginGuard::load(path, policy(), 5000, &warning);
        ASSERT_TRUE(g) << g.error().message;
        EXPECT_FALSE(warning.empty()) << content;
        EXPECT_EQ(g->state_lost_at(), 5000);
        auto d = g->check("any-modem", 5001);
        EXPECT_FALSE(d.allowed) << content;
        // Saved and loaded again, the loss is remembered.
        ASSERT_TRUE(g->save(path));
        auto again = LoginGuard::load(path, policy(), 9000);
        ASSERT_TRUE(again);
        EXPECT_EQ(again->state_lost_at(), 5000);
        EXPECT_FALSE(again->check("any-modem", 9001).allowed);
        again->clear("any-modem");
        EXPECT_TRUE(again->check("any-modem", 9001).allowed);
    }
    std::remove(path.c_str());
}

}  // namespace
}  // namespace cpe::tplink
