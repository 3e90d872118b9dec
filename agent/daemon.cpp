#include "daemon.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <thread>

#include "collectors/worker.hpp"
#include "config/config.hpp"
#include "diag/nslookup.hpp"
#include "diag/ping.hpp"
#include "diag/site_survey.hpp"
#include "diag/traceroute.hpp"
#include "diag/transfer.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "model/board.hpp"
#include "mtp/resolve.hpp"
#include "mtp/ws_client.hpp"
#include "mtp/ws_server.hpp"
#include "net/event_loop.hpp"
#include "net/stop_signals.hpp"
#include "provision/renewal_commands.hpp"
#include "update/service.hpp"
#include "usp/error_codes.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"
#include "usp/usp_agent.hpp"

extern char** environ;

namespace cpe::agent {
namespace {

constexpr const char* kRebootKeyFile =
    "reboot-command-key";  // written before a Reboot(), read at the next boot
constexpr const char* kRebootLogFile = "reboot-requests.log";  // fixture mode: what a reboot would have done
constexpr const char* kInstanceNumbersFile = "instance-numbers";  // MAC → instance number maps (Board)
constexpr const char* kRunningCommandsFile = "running-commands";  // diagnostics running (CommandRunner)
constexpr uint64_t kNotifyRetryMs = 60000;  // unacknowledged notifications are sent again
constexpr uint64_t kStopGraceMs = 3000;

std::string state_file(const std::string& dir, const char* name) {
    return dir + "/" + name;
}

std::string read_small_file(const std::string& path) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return {};
    char buf[256];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    std::string s(buf, n);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

Status write_file(const std::string& path, const std::string& text, bool append) {
    FILE* f = fopen(path.c_str(), append ? "ab" : "wb");
    if (!f) return make_error(Errc::io_error, path + ": cannot open for writing");
    const bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
    if (fclose(f) != 0 || !ok) return make_error(Errc::io_error, path + ": write failed");
    return {};
}

// Runs the reboot command without a shell (argv split on spaces).
Status spawn_command(const std::string& command) {
    std::vector<std::string> words;
    size_t start = 0;
    while (start < command.size()) {
        size_t space = command.find(' ', start);
        if (space == std::string::npos) space = command.size();
        if (space > start) words.push_back(command.substr(start, space - start));
        start = space + 1;
    }
    if (words.empty()) return make_error(Errc::invalid_argument, "reboot command is empty");
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0)
        return make_error(Errc::io_error, "cannot run '" + command + "': " + strerror(rc));
    return {};
}

std::string param_text(const tr181::Tree& tree, const char* path) {
    auto p = tr181::Path::parse(path);
    if (!p) return {};
    auto entries = tree.get(*p, 0);
    return entries && !entries->empty() ? (*entries)[0].value->to_string() : std::string();
}

}  // namespace

std::vector<usp::CommandSpec> diagnostic_commands(const Board& b, const std::string& root) {
    std::vector<usp::CommandSpec> out;
    // Names resolve through our DNS client to the board's resolv.conf servers (a fixture's own file in
    // fixture mode).
    out.push_back(diag::ipping_command(diag::dns_resolver(root)));
    out.push_back(diag::nslookup_command(root));
    out.push_back(diag::traceroute_command(diag::dns_resolver(root)));
    out.push_back(diag::download_command(diag::dns_resolver(root)));
    out.push_back(diag::upload_command(diag::dns_resolver(root)));
    // The site survey's tool follows the board's station collector (its radio family).
    diag::RadioFamily family = diag::RadioFamily::iw;
    for (const auto& c : b.profile().collectors) {
        const std::string type = c->type();
        if (type == "wl_broadcom")
            family = diag::RadioFamily::wl;
        else if (type == "realtek_wlan")
            family = diag::RadioFamily::realtek;
    }
    std::vector<diag::SurveyRadio> radios;
    for (const auto& w : b.profile().wifi) radios.push_back({w.interface, w.band, family});
    out.push_back(diag::neighboring_wifi_command(std::move(radios), root));
    return out;
}

int run_diag_command(const std::string& board_dir, const std::string& root, const std::string& command,
                     const std::vector<std::string>& args) {
    auto board = Board::open(board_dir, root);
    if (!board) {
        fprintf(stderr, "cpe-agent: %s\n", board.error().message.c_str());
        return 2;
    }
    for (const usp::CommandSpec& spec : diagnostic_commands(**board, root)) {
        if (spec.path != command) continue;
        usp::Args in;
        for (const std::string& a : args) {
            const size_t eq = a.find('=');
            if (eq == std::string::npos || eq == 0) {
                fprintf(stderr, "cpe-agent: diag: '%s' is not Name=Value\n", a.c_str());
                return 2;
            }
            in[a.substr(0, eq)] = a.substr(eq + 1);
        }
        if (auto bad = usp::validate_args(spec, in)) {
            fprintf(stderr, "cpe-agent: %s: argument %s: %s\n", command.c_str(), bad->arg.c_str(),
                    bad->message.c_str());
            return 2;
        }
        std::atomic<bool> cancelled{false};
        usp::RunContext ctx{in, cancelled,
                            std::chrono::steady_clock::now() + std::chrono::seconds(spec.max_seconds)};
        for (const auto& [k, v] : spec.run(ctx)) printf("%s = %s\n", k.c_str(), v.c_str());
        return 0;
    }
    std::string names;
    for (const usp::CommandSpec& spec : diagnostic_commands(**board, root)) names += " " + spec.path;
    fprintf(stderr, "cpe-agent: diag: unknown command '%s' (one of:%s)\n", command.c_str(), names.c_str());
    return 2;
}

int run_daemon(const DaemonArgs& args) {
    net::block_stop_signals();  // before any thread (the collectors' worker) exists
    auto cfg = config::load(args.config_path);
    if (!cfg) {
        fprintf(stderr, "cpe-agent: %s\n", cfg.error().message.c_str());
        return 2;
    }
    if (Status st = set_vendor_prefix(cfg->vendor_prefix, args.config_path + ": vendor_prefix"); !st) {
        fprintf(stderr, "cpe-agent: %s\n", st.error().message.c_str());
        return 2;
    }
    auto board = Board::open(args.board_dir, args.root);
    if (!board) {
        fprintf(stderr, "cpe-agent: %s\n", board.error().message.c_str());
        return 2;
    }
    if (!cfg->state_dir.empty()) {
        struct stat st {};
        if (stat(cfg->state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "cpe-agent: %s: config.state_dir: '%s' is not a directory\n",
                    args.config_path.c_str(), cfg->state_dir.c_str());
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);  // a file size limit makes writes fail (reported), not kill the agent
    Board& b = **board;
    // Instance numbers survive a restart: a controller's Hosts.Host.N keeps meaning the same MAC.
    if (!cfg->state_dir.empty()) {
        if (Status st = b.keep_instance_numbers(state_file(cfg->state_dir, kInstanceNumbersFile)); !st) {
            fprintf(stderr, "cpe-agent: %s\n", st.error().message.c_str());
            return 2;
        }
    }
    auto clock = [&args] { return args.now ? args.now : static_cast<int64_t>(time(nullptr)); };
    if (!cfg->endpoint_id.empty()) b.set_endpoint_id(cfg->endpoint_id);
    const tr181::Tree& first = b.refresh(clock());
    const std::string endpoint_id = param_text(first, "Device.LocalAgent.EndpointID");
    const bool fixture = !args.root.empty();

    auto loop = net::EventLoop::create();
    if (!loop) {
        fprintf(stderr, "cpe-agent: %s\n", loop.error().message.c_str());
        return 1;
    }
    net::EventLoop& ev = **loop;

    // Boot! arguments: a Reboot() we carried out leaves its CommandKey in the state directory.
    usp::BootInfo boot;
    if (!cfg->state_dir.empty()) {
        const std::string key_file = state_file(cfg->state_dir, kRebootKeyFile);
        if (access(key_file.c_str(), F_OK) == 0) {
            boot.cause = "RemoteReboot";
            boot.command_key = read_small_file(key_file);
            unlink(key_file.c_str());
        }
    }
    {
        json::Ptr map = json::make_object();
        for (const char* p : {"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.SerialNumber"})
            json::add_string(map.get(), p, param_text(first, p));
        boot.parameter_map = json::print(map.get());
    }

    // Host names (the controller's, update downloads'): our DNS client on a thread of its own, never glibc's
    // NSS and never on the loop.
    mtp::ResolveOptions ro;
    ro.resolv_conf = cfg->resolv_conf;
    ro.hosts_file = cfg->hosts_file;
    mtp::ControllerResolver resolver([&ev](std::function<void()> fn) { ev.post(std::move(fn)); }, ro);
    auto resolve = [&resolver](const std::string& host, mtp::ResolveDone done) {
        return resolver.resolve(host, std::move(done));
    };

    usp::Hooks hooks;
    net::TimerHandle periodic_timer;
    std::function<void()> schedule_periodic;
    hooks.reboot = [&](const std::string& command_key) -> Status {
        if (!cfg->state_dir.empty()) {
            Status st = write_file(state_file(cfg->state_dir, kRebootKeyFile), command_key + "\n", false);
            if (!st) return st;
        }
        if (fixture) {
            LOG_INFO("agent", "Device.Reboot() (CommandKey '%s'): fixture mode, recorded, not executed",
                     command_key.c_str());
            if (!cfg->state_dir.empty())
                return write_file(state_file(cfg->state_dir, kRebootLogFile),
                                  std::to_string(static_cast<long long>(time(nullptr))) +
                                      " Device.Reboot() CommandKey=" + command_key + "\n",
                                  true);
            return {};
        }
        LOG_INFO("agent", "Device.Reboot() (CommandKey '%s'): running '%s' in 2 s", command_key.c_str(),
                 cfg->reboot_command.c_str());
        ev.add_timer(2000, [&] {
            if (Status st = spawn_command(cfg->reboot_command); !st)
                LOG_ERROR("agent", "%s", st.error().message.c_str());
        });
        return {};
    };
    hooks.periodic_interval_changed = [&](uint32_t) {
        periodic_timer.cancel();
        schedule_periodic();
    };
    // Diagnostics run on worker threads of the runner; completions come back to this loop.
    usp::CommandRunner runner([&ev](std::function<void()> fn) { ev.post(std::move(fn)); },
                              cfg->state_dir.empty() ? "" : state_file(cfg->state_dir, kRunningCommandsFile));
    for (usp::CommandSpec& spec : diagnostic_commands(b, args.root)) runner.add(std::move(spec));
    // Self-update (agent/update/): InstallDU() / DeploymentUnit.1.Update(); the DU object laid over the
    // model.
    std::unique_ptr<update::Service> updater;
    std::function<void()> shutdown;
    std::function<void()> send_due;
    hooks.software_update = [&](const std::string& command, const std::string& key,
                                const cpe::usp::StrMap& in) -> std::optional<cpe::usp::CommandFailure> {
        return updater->start(command, key, in);
    };
    hooks.extend_model = [&](tr181::Object& device) {
        if (updater) updater->extend(device);
    };
    // Certificate renewal over USP (provision/identity.hpp): the hub's RenewCertificate() and
    // InstallCertificate(), answered in the OperateResp; a renewed identity lives in the state directory.
    std::unique_ptr<provision::Renewal> renewal;
    std::string no_renewal;
    if (cfg->state_dir.empty())
        no_renewal = "no state_dir is configured (nowhere to keep a new key)";
    else if (cfg->controller.cert_file.empty() || !cfg->controller.parsed.tls)
        no_renewal = "the agent connects without a client certificate";
    else
        renewal = std::make_unique<provision::Renewal>(cfg->state_dir, endpoint_id, cfg->controller.ca_file);
    provision::RenewalCommands renewal_commands(renewal.get(), cfg->vendor_prefix, no_renewal,
                                                [] { return static_cast<int64_t>(time(nullptr)); });
    hooks.sync_command = [&](const std::string& form, const cpe::usp::StrMap& in, std::string_view from)
        -> std::optional<std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure>> {
        // Only the controller the agent connects to renews its identity (not a LAN controller in server
        // mode).
        const bool ours = !cfg->vendor_prefix.empty() &&
                          (form == renewal_commands.renew_path() || form == renewal_commands.install_path());
        if (ours && from != cfg->controller.endpoint_id)
            return cpe::usp::CommandFailure{cpe::usp::err::permission_denied,
                                            form + " is only for the controller this agent connects to (" +
                                                cfg->controller.endpoint_id + ")"};
        return renewal_commands.handle(form, in);
    };
    usp::UspAgent agent(device_schema(), endpoint_id, cfg->controller.endpoint_id, hooks);
    {
        update::ServiceOptions uo;
        uo.state_dir = cfg->state_dir;
        uo.update = cfg->update;
        uo.controller_ca = cfg->controller.ca_file;
        uo.board = b.profile().board;
        uo.endpoint_id = endpoint_id;
        uo.factory_manifest = cfg->update.manifest;
        uo.send_due = [&] { send_due(); };
        uo.resolve = resolve;
        updater = std::make_unique<update::Service>(ev, agent, uo, [&] { shutdown(); });
    }
    agent.set_periodic_interval_s(cfg->periodic_interval_s);
    agent.update_model(first);
    agent.queue_boot(boot);
    agent.attach_commands(runner);

    mtp::WsClientOptions wo;
    wo.url = cfg->controller.parsed;
    wo.endpoint_id = endpoint_id;
    wo.ca_file = cfg->controller.ca_file;
    wo.cert_file = cfg->controller.cert_file;
    wo.key_file = cfg->controller.key_file;
    if (renewal) {
        if (!renewal->candidate().empty()) {
            LOG_WARN("identity",
                     "a renewed certificate was not confirmed before the agent stopped: set aside");
            renewal->discard();
        }
        if (std::string current = renewal->current(); !current.empty()) {
            wo.cert_file = current;  // certificate and key in one file
            wo.key_file = current;
        }
    }
    wo.ping_interval_s = cfg->ping_interval_s;
    wo.max_record_bytes = cfg->max_record_bytes;
    wo.reconnect = cfg->reconnect;

    wo.resolve = resolve;

    std::unique_ptr<mtp::WsClient> client;
    std::unique_ptr<mtp::WsServer> server;
    // Server mode: which controller created each subscription (by its ID), so that its Notify goes to that
    // controller's connection. Subscriptions we did not see created (the factory "boot" one, the outgoing
    // controller's) go to the outgoing controller, or to every connected controller when there is none.
    std::map<std::string, std::string> sub_owner;
    auto route = [&](usp::Bytes rec) {
        if (!server) {
            client->send(std::move(rec));
            return;
        }
        auto r = cpe::usp::decode_record(rec);
        if (!r) return;
        auto payload = r->payload();
        if (!payload) return;
        std::string owner;
        if (auto m = cpe::usp::decode_msg(*payload); m && m->type() == cpe::usp::MsgType::notify)
            if (auto n = m->notify()) {
                auto it = sub_owner.find(n->subscription_id);
                if (it != sub_owner.end()) owner = it->second;
            }
        if (!owner.empty()) {
            if (server->connected(owner))
                server->send(owner, cpe::usp::encode_no_session_record(owner, endpoint_id, *payload));
            return;  // a Notify waiting for its NotifyResp is sent again when the owner comes back
        }
        if (client) {
            if (client->connected()) client->send(std::move(rec));
            return;
        }
        for (const std::string& id : server->controllers())
            server->send(id, cpe::usp::encode_no_session_record(id, endpoint_id, *payload));
    };
    auto flush = [&] {
        updater->try_report();
        const bool any = (client && client->connected()) || (server && !server->controllers().empty());
        if (!any) return;
        for (usp::Bytes& rec : agent.take_due_records()) route(std::move(rec));
    };
    runner.on_done([&](const usp::RequestInfo& info, const usp::Completion& result) {
        agent.operation_complete(info, result);
        flush();
    });
    send_due = [&] { flush(); };
    mtp::WsClientCallbacks cb;
    bool trying_candidate = false;  // the client presents a just-installed certificate
    mtp::WsClientOptions previous;  // the identity to go back to if the candidate fails
    // A new client with `o`'s identity, once the old one is closed (never from inside its callbacks).
    auto replace_client = [&](mtp::WsClientOptions o) {
        ev.post([&, o] {
            client = std::make_unique<mtp::WsClient>(ev, o, cb);
            if (Status st = client->start(); !st) LOG_ERROR("identity", "%s", st.error().message.c_str());
        });
    };
    if (!cfg->controller.url.empty()) {
        cb.failed = [&](const std::string& why) {
            if (!trying_candidate) return;
            trying_candidate = false;
            LOG_ERROR("identity",
                      "the renewed certificate failed its connection (%s): back to the previous one",
                      why.c_str());
            renewal->discard();
            wo = previous;
            replace_client(wo);
        };
        cb.connected = [&] {
            if (trying_candidate) {
                trying_candidate = false;
                if (Status st = renewal->promote(); !st)
                    LOG_ERROR("identity", "%s", st.error().message.c_str());
                else
                    LOG_INFO("identity",
                             "connected with the renewed certificate: it is now the device's identity");
                wo.cert_file = wo.key_file = renewal->current();
            }
            // TR-369 WebSocket binding: the first record on a new connection is a WebSocketConnectRecord.
            client->send(cpe::usp::encode_websocket_connect_record(cfg->controller.endpoint_id, endpoint_id));
            agent.connection_up();
            updater->connected();
            flush();
        };
        cb.record = [&](std::span<const uint8_t> bytes) -> mtp::Verdict {
            usp::RecordAction a = agent.handle_record(bytes, cfg->max_record_bytes);
            if (a.kind == usp::RecordAction::Kind::close_unsupported) return {true, a.reason};
            if (a.kind == usp::RecordAction::Kind::reply) client->send(std::move(a.reply));
            flush();
            if (renewal_commands.take_installed()) {
                // The OperateResp goes out first (1 s), then the connection is closed and made again with the
                // candidate; the old pair stays until that connection gets through.
                ev.add_timer(1000, [&] {
                    previous = wo;
                    wo.cert_file = wo.key_file = renewal->candidate();
                    trying_candidate = true;
                    client->stop([&] { replace_client(wo); });
                });
            }
            return {};
        };
        client = std::make_unique<mtp::WsClient>(ev, wo, cb);
        if (Status st = client->start(); !st) {
            fprintf(stderr, "cpe-agent: %s\n", st.error().message.c_str());
            return 2;
        }
        LOG_INFO("agent", "%s: USP agent %s, controller %s at %s", args.board_dir.c_str(),
                 endpoint_id.c_str(), cfg->controller.endpoint_id.c_str(), client->url_text().c_str());
    }
    if (cfg->server.enabled) {
        const config::Server& sc = cfg->server;
        mtp::WsServerOptions so;
        so.bind = sc.bind;
        so.port = sc.port;
        so.path = sc.path;
        so.cert_file = sc.tls.cert_file;
        so.key_file = sc.tls.key_file;
        so.ca_file = sc.tls.ca_file;
        so.require_client_cert = sc.tls.require_client_cert;
        so.allowed_controllers = sc.allowed_controllers;
        so.agent_id = endpoint_id;
        so.max_connections = sc.max_connections;
        so.first_record_timeout_s = sc.first_record_timeout_s;
        if (!sc.authenticated())
            LOG_WARN(
                "mtp",
                "USP server on %s:%d runs with server.insecure_lan: %s: any host on that network can call "
                "this agent (Device.Reboot() included)",
                sc.bind.c_str(), sc.port,
                sc.tls.require_client_cert ? "no allowed_controllers" : "no TLS client certificates");
        so.max_record_bytes = cfg->max_record_bytes;
        mtp::WsServerCallbacks sb;
        sb.connected = [&](const std::string& id) {
            // TR-369 asks the agent for a WebSocketConnectRecord first on every WebSocket connection,
            // whichever side opened it: the controller learns our endpoint id and supported versions the same
            // way.
            server->send(id, cpe::usp::encode_websocket_connect_record(id, endpoint_id));
            agent.connection_up();
            flush();
        };
        sb.record = [&](const std::string& id, std::span<const uint8_t> bytes) -> mtp::ServerVerdict {
            auto rec = cpe::usp::decode_record(bytes, {cfg->max_record_bytes});
            if (!rec) return {1003, rec.error().message};
            if (rec->from_id() != id) return {1008, "record from_id is not the connection's ?eid="};
            if (rec->to_id() != endpoint_id) {
                LOG_LIMITED(log::Level::warn, 5, 300, "usp",
                            "controller '%s': dropped a record for another endpoint", id.c_str());
                return {};
            }
            if (rec->type() != cpe::usp::RecordType::no_session_context) {
                if (rec->type() == cpe::usp::RecordType::session_context)
                    LOG_LIMITED(log::Level::warn, 5, 300, "usp",
                                "controller '%s': session context records are not supported", id.c_str());
                return {};  // connect and disconnect records need no answer
            }
            auto payload = rec->payload();
            if (!payload) return {1003, payload.error().message};
            if (auto reply = agent.handle_msg(*payload, id)) {
                if (auto m = cpe::usp::decode_msg(*reply); m && m->type() == cpe::usp::MsgType::add_resp)
                    if (auto a = m->add_resp())
                        for (const auto& r : a->created_obj_results)
                            if (auto* ok = std::get_if<cpe::usp::AddResp::Success>(&r.oper_status))
                                if (ok->instantiated_path.starts_with("Device.LocalAgent.Subscription.") &&
                                    ok->unique_keys.count("ID")) {
                                    if (sub_owner.size() >= 64) sub_owner.erase(sub_owner.begin());
                                    sub_owner[ok->unique_keys.at("ID")] = id;
                                }
                server->send(id, cpe::usp::encode_no_session_record(id, endpoint_id, *reply));
            }
            flush();
            return {};
        };
        server = std::make_unique<mtp::WsServer>(ev, so, sb);
        if (Status st = server->start(); !st) {
            fprintf(stderr, "cpe-agent: %s\n", st.error().message.c_str());
            return 2;
        }
        LOG_INFO("agent", "USP agent %s: server listening on %s port %d path %s%s", endpoint_id.c_str(),
                 sc.bind.c_str(), server->port(), sc.path.c_str(), sc.tls.cert_file.empty() ? "" : " (TLS)");
    }

    // The collectors (files, commands with their time limits) run on the worker thread: the loop goes on
    // answering USP from the last model meanwhile. The board belongs to the worker from the submit until the
    // completion runs here; the next refresh is scheduled only from that completion, so they never overlap.
    Worker worker([&ev](std::function<void()> fn) { ev.post(std::move(fn)); });

    // Repeating timers: model refresh, Periodic!, notification retry.
    std::function<void()> schedule_refresh = [&] {
        ev.add_timer(uint64_t{cfg->refresh_interval_s} * 1000, [&] {
            const bool queued = worker.submit<bool>(
                [&] {
                    b.refresh(clock(), [&worker] { return worker.stopping(); });
                    return true;
                },
                [&](bool) {
                    agent.update_model(b.model());
                    flush();
                    schedule_refresh();
                });
            if (!queued) schedule_refresh();
        });
    };
    schedule_periodic = [&] {
        periodic_timer = ev.add_timer(uint64_t{agent.periodic_interval_s()} * 1000, [&] {
            agent.periodic();
            flush();
            schedule_periodic();
        });
    };
    std::function<void()> schedule_retry = [&] {
        ev.add_timer(kNotifyRetryMs, [&] {
            if (agent.unacknowledged()) {
                agent.resend_unacknowledged();
                flush();
            }
            schedule_retry();
        });
    };
    schedule_refresh();
    schedule_periodic();
    schedule_retry();

    bool stopping = false;
    shutdown = [&] {
        if (stopping) return;
        stopping = true;
        auto pending = std::make_shared<int>((client ? 1 : 0) + (server ? 1 : 0));
        auto one_done = [&ev, pending] {
            if (--*pending == 0) ev.stop();
        };
        if (client) client->stop(one_done);
        if (server) server->stop(one_done);
        if (!client && !server) ev.stop();
        ev.add_timer(kStopGraceMs, [&] { ev.stop(); });
    };
    net::StopSignals signals(ev, [&](int sig) {
        LOG_INFO("agent", "signal %d: closing the connection and stopping", sig);
        shutdown();
    });
    ev.run();
    LOG_INFO("agent", "stopped");
    return 0;
}

}  // namespace cpe::agent
