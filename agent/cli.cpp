#include "cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "daemon.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "model/board.hpp"
#include "provision/csr.hpp"

namespace cpe::agent {
namespace {

constexpr const char* kUsage =
    "usage: cpe-agent --board <dir> [--root <rootfs>] [--now <unix-time>] [--json] [--strict] <command>\n"
    "commands:\n"
    "  get <path>...              values of full, partial ('Device.Hosts.') or wildcard paths\n"
    "  instances <path> [--first-level]   instances of the multi-instance objects under <path>\n"
    "  schema                     the supported data model\n"
    "  run --config <file>        serve USP (TR-369) to the controller in <file> until SIGTERM/SIGINT\n"
    "  diag <Command()> [Name=Value]...   run one diagnostic (Device.IP.Diagnostics.IPPing(), …) and print\n"
    "                             its output arguments (docs/diagnostics.md)\n"
    "  make-csr --key <file> --csr <file>   this device's key (made unless it exists, mode 0600) and a\n"
    "                             certificate signing request with CN = its USP endpoint id\n"
    "options:\n"
    "  --board <dir>      board folder holding profile.json (boards/tplink-xx230v)\n"
    "  --root <rootfs>    read a captured fixture rootfs instead of this device\n"
    "  --now <unix-time>  the clock for lease expiry and association times (default with --root: the\n"
    "                     fixture's capture time, <rootfs>/.capture-time; else the system clock)\n"
    "  --max-depth <n>    with get: object levels below each path (0 = all)\n"
    "  --json             JSON output\n"
    "  --config <file>    with run: the agent's JSON configuration (docs/usp.md)\n"
    "  --vendor-prefix <X_..._>  with get/instances/schema: the operator's TR-106 prefix of the agent's\n"
    "                     extension parameters (with run: the config's vendor_prefix); default: none "
    "offered\n"
    "  --strict           exit 3 if any collector failed\n";

int usage_error(const std::string& message) {
    fprintf(stderr, "cpe-agent: %s\n%s", message.c_str(), kUsage);
    return 2;
}

// One line per value; a value's newlines are escaped so each parameter stays on its own line.
void print_text(const std::string& path, const std::string& value) {
    std::string v;
    for (char c : value) {
        if (c == '\n')
            v += "\\n";
        else if (c == '\\')
            v += "\\\\";
        else
            v += c;
    }
    printf("%s = %s\n", path.c_str(), v.c_str());
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::string board_dir, root, command, config_path, prefix, key_path, csr_path;
    int64_t now = 0;
    bool json_out = false, strict = false, first_level = false;
    unsigned max_depth = 0;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* flag) -> const char* {
            if (i + 1 >= argc) return nullptr;
            (void)flag;
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            fputs(kUsage, stdout);
            return 0;
        } else if (a == "--version") {
            puts("cpe-agent 0.1.0");
            return 0;
        } else if (a == "--board" || a == "--root" || a == "--now" || a == "--max-depth" || a == "--config" ||
                   a == "--vendor-prefix" || a == "--key" || a == "--csr") {
            const char* v = value(a.c_str());
            if (!v) return usage_error(a + " needs a value");
            if (a == "--board")
                board_dir = v;
            else if (a == "--key")
                key_path = v;
            else if (a == "--csr")
                csr_path = v;
            else if (a == "--root")
                root = v;
            else if (a == "--config")
                config_path = v;
            else if (a == "--vendor-prefix")
                prefix = v;
            else {
                char* end = nullptr;
                errno = 0;
                long long n = strtoll(v, &end, 10);
                if (errno || !end || *end || n < 0)
                    return usage_error(a + ": '" + v + "' is not a non-negative integer");
                if (a == "--now")
                    now = n;
                else
                    max_depth = static_cast<unsigned>(n);
            }
        } else if (a == "--json") {
            json_out = true;
        } else if (a == "--strict") {
            strict = true;
        } else if (a == "--first-level") {
            first_level = true;
        } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
            return usage_error("unknown option " + a);
        } else if (command.empty()) {
            command = a;
        } else {
            args.push_back(a);
        }
    }
    if (command.empty()) return usage_error("no command given");
    if (command != "get" && command != "instances" && command != "schema" && command != "run" &&
        command != "diag" && command != "make-csr")
        return usage_error("unknown command '" + command + "'");
    if (command == "make-csr") {
        if (board_dir.empty()) return usage_error("--board is required");
        if (key_path.empty() || csr_path.empty())
            return usage_error("make-csr needs --key <file> and --csr <file>");
        auto board = Board::open(board_dir, root);
        if (!board) {
            fprintf(stderr, "cpe-agent: %s\n", board.error().message.c_str());
            return 2;
        }
        const tr181::Tree& tree = (*board)->refresh(now ? now : static_cast<int64_t>(time(nullptr)));
        auto path = tr181::Path::parse("Device.LocalAgent.EndpointID");
        auto entries = tree.get(*path, 0);
        const std::string id =
            entries && !entries->empty() ? (*entries)[0].value->to_string() : std::string();
        if (Status st = provision::make_csr(key_path, csr_path, id); !st) {
            fprintf(stderr, "cpe-agent: make-csr: %s\n", st.error().message.c_str());
            return 1;
        }
        printf("%s\n", id.c_str());
        return 0;
    }
    if (command == "run") {
        if (board_dir.empty()) return usage_error("--board is required");
        if (config_path.empty()) return usage_error("run needs --config <file>");
        if (!args.empty()) return usage_error("run takes no paths");
        if (!prefix.empty())
            return usage_error("run takes the vendor prefix from its config (vendor_prefix)");
        return run_daemon({board_dir, root, config_path, now});
    }

    if (command == "diag") {
        if (board_dir.empty()) return usage_error("--board is required");
        if (args.empty()) return usage_error("diag needs a command (Device.IP.Diagnostics.IPPing())");
        return run_diag_command(board_dir, root, args[0],
                                std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (Status st = set_vendor_prefix(prefix, "--vendor-prefix"); !st) return usage_error(st.error().message);
    if (command == "schema") {
        fputs(device_model_text_with_prefix().c_str(), stdout);
        return 0;
    }
    if (board_dir.empty()) return usage_error("--board is required");
    if (args.empty()) return usage_error(command + " needs at least one path");

    std::vector<tr181::Path> paths;
    for (const std::string& text : args) {
        auto path = tr181::Path::parse(text);
        if (!path) return usage_error(path.error().message);
        if (Status known = device_schema().check(*path); !known) {
            fprintf(stderr, "cpe-agent: %s\n", known.error().message.c_str());
            return 1;
        }
        paths.push_back(std::move(*path));
    }

    auto board = Board::open(board_dir, root);
    if (!board) {
        fprintf(stderr, "cpe-agent: %s\n", board.error().message.c_str());
        return 2;
    }
    if (now == 0 && !root.empty()) {
        // A fixture is judged at the time it was captured, not today: its leases and associations are of that
        // moment.
        auto captured = fixture_capture_time(root);
        if (!captured && captured.error().code != Errc::not_found) {
            fprintf(stderr, "cpe-agent: %s\n", captured.error().message.c_str());
            return 2;
        }
        if (captured) now = *captured;
    }
    if (now == 0) now = static_cast<int64_t>(time(nullptr));
    const tr181::Tree& tree = (*board)->refresh(now);
    int rc = 0;
    json::Ptr out = json::make_array();

    if (command == "get") {
        for (const tr181::Path& path : paths) {
            auto entries = tree.get(path, max_depth);
            if (!entries) {
                fprintf(stderr, "cpe-agent: %s\n", entries.error().message.c_str());
                rc = 1;
                continue;
            }
            for (const tr181::ParamEntry& e : *entries) {
                if (json_out) {
                    json::Ptr item = json::make_object();
                    json::add_string(item.get(), "path", e.path);
                    json::add_string(item.get(), "value", e.value->to_string());
                    json::add_string(item.get(), "type", tr181::type_name(e.value->type()));
                    json::append(out.get(), std::move(item));
                } else {
                    print_text(e.path, e.value->to_string());
                }
            }
        }
    } else {
        for (const tr181::Path& path : paths) {
            auto entries = tree.instances(path, first_level);
            if (!entries) {
                fprintf(stderr, "cpe-agent: %s\n", entries.error().message.c_str());
                rc = 1;
                continue;
            }
            for (const tr181::InstanceEntry& e : *entries) {
                // The unique keys declared for this table in the supported model.
                auto parsed = tr181::Path::parse(e.path);
                const tr181::ObjectDef* def =
                    parsed ? device_schema().object(parsed->supported_form()) : nullptr;
                json::Ptr keys = json::make_object();
                std::string key_text;
                if (def) {
                    for (const std::string& k : def->unique_keys) {
                        if (const tr181::Value* v = e.object->param(k)) {
                            json::add_string(keys.get(), k.c_str(), v->to_string());
                            key_text += " " + k + "=" + v->to_string();
                        }
                    }
                }
                if (json_out) {
                    json::Ptr item = json::make_object();
                    json::add_string(item.get(), "path", e.path);
                    json::add(item.get(), "unique_keys", std::move(keys));
                    json::append(out.get(), std::move(item));
                } else {
                    printf("%s%s\n", e.path.c_str(), key_text.c_str());
                }
            }
        }
    }
    if (json_out) printf("%s\n", json::print(out.get(), true).c_str());
    if (strict && !(*board)->failures().empty()) {
        for (const CollectorFailure& f : (*board)->failures())
            fprintf(stderr, "cpe-agent: collector %s failed: %s\n", f.collector.c_str(),
                    f.error.message.c_str());
        return 3;
    }
    return rc;
}

}  // namespace cpe::agent
