// cpe-hub: loads the config, raises the open-file limit (one descriptor per agent), runs the hub until
// SIGINT/SIGTERM.
#include <sys/stat.h>

#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "api/devices_api.hpp"
#include "app/config.hpp"
#include "app/hub.hpp"
#include "diag/vendor.hpp"
#include "diagnostics/config.hpp"
#include "diagnostics/diagnostics.hpp"
#include "log/log.hpp"
#include "net/event_loop.hpp"
#include "net/stop_signals.hpp"
#include "qr/qr_api.hpp"

namespace {
const char* kUsage =
    "usage: cpe-hub --config <file.json> [--web <dir>] [--check]\n"
    "  --config <file>  the hub configuration (see hub/config/hub.example.json)\n"
    "  --web <dir>      serve the CSR page (hub/web) at / (docs/demo.md)\n"
    "  --check          parse the configuration, print what is wrong, and exit\n"
    "environment: HUB_SERVICE_TOKEN, ERP_SERVICE_TOKEN; HUB_DEVICES_CONFIG (deprecated: the \"devices\" "
    "section) (docs/api.md);\n"
    "  QR_SESSION_KEY, QR_TWILIO_ACCOUNT_SID, QR_TWILIO_AUTH_TOKEN, QR_TWILIO_FROM (docs/qr.md)\n";

// lws sizes its descriptor table from RLIMIT_NOFILE when the context is created: raise it first.
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    LOG_INFO("hub", "open file limit %llu", static_cast<unsigned long long>(rl.rlim_cur));
}
}  // namespace

int main(int argc, char** argv) {
    // State (the database and its -wal/-shm, state files, their directories) is the owner's only: 0600/0700.
    ::umask(077);
    cpe::net::block_stop_signals();  // before any thread exists
    std::string config_path;
    std::string web_dir;
    bool check_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--config" && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "--web" && i + 1 < argc) {
            web_dir = argv[++i];
        } else if (a == "--check") {
            check_only = true;
        } else {
            std::fprintf(stderr, "cpe-hub: unknown argument '%s'\n%s", a.c_str(), kUsage);
            return 2;
        }
    }
    if (config_path.empty()) {
        std::fprintf(stderr, "cpe-hub: --config is required\n%s", kUsage);
        return 2;
    }
    auto config = cpe::hub::app::load_config(config_path);
    if (!config) {
        std::fprintf(stderr, "cpe-hub: %s\n", config.error().message.c_str());
        return 2;
    }
    auto qr_config = cpe::hub::qr::qr_config_from_file(config_path);
    if (!qr_config) {
        std::fprintf(stderr, "cpe-hub: %s\n", qr_config.error().message.c_str());
        return 2;
    }
    auto diag_config = cpe::hub::diagnostics::diagnostics_config(config_path);  // hub.json "diagnostics"
    if (!diag_config) {
        std::fprintf(stderr, "cpe-hub: %s\n", diag_config.error().message.c_str());
        return 2;
    }
    if (check_only) {
        std::printf("cpe-hub: %s is valid\n", config_path.c_str());
        return 0;
    }
    cpe::log::set_level(config->log_level);
    cpe::hub::diag::set_vendor_prefix(config->usp.vendor_prefix);
    raise_fd_limit();

    // Admission: the USP listener (no limit of its own) gets the per-address limit and cannot take the
    // descriptor reserve; the HTTP API (HttpServer) has no per-address limit and may use the reserve.
    cpe::net::LoopOptions loop_options;
    loop_options.max_connections_per_address = config->usp.max_connections_per_address;
    loop_options.descriptor_reserve = config->usp.descriptor_reserve;
    auto loop = cpe::net::EventLoop::create(loop_options);
    if (!loop) {
        LOG_ERROR("hub", "%s", loop.error().message.c_str());
        return 1;
    }
    // The "devices" section (or the older HUB_DEVICES_CONFIG file, with a warning) and the secrets.
    auto dc = cpe::hub::api::devices_config_from_env(config->devices, config->devices_given);
    if (!dc) {
        LOG_ERROR("hub", "%s", dc.error().message.c_str());
        return 2;
    }
    auto hub = cpe::hub::app::Hub::create(**loop, std::move(config).value());
    if (!hub) {
        LOG_ERROR("hub", "%s", hub.error().message.c_str());
        return 1;
    }
    auto qr =
        cpe::hub::qr::install(**hub, std::move(qr_config).value(), *dc);  // the /q/ sticker flow (docs/qr.md)
    if (!qr) {
        LOG_ERROR("hub", "%s", qr.error().message.c_str());
        return 1;
    }
    // Diagnostics (hub/diagnostics): the same access control (the device API's middleware) and GenieACS.
    cpe::hub::diagnostics::DiagnosticsOptions diag_options = std::move(diag_config).value();
    diag_options.store_path = (*hub)->config().store.path;
    diag_options.genieacs_url = dc->genieacs.url;
    diag_options.genieacs_budget_ms = dc->genieacs.budget_ms;
    diag_options.genieacs_connection_request_ms = dc->genieacs.task_timeout_ms;
    auto diagnostics = cpe::hub::diagnostics::Diagnostics::create(**hub, std::move(diag_options));
    if (!diagnostics) {
        LOG_ERROR("hub", "%s", diagnostics.error().message.c_str());
        return 1;
    }
    auto devices = cpe::hub::api::install(**hub, std::move(dc).value());
    if (!devices) {
        LOG_ERROR("hub", "%s", devices.error().message.c_str());
        return 1;
    }
    if (auto st = (*diagnostics)->start(); !st) {
        LOG_ERROR("hub", "%s", st.error().message.c_str());
        return 1;
    }
    if (!web_dir.empty())
        (*hub)->http().serve_static("/", web_dir);  // after the routes; open (no device data)
    if (auto st = (*hub)->start(); !st) {
        LOG_ERROR("hub", "%s", st.error().message.c_str());
        return 1;
    }
    cpe::net::StopSignals signals(**loop, [&](int) { (*loop)->stop(); });
    (*loop)->run();
    LOG_INFO("hub", "stopping");
    diagnostics->reset();
    qr->reset();
    devices->reset();
    hub->reset();
    return 0;
}
