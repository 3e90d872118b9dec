// cpe-bridge-tplink-probe: one poll of one TP-Link EX/XX modem, printed as JSON (hosts, optical levels, …).
// For manual use; the same code path as the bridge (scheduler + back-off state).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "log/log.hpp"
#include "scheduler.hpp"

namespace {

void usage() {
    std::fputs(
        "usage: cpe-bridge-tplink-probe --host HOST[:PORT] --secret-file FILE [--user NAME]\n"
        "         [--variant auto|cbc-raw|cbc-oaep|gcm|gcm-oaep] [--state-file FILE] [--timeout-ms N]\n"
        "         [--backoff-s N] [--tr181] [--verbose]\n"
        "       cpe-bridge-tplink-probe --clear-guard MODEM_ID --state-file FILE\n"
        "The secret file holds 'password=…' (and optionally 'user=…'); the default user is 'user'.\n"
        "--clear-guard is the operator's action after the bridge stopped logging in to a modem (wrong "
        "password):\n"
        "it clears that modem's login guard in the state file; a running cpe-bridge picks the change up.\n",
        stderr);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace cpe::tplink;
    std::string host, secret_file, user, variant = "auto", state_file, clear_id;
    long timeout_ms = 10000;
    long backoff_s = 300;
    bool tr181 = false;
    cpe::log::set_level(cpe::log::Level::warn);
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&](const char* what) -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "cpe-bridge-tplink-probe: %s needs a value\n", what);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--host")
            host = next("--host");
        else if (a == "--secret-file")
            secret_file = next("--secret-file");
        else if (a == "--user")
            user = next("--user");
        else if (a == "--variant")
            variant = next("--variant");
        else if (a == "--state-file")
            state_file = next("--state-file");
        else if (a == "--timeout-ms")
            timeout_ms = std::strtol(next("--timeout-ms"), nullptr, 10);
        else if (a == "--backoff-s")
            backoff_s = std::strtol(next("--backoff-s"), nullptr, 10);
        else if (a == "--clear-guard")
            clear_id = next("--clear-guard");
        else if (a == "--tr181")
            tr181 = true;
        else if (a == "--verbose")
            cpe::log::set_level(cpe::log::Level::debug);
        else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "cpe-bridge-tplink-probe: unknown argument '%s'\n", a.c_str());
            usage();
            return 2;
        }
    }
    if (!clear_id.empty()) {
        if (state_file.empty()) {
            std::fputs("cpe-bridge-tplink-probe: --clear-guard needs --state-file\n", stderr);
            return 2;
        }
        SchedulerOptions opts;
        opts.state_file = state_file;
        auto sched = ModemScheduler::create(opts);
        if (!sched) {
            std::fprintf(stderr, "cpe-bridge-tplink-probe: %s\n", sched.error().message.c_str());
            return 1;
        }
        if (auto st = (*sched)->clear_guard(clear_id); !st) {
            std::fprintf(stderr, "cpe-bridge-tplink-probe: %s\n", st.error().message.c_str());
            return 1;
        }
        std::printf("login guard of %s cleared in %s\n", clear_id.c_str(), state_file.c_str());
        return 0;
    }
    if (host.empty() || secret_file.empty()) {
        usage();
        return 2;
    }
    if (timeout_ms <= 0 || backoff_s <= 0) {
        std::fputs("cpe-bridge-tplink-probe: --timeout-ms and --backoff-s must be positive\n", stderr);
        return 2;
    }
    ModemConfig modem;
    modem.host = host;
    auto creds = load_secret_file(secret_file);
    if (!creds) {
        std::fprintf(stderr, "cpe-bridge-tplink-probe: %s\n", creds.error().message.c_str());
        return 2;
    }
    modem.credentials = *creds;
    if (!user.empty()) modem.credentials.user = user;
    if (variant != "auto") {
        auto v = parse_variant(variant);
        if (!v) {
            std::fprintf(stderr, "cpe-bridge-tplink-probe: %s\n", v.error().message.c_str());
            return 2;
        }
        modem.variant = *v;
    }
    modem.timeouts.connect_ms = timeout_ms < 3000 ? timeout_ms : 3000;
    modem.timeouts.total_ms = timeout_ms;

    SchedulerOptions opts;
    opts.state_file = state_file;
    opts.policy.base_backoff_s = backoff_s;
    if (opts.policy.max_backoff_s < backoff_s) opts.policy.max_backoff_s = backoff_s;
    auto sched = ModemScheduler::create(opts);
    if (!sched) {
        std::fprintf(stderr, "cpe-bridge-tplink-probe: %s\n", sched.error().message.c_str());
        return 1;
    }
    PollReport report;
    auto snap = (*sched)->poll(modem, &report);
    if (!snap) {
        std::fprintf(stderr, "cpe-bridge-tplink-probe: %s [%s]%s\n", snap.error().message.c_str(),
                     cpe::errc_name(snap.error().code), report.lockout ? " (modem lockout)" : "");
        return report.lockout || report.held_back ? 3 : 1;
    }
    auto doc = to_json(*snap);
    if (tr181) {
        auto params = cpe::json::make_object();
        for (const auto& [k, v] : to_tr181(*snap)) cpe::json::add_string(params.get(), k.c_str(), v);
        cpe::json::add(doc.get(), "tr181", std::move(params));
    }
    std::string out = cpe::json::print(doc.get(), true);
    std::fputs(out.c_str(), stdout);
    std::fputc('\n', stdout);
    return 0;
}
