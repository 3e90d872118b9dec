// InstallDU / DeploymentUnit.1.Update() against the real supervisor and agent (see CMakeLists.txt).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "test_controller.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

extern char** environ;

namespace {

namespace u = cpe::usp;
namespace fs = std::filesystem;
using cpe::test::ControllerEvent;
using cpe::test::TestController;
using Kind = ControllerEvent::Kind;

const std::string kSrc = CPE_SOURCE_DIR;
const std::string kAgentId = "os::1C61B4-22275A7000412";
const std::string kController = "self::test-controller";
constexpr int kTrialS = 6;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
std::string first_line(const fs::path& p) {
    std::string s = slurp(p);
    return s.substr(0, s.find('\n'));
}
bool run(const std::string& cmd) {
    return std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()) == 0;
}

struct EmulatedBoard;  // a board booted in qemu-system-<arch> (the emulator tests at the end)

// A child process in its own process group (killed with the group: the supervisor and its agent).
class Child {
  public:
    Child(std::vector<std::string> args, std::vector<std::string> env, const fs::path& log) {
        std::vector<char*> argv, envp;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        for (char** e = environ; *e; ++e) env_.push_back(*e);
        for (auto& e : env) env_.push_back(e);
        for (auto& e : env_) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawnattr_t at;
        posix_spawnattr_init(&at);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&at, 0);
        if (posix_spawn(&pid_, argv[0], &fa, &at, argv.data(), envp.data()) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
    }
    ~Child() { kill9(); }
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(-pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    pid_t pid() const { return pid_; }

  private:
    std::vector<std::string> env_;
    pid_t pid_ = -1;
};

class AgentUpdateTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("cpe-agent-update-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        for (const char* d : {"etc/board", "state", "www", "keys", "bin"}) fs::create_directories(dir / d);
        ASSERT_TRUE(run(kSrc + "/provisioning/signing/make-signing-key.sh " + (dir / "keys/fleet").string()));
        ASSERT_TRUE(run(kSrc + "/provisioning/signing/make-signing-key.sh " + (dir / "keys/other").string()));
        ASSERT_TRUE(run(kSrc + "/provisioning/certs/make-certs.sh " + (dir / "ca").string() + " localhost"));
        fs::copy_file(kSrc + "/boards/tplink-xx230v/profile.json", dir / "etc/board/profile.json");
        // The flashed package's manifest as the factory agent reads it: version 1.0.0.
        std::ofstream(dir / "factory-manifest.json")
            << R"({"format": 1, "board": "tplink-xx230v", "architecture": "host", "version": "1.0.0",
                  "build_id": "00000000000000f1", "route": "vendor", "files": [{"path": "usr/sbin/cpe-agent",
                  "size": 1, "mode": "755", "sha256": ")"
            << std::string(64, '0') << "\"}]}\n";
        // The update agents: the built one stripped (small enough to serve), made distinct by a trailing
        // marker (a new build id), and a "broken" one that never reaches its controller.
        ASSERT_TRUE(run(std::string(CPE_STRIP) + " -o " + (dir / "bin/agent-v2").string() + " " + CPE_AGENT));
        std::ofstream(dir / "bin/agent-v2", std::ios::app) << "cpe-agent v2";
        std::ofstream(dir / "bin/agent-broken") << "#!/bin/sh\nexec sleep 600\n";
        fs::permissions(dir / "bin/agent-broken", fs::perms::owner_all);
    }
    void TearDown() override {
        supervisor.reset();
        http.reset();
        https.clear();
        if (!HasFailure())
            fs::remove_all(dir);
        else
            std::cerr << "supervisor and agent log:\n" << slurp(dir / "run.log");
    }

    // make-package.sh into www/; returns the .update file's name.
    std::string package(const std::string& name, const std::string& agent, const std::string& version,
                        const std::string& key = "fleet", const std::string& board = "tplink-xx230v",
                        const std::string& arch = "host") {
        const fs::path out = dir / ("pkg-" + name);
        const std::string k = (dir / "keys" / key).string();
        EXPECT_TRUE(run(kSrc + "/packaging/make-package.sh --agent " + agent + " --board " + kSrc +
                        "/boards/" + board + " --arch " + arch + " --opkg-arch x86_64 --version " + version +
                        " --key " + k + "/signing.key --pub " + k + "/signing.pub --ca " +
                        (dir / "ca/ca.pem").string() + " --out " + out.string()));
        fs::copy_file(out / board / ("cpe-agent_" + version + "_" + board + ".update"),
                      dir / "www" / (name + ".update"));
        return name + ".update";
    }
    std::string build_id_of(const std::string& name) {
        const std::string m = slurp(dir / "www" / name);
        std::smatch s;
        EXPECT_TRUE(std::regex_search(m, s, std::regex("\"build_id\": \"([0-9a-f]{16})\"")));
        return s.size() > 1 ? s[1].str() : "";
    }

    void start_http() {
        const fs::path log = dir / "http.log";
        http = std::make_unique<Child>(
            std::vector<std::string>{CPE_PYTHON3, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                     "--directory", (dir / "www").string()},
            std::vector<std::string>{}, log);
        for (int i = 0; i < 100 && http_port == 0; ++i) {
            std::smatch m;
            const std::string text = slurp(log);
            if (std::regex_search(text, m, std::regex("port ([0-9]+)")))
                http_port = std::stoi(m[1]);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_GT(http_port, 0) << slurp(log);
    }
    // The same files over HTTPS, with a certificate of the CA in `certs` (make-certs.sh: CN/SAN localhost).
    void start_https(const std::string& certs) {
        const fs::path log = dir / ("https-" + certs + ".log");
        https.push_back(std::make_unique<Child>(
            std::vector<std::string>{CPE_PYTHON3, kSrc + "/tests/integration/agent_update/https_server.py",
                                     (dir / "www").string(), (dir / certs / "hub.pem").string(),
                                     (dir / certs / "hub.key").string()},
            std::vector<std::string>{}, log));
        int port = 0;
        for (int i = 0; i < 100 && port == 0; ++i) {
            std::smatch m;
            const std::string text = slurp(log);
            if (std::regex_search(text, m, std::regex("port ([0-9]+)")))
                port = std::stoi(m[1]);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_GT(port, 0) << slurp(log);
        https_ports[certs] = port;
    }
    std::string https_url(const std::string& certs, const std::string& name) {
        return "https://localhost:" + std::to_string(https_ports[certs]) + "/" + name;
    }
    // The file server as the agent reaches it (the emulated CPE: 10.0.2.2, qemu's address of the host).
    std::string url(const std::string& name) {
        return "http://" + http_host + ":" + std::to_string(http_port) + "/" + name;
    }

    // file_limit_kb > 0: the supervisor and the agent run under `ulimit -f` (a flash that fills up).
    void start_supervisor(TestController& ctl, int file_limit_kb = 0, int poll_s = 1) {
        std::ofstream(dir / "etc/agent.json")
            << R"({"controller": {"url": "ws://127.0.0.1:)" << ctl.port() << R"(/usp", "endpoint_id": ")"
            << kController << R"("}, "state_dir": ")" << (dir / "state").string()
            << R"(", "update": {"signing_key": ")" << (dir / "keys/fleet/signing.pub").string()
            << R"(", "ca_file": ")" << (dir / "ca/ca.pem").string() << R"(", "manifest": ")"
            << (dir / "factory-manifest.json").string()
            << R"(", "max_bytes": 67108864, "timeout_s": 60}, "reconnect": {"min_ms": 20, "base_ms": 200, "cap_ms": 800, "stable_s": 3600}})";
        std::vector<std::string> argv{"/bin/sh", kSrc + "/packaging/files/supervise"};
        if (file_limit_kb > 0)
            argv = {"/bin/sh", "-c",
                    "ulimit -f " + std::to_string(file_limit_kb) + " && exec /bin/sh '" + kSrc +
                        "/packaging/files/supervise'"};
        supervisor = std::make_unique<Child>(
            argv,
            std::vector<std::string>{
                "CPE_ETC=" + (dir / "etc").string(), "CPE_FACTORY_AGENT=" CPE_AGENT,
                "CPE_FACTORY_MANIFEST=" + (dir / "factory-manifest.json").string(),
                "CPE_TRIAL_S=" + std::to_string(kTrialS), "CPE_POLL_S=" + std::to_string(poll_s),
                "CPE_AGENT_ARGS=--root " + kSrc + "/boards/tplink-xx230v/fixtures/rootfs --now 1795000000"},
            dir / "run.log");
        ASSERT_GT(supervisor->pid(), 0);
    }

    // The next USP message from the agent; Notify messages asking for a response are acknowledged.
    std::optional<u::Msg> next_msg(TestController& ctl, int* conn_out = nullptr, int timeout_s = 30) {
        while (true) {
            auto e = ctl.next(timeout_s);
            if (!e) return std::nullopt;
            if (e->kind == Kind::open) {
                conn = e->conn;
                continue;
            }
            if (e->kind != Kind::record) continue;
            auto r = u::decode_record(e->data);
            if (!r || r->type() != u::RecordType::no_session_context) continue;
            auto m = u::decode_msg(*r->payload());
            if (!m) continue;
            if (m->type() == u::MsgType::notify) {
                auto n = m->notify();
                if (n && n->send_resp)
                    ctl.send(e->conn, u::encode_no_session_record(
                                          agent_id, kController,
                                          u::encode_msg(m->msg_id(), u::NotifyResp{n->subscription_id})));
            }
            if (conn_out) *conn_out = e->conn;
            return std::move(*m);
        }
    }
    void send(TestController& ctl, const std::string& id, const auto& body) {
        ctl.send(conn, u::encode_no_session_record(agent_id, kController, u::encode_msg(id, body)));
    }
    // Waits for a (new) connection's Boot!, then subscribes to the update's events.
    void connect_and_subscribe(TestController& ctl, int timeout_s = 60) {
        conn = 0;
        bool booted = false;
        while (!booted) {
            auto m = next_msg(ctl, nullptr, timeout_s);
            ASSERT_TRUE(m) << "the agent did not connect";
            if (auto n = m->notify(); n)
                if (auto* ev = std::get_if<u::Notify::Event>(&n->notification);
                    ev && ev->event_name == "Boot!")
                    booted = true;
        }
        u::Add add;
        add.create_objs.push_back({"Device.LocalAgent.Subscription.",
                                   {{"ID", "oc", true},
                                    {"Enable", "true", true},
                                    {"NotifType", "OperationComplete", true},
                                    {"ReferenceList", "Device.SoftwareModules.", true}}});
        add.create_objs.push_back({"Device.LocalAgent.Subscription.",
                                   {{"ID", "tc", true},
                                    {"Enable", "true", true},
                                    {"NotifType", "Event", true},
                                    {"ReferenceList", "Device.LocalAgent.TransferComplete!", true}}});
        send(ctl, "sub", add);
    }
    struct Outcome {
        bool ok = false;
        std::string oc_error;                         // OperationComplete cmd_failure
        std::map<std::string, std::string> transfer;  // TransferComplete! arguments
    };
    // Both the OperationComplete and the TransferComplete! of an update.
    Outcome wait_outcome(TestController& ctl, int timeout_s = 90) {
        Outcome o;
        bool got_oc = false, got_tc = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        while (!(got_oc && got_tc) && std::chrono::steady_clock::now() < deadline) {
            auto m = next_msg(ctl, nullptr, timeout_s);
            if (!m) break;
            auto n = m->notify();
            if (!n) continue;
            if (auto* oc = std::get_if<u::Notify::OperationComplete>(&n->notification)) {
                got_oc = true;
                if (auto* f = std::get_if<u::CommandFailure>(&oc->operation_resp))
                    o.oc_error = f->err_msg;
                else
                    o.ok = true;
            } else if (auto* ev = std::get_if<u::Notify::Event>(&n->notification);
                       ev && ev->event_name == "TransferComplete!") {
                got_tc = true;
                o.transfer = ev->params;
            }
        }
        EXPECT_TRUE(got_oc && got_tc) << "no OperationComplete/TransferComplete! for the update";
        return o;
    }
    std::string install(TestController& ctl, const std::string& file, const std::string& key,
                        std::string at = "") {
        if (at.empty()) at = url(file);
        send(ctl, "op-" + key, u::Operate{"Device.SoftwareModules.InstallDU()", key, true, {{"URL", at}}});
        while (true) {
            auto m = next_msg(ctl);
            if (!m) return "no OperateResp";
            if (m->type() != u::MsgType::operate_resp) continue;
            auto r = m->operate_resp();
            if (!r || r->operation_results.size() != 1) return "bad OperateResp";
            if (auto* f = std::get_if<u::CommandFailure>(&r->operation_results[0].operation_resp))
                return f->err_msg;
            return "";
        }
    }
    std::string version(TestController& ctl) {
        send(ctl, "get-v", u::Get{{"Device.SoftwareModules.DeploymentUnit.1.Version"}, 0});
        while (true) {
            auto m = next_msg(ctl);
            if (!m) return "(no GetResp)";
            if (m->type() != u::MsgType::get_resp) continue;
            auto r = m->get_resp();
            if (!r || r->req_path_results.empty() || r->req_path_results[0].resolved_path_results.empty())
                return "(empty)";
            return r->req_path_results[0].resolved_path_results[0].result_params.begin()->second;
        }
    }
    std::string current() { return first_line(dir / "state/update/current"); }
    // The emulator test of one board (below).
    void boot_register_update_rollback(const EmulatedBoard& b);

    fs::path dir;
    int http_port = 0;
    std::vector<std::unique_ptr<Child>> https;
    std::map<std::string, int> https_ports;
    std::string http_host = "127.0.0.1";
    std::string agent_id = kAgentId;  // the endpoint id of the agent under test (its board's OUI)
    int conn = 0;
    std::unique_ptr<Child> http, supervisor;
};

TEST_F(AgentUpdateTest, RefusesBadPackagesAndKeepsTheRunningVersion) {
    const std::string other_board =
        package("other-board", (dir / "bin/agent-v2").string(), "2.0.0", "fleet", "raisecom-ht803g");
    const std::string other_key = package("other-key", (dir / "bin/agent-v2").string(), "2.0.0", "other");
    const std::string good = package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    fs::resize_file(dir / "www" / good, fs::file_size(dir / "www" / good) / 2);
    fs::rename(dir / "www" / good, dir / "www/truncated.update");
    package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    ASSERT_TRUE(run(kSrc + "/provisioning/certs/make-certs.sh " + (dir / "rogue").string() + " localhost"));
    start_http();
    start_https("rogue");
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start_supervisor(ctl);
    connect_and_subscribe(ctl);
    EXPECT_EQ(version(ctl), "1.0.0");

    struct Case {
        std::string file, reason;
    };
    for (const Case& c : {Case{other_board, "for board 'raisecom-ht803g', this is 'tplink-xx230v'"},
                          Case{other_key, "bad signature"}, Case{"truncated.update", "truncated archive"},
                          Case{"missing.update", "HTTP 404"}}) {
        SCOPED_TRACE(c.file);
        EXPECT_EQ(install(ctl, c.file, "k-" + c.file), "");
        Outcome o = wait_outcome(ctl);
        EXPECT_FALSE(o.ok);
        EXPECT_NE(o.oc_error.find(c.reason), std::string::npos) << o.oc_error;
        EXPECT_EQ(o.transfer["FaultCode"], "7022");
        EXPECT_NE(o.transfer["FaultString"].find(c.reason), std::string::npos) << o.transfer["FaultString"];
        EXPECT_EQ(o.transfer["CommandKey"], "k-" + c.file);
        EXPECT_EQ(o.transfer["TransferURL"], url(c.file));
        EXPECT_FALSE(fs::exists(dir / "state/update/current"));
        EXPECT_EQ(version(ctl), "1.0.0");  // the same agent, still answering
    }
    // A good package from an HTTPS server whose certificate is not of the configured CA: not downloaded.
    EXPECT_EQ(install(ctl, "good.update", "k-rogue", https_url("rogue", "good.update")), "");
    Outcome rogue = wait_outcome(ctl);
    EXPECT_FALSE(rogue.ok);
    // (the TLS library's words follow: "connect SSL err …" here on OpenSSL)
    EXPECT_NE(rogue.oc_error.find("download failed: download from localhost failed"), std::string::npos)
        << rogue.oc_error;
    EXPECT_FALSE(fs::exists(dir / "state/update/current"));
    // Input the command cannot use: refused at once in the OperateResp.
    send(ctl, "op-bad", u::Operate{"Device.SoftwareModules.InstallDU()", "x", true, {{"URL", "ftp://h/f"}}});
    std::string refusal;
    while (auto m = next_msg(ctl))
        if (m->type() == u::MsgType::operate_resp) {
            auto r = m->operate_resp();
            if (r && !r->operation_results.empty())
                if (auto* f = std::get_if<u::CommandFailure>(&r->operation_results[0].operation_resp))
                    refusal = f->err_msg;
            break;
        }
    EXPECT_NE(refusal.find("http:// or https://"), std::string::npos) << refusal;
}

// The flash fills up while the update is written (a file size limit makes the writes fail): refused,
// reported, the running version untouched and still answering.
TEST_F(AgentUpdateTest, AFullFlashRefusesTheUpdate) {
    const std::string good = package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    ASSERT_GT(fs::file_size(dir / "www" / good), 1024u * 1024u);
    start_http();
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start_supervisor(ctl, 1024);
    connect_and_subscribe(ctl);
    ASSERT_EQ(install(ctl, good, "full"), "");
    Outcome o = wait_outcome(ctl);
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.oc_error.find("is the flash full?"), std::string::npos) << o.oc_error;
    EXPECT_EQ(o.transfer["FaultCode"], "7022");
    EXPECT_FALSE(fs::exists(dir / "state/update/current"));
    EXPECT_FALSE(fs::exists(dir / "state/update/download.part"));
    EXPECT_EQ(version(ctl), "1.0.0");
}

TEST_F(AgentUpdateTest, UpdatesToANewBuildThenRollsBackABrokenOne) {
    const std::string good = package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    const std::string broken = package("broken", (dir / "bin/agent-broken").string(), "3.0.0");
    start_http();
    start_https("ca");
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start_supervisor(ctl);
    connect_and_subscribe(ctl);
    EXPECT_EQ(version(ctl), "1.0.0");

    // A good build over HTTPS (the fleet CA's certificate): installed, switched to, restarted; the new agent
    // reports success once connected.
    ASSERT_EQ(install(ctl, good, "to-v2", https_url("ca", good)), "");
    connect_and_subscribe(ctl);
    Outcome o = wait_outcome(ctl);
    EXPECT_TRUE(o.ok) << o.oc_error;
    EXPECT_EQ(o.transfer["FaultCode"], "0");
    EXPECT_EQ(o.transfer["CommandKey"], "to-v2");
    EXPECT_EQ(o.transfer["Affected"], "Device.SoftwareModules.DeploymentUnit.1.");
    EXPECT_EQ(version(ctl), "2.0.0");
    const std::string v2 = current();
    EXPECT_EQ(v2.size(), 16u);
    EXPECT_EQ(first_line(dir / "state/update/previous"), "factory");

    // A broken build (never reaches its controller): the supervisor stops it after the trial time and goes
    // back to v2, which reports the failure.
    ASSERT_EQ(install(ctl, broken, "to-v3"), "");
    connect_and_subscribe(ctl, 90);
    o = wait_outcome(ctl);
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.oc_error.find("did not reach its controller within " + std::to_string(kTrialS) + " s"),
              std::string::npos)
        << o.oc_error;
    EXPECT_EQ(o.transfer["FaultCode"], "7022");
    EXPECT_EQ(o.transfer["CommandKey"], "to-v3");
    EXPECT_EQ(version(ctl), "2.0.0");
    EXPECT_EQ(current(), v2);
    EXPECT_EQ(fs::exists(dir / "state/update/versions" / v2), true);
}

// The supervisor confirms a slot on trial in two steps (update/trial names it, then the file is removed) and
// then removes the other slots: an update staged or switched to meanwhile would lose its files or its trial
// marker (a broken build never rolled back). So the agent installs only once its own slot is confirmed: with
// a slow supervisor (5 s polls) and the next update asked for as soon as v2 connects, v2 is kept before v3
// starts, and v3 starts on trial.
TEST_F(AgentUpdateTest, TheNextUpdateWaitsUntilTheRunningSlotIsConfirmed) {
    const std::string good = package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    const std::string broken = package("broken", (dir / "bin/agent-broken").string(), "3.0.0");
    start_http();
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start_supervisor(ctl, 0, 5);
    connect_and_subscribe(ctl);
    ASSERT_EQ(install(ctl, good, "to-v2"), "");
    connect_and_subscribe(ctl);
    const std::string v2 = current();
    ASSERT_EQ(v2.size(), 16u);
    ASSERT_EQ(install(ctl, broken, "to-v3"), "");  // while v2 is still on trial
    connect_and_subscribe(ctl, 90);                // v2 again, after v3's rollback
    Outcome o;
    for (int i = 0; i < 2 && o.transfer["CommandKey"] != "to-v3"; ++i) o = wait_outcome(ctl);
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.oc_error.find("did not reach its controller"), std::string::npos) << o.oc_error;
    EXPECT_EQ(current(), v2);
    const std::string log = slurp(dir / "run.log");
    const size_t kept = log.find("slot " + v2 + " reached its controller: kept");
    const size_t waited = log.find("waiting for the supervisor to confirm the running version");
    const size_t v3_on_trial =
        log.find(" on trial, ", log.find("started slot ", kept == std::string::npos ? 0 : kept));
    ASSERT_NE(kept, std::string::npos) << "v2 was never confirmed:\n" << log;
    EXPECT_NE(waited, std::string::npos) << log;
    EXPECT_LT(waited, kept) << log;
    EXPECT_NE(v3_on_trial, std::string::npos) << "v3 did not start on trial:\n" << log;
}

// A power cut (kill -9 of the supervisor and the agent together) at each step of an update, the device then
// started again: each state the installer and the supervisor can leave behind runs a working agent.
TEST_F(AgentUpdateTest, PowerCutAtEachSwitchStepLeavesAWorkingAgent) {
    const std::string good = package("good", (dir / "bin/agent-v2").string(), "2.0.0");
    const std::string broken = package("broken", (dir / "bin/agent-broken").string(), "3.0.0");
    const std::string id = build_id_of(good), bad_id = build_id_of(broken);
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    const fs::path u = dir / "state/update";
    auto slot = [&](const std::string& file, const std::string& build) {  // what install_archive leaves
        fs::create_directories(u / "versions" / build);
        EXPECT_TRUE(
            run("tar xf " + (dir / "www" / file).string() + " -C " + (u / "versions" / build).string()));
        fs::remove(u / "versions" / build / "manifest.sig");
    };
    auto put = [&](const char* name, const std::string& text) { std::ofstream(u / name) << text << "\n"; };
    auto request = [&](const std::string& build) {
        put("request.json",
            R"J({"command": "Device.SoftwareModules.InstallDU()", "command_key": "cut", "url": "x",
                              "start_time": "2026-01-01T00:00:00Z", "build_id": ")J" +
                build + "\"}");
    };
    // Starts the device, checks the version that answers and what it reports about the interrupted update
    // ("" = nothing pending, "ok" = success, else a text the failure contains), then cuts the power.
    auto reboot = [&](const char* step, const std::string& expect_version, const std::string& expect_report) {
        SCOPED_TRACE(step);
        start_supervisor(ctl);
        connect_and_subscribe(ctl);
        if (!expect_report.empty()) {  // first: version() reads past notifications
            Outcome o = wait_outcome(ctl);
            if (expect_report == "ok")
                EXPECT_TRUE(o.ok) << o.oc_error;
            else
                EXPECT_NE(o.oc_error.find(expect_report), std::string::npos) << o.oc_error;
        }
        EXPECT_EQ(version(ctl), expect_version);
        EXPECT_FALSE(fs::exists(u / "request.json"));
        supervisor->kill9();
    };
    fs::create_directories(u / "versions");
    // Cut while unpacking: a partial staging directory, nothing switched.
    fs::create_directories(u / "versions/.staging/usr/sbin");
    std::ofstream(u / "versions/.staging/usr/sbin/cpe-agent") << "partial";
    reboot("during unpacking", "1.0.0", "");
    // Cut after the slot was renamed into place and the request recorded, before previous/trial/current.
    request(id);
    slot(good, id);
    reboot("slot in place, not switched", "1.0.0", "rolled back");
    // Cut after previous and trial were written, before current: the trial is dropped and reported.
    request(id);
    put("previous", "factory");
    put("trial", id);
    reboot("trial written, current not", "1.0.0", "interrupted before the switch");
    EXPECT_FALSE(fs::exists(u / "trial"));
    // Cut right after the switch: the new slot runs on trial, reaches its controller and is kept.
    request(id);
    slot(good, id);
    put("previous", "factory");
    put("trial", id);
    put("current", id);
    reboot("switched", "2.0.0", "ok");
    // A broken slot on trial, the power cut again and again while it runs: after CPE_TRIAL_STARTS starts the
    // supervisor goes back to the previous slot.
    request(bad_id);
    slot(broken, bad_id);
    put("previous", id);
    put("trial", bad_id);
    put("current", bad_id);
    for (int i = 0; i < 3; ++i) {
        start_supervisor(ctl);
        for (int t = 0; t < 50 && first_line(u / "trial-starts") != std::to_string(i + 1); ++t)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_EQ(first_line(u / "trial-starts"), std::to_string(i + 1));
        supervisor->kill9();
    }
    reboot("broken slot cut three times", "2.0.0", "stopped 3 times before reaching its controller");
    EXPECT_EQ(current(), id);
}

// Booted, not just run: a Debian kernel and busybox-static of the board's architecture in qemu-system-<arch>;
// the vendor-route overlay of the cross-built agent unpacked onto the busybox root as the firmware build
// would; init starts the agent through /etc/init.d/S95cpe-agent; the agent reaches this controller through
// qemu's user networking (10.0.2.2 = the host's loopback), answers a Get, updates itself to a second build
// with InstallDU and is rolled back from a broken third one. Prints boot-to-shell and
// boot-to-first-registration times (bench/emulator_boot.sh).
struct EmulatedBoard {
    std::string name;                  // the preset: armv7, mipsel
    std::string qemu_name;             // qemu-system-<arch>
    std::string qemu;                  // where CMake's find_program found it ("…-NOTFOUND": the test skips)
    std::string agent;                 // the preset's static cpe-agent
    std::string debian_arch;           // Debian's name of the architecture
    std::string kernel_package;        // the Debian kernel metapackage booted
    std::vector<std::string> machine;  // qemu's machine options: "-M", <machine>, then any CPU options
    std::string console;               // the machine's serial console
    std::string net_device;            // the qemu network device on the user-mode network
    std::vector<std::string> modules;  // the kernel's modules for that device, in load order
    std::string board;                 // boards/<board>: the package's board
    std::string oui;                   // its profile's ManufacturerOUI (the endpoint id)
    std::string serial_file, version_file;  // its profile's SerialNumber and SoftwareVersion files
};

// Debian's armmp kernel (armhf) in the "virt" machine, its virtio network device (the kernel's modules).
EmulatedBoard armv7_virt() {
    return {"armv7",
            "qemu-system-arm",
            CPE_QEMU_SYSTEM_ARM,
            CPE_ARMV7_AGENT,
            "armhf",
            "linux-image-armmp",
            {"-M", "virt", "-cpu", "cortex-a15"},
            "ttyAMA0",
            "virtio-net-device",
            {"virtio_mmio", "failover", "net_failover", "virtio_net"},
            "tplink-xx230v",
            "1C61B4",
            "/etc/serial_number",
            "/etc/fw_version"};
}
// Debian's 4kc-malta kernel (mipsel: Debian 12 has no big-endian MIPS port) in the "malta" machine, with the
// board's own NIC model, an AMD PCnet (the kernel's pcnet32 module and the mii module it needs). The board is
// the HT803G's, whose package is made for mipsel too (packaging/CMakeLists.txt). No VGA and no option ROM on
// the NIC: their ROM files come from seabios and ipxe-qemu, which qemu-system-mips only recommends (a fresh
// root without them: "failed to find romfile vgabios-cirrus.bin", and qemu does not start).
EmulatedBoard mipsel_malta() {
    return {"mipsel",
            "qemu-system-mipsel",
            CPE_QEMU_SYSTEM_MIPSEL,
            CPE_MIPSEL_AGENT,
            "mipsel",
            "linux-image-4kc-malta",
            {"-M", "malta", "-vga", "none"},
            "ttyS0",
            "pcnet,romfile=",
            {"mii", "pcnet32"},
            "raisecom-ht803g",
            "000E5E",
            "/var/config/serial_number",
            "/etc/version"};
}

void AgentUpdateTest::boot_register_update_rollback(const EmulatedBoard& b) {
    if (b.qemu.empty() || b.qemu.ends_with("NOTFOUND"))
        GTEST_SKIP() << "SKIPPED: " << b.qemu_name << " is not installed (toolchains/deps.sh install)";
    if (!fs::exists(b.agent))
        GTEST_SKIP() << "SKIPPED: no " << b.name << " agent at " << b.agent << " (cmake --build --preset "
                     << b.name << " --target cpe-agent first)";
    const fs::path cache = fs::path(CPE_EMULATOR_CACHE) / b.debian_arch;
    const int rc =
        std::system(("'" + kSrc + "/tests/integration/emulator/fetch-debian.sh' '" + cache.string() + "' " +
                     b.debian_arch + " " + b.kernel_package + " 2>'" + (dir / "fetch.log").string() + "'")
                        .c_str());
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << slurp(dir / "fetch.log");
    ASSERT_EQ(rc, 0) << slurp(dir / "fetch.log");
    const std::string serial = "22275A7000412";
    agent_id = "os::" + b.oui + "-" + serial;

    // Packages of the cross build: 1.0.0 flashed (vendor overlay), 2.0.0 a good update, 3.0.0 a broken one.
    package("factory", b.agent, "1.0.0", "fleet", b.board, b.name);
    fs::copy_file(b.agent, dir / "bin/agent-v2-cross");
    std::ofstream(dir / "bin/agent-v2-cross", std::ios::app) << "cpe-agent v2";
    const std::string good =
        package("good", (dir / "bin/agent-v2-cross").string(), "2.0.0", "fleet", b.board, b.name);
    const std::string broken =
        package("broken", (dir / "bin/agent-broken").string(), "3.0.0", "fleet", b.board, b.name);
    start_http();
    http_host = "10.0.2.2";
    TestController ctl;
    ASSERT_TRUE(ctl.ok());

    const fs::path root = dir / "root";
    for (const char* d : {"bin", "proc", "sys", "dev", "tmp", "etc", "var/run", "lib/modules", "data"})
        fs::create_directories(root / d);
    fs::copy_file(cache / "busybox/bin/busybox", root / "bin/busybox");
    std::string insmods;
    for (const std::string& m : b.modules) {
        bool found = false;
        for (const auto& e : fs::recursive_directory_iterator(cache / "kernel/lib/modules"))
            if (e.path().filename() == m + ".ko") {
                fs::copy_file(e.path(), root / "lib/modules" / (m + ".ko"));
                found = true;
                break;
            }
        ASSERT_TRUE(found) << "no " << m << ".ko in " << b.kernel_package << " (" << b.debian_arch << ")";
        insmods += " " + m;
    }
    ASSERT_TRUE(
        run("tar xzf " +
            (dir / ("pkg-factory/" + b.board + "/cpe-agent_1.0.0_" + b.board + "-overlay.tar.gz")).string() +
            " -C " + root.string()));
    fs::create_directories((root / b.serial_file.substr(1)).parent_path());
    std::ofstream(root / b.serial_file.substr(1)) << serial << "\n";
    std::ofstream(root / b.version_file.substr(1)) << "emulator\n";
    std::ofstream(root / "etc/cpe-agent/agent.json", std::ios::trunc)
        << R"({"controller": {"url": "ws://10.0.2.2:)" << ctl.port() << R"(/usp", "endpoint_id": ")"
        << kController
        << R"("}, "state_dir": "/data/cpe-agent", "update": {"signing_key": "/etc/cpe-agent/signing.pub"},
              "reconnect": {"min_ms": 200, "base_ms": 500, "cap_ms": 2000, "stable_s": 3600}})";
    std::ofstream(root / "init")
        << "#!/bin/busybox sh\n"
           "/bin/busybox --install -s /bin\n"
           "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
           "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev\n"
           "mount -t tmpfs tmp /tmp; mount -t tmpfs data /data; mkdir -p /data/cpe-agent\n"
           "for m in"
        << insmods
        << "; do insmod /lib/modules/$m.ko; done\n"
           "ip link set lo up; ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0\n"
           "ip route add default via 10.0.2.2\n"
           "echo cpe-boot: shell ready\n"
           "export CPE_TRIAL_S=40 CPE_POLL_S=1\n"
           "/etc/init.d/S95cpe-agent start\n"
           "while :; do sleep 3600; done\n";
    fs::permissions(root / "init", fs::perms::owner_all);
    ASSERT_TRUE(run(std::string(CPE_PYTHON3) + " " + kSrc + "/tests/integration/emulator/mkinitramfs.py " +
                    root.string() + " " + (dir / "initrd.gz").string()));
    fs::path kernel;
    for (const auto& e : fs::directory_iterator(cache / "kernel/boot"))
        if (e.path().filename().string().starts_with("vmlinuz-")) kernel = e.path();
    ASSERT_FALSE(kernel.empty());

    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<double> shell_s{-1};
    std::atomic<bool> watching{true};
    std::vector<std::string> argv{b.qemu};
    argv.insert(argv.end(), b.machine.begin(), b.machine.end());
    const std::vector<std::string> common{"-m",         "256",
                                          "-nographic", "-no-reboot",
                                          "-kernel",    kernel.string(),
                                          "-initrd",    (dir / "initrd.gz").string(),
                                          "-append",    "console=" + b.console + " rdinit=/init",
                                          "-netdev",    "user,id=n0",
                                          "-device",    b.net_device + ",netdev=n0"};
    argv.insert(argv.end(), common.begin(), common.end());
    supervisor = std::make_unique<Child>(argv, std::vector<std::string>{}, dir / "run.log");
    std::thread watch([&] {
        while (watching && shell_s < 0) {
            if (slurp(dir / "run.log").find("cpe-boot: shell ready") != std::string::npos)
                shell_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    connect_and_subscribe(ctl, 240);
    const double registered_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    watching = false;
    watch.join();
    std::cout << "emulator (" << b.qemu_name << " " << b.machine[1] << ", " << b.kernel_package
              << "): boot to shell " << shell_s.load() << " s, boot to first USP registration "
              << registered_s << " s (ratio " << (shell_s > 0 ? registered_s / shell_s : 0) << ")\n";
    EXPECT_EQ(version(ctl), "1.0.0");

    ASSERT_EQ(install(ctl, good, "emu-v2"), "");
    connect_and_subscribe(ctl, 120);
    Outcome o = wait_outcome(ctl, 120);
    EXPECT_TRUE(o.ok) << o.oc_error;
    EXPECT_EQ(version(ctl), "2.0.0");

    ASSERT_EQ(install(ctl, broken, "emu-v3"), "");
    connect_and_subscribe(ctl, 180);
    o = wait_outcome(ctl, 120);
    EXPECT_NE(o.oc_error.find("did not reach its controller within 40 s"), std::string::npos) << o.oc_error;
    EXPECT_EQ(version(ctl), "2.0.0");
}

TEST_F(AgentUpdateTest, EmulatorArmv7BootsRegistersUpdatesAndRollsBack) {
    boot_register_update_rollback(armv7_virt());
}

TEST_F(AgentUpdateTest, EmulatorMipselBootsRegistersUpdatesAndRollsBack) {
    boot_register_update_rollback(mipsel_malta());
}

}  // namespace
