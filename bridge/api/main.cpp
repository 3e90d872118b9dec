// cpe-bridge: REST API over the native TP-Link web-UI client and the OLT SNMP reader (docs/bridge.md).
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "config.hpp"
#include "log/log.hpp"
#include "net/event_loop.hpp"
#include "net/http_server.hpp"
#include "net/stop_signals.hpp"
#include "routes.hpp"
#include "service.hpp"

namespace {

void usage(FILE* out) {
    std::fputs(
        "usage: cpe-bridge --config FILE [--check]\n"
        "  --check   validate the configuration and the secret files it names, then exit\n"
        "See docs/bridge.md for the configuration format and the REST API.\n",
        out);
}

cpe::log::Level level_from(const std::string& s) {
    if (s == "debug") return cpe::log::Level::debug;
    if (s == "warn") return cpe::log::Level::warn;
    if (s == "error") return cpe::log::Level::error;
    return cpe::log::Level::info;
}

}  // namespace

int main(int argc, char** argv) {
    // State (the database and its -wal/-shm, state files, their directories) is the owner's only: 0600/0700.
    ::umask(077);
    using namespace cpe::bridge::api;
    std::string config_path;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--config" && i + 1 < argc)
            config_path = argv[++i];
        else if (a == "--check")
            check = true;
        else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "cpe-bridge: unknown or incomplete argument '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (config_path.empty()) {
        usage(stderr);
        return 2;
    }
    auto config = load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "cpe-bridge: config %s\n", config.error().message.c_str());
        return 2;
    }
    cpe::log::set_level(level_from(config->log_level));

    // SIGINT/SIGTERM are taken by a thread of ours (sigwait), which stops the loop; blocked before any other
    // thread exists so every thread inherits the mask.
    cpe::net::block_stop_signals();

    auto service = BridgeService::create(*config);
    if (!service) {
        std::fprintf(stderr, "cpe-bridge: config %s: %s\n", config_path.c_str(),
                     service.error().message.c_str());
        return 2;
    }
    if (check) {
        std::printf("cpe-bridge: %s is valid: %zu modem(s), %zu OLT(s)\n", config_path.c_str(),
                    config->modems.size(), config->olts.size());
        return 0;
    }
    auto loop = cpe::net::EventLoop::create();
    if (!loop) {
        std::fprintf(stderr, "cpe-bridge: %s\n", loop.error().message.c_str());
        return 1;
    }
    cpe::net::HttpServerOptions ho;
    ho.name = "cpe-bridge";
    ho.bind_address = config->bind;
    ho.port = config->port;
    ho.max_body_bytes = 4096;  // the API has no request bodies
    ho.handler_timeout_ms = static_cast<uint64_t>(config->timeouts.http_handler_ms);
    auto server = std::make_unique<cpe::net::HttpServer>(**loop, ho);
    add_routes(*server, **service);
    if (auto st = server->start(); !st) {
        std::fprintf(stderr, "cpe-bridge: http: %s\n", st.error().message.c_str());
        return 1;
    }
    // The first line on stdout says where we listen (tests and scripts read it; port 0 = ephemeral).
    std::printf("LISTENING %s %d\n", config->bind.c_str(), server->port());
    std::fflush(stdout);
    LOG_INFO("bridge", "listening on %s:%d: %zu modem(s), %zu OLT(s)", config->bind.c_str(), server->port(),
             config->modems.size(), config->olts.size());

    cpe::net::EventLoop* lp = loop->get();
    cpe::net::StopSignals signals(*lp, [lp](int sig) {
        LOG_INFO("bridge", "signal %d: stopping", sig);
        lp->stop();
    });
    (*loop)->run();
    (*service)->stop();  // workers finish their current read; queued reads are dropped
    server.reset();
    return 0;
}
