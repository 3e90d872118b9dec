// The real cpe-hub with real agents as child processes: the cross-built static agents (ARMv7, MIPS
// big-endian) under qemu-user answering a Get through the hub, and host changes in a fixture rootfs reaching
// an SSE client as ObjectCreation/ObjectDeletion notifications.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "hub_process.hpp"
#include "json/json.hpp"

using namespace cpe::hub::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNow = "1795000000";  // the fixtures' fixed clock (tests/golden/CMakeLists.txt)

std::string encoded(const std::string& eid) {
    std::string out;
    for (char c : eid) out += c == ':' ? std::string("%3A") : std::string(1, c);
    return out;
}

std::string join(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

std::string find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string d; std::getline(dirs, d, ':');) {
        if (d.empty()) continue;
        const std::string candidate = d + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

// "path = value" lines of the hub's /get answer, sorted: the form of the golden dumps.
std::vector<std::string> get_lines(const std::string& body) {
    std::vector<std::string> out;
    auto doc = parse(body);
    const cJSON* results = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "results") : nullptr;
    for (const cJSON* r = results ? results->child : nullptr; r; r = r->next) {
        const cJSON* resolved = cJSON_GetObjectItemCaseSensitive(r, "resolved");
        for (const cJSON* o = resolved ? resolved->child : nullptr; o; o = o->next) {
            const std::string path = cpe::json::opt_string(o, "path").value_or("");
            const cJSON* params = cJSON_GetObjectItemCaseSensitive(o, "params");
            for (const cJSON* p = params ? params->child : nullptr; p; p = p->next)
                out.push_back(path + p->string + " = " + (cJSON_IsString(p) ? p->valuestring : "?"));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
}

// The SSE stream's `notification` events, parsed.
std::vector<cpe::json::Ptr> notifications(const std::string& stream) {
    std::vector<cpe::json::Ptr> out;
    size_t pos = 0;
    for (size_t end; (end = stream.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
        std::istringstream block(stream.substr(pos, end - pos));
        std::string event, data;
        for (std::string line; std::getline(block, line);) {
            if (line.rfind("event: ", 0) == 0) event = line.substr(7);
            if (line.rfind("data: ", 0) == 0) data += line.substr(6);
        }
        if (event != "notification") continue;
        if (auto doc = parse(data); cJSON_IsObject(doc.get())) out.push_back(std::move(doc));
    }
    return out;
}

class RealAgent : public ::testing::Test {
  protected:
    void start_hub() {
        hub = std::make_unique<HubProcess>(
            CPE_HUB_BIN, dir,
            R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                "usp": {"bind": "127.0.0.1", "port": 0, "request_timeout_ms": 20000}})");
        ASSERT_TRUE(hub->started()) << "cpe-hub did not start; log:\n" << join(hub->log_lines());
        ASSERT_GT(hub->usp_port(), 0);
    }
    std::string agent_config(int refresh_s) {
        dir.write("agent.json", R"({"controller": {"url": "ws://127.0.0.1:)" +
                                    std::to_string(hub->usp_port()) +
                                    R"(/usp", "endpoint_id": "self::cpe-hub"}, "refresh_interval_s": )" +
                                    std::to_string(refresh_s) + "}");
        return dir.file("agent.json");
    }
    // The endpoint id of the first agent that is online and identified (model known), waiting up to tries×100
    // ms.
    std::string wait_registered(int tries) {
        std::string eid;
        eventually(
            [&] {
                auto doc = parse(http("GET", hub->url("/usp/endpoints")).body);
                const cJSON* list = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "endpoints") : nullptr;
                for (const cJSON* e = list ? list->child : nullptr; e; e = e->next) {
                    if (cpe::json::opt_bool(e, "online") == true &&
                        !cpe::json::opt_string(e, "model").value_or("").empty()) {
                        eid = cpe::json::opt_string(e, "endpoint_id").value_or("");
                        return true;
                    }
                }
                return false;
            },
            tries * 100);
        return eid;
    }
    std::string logs() {
        return "hub log:\n" + join(hub->log_lines()) + "agent log:\n" + slurp(dir.file("agent.log"));
    }

    // The cross-built agent of `preset` under `qemu` on the XX230v fixture: registers, and its hosts through
    // the hub equal the golden dump (and the host-built agent's own answer).
    void cross_agent_answers_get(const std::string& preset, const std::string& qemu_name) {
        const std::string binary = std::string(CPE_SOURCE_DIR) + "/build/" + preset + "/agent/cpe-agent";
        if (!fs::exists(binary))
            GTEST_SKIP() << binary << " is not built: run `cmake --preset " << preset
                         << " && cmake --build --preset " << preset
                         << "` (tools/test-all.sh builds every preset before running the host tests)";
        const std::string qemu = find_on_path(qemu_name);
        if (qemu.empty()) GTEST_SKIP() << qemu_name << " is not on PATH (package qemu-user-static)";
        std::string help;
        run_command(qemu + " " + binary + " --help", &help);
        ASSERT_NE(help.find("run --config"), std::string::npos)
            << binary << " has no 'run --config' (an old build?): rebuild it with `cmake --build --preset "
            << preset << "`\n"
            << help;
        start_hub();
        const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
        cpe::testkit::ScopedProc agent(
            cpe::testkit::spawn({qemu, binary, "--board", board, "--root", board + "/fixtures/rootfs",
                                 "--now", kNow, "run", "--config", agent_config(30)},
                                dir.file("agent.log")));
        const std::string eid = wait_registered(900);  // qemu-user is slow on a loaded machine: up to 90 s
        ASSERT_EQ(eid, "os::1C61B4-22275A7000412") << logs();
        auto r = http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.Hosts.Host."), "", 40);
        ASSERT_EQ(r.status, 200) << r.body << "\n" << logs();
        const auto lines = get_lines(r.body);
        EXPECT_EQ(lines, sorted_lines(slurp(std::string(CPE_SOURCE_DIR) +
                                            "/tests/golden/expected/tplink-xx230v.Device.Hosts.Host.txt")));
#ifdef CPE_AGENT_BIN
        std::string host_answer;
        ASSERT_EQ(run_command("{ " + std::string(CPE_AGENT_BIN) + " --board " + board + " --root " + board +
                                  "/fixtures/rootfs --now " + kNow + " get Device.Hosts.Host. 2>/dev/null; }",
                              &host_answer),
                  0)
            << host_answer;
        EXPECT_EQ(lines, sorted_lines(host_answer));
#endif
    }

    TempDir dir;
    std::unique_ptr<HubProcess> hub;
};

TEST_F(RealAgent, Armv7AgentUnderQemuAnswersGetThroughTheHub) {
    cross_agent_answers_get("armv7", "qemu-arm-static");
}

TEST_F(RealAgent, MipsAgentUnderQemuAnswersGetThroughTheHub) {
    cross_agent_answers_get("mips", "qemu-mips-static");
}

void write_atomically(const fs::path& file, const std::string& text) {
    const fs::path tmp = file.string() + ".new";
    std::ofstream(tmp, std::ios::binary) << text;
    fs::rename(tmp, file);
}

TEST_F(RealAgent, HostJoiningAndLeavingTheFixtureReachesSse) {
#ifndef CPE_AGENT_BIN
    GTEST_SKIP() << "cpe-agent is not part of this build";
#else
    const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/generic-openwrt";
    const fs::path root = fs::path(dir.path()) / "rootfs";
    fs::copy(board + "/fixtures/rootfs", root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    start_hub();
    cpe::testkit::ScopedProc agent(
        cpe::testkit::spawn({CPE_AGENT_BIN, "--board", board, "--root", root.string(), "--now", kNow, "run",
                             "--config", agent_config(1)},
                            dir.file("agent.log")));
    const std::string eid = wait_registered(300);
    ASSERT_FALSE(eid.empty()) << logs();
    // The hub's default subscriptions (ObjectCreation/ObjectDeletion on Device.Hosts.Host.) exist on the
    // agent.
    ASSERT_TRUE(eventually(
        [&] {
            auto subs =
                http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.LocalAgent.Subscription."));
            return subs.body.find("\"ObjectCreation\"") != std::string::npos &&
                   subs.body.find("\"ObjectDeletion\"") != std::string::npos;
        },
        30000))
        << logs();
    SseReader sse(hub->http_port(), "/sse?topics=device:" + eid);
    ASSERT_TRUE(sse.wait_for("subscribed")) << sse.text();

    // A wired newcomer: a dnsmasq lease and an ARP entry.
    const std::string mac = "02:11:22:33:44:55";
    const fs::path leases = root / "tmp/dhcp.leases", arp = root / "proc/net/arp";
    const std::string leases_before = slurp(leases.string()), arp_before = slurp(arp.string());
    write_atomically(leases, leases_before + "1795086400 " + mac + " 192.168.1.250 newcomer *\n");
    write_atomically(
        arp, arp_before + "192.168.1.250    0x1         0x2         " + mac + "     *        br-lan\n");

    const int wait_ms = 15000;  // many refresh intervals (1 s): a bound, not a timing assertion
    std::string created_path;
    const bool created = sse.wait_until(
        [&](const std::string& text) {
            for (const auto& n : notifications(text)) {
                if (cpe::json::opt_string(n.get(), "kind") != "object_creation") continue;
                const cJSON* keys = cJSON_GetObjectItemCaseSensitive(n.get(), "unique_keys");
                if (cpe::json::opt_string(keys, "PhysAddress") != mac) continue;
                created_path = cpe::json::opt_string(n.get(), "obj_path").value_or("");
                return true;
            }
            return false;
        },
        wait_ms);
    ASSERT_TRUE(created) << "SSE:\n" << sse.text() << "\n" << logs();
    ASSERT_EQ(created_path.rfind("Device.Hosts.Host.", 0), 0u) << created_path;
    ASSERT_EQ(created_path.back(), '.') << created_path;
    auto host = http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=" + created_path + "PhysAddress"));
    EXPECT_NE(host.body.find(mac), std::string::npos) << host.body;

    // It leaves again: the same instance is deleted.
    write_atomically(leases, leases_before);
    write_atomically(arp, arp_before);
    const bool deleted = sse.wait_until(
        [&](const std::string& text) {
            for (const auto& n : notifications(text))
                if (cpe::json::opt_string(n.get(), "kind") == "object_deletion" &&
                    cpe::json::opt_string(n.get(), "obj_path") == created_path)
                    return true;
            return false;
        },
        wait_ms);
    EXPECT_TRUE(deleted) << "SSE:\n" << sse.text() << "\n" << logs();
#endif
}

}  // namespace
