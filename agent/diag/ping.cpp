#include "diag/ping.hpp"

#include <sys/random.h>

#include <chrono>
#include <thread>
#include <vector>

#include "usp/error_codes.hpp"

namespace cpe::agent::diag {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxRepetitions = 1000;
constexpr uint32_t kMaxTimeoutMs = 60000;
constexpr uint32_t kMaxSeconds = 600;

usp::Args failed(const std::string& status) {
    return {{"Status", status},
            {"IPAddressUsed", ""},
            {"SuccessCount", "0"},
            {"FailureCount", "0"},
            {"AverageResponseTime", "0"},
            {"MinimumResponseTime", "0"},
            {"MaximumResponseTime", "0"},
            {"AverageResponseTimeDetailed", "0"},
            {"MinimumResponseTimeDetailed", "0"},
            {"MaximumResponseTimeDetailed", "0"}};
}

usp::Args run_ping(const Resolver& resolver, const usp::RunContext& ctx) {
    const usp::Args& a = ctx.args;
    const std::string host = a.at("Host");
    auto to = resolver(host, a.at("ProtocolVersion"), [&ctx] { return ctx.stop_now(); });
    if (!to)
        return failed(to.error().code == Errc::not_found ? "Error_CannotResolveHostName" : "Error_Internal");
    const uint32_t reps = static_cast<uint32_t>(std::stoul(a.at("NumberOfRepetitions")));
    const int timeout_ms = static_cast<int>(std::stoul(a.at("Timeout")));
    const size_t size = std::stoul(a.at("DataBlockSize"));
    const int dscp = static_cast<int>(std::stoul(a.at("DSCP")));
    auto it = a.find("Interface");
    auto sock = IcmpSocket::open(to->family(), it == a.end() ? "" : it->second, dscp << 2);
    if (!sock) return failed("Error_Internal");
    if (!sock->connect(*to)) return failed("Error_Other");  // no route: TR-181 has no finer status for it

    // The payload: a random tag (so that only our replies count) repeated to DataBlockSize.
    std::vector<uint8_t> payload(size);
    uint8_t tag[8] = {};
    if (getrandom(tag, sizeof(tag), 0) != sizeof(tag))
        for (size_t i = 0; i < sizeof(tag); ++i) tag[i] = static_cast<uint8_t>(i * 37 + 11);
    for (size_t i = 0; i < size; ++i) payload[i] = tag[i % sizeof(tag)];

    uint32_t ok = 0, lost = 0;
    uint64_t sum_us = 0, min_us = UINT64_MAX, max_us = 0;
    for (uint32_t i = 0; i < reps && !ctx.stop_now(); ++i) {
        const uint16_t seq = static_cast<uint16_t>(i + 1);
        const auto sent = Clock::now();
        if (Status st = sock->send_echo(seq, payload); !st) return failed("Error_Internal");
        // Waits in slices so that a cancel or the deadline is seen within 100 ms.
        bool answered = false;
        while (!answered && !ctx.stop_now()) {
            const auto left =
                timeout_ms -
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent).count();
            if (left <= 0) break;
            auto r = sock->wait_reply(seq, payload, static_cast<int>(std::min<int64_t>(left, 100)));
            if (!r) return failed("Error_Internal");
            answered = *r;
        }
        if (ctx.stop_now()) break;
        if (answered) {
            const uint64_t us = static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
            ++ok;
            sum_us += us;
            min_us = std::min(min_us, us);
            max_us = std::max(max_us, us);
        } else {
            ++lost;
        }
        const auto next = sent + std::chrono::milliseconds(kProbeIntervalMs);
        while (i + 1 < reps && Clock::now() < next && !ctx.stop_now())
            std::this_thread::sleep_until(std::min(next, Clock::now() + std::chrono::milliseconds(100)));
    }
    usp::Args out = failed("Complete");
    out["IPAddressUsed"] = sock->local_address();
    out["SuccessCount"] = std::to_string(ok);
    out["FailureCount"] = std::to_string(lost);
    if (ok) {
        const uint64_t avg = sum_us / ok;
        auto ms = [](uint64_t us) { return std::to_string((us + 500) / 1000); };
        out["AverageResponseTime"] = ms(avg);
        out["MinimumResponseTime"] = ms(min_us);
        out["MaximumResponseTime"] = ms(max_us);
        out["AverageResponseTimeDetailed"] = std::to_string(avg);
        out["MinimumResponseTimeDetailed"] = std::to_string(min_us);
        out["MaximumResponseTimeDetailed"] = std::to_string(max_us);
    }
    return out;
}

}  // namespace

usp::CommandSpec ipping_command(Resolver resolver) {
    using tr181::Type;
    usp::CommandSpec c;
    c.path = "Device.IP.Diagnostics.IPPing()";
    c.kind = "ipping";
    c.max_seconds = kMaxSeconds;
    c.inputs = {
        {"Interface", Type::string, false, "", 0, UINT64_MAX, 256, {}},
        {"ProtocolVersion", Type::string, false, "Any", 0, UINT64_MAX, 8, {"Any", "IPv4", "IPv6"}},
        {"Host", Type::string, true, "", 0, UINT64_MAX, 256, {}},
        {"NumberOfRepetitions", Type::unsigned_int, false, "3", 1, kMaxRepetitions, 0, {}},
        {"Timeout", Type::unsigned_int, false, "1000", 1, kMaxTimeoutMs, 0, {}},
        {"DataBlockSize", Type::unsigned_int, false, "56", 1, 65500, 0, {}},
        {"DSCP", Type::unsigned_int, false, "0", 0, 63, 0, {}},
    };
    c.check = [](const usp::Args& a) -> std::optional<usp::ArgError> {
        // Every probe may wait its whole Timeout: the run must fit in its deadline.
        const uint64_t worst = std::stoull(a.at("NumberOfRepetitions")) *
                               std::max<uint64_t>(std::stoull(a.at("Timeout")), kProbeIntervalMs);
        if (worst > uint64_t{kMaxSeconds} * 1000)
            return usp::ArgError{"NumberOfRepetitions", cpe::usp::err::invalid_value,
                                 "NumberOfRepetitions × Timeout may take " + std::to_string(worst / 1000) +
                                     " s: at most " + std::to_string(kMaxSeconds) + " s"};
        return std::nullopt;
    };
    c.run = [resolver = std::move(resolver)](const usp::RunContext& ctx) { return run_ping(resolver, ctx); };
    return c;
}

}  // namespace cpe::agent::diag
