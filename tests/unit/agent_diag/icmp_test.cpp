// The ICMP parser (agent/diag/icmp.*) on hand-made datagrams, and IPPing() run for real against the loopback
// interface (a ping socket when net.ipv4.ping_group_range allows our group, else a raw socket).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "diag/icmp.hpp"
#include "diag/ping.hpp"
#include "diag/traceroute.hpp"

using namespace cpe::agent::diag;
namespace usp = cpe::agent::usp;

namespace {

std::vector<uint8_t> echo(uint8_t type, uint16_t id, uint16_t seq, std::vector<uint8_t> data) {
    std::vector<uint8_t> p = {type, 0, 0, 0, uint8_t(id >> 8), uint8_t(id), uint8_t(seq >> 8), uint8_t(seq)};
    p.insert(p.end(), data.begin(), data.end());
    return p;
}

std::vector<uint8_t> ipv4(uint8_t proto, std::vector<uint8_t> body) {
    std::vector<uint8_t> h(20, 0);
    h[0] = 0x45;
    h[9] = proto;
    h.insert(h.end(), body.begin(), body.end());
    return h;
}

TEST(IcmpParse, EchoReplyWithAndWithoutIpHeader) {
    auto r = echo(0, 0x1234, 7, {1, 2, 3});
    auto m = parse_icmp(r, false, false);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, IcmpMessage::Kind::echo_reply);
    EXPECT_EQ(m->id, 0x1234);
    EXPECT_EQ(m->seq, 7);
    EXPECT_EQ(m->payload.size(), 3u);
    auto withip = ipv4(1, r);
    auto m2 = parse_icmp(withip, true, false);
    ASSERT_TRUE(m2);
    EXPECT_EQ(m2->seq, 7);
    // IHL beyond the datagram, a non-ICMP protocol, a short message: nothing.
    auto bad = withip;
    bad[0] = 0x4f;
    EXPECT_FALSE(parse_icmp(std::span<const uint8_t>(bad.data(), 30), true, false));
    EXPECT_FALSE(parse_icmp(ipv4(17, r), true, false));
    EXPECT_FALSE(parse_icmp(std::span<const uint8_t>(r.data(), 7), false, false));
    // An echo request (our own, looped back on a raw socket) is not a reply.
    EXPECT_EQ(parse_icmp(echo(8, 1, 1, {}), false, false)->kind, IcmpMessage::Kind::other);
}

TEST(IcmpParse, ErrorQuotesTheEchoItAnswers) {
    // Time exceeded (11) quoting an IPv4 header and our echo request id 0x0102 seq 9.
    std::vector<uint8_t> quoted = ipv4(1, echo(8, 0x0102, 9, {}));
    std::vector<uint8_t> err = {11, 0, 0, 0, 0, 0, 0, 0};
    err.insert(err.end(), quoted.begin(), quoted.end());
    auto m = parse_icmp(err, false, false);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, IcmpMessage::Kind::error);
    EXPECT_EQ(m->type, 11);
    EXPECT_EQ(m->id, 0x0102);
    EXPECT_EQ(m->seq, 9);
    // ICMPv6 reply type 129; 128 (request) is not.
    EXPECT_EQ(parse_icmp(echo(129, 5, 6, {}), false, true)->kind, IcmpMessage::Kind::echo_reply);
    EXPECT_EQ(parse_icmp(echo(128, 5, 6, {}), false, true)->kind, IcmpMessage::Kind::other);
}

TEST(IcmpParse, Checksum) {
    // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
    std::vector<uint8_t> b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(inet_checksum(b), 0x220d);
}

usp::Args run(const usp::CommandSpec& spec, usp::Args args) {
    auto bad = usp::validate_args(spec, args);
    EXPECT_FALSE(bad) << (bad ? bad->message : "");
    std::atomic<bool> cancelled{false};
    usp::RunContext ctx{args, cancelled, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
    return spec.run(ctx);
}

TEST(IpPing, LoopbackAnswersEveryProbe) {
    auto spec = ipping_command(resolve_literal);
    auto out =
        run(spec,
            {{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "4"}, {"DataBlockSize", "100"}, {"DSCP", "10"}});
    ASSERT_EQ(out.at("Status"), "Complete");
    EXPECT_EQ(out.at("SuccessCount"), "4");
    EXPECT_EQ(out.at("FailureCount"), "0");
    EXPECT_EQ(out.at("IPAddressUsed"), "127.0.0.1");
    EXPECT_GT(std::stoul(out.at("MaximumResponseTimeDetailed")), 0u);
    EXPECT_LE(std::stoul(out.at("MinimumResponseTimeDetailed")),
              std::stoul(out.at("AverageResponseTimeDetailed")));
    EXPECT_LE(std::stoul(out.at("AverageResponseTimeDetailed")),
              std::stoul(out.at("MaximumResponseTimeDetailed")));
}

TEST(IpPing, LoopbackOverIpv6) {
    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    if (probe < 0) GTEST_SKIP() << "no IPv6 on this host";
    close(probe);
    auto out = run(ipping_command(resolve_literal), {{"Host", "::1"}, {"NumberOfRepetitions", "2"}});
    if (out.at("Status") == "Error_Other") GTEST_SKIP() << "::1 is not reachable here (IPv6 disabled on lo)";
    EXPECT_EQ(out.at("Status"), "Complete");
    EXPECT_EQ(out.at("SuccessCount"), "2");
}

TEST(IpPing, NameWithoutResolverAndWrongFamily) {
    auto spec = ipping_command(resolve_literal);
    EXPECT_EQ(run(spec, {{"Host", "no.such.name.invalid"}}).at("Status"), "Error_CannotResolveHostName");
    EXPECT_EQ(run(spec, {{"Host", "127.0.0.1"}, {"ProtocolVersion", "IPv6"}}).at("Status"),
              "Error_CannotResolveHostName");
}

TEST(IpPing, CancelStopsWithinAProbe) {
    auto spec = ipping_command(resolve_literal);
    usp::Args args{{"Host", "127.0.0.1"}, {"NumberOfRepetitions", "1000"}, {"Timeout", "500"}};
    ASSERT_FALSE(usp::validate_args(spec, args));
    std::atomic<bool> cancelled{false};
    usp::RunContext ctx{args, cancelled, std::chrono::steady_clock::now() + std::chrono::seconds(600)};
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancelled = true;
    });
    auto out = spec.run(ctx);
    t.join();
    EXPECT_LT(std::stoul(out.at("SuccessCount")), 1000u);  // stopped early, not after 100 s
}

}  // namespace

namespace {

TEST(TraceRoute, LoopbackIsOneHopAway) {
    auto spec = traceroute_command(resolve_literal);
    auto out =
        run(spec, {{"Host", "127.0.0.1"}, {"NumberOfTries", "2"}, {"Timeout", "1000"}, {"MaxHopCount", "5"}});
    EXPECT_EQ(out.at("Status"), "Complete");
    EXPECT_EQ(out.at("IPAddressUsed"), "127.0.0.1");
    EXPECT_EQ(out.at("RouteHops.1.HostAddress"), "127.0.0.1");
    EXPECT_EQ(out.at("RouteHops.1.ErrorCode"), "0");
    EXPECT_EQ(out.count("RouteHops.2.HostAddress"), 0u);
    // Two tries, two round-trip times.
    EXPECT_EQ(std::count(out.at("RouteHops.1.RTTimes").begin(), out.at("RouteHops.1.RTTimes").end(), ','), 1);
}

TEST(TraceRoute, BoundsAreCheckedBeforeItRuns) {
    auto spec = traceroute_command(resolve_literal);
    usp::Args a{{"Host", "127.0.0.1"}, {"NumberOfTries", "4"}};
    auto e = usp::validate_args(spec, a);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->arg, "NumberOfTries");
    usp::Args slow{
        {"Host", "127.0.0.1"}, {"MaxHopCount", "64"}, {"NumberOfTries", "3"}, {"Timeout", "30000"}};
    auto s = usp::validate_args(spec, slow);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->arg, "Timeout");
}

}  // namespace
