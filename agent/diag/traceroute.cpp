#include "diag/traceroute.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "usp/error_codes.hpp"
#include "util/fd.hpp"

namespace cpe::agent::diag {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxSeconds = 600;

struct ProbeAnswer {
    bool answered = false;
    bool reached = false;  // the destination itself answered (port unreachable)
    uint8_t type = 0, code = 0;
    std::string from;
    uint32_t rtt_us = 0;
};

// Waits for the ICMP error of the probe sent to `port`, reading the socket's error queue.
ProbeAnswer wait_error(int fd, bool v6, uint16_t port, Clock::time_point sent, int timeout_ms,
                       const usp::RunContext& ctx) {
    ProbeAnswer a;
    const auto end = sent + std::chrono::milliseconds(timeout_ms);
    while (!ctx.stop_now()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) return a;
        pollfd p{fd, POLLERR, 0};  // POLLERR is reported whatever is asked
        const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
        if (r <= 0) continue;
        sockaddr_storage orig{};
        uint8_t data[64];
        // Zeroed: an offender address the kernel (or an emulator) did not fill in reads as no address, never
        // as stack bytes (qemu-user 7.2 translates sock_extended_err but not the offender:
        // docs/diagnostics.md).
        alignas(cmsghdr) uint8_t control[512] = {};
        iovec iov{data, sizeof(data)};
        msghdr msg{};
        msg.msg_name = &orig;
        msg.msg_namelen = sizeof(orig);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            // A datagram (a UDP answer from a host that listens on the port) is read and dropped.
            uint8_t drop[64];
            (void)recv(fd, drop, sizeof(drop), MSG_DONTWAIT);
            continue;
        }
        const uint16_t orig_port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&orig)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&orig)->sin_port);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            const bool ours = (!v6 && c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                              (v6 && c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
            if (!ours) continue;
            const size_t off_len = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
            if (c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
            sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof(ee));
            if (orig_port != port) continue;  // a late answer to an earlier probe
            if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) continue;
            // The offender (the router or host that sent the ICMP error) follows the extended error; an
            // answer without it (short, or not of the probe's family) counts, with no address.
            Address from;
            if (c->cmsg_len >= CMSG_LEN(sizeof(sock_extended_err) + off_len)) {
                memcpy(&from.sa, CMSG_DATA(c) + sizeof(sock_extended_err), off_len);
                from.len = static_cast<socklen_t>(off_len);
            }
            a.answered = true;
            a.type = ee.ee_type;
            a.code = ee.ee_code;
            a.from = from.sa.ss_family == (v6 ? AF_INET6 : AF_INET) ? from.text() : "";
            a.rtt_us = static_cast<uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
            // Port unreachable from the host: arrived. IPv4 3/3, IPv6 1/4.
            a.reached = v6 ? (ee.ee_type == 1 && ee.ee_code == 4) : (ee.ee_type == 3 && ee.ee_code == 3);
            return a;
        }
    }
    return a;
}

usp::Args run_trace(const Resolver& resolver, const usp::RunContext& ctx) {
    const usp::Args& a = ctx.args;
    usp::Args out{{"Status", "Complete"}, {"IPAddressUsed", ""}, {"ResponseTime", "0"}};
    auto to = resolver(a.at("Host"), a.at("ProtocolVersion"), [&ctx] { return ctx.stop_now(); });
    if (!to) {
        out["Status"] = to.error().code == Errc::not_found ? "Error_CannotResolveHostName" : "Error_Internal";
        return out;
    }
    const bool v6 = to->family() == AF_INET6;
    const uint32_t tries = static_cast<uint32_t>(std::stoul(a.at("NumberOfTries")));
    const int timeout_ms = static_cast<int>(std::stoul(a.at("Timeout")));
    const size_t size = std::stoul(a.at("DataBlockSize"));
    const int dscp = static_cast<int>(std::stoul(a.at("DSCP")));
    const uint32_t max_hops = static_cast<uint32_t>(std::stoul(a.at("MaxHopCount")));
    Fd fd(socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const int on = 1, tclass = dscp << 2;
    if (fd.get() < 0 || (v6 ? setsockopt(fd.get(), SOL_IPV6, IPV6_RECVERR, &on, sizeof(on))
                            : setsockopt(fd.get(), SOL_IP, IP_RECVERR, &on, sizeof(on))) != 0) {
        out["Status"] = "Error_Internal";
        return out;
    }
    if (tclass) {
        if (v6)
            setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
        else
            setsockopt(fd.get(), IPPROTO_IP, IP_TOS, &tclass, sizeof(tclass));
    }
    if (auto it = a.find("Interface"); it != a.end() && !it->second.empty())
        setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, it->second.c_str(),
                   static_cast<socklen_t>(it->second.size()));
    // The source address the kernel picks for this destination (a connected UDP socket tells, then
    // disconnect).
    {
        Fd probe(socket(to->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
        Address dst = *to;
        if (v6)
            reinterpret_cast<sockaddr_in6*>(&dst.sa)->sin6_port = htons(kTraceBasePort);
        else
            reinterpret_cast<sockaddr_in*>(&dst.sa)->sin_port = htons(kTraceBasePort);
        if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&dst.sa), dst.len) == 0) {
            Address local;
            local.len = sizeof(local.sa);
            if (getsockname(probe.get(), reinterpret_cast<sockaddr*>(&local.sa), &local.len) == 0)
                out["IPAddressUsed"] = local.text();
        } else {
            out["Status"] = "Error_Other";  // no route to the host at all
            return out;
        }
    }
    std::vector<uint8_t> payload(size, 0x40);
    uint16_t port = kTraceBasePort;
    bool reached = false;
    uint32_t hops = 0, last_rtt_sum = 0, last_rtt_n = 0;
    for (uint32_t ttl = 1; ttl <= max_hops && !reached && !ctx.stop_now(); ++ttl) {
        const int hop_limit = static_cast<int>(ttl);
        if (v6)
            setsockopt(fd.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hop_limit, sizeof(hop_limit));
        else
            setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &hop_limit, sizeof(hop_limit));
        std::string host, rtts;
        uint32_t code = 0, rtt_sum = 0, rtt_n = 0;
        for (uint32_t t = 0; t < tries && !ctx.stop_now(); ++t, ++port) {
            Address dst = *to;
            if (v6)
                reinterpret_cast<sockaddr_in6*>(&dst.sa)->sin6_port = htons(port);
            else
                reinterpret_cast<sockaddr_in*>(&dst.sa)->sin_port = htons(port);
            const auto sent = Clock::now();
            if (sendto(fd.get(), payload.data(), payload.size(), 0,
                       reinterpret_cast<const sockaddr*>(&dst.sa), dst.len) < 0 &&
                errno != EHOSTUNREACH && errno != ENETUNREACH && errno != ECONNREFUSED) {
                out["Status"] = "Error_Internal";
                return out;
            }
            ProbeAnswer ans = wait_error(fd.get(), v6, port, sent, timeout_ms, ctx);
            if (!ans.answered) continue;
            if (host.empty()) host = ans.from;
            code = ans.reached ? 0 : ans.code;
            const uint32_t ms = (ans.rtt_us + 500) / 1000;
            rtts += (rtts.empty() ? "" : ",") + std::to_string(ms);
            rtt_sum += ms;
            ++rtt_n;
            reached = reached || ans.reached || ans.from == to->text();
            // A host that says "unreachable" (network, host, admin prohibited) ends the trace there as well.
            if (!ans.reached && ((!v6 && ans.type == 3) || (v6 && ans.type == 1))) {
                code = ans.code;
                reached = true;
            }
        }
        ++hops;
        const std::string p = "RouteHops." + std::to_string(hops) + ".";
        out[p + "Host"] = host;  // the address: the agent does no reverse lookups
        out[p + "HostAddress"] = host;
        out[p + "ErrorCode"] = std::to_string(code);
        out[p + "RTTimes"] = rtts;
        last_rtt_sum = rtt_sum;
        last_rtt_n = rtt_n;
    }
    out["ResponseTime"] = std::to_string(last_rtt_n ? last_rtt_sum / last_rtt_n : 0);
    if (!reached && !ctx.stop_now()) out["Status"] = "Error_MaxHopCountExceeded";
    return out;
}

}  // namespace

usp::CommandSpec traceroute_command(Resolver resolver) {
    using tr181::Type;
    usp::CommandSpec c;
    c.path = "Device.IP.Diagnostics.TraceRoute()";
    c.kind = "traceroute";
    c.max_seconds = kMaxSeconds;
    c.inputs = {
        {"Interface", Type::string, false, "", 0, UINT64_MAX, 256, {}},
        {"ProtocolVersion", Type::string, false, "Any", 0, UINT64_MAX, 8, {"Any", "IPv4", "IPv6"}},
        {"Host", Type::string, true, "", 0, UINT64_MAX, 256, {}},
        {"NumberOfTries", Type::unsigned_int, false, "3", 1, 3, 0, {}},
        {"Timeout", Type::unsigned_int, false, "5000", 1, 30000, 0, {}},
        {"DataBlockSize", Type::unsigned_int, false, "38", 1, 65000, 0, {}},
        {"DSCP", Type::unsigned_int, false, "0", 0, 63, 0, {}},
        {"MaxHopCount", Type::unsigned_int, false, "30", 1, 64, 0, {}},
    };
    c.check = [](const usp::Args& a) -> std::optional<usp::ArgError> {
        const uint64_t worst = std::stoull(a.at("MaxHopCount")) * std::stoull(a.at("NumberOfTries")) *
                               std::stoull(a.at("Timeout"));
        if (worst > uint64_t{kMaxSeconds} * 1000)
            return usp::ArgError{"Timeout", cpe::usp::err::invalid_value,
                                 "MaxHopCount × NumberOfTries × Timeout may take " +
                                     std::to_string(worst / 1000) + " s: at most " +
                                     std::to_string(kMaxSeconds) + " s"};
        return std::nullopt;
    };
    c.run = [resolver = std::move(resolver)](const usp::RunContext& ctx) { return run_trace(resolver, ctx); };
    return c;
}

}  // namespace cpe::agent::diag
