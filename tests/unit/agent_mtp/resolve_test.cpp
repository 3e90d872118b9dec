// The agent's host name lookup without the C library (agent/mtp/resolve.hpp): literals, the hosts file,
// localhost names, and the errors that name the host and the file. Queries to a DNS server are covered by
// tests/unit/agent_diag/dns_test.cpp (the client) and the integration tests with dnsmasq
// (tests/integration/hub_usp/controller_name_test.cpp) and a silent server (agent_server_test.cpp).
#include "mtp/resolve.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace fs = std::filesystem;
using namespace cpe::agent::mtp;

namespace {

class ResolveTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("cpe-resolve-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
        options.resolv_conf = (dir / "resolv.conf").string();  // absent unless a test writes it
        options.hosts_file = (dir / "hosts").string();
    }
    void TearDown() override { fs::remove_all(dir); }
    fs::path dir;
    ResolveOptions options;
};

TEST_F(ResolveTest, LiteralsNeedNoFile) {
    EXPECT_EQ(resolve_host("192.0.2.7", options).value(), (std::vector<std::string>{"192.0.2.7"}));
    EXPECT_EQ(resolve_host("2001:db8::7", options).value(), (std::vector<std::string>{"2001:db8::7"}));
    EXPECT_TRUE(is_ip_literal("::1"));
    EXPECT_FALSE(is_ip_literal("hub.example"));
    EXPECT_FALSE(is_ip_literal("[::1]"));
}

TEST_F(ResolveTest, TheHostsFileComesBeforeDns) {
    std::ofstream(dir / "hosts") << "127.0.0.1 localhost\n10.9.8.7 hub.fleet.test hub\n";
    std::ofstream(dir / "resolv.conf") << "nameserver 192.0.2.53\n";  // never asked: the hosts file answers
    EXPECT_EQ(resolve_host("HUB.fleet.test", options).value(), (std::vector<std::string>{"10.9.8.7"}));
    EXPECT_EQ(resolve_host("hub", options).value(), (std::vector<std::string>{"10.9.8.7"}));
}

TEST_F(ResolveTest, LocalhostNamesAreTheLoopbackWithoutAnyFile) {
    options.hosts_file = "";
    const std::vector<std::string> loopback{"127.0.0.1", "::1"};
    EXPECT_EQ(resolve_host("localhost", options).value(), loopback);
    EXPECT_EQ(resolve_host("Agent.LOCALHOST.", options).value(), loopback);
}

TEST_F(ResolveTest, ErrorsNameTheHostAndTheFile) {
    auto missing = resolve_host("hub.fleet.test", options);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "cannot resolve 'hub.fleet.test': " + options.resolv_conf +
                                           ": cannot open (no DNS servers known)");
    std::ofstream(dir / "resolv.conf") << "# written by the WAN script\nsearch lan\n";
    auto empty = resolve_host("hub.fleet.test", options);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message,
              "cannot resolve 'hub.fleet.test': no nameserver line in " + options.resolv_conf);
    std::ofstream(dir / "resolv.conf") << "nameserver 127.0.0.1\n";
    auto bad = resolve_host("bad..name", options);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.rfind("cannot resolve 'bad..name': ", 0), 0u) << bad.error().message;
}

TEST_F(ResolveTest, TheResolverThreadPostsTheAnswer) {
    std::ofstream(dir / "hosts") << "10.1.2.3 hub.fleet.test\n";
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::function<void()>> posted;
    ControllerResolver resolver(
        [&](std::function<void()> fn) {
            std::lock_guard g(m);
            posted.push_back(std::move(fn));
            cv.notify_all();
        },
        options);
    std::vector<std::string> got;
    ASSERT_TRUE(resolver.resolve("hub.fleet.test", [&](cpe::Result<std::vector<std::string>> r) {
        ASSERT_TRUE(r) << r.error().message;
        got = *r;
    }));
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !posted.empty(); }));
    EXPECT_TRUE(got.empty());  // nothing runs on the resolver's thread: the answer waits for the loop
    posted.front()();
    EXPECT_EQ(got, (std::vector<std::string>{"10.1.2.3"}));
}

}  // namespace
