// First byte picks the parser; the rest is the network input (a GenieACS device list goes through h11's
// parser, fuzzed on its own in hub_sources, then through the view). Whatever parses must also survive the
// consumers (hosts view, consolidated view), and their JSON must parse back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/access.hpp"
#include "api/parse.hpp"
#include "diag/consolidate.hpp"
#include "diag/hosts.hpp"
#include "json/json.hpp"
#include "sources/genieacs_document.hpp"

using namespace cpe::hub;

namespace {
void check_json(const std::string& text) {
    auto back = cpe::json::parse(text, "fuzz output");
    if (!back) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t selector = data[0] % 5;
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (selector) {
        case 0: {
            auto devices = sources::parse_device_list(body);
            if (!devices) break;
            for (const auto& d : *devices) {
                api::GenieHit h = api::hit_from_device(d);
                check_json(diag::hosts_json(diag::hosts_view(h.params, 1'700'000'000'000)));
                diag::DeviceInputs in;
                in.id = h.id;
                in.kind = "tr069";
                in.now_ms = 1'700'000'000'000;
                in.genieacs = h.params;
                in.genieacs_status = {diag::SourceState::fresh, h.last_inform_ms, ""};
                check_json(diag::device_view_json(in));
            }
            break;
        }
        case 1: {
            (void)api::parse_bridge_optical(body);
            (void)api::parse_bridge_onu(body, 1);
            if (auto mesh = api::parse_bridge_mesh(body); mesh && *mesh)
                check_json(cpe::json::print(mesh->value().get()));
            (void)api::parse_olt_port(body);
            // The bridge's modem hosts: what parses is bounded, its node counts add up, and its JSON parses
            // back.
            auto hosts = api::parse_bridge_hosts(body, "modem-1");
            if (hosts) {
                if (hosts->hosts.size() > api::kMaxBridgeHosts) __builtin_trap();
                size_t counted = 0;
                for (const auto& n : hosts->nodes) counted += n.count;
                if (counted != hosts->hosts.size()) __builtin_trap();
                check_json(diag::hosts_json(*hosts));
            }
            break;
        }
        case 2:
            (void)api::parse_task_body(body);
            break;
        case 3: {
            // "authorization\0email\0groups\0peer"
            std::string s(body);
            std::string parts[4];
            size_t start = 0;
            for (int i = 0; i < 4; ++i) {
                size_t end = s.find('\0', start);
                if (end == std::string::npos) end = s.size();
                if (start <= s.size()) parts[i] = s.substr(start, end - start);
                start = end + 1;
            }
            cpe::net::Request r;
            r.method = "GET";
            r.path = "/devices/lookup";
            r.query = {{"serial", parts[0]}};
            if (!parts[0].empty()) r.headers["authorization"] = parts[0];
            if (!parts[1].empty()) r.headers["x-authentik-email"] = parts[1];
            r.headers["x-authentik-groups"] = parts[2];
            r.peer = parts[3];
            api::AccessConfig c;
            c.service_token = "fuzz-token-0123456789";
            c.trusted_proxies = {"10.0.0.1"};
            c.staff_groups = {"techs"};
            (void)api::check_access(c, r);
            (void)api::parse_serial_query(r);
            break;
        }
        case 4: {
            // "path = value" lines, as an agent GetResp would give them.
            diag::Params p;
            size_t start = 0;
            while (start < body.size() && p.size() < 5000) {
                size_t end = body.find('\n', start);
                if (end == std::string_view::npos) end = body.size();
                std::string_view line = body.substr(start, end - start);
                size_t eq = line.find(" = ");
                if (eq != std::string_view::npos)
                    p[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 3));
                start = end + 1;
            }
            check_json(diag::hosts_json(diag::hosts_view(p, 1'700'000'000'000)));
            diag::DeviceInputs in;
            in.id = "fuzz";
            in.kind = "usp";
            in.agent = p;
            in.agent_status.state = diag::SourceState::fresh;
            check_json(diag::device_view_json(in));
            break;
        }
    }
    return 0;
}
