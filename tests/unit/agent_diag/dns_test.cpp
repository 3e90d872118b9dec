// Our DNS client (common/net/dns.*): the query it builds, the parser on hand-made answers (compression,
// CNAME chains, pointers that loop or run off the end), resolv.conf, and real queries to a responder in the
// test (UDP on 127.0.0.77:53 and 127.0.0.80:53) — also NSLookupDiagnostics() and IPPing() of a name through
// it.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "diag/nslookup.hpp"
#include "diag/ping.hpp"
#include "net/dns.hpp"

namespace dns = cpe::net::dns;
namespace usp = cpe::agent::usp;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> v) {
    std::vector<uint8_t> out;
    for (int b : v) out.push_back(static_cast<uint8_t>(b));
    return out;
}

TEST(DnsQuery, WireFormAndNameChecks) {
    auto q = dns::build_query(0xabcd, "www.example.com.", dns::kTypeAaaa);
    ASSERT_TRUE(q);
    auto want = bytes({0xab, 0xcd, 0x01, 0x00, 0,   1,   0,   0, 0,   0,   0,   0, 3, 'w', 'w', 'w', 7,
                       'e',  'x',  'a',  'm',  'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 28,  0,   1});
    EXPECT_EQ(*q, want);
    EXPECT_FALSE(dns::build_query(1, "", 1));
    EXPECT_FALSE(dns::build_query(1, "a..b", 1));
    EXPECT_FALSE(dns::build_query(1, std::string(64, 'a') + ".com", 1));
    EXPECT_FALSE(dns::build_query(1, "bad name.com", 1));
    auto e = dns::build_query(1, std::string(254, 'a'), 1);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("253"), std::string::npos);
}

// A response to "a.example" A: CNAME a.example → b.example (compressed), then b.example A 192.0.2.5.
std::vector<uint8_t> cname_response() {
    return bytes({0x12, 0x34, 0x85, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
                  // question at 12: a.example A IN
                  1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
                  // answer 1: name ptr 12, CNAME IN ttl 60, rdlen 4: "b" + ptr to "example" (offset 14)
                  0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 'b', 0xc0, 14,
                  // answer 2: name ptr to "b.example" (offset 39), A IN ttl 60, 192.0.2.5
                  0xc0, 39, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 5});
}

TEST(DnsParse, CompressionAndCnameChain) {
    auto r = dns::parse_response(cname_response());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->id, 0x1234);
    EXPECT_TRUE(r->is_response);
    EXPECT_TRUE(r->authoritative);
    EXPECT_EQ(r->rcode, 0);
    EXPECT_EQ(r->question, "a.example");
    ASSERT_EQ(r->answers.size(), 2u);
    EXPECT_EQ(r->answers[0].type, dns::kTypeCname);
    EXPECT_EQ(r->answers[0].data, "b.example");
    EXPECT_EQ(r->answers[1].name, "b.example");
    EXPECT_EQ(r->answers[1].data, "192.0.2.5");
}

TEST(DnsParse, MalformedAnswersAreErrors) {
    auto base = cname_response();
    // A pointer to itself (a loop), a pointer forward, a message cut inside a record, an A of 3 bytes.
    auto loop = base;
    loop[44] = 43;  // answer 2's name points at itself
    EXPECT_FALSE(dns::parse_response(loop));
    auto forward = base;
    forward[28] = 60;  // answer 1's name points past itself
    EXPECT_FALSE(dns::parse_response(forward));
    for (size_t cut : {size_t{5}, size_t{20}, size_t{35}, size_t{50}, base.size() - 1})
        EXPECT_FALSE(dns::parse_response(std::span<const uint8_t>(base.data(), cut))) << cut;
    auto short_a = base;
    short_a[short_a.size() - 5] = 3;
    EXPECT_FALSE(dns::parse_response(short_a));
}

TEST(DnsResolvConf, NameserversOnly) {
    auto s = dns::parse_resolv_conf(
        "# comment\nsearch lan\nnameserver 192.168.1.1\nnameserver\tfe80::1%br-lan\n"
        "nameserver not-an-ip\nnameserverx 1.1.1.1\n  nameserver 8.8.8.8 # x\nnameserver 9.9.9.9\n");
    EXPECT_EQ(s, (std::vector<std::string>{"192.168.1.1", "fe80::1", "8.8.8.8"}));
}

TEST(DnsHostsFile, NamesAndAliasesWithoutCaseInFileOrder) {
    const char* text =
        "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost # loopback\n"
        "# 10.0.0.9 hub.fleet.test\n10.0.0.7 other hub.Fleet.TEST\r\nnot-an-ip hub.fleet.test\n"
        "fe80::7%br-lan hub.fleet.test\n10.0.0.8 hub.fleet.test.bad\n10.0.0.6\n";
    EXPECT_EQ(dns::hosts_lookup(text, "hub.fleet.test.", true, true),
              (std::vector<std::string>{"10.0.0.7", "fe80::7"}));
    EXPECT_EQ(dns::hosts_lookup(text, "hub.fleet.test", true, false), (std::vector<std::string>{"10.0.0.7"}));
    EXPECT_EQ(dns::hosts_lookup(text, "LOCALHOST", false, true), (std::vector<std::string>{"::1"}));
    EXPECT_TRUE(dns::hosts_lookup(text, "ip6-localhost", true, false).empty());
    EXPECT_TRUE(dns::hosts_lookup(text, "10.0.0.6", true, true).empty());
    EXPECT_TRUE(dns::hosts_lookup(text, "", true, true).empty());
}

// A DNS responder for the tests: "host.test" → 10.20.30.40 (A) and nothing else (NXDOMAIN), authoritative.
class Responder {
  public:
    explicit Responder(const char* address) : address_(address) {
        fd_ = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(53);
        inet_pton(AF_INET, address, &a.sin_addr);
        if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
            why_ = "cannot bind " + address_ + ":53: " + strerror(errno);
            return;
        }
        timeval tv{0, 100000};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        thread_ = std::thread([this] { serve(); });
    }
    ~Responder() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        close(fd_);
    }
    const std::string& why_not() const { return why_; }
    int queries() const { return queries_; }

  private:
    void serve() {
        uint8_t buf[512];
        while (!stop_) {
            sockaddr_in from{};
            socklen_t len = sizeof(from);
            ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 17) continue;
            ++queries_;
            std::vector<uint8_t> out(buf, buf + n);
            out[2] = 0x85;  // response, authoritative, recursion desired
            out[3] = 0x80;
            const std::string q(reinterpret_cast<char*>(buf + 12), static_cast<size_t>(n - 12 - 4));
            const uint16_t type = static_cast<uint16_t>(buf[n - 4] << 8 | buf[n - 3]);
            const bool known = q == std::string("\x04host\x04test", 10) + std::string(1, '\0');
            if (!known) {
                out[3] = 0x83;  // NXDOMAIN
            } else if (type == 1) {
                out[7] = 1;
                for (int b : {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 20, 30, 40})
                    out.push_back(static_cast<uint8_t>(b));
            }
            sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
    }
    std::string address_;
    int fd_ = -1;
    std::string why_;
    std::atomic<bool> stop_{false};
    std::atomic<int> queries_{0};
    std::thread thread_;
};

TEST(DnsClient, QueriesAndResolves) {
    Responder r("127.0.0.77");
    if (!r.why_not().empty()) GTEST_SKIP() << r.why_not();
    auto a = dns::query("127.0.0.77", "host.test", dns::kTypeA, 2000);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_EQ(a->response.answers.size(), 1u);
    EXPECT_EQ(a->response.answers[0].data, "10.20.30.40");
    EXPECT_TRUE(a->response.authoritative);
    auto addrs = dns::resolve("host.test", {"127.0.0.77"}, true, true, 2000);
    ASSERT_TRUE(addrs);
    EXPECT_EQ(*addrs, std::vector<std::string>{"10.20.30.40"});
    auto none = dns::resolve("nothing.test", {"127.0.0.77"}, true, false, 2000);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, cpe::Errc::not_found);
    // Nobody at 127.0.0.78: refused (port unreachable), not a hang.
    auto refused = dns::query("127.0.0.78", "host.test", dns::kTypeA, 2000);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, cpe::Errc::unavailable);
}

usp::Args run(const usp::CommandSpec& spec, usp::Args args) {
    auto bad = usp::validate_args(spec, args);
    EXPECT_FALSE(bad) << (bad ? bad->message : "");
    if (bad) return {};
    std::atomic<bool> cancelled{false};
    usp::RunContext ctx{args, cancelled, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
    return spec.run(ctx);
}

TEST(NsLookup, AnswersAndFailuresPerRepetition) {
    Responder r("127.0.0.80");
    if (!r.why_not().empty()) GTEST_SKIP() << r.why_not();
    const fs::path root = fs::temp_directory_path() / ("cpe-dns-root-" + std::to_string(getpid()));
    fs::create_directories(root / "etc");
    std::ofstream(root / "etc/resolv.conf") << "nameserver 127.0.0.80\n";
    auto spec = cpe::agent::diag::nslookup_command(root.string());
    auto out = run(spec, {{"HostName", "host.test"}, {"NumberOfRepetitions", "2"}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["SuccessCount"], "2");
    EXPECT_EQ(out["Result.1.Status"], "Success");
    EXPECT_EQ(out["Result.1.IPAddresses"], "10.20.30.40");
    EXPECT_EQ(out["Result.1.AnswerType"], "Authoritative");
    EXPECT_EQ(out["Result.1.HostNameReturned"], "host.test");
    EXPECT_EQ(out["Result.2.DNSServerIP"], "127.0.0.80");
    auto missing = run(spec, {{"HostName", "nothing.test"}, {"DNSServer", "127.0.0.80"}});
    EXPECT_EQ(missing["SuccessCount"], "0");
    EXPECT_EQ(missing["Result.1.Status"], "Error_HostNameNotResolved");
    auto down = run(spec, {{"HostName", "host.test"}, {"DNSServer", "127.0.0.81"}});
    EXPECT_EQ(down["Result.1.Status"], "Error_DNSServerNotAvailable");
    auto unnamed = run(spec, {{"HostName", "host.test"}, {"DNSServer", "dns.nowhere.test"}});
    EXPECT_EQ(unnamed["Status"], "Error_DNSServerNotResolved");
    // IPPing of a name goes through the same client (10.20.30.40 is not ours: only the resolution matters).
    auto ping = run(cpe::agent::diag::ipping_command(cpe::agent::diag::dns_resolver(root.string())),
                    {{"Host", "nothing.test"}, {"NumberOfRepetitions", "1"}});
    EXPECT_EQ(ping["Status"], "Error_CannotResolveHostName");
    fs::remove_all(root);
    // A HostName that cannot be a DNS name is refused before anything runs.
    usp::Args bad{{"HostName", "bad name"}};
    auto e = usp::validate_args(spec, bad);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->arg, "HostName");
}

}  // namespace
