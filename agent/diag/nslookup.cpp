#include "diag/nslookup.hpp"

#include <chrono>
#include <thread>

#include "diag/resolve.hpp"
#include "net/dns.hpp"
#include "usp/error_codes.hpp"

namespace cpe::agent::diag {

namespace {

constexpr uint32_t kMaxSeconds = 300;
constexpr uint32_t kMaxRepetitions = 100;
constexpr uint32_t kMaxTimeoutMs = 30000;
constexpr size_t kMaxAddresses = 10;  // IPAddresses: TR-181 list of at most 10

usp::Args run_nslookup(const std::string& root, const usp::RunContext& ctx) {
    const usp::Args& a = ctx.args;
    auto stop = [&ctx] { return ctx.stop_now(); };
    const std::string host = a.at("HostName");
    const int timeout_ms = static_cast<int>(std::stoul(a.at("Timeout")));
    const uint32_t reps = static_cast<uint32_t>(std::stoul(a.at("NumberOfRepetitions")));
    auto it = a.find("Interface");
    const std::string device = it == a.end() ? "" : it->second;
    usp::Args out{{"Status", "Complete"}, {"SuccessCount", "0"}};

    // The server: an address, a name resolved through the board's servers, or the board's first server.
    std::string server;
    const std::string given = a.count("DNSServer") ? a.at("DNSServer") : "";
    const std::vector<std::string> board = board_dns_servers(root);
    if (given.empty()) {
        if (board.empty()) {
            out["Status"] = "Error_Other";  // no DNSServer given and none configured on the board
            return out;
        }
        server = board.front();
    } else if (Address::parse(given)) {
        server = given;
    } else {
        auto addrs = net::dns::resolve(given, board, true, true, timeout_ms, stop);
        if (!addrs) {
            out["Status"] = "Error_DNSServerNotResolved";
            return out;
        }
        server = addrs->front();
    }

    uint32_t ok = 0;
    for (uint32_t i = 1; i <= reps && !ctx.stop_now(); ++i) {
        const std::string p = "Result." + std::to_string(i) + ".";
        std::string status = "Success", answer_type = "None", returned, addresses;
        uint32_t response_ms = 0;
        size_t count = 0;
        bool any_answer = false, authoritative = true;
        std::string failure;  // the first query's failure, used when no address came back at all
        for (uint16_t type : {net::dns::kTypeA, net::dns::kTypeAaaa}) {
            if (ctx.stop_now()) break;
            auto r = net::dns::query(server, host, type, timeout_ms, stop, 53, device);
            std::string f;
            if (!r) {
                if (r.error().code == Errc::invalid_argument)
                    f = "Error_HostNameNotResolved";
                else if (r.error().code == Errc::timeout)
                    f = "Error_Timeout";
                else if (r.error().code == Errc::unavailable)
                    f = "Error_DNSServerNotAvailable";
                else
                    f = "Error_Other";
            } else {
                if (!any_answer) response_ms = (r->response_us + 500) / 1000;
                any_answer = true;
                authoritative = authoritative && r->response.authoritative;
                if (r->response.rcode == 3)
                    f = "Error_HostNameNotResolved";
                else if (r->response.rcode != 0)
                    f = "Error_Other";
                for (const net::dns::Record& rec : r->response.answers) {
                    if (rec.type != type || rec.data.empty() || count >= kMaxAddresses) continue;
                    addresses += (count++ ? "," : "") + rec.data;
                    returned = rec.name;
                }
            }
            if (failure.empty()) failure = f;
            // No answer at all from the server: the AAAA query would only wait as long again.
            if (!r && type == net::dns::kTypeA) break;
        }
        status = count ? "Success" : (failure.empty() ? "Error_HostNameNotResolved" : failure);
        if (status == "Success") {
            ++ok;
            answer_type = authoritative ? "Authoritative" : "NonAuthoritative";
        }
        out[p + "Status"] = status;
        out[p + "AnswerType"] = answer_type;
        out[p + "HostNameReturned"] = returned;
        out[p + "IPAddresses"] = addresses;
        out[p + "DNSServerIP"] = server;
        out[p + "ResponseTime"] = std::to_string(any_answer ? response_ms : 0);
    }
    out["SuccessCount"] = std::to_string(ok);
    return out;
}

}  // namespace

usp::CommandSpec nslookup_command(std::string root) {
    using tr181::Type;
    usp::CommandSpec c;
    c.path = "Device.DNS.Diagnostics.NSLookupDiagnostics()";
    c.kind = "nslookup";
    c.max_seconds = kMaxSeconds;
    c.inputs = {
        {"Interface", Type::string, false, "", 0, UINT64_MAX, 256, {}},
        {"HostName", Type::string, true, "", 0, UINT64_MAX, 256, {}},
        {"DNSServer", Type::string, false, "", 0, UINT64_MAX, 256, {}},
        {"Timeout", Type::unsigned_int, false, "2000", 1, kMaxTimeoutMs, 0, {}},
        {"NumberOfRepetitions", Type::unsigned_int, false, "1", 1, kMaxRepetitions, 0, {}},
    };
    c.check = [](const usp::Args& a) -> std::optional<usp::ArgError> {
        if (auto q = net::dns::build_query(0, a.at("HostName"), net::dns::kTypeA); !q)
            return usp::ArgError{"HostName", cpe::usp::err::invalid_value, "HostName: " + q.error().message};
        const uint64_t worst = std::stoull(a.at("NumberOfRepetitions")) * std::stoull(a.at("Timeout")) * 2;
        if (worst > uint64_t{kMaxSeconds} * 1000)
            return usp::ArgError{"NumberOfRepetitions", cpe::usp::err::invalid_value,
                                 "NumberOfRepetitions × Timeout × 2 queries may take " +
                                     std::to_string(worst / 1000) + " s: at most " +
                                     std::to_string(kMaxSeconds) + " s"};
        return std::nullopt;
    };
    c.run = [root = std::move(root)](const usp::RunContext& ctx) { return run_nslookup(root, ctx); };
    return c;
}

}  // namespace cpe::agent::diag
