#include <gtest/gtest.h>

#include "api/access.hpp"

using namespace cpe::hub::api;
using cpe::net::Request;

namespace {
AccessConfig config() {
    AccessConfig c;
    c.service_token = "s3cret-token-0123456789";
    c.trusted_proxies = {"10.0.0.5"};
    return c;
}
Request req(std::string path, std::string peer = "192.0.2.10") {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.peer = std::move(peer);
    return r;
}
}  // namespace

TEST(Access, ServiceTokenOkAndBad) {
    auto c = config();
    auto r = req("/devices/lookup");
    r.headers["authorization"] = "Bearer s3cret-token-0123456789";
    Principal who;
    EXPECT_FALSE(check_access(c, r, &who));
    EXPECT_EQ(who.who, "service");
    r.headers["authorization"] = "token s3cret-token-0123456789";
    EXPECT_FALSE(check_access(c, r));
    r.headers.clear();
    r.headers["x-api-key"] = "s3cret-token-0123456789";
    EXPECT_FALSE(check_access(c, r));

    for (std::string bad : {"Bearer s3cret-token-012345678", "Bearer s3cret-token-01234567890", "Bearer ",
                            "Basic abc", "s3cret-token-0123456789"}) {
        auto b = req("/devices/summary");
        b.headers["authorization"] = bad;
        auto refused = check_access(c, b);
        ASSERT_TRUE(refused) << bad;
        EXPECT_EQ(refused->status, 401);
        EXPECT_NE(refused->body.find("\"error\""), std::string::npos);
    }
}

TEST(Access, StaffHeadersOnlyFromTheTrustedProxy) {
    auto c = config();
    auto r = req("/devices/x/hosts", "10.0.0.5");
    r.headers["x-authentik-email"] = "tech@example.org";
    r.headers["x-authentik-groups"] = "techs";
    Principal who;
    EXPECT_FALSE(check_access(c, r, &who));
    EXPECT_EQ(who.who, "staff:tech@example.org");
    r.peer = "::ffff:10.0.0.5";  // IPv4-mapped form of the same peer
    EXPECT_FALSE(check_access(c, r));

    r.peer = "10.0.0.6";
    auto refused = check_access(c, r);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_NE(refused->body.find("untrusted"), std::string::npos);

    c.staff_groups = {"admins"};
    r.peer = "10.0.0.5";
    auto forbidden = check_access(c, r);
    ASSERT_TRUE(forbidden);
    EXPECT_EQ(forbidden->status, 403);
    r.headers["x-authentik-groups"] = "techs|admins";
    EXPECT_FALSE(check_access(c, r));
}

TEST(Access, NothingGives401AndUnprotectedPathsPass) {
    auto c = config();
    for (const char* p : {"/devices/lookup", "/devices", "/usp/endpoints", "/sse"}) {
        auto refused = check_access(c, req(p));
        ASSERT_TRUE(refused) << p;
        EXPECT_EQ(refused->status, 401);
        bool www = false;
        for (const auto& [k, v] : refused->headers) www = www || k == "WWW-Authenticate";
        EXPECT_TRUE(www);
    }
    EXPECT_FALSE(check_access(c, req("/health")));
    EXPECT_FALSE(check_access(c, req("/devicesx")));  // a prefix is a whole path segment
    // No token configured: a presented token never matches (not even an empty one).
    AccessConfig none;
    auto r = req("/devices/lookup");
    r.headers["authorization"] = "Bearer x";
    EXPECT_TRUE(check_access(none, r));
}

TEST(Access, ConstantTimeCompare) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

// Issue 10 item 2: the proxy's e-mail header is one address; a folded or appended list is refused.
TEST(Access, StaffEmailMustBeOneAddress) {
    auto c = config();
    for (std::string bad : std::vector<std::string>{
             "a@example.org, b@example.org", "a@example.org;b@example.org", "a@example.org b@example.org",
             std::string("a@example.org\nb@example.org")}) {
        auto r = req("/devices/summary", "10.0.0.5");
        r.headers["x-authentik-email"] = bad;
        auto refused = check_access(c, r);
        ASSERT_TRUE(refused) << bad;
        EXPECT_EQ(refused->status, 400) << bad;
    }
    auto r = req("/devices/summary", "10.0.0.5");
    r.headers["x-authentik-email"] = "tech@example.org";
    EXPECT_FALSE(check_access(c, r));
}
