// The real cpe-agent (`run`, TP-Link fixture) against the in-process test controller: the WebSocket MTP as
// TR-369 describes it (subprotocol v1.usp, ?eid=, WebSocketConnectRecord first, then Boot!), a Get answered
// from the fixture, TLS and mutual TLS with certificates made here by the openssl CLI, reconnect back-off
// bounds, 1003 on a malformed record, and a clean close on SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "agent_process.hpp"
#include "test_controller.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

using cpe::test::ControllerEvent;
using cpe::test::ControllerTls;
using cpe::test::TestController;
namespace u = cpe::usp;
namespace fs = std::filesystem;
using cpe::test::AgentProcess;
using cpe::test::kAgentId;
using cpe::test::slurp;
using Kind = ControllerEvent::Kind;

namespace {

const std::string kController = "self::test-controller";

class AgentMtpTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        certs() = fs::temp_directory_path() / ("cpe-agent-mtp-certs-" + std::to_string(getpid()));
        fs::remove_all(certs());
        fs::create_directories(certs());
        const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
        const std::string o = CPE_OPENSSL;
        // mbedTLS 2.x checks the host name against DNS names only: the controller is "localhost".
        std::ofstream(certs() / "server.ext") << "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                                 "extendedKeyUsage=serverAuth\n";
        std::ofstream(certs() / "client.ext") << "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
        auto ca = [&](const std::string& name) {
            return o + " req -x509" + ec + "-keyout " + name + ".key -out " + name +
                   ".pem -days 2 -subj /CN=" + name +
                   " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign "
                   "&& ";
        };
        auto leaf = [&](const std::string& name, const std::string& cn, const std::string& by,
                        const std::string& ext) {
            return o + " req" + ec + "-keyout " + name + ".key -out " + name + ".csr -subj /CN=" + cn +
                   " && " + o + " x509 -req -in " + name + ".csr -CA " + by + ".pem -CAkey " + by +
                   ".key -CAcreateserial -out " + name + ".pem -days 2 -extfile " + ext;
        };
        const std::string script = "cd '" + certs().string() + "' && " + ca("ca") + ca("rogue-ca") +
                                   leaf("server", "localhost", "ca", "server.ext") + " && " +
                                   leaf("client", kAgentId, "ca", "client.ext") + " && " +
                                   leaf("rogue", "rogue", "rogue-ca", "client.ext");
        made() = cpe::testkit::shell(script) == 0;
    }
    static void TearDownTestSuite() { fs::remove_all(certs()); }
    static fs::path& certs() {
        static fs::path d;
        return d;
    }
    static bool& made() {
        static bool m = false;
        return m;
    }
    static std::string cert(const char* name) { return (certs() / name).string(); }

    void SetUp() override {
        dir = fs::temp_directory_path() / ("cpe-agent-mtp-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir / "state");
    }
    void TearDown() override {
        agent.reset();
        if (!HasFailure()) fs::remove_all(dir);
    }

    std::string config(const std::string& url, const std::string& tls_keys = "",
                       const std::string& extra = "") {
        return R"({"controller": {"url": ")" + url + R"(", "endpoint_id": ")" + kController + "\"" +
               tls_keys + R"(}, "state_dir": ")" + (dir / "state").string() +
               R"(", "reconnect": {"min_ms": 20, "base_ms": 200, "cap_ms": 800, "stable_s": 3600})" + extra +
               "}";
    }
    void start(const std::string& cfg) {
        agent = std::make_unique<AgentProcess>(dir, cfg);
        ASSERT_TRUE(agent->running());
    }

    // The next record of the controller, decoded; the test fails if none comes.
    u::Record record(TestController& ctl, int* conn = nullptr) {
        auto e = ctl.next_of(Kind::record);
        EXPECT_TRUE(e) << "no record from the agent; its log:\n" << (agent ? agent->log() : "");
        if (!e) return u::decode_record(u::encode_websocket_connect_record("none", "none")).value();
        if (conn) *conn = e->conn;
        auto r = u::decode_record(e->data);
        EXPECT_TRUE(r) << r.error().message;
        return std::move(*r);
    }
    u::Msg msg_of(const u::Record& r) {
        auto m = u::decode_msg(*r.payload());
        EXPECT_TRUE(m) << m.error().message;
        return std::move(*m);
    }
    // Accepts a connection: checks ?eid=, the WebSocketConnectRecord and Boot! (acknowledged). Returns the
    // conn.
    int handshake(TestController& ctl, bool expect_boot = true, u::Notify* boot_out = nullptr) {
        auto open = ctl.next_of(Kind::open);
        EXPECT_TRUE(open) << "the agent did not connect; its log:\n" << agent->log();
        if (!open) return 0;
        EXPECT_EQ(open->eid, kAgentId);
        int conn = 0;
        u::Record first = record(ctl, &conn);
        EXPECT_EQ(first.type(), u::RecordType::websocket_connect);
        EXPECT_EQ(first.to_id(), kController);
        EXPECT_EQ(first.from_id(), kAgentId);
        if (expect_boot) {
            u::Record second = record(ctl);
            EXPECT_EQ(second.type(), u::RecordType::no_session_context);
            u::Msg m = msg_of(second);
            EXPECT_EQ(m.type(), u::MsgType::notify);
            auto n = m.notify();
            EXPECT_TRUE(n);
            if (n) {
                EXPECT_TRUE(n->send_resp);
                const auto& ev = std::get<u::Notify::Event>(n->notification);
                EXPECT_EQ(ev.obj_path, "Device.");
                EXPECT_EQ(ev.event_name, "Boot!");
                if (boot_out) *boot_out = *n;
                ctl.send(conn, u::encode_no_session_record(
                                   kAgentId, kController,
                                   u::encode_msg(m.msg_id(), u::NotifyResp{n->subscription_id})));
            }
        }
        return conn;
    }
    u::GetResp get(TestController& ctl, int conn, std::vector<std::string> paths,
                   const std::string& id = "get-1") {
        ctl.send(conn, u::encode_no_session_record(kAgentId, kController,
                                                   u::encode_msg(id, u::Get{std::move(paths), 0})));
        u::Record r = record(ctl);
        EXPECT_EQ(r.to_id(), kController);
        u::Msg m = msg_of(r);
        EXPECT_EQ(m.msg_id(), id);
        auto resp = m.get_resp();
        EXPECT_TRUE(resp) << resp.error().message;
        return resp ? *resp : u::GetResp{};
    }

    fs::path dir;
    std::unique_ptr<AgentProcess> agent;
};

// "path = value" lines of a GetResp, sorted: the form of the golden dumps.
std::vector<std::string> lines_of(const u::GetResp& resp) {
    std::vector<std::string> out;
    for (const auto& r : resp.req_path_results)
        for (const auto& res : r.resolved_path_results)
            for (const auto& [k, v] : res.result_params) out.push_back(res.resolved_path + k + " = " + v);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> golden_lines(const std::string& file) {
    std::vector<std::string> out;
    std::istringstream in(slurp(std::string(CPE_SOURCE_DIR) + "/tests/golden/expected/" + file));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
}

TEST_F(AgentMtpTest, ConnectBootAndGetHosts) {
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start(config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp"));
    u::Notify boot;
    const int conn = handshake(ctl, true, &boot);
    ASSERT_NE(conn, 0);
    const auto& ev = std::get<u::Notify::Event>(boot.notification);
    EXPECT_EQ(ev.params.at("Cause"), "LocalReboot");
    EXPECT_EQ(ev.params.at("FirmwareUpdated"), "false");
    EXPECT_NE(ev.params.at("ParameterMap").find("22275A7000412"), std::string::npos);

    // the fixture's hosts, exactly as the golden dump of `cpe-agent get Device.Hosts.Host.` has them
    u::GetResp resp = get(ctl, conn, {"Device.Hosts.Host."});
    ASSERT_EQ(resp.req_path_results.size(), 1u);
    EXPECT_EQ(resp.req_path_results[0].err_code, 0u);
    EXPECT_EQ(lines_of(resp), golden_lines("tplink-xx230v.Device.Hosts.Host.txt"));

    // errors per path, and a record for another endpoint is dropped without an answer
    ctl.send(conn, u::encode_no_session_record("os::000000-SOMEONE", kController,
                                               u::encode_msg("lost", u::Get{{"Device."}, 0})));
    u::GetResp errs = get(ctl, conn, {"Device.Hosts.Host.999.", "Device.Bogus."}, "get-2");
    ASSERT_EQ(errs.req_path_results.size(), 2u);
    EXPECT_EQ(errs.req_path_results[0].err_code, 7016u);
    EXPECT_EQ(errs.req_path_results[1].err_code, 7026u);

    EXPECT_EQ(agent->stop(), 0);
    auto closed = ctl.next_of(Kind::closed);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->close_code, 1000);
    EXPECT_NE(agent->log().find("dropped a record for 'os::000000-SOMEONE'"), std::string::npos)
        << agent->log();
}

// The collectors run off the event loop: a Get arriving while a collector command is still running is
// answered at once, from the model of the last finished refresh. The board here is the live reader with one
// command collector whose command is a script that logs "start", sleeps 2 s, prints the fixture's `ip` output
// and logs "end"; the agent refreshes every second. The Get goes out once a refresh after the first (which
// runs before the agent connects) has started, and its answer must arrive before that run's "end": a loop
// that waited for the collector would answer only after it.
TEST_F(AgentMtpTest, AGetIsAnsweredWhileACollectorCommandStillRuns) {
    const fs::path board = dir / "slow-board";
    fs::create_directories(board);
    const fs::path script = board / "slow-ip", runs = dir / "collector-runs.log";
    std::ofstream(script) << "#!/bin/sh\necho start >> \"$1\"\nsleep 2\ncat \"$2\"\necho end >> \"$1\"\n";
    fs::permissions(script, fs::perms::owner_all);
    const std::string captured = cpe::test::kBoard + "/fixtures/rootfs/captured/ip_-o_-4_addr_show.out";
    std::ofstream(board / "profile.json")
        << R"({"board": "slow-collector", "identity": {"Manufacturer": "Test", "ManufacturerOUI": "1C61B4",
                "SerialNumber": "22275A7000412"},
               "sources": [{"collector": "identity"},
                           {"collector": "ip_addr", "command": [")"
        << script.string() << R"(", ")" << runs.string() << R"(", ")" << captured << R"("]}]})";
    auto count = [&runs](const std::string& word) {
        std::istringstream in(slurp(runs));
        size_t n = 0;
        for (std::string line; std::getline(in, line);) n += line == word;
        return n;
    };

    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    agent = std::make_unique<AgentProcess>(
        dir,
        config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp", "", R"(, "refresh_interval_s": 1)"),
        std::vector<std::string>{"--board", board.string()});
    ASSERT_TRUE(agent->running());
    const int conn = handshake(ctl);
    ASSERT_NE(conn, 0);
    // The first refresh (before the agent connected) has ended; wait (bounded) for the next one to start.
    bool second_started = false;
    for (int i = 0; i < 300 && !second_started; ++i) {
        second_started = count("start") >= 2;
        if (!second_started) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(second_started) << "runs:\n" << slurp(runs) << "agent log:\n" << agent->log();

    u::GetResp resp = get(ctl, conn, {"Device.IP.Interface.1.IPv4Address.1.IPAddress"});
    const size_t starts = count("start"), ends = count("end");
    EXPECT_LT(ends, starts) << "the Get was answered only after the collector command ended; runs:\n"
                            << slurp(runs);
    ASSERT_EQ(resp.req_path_results.size(), 1u);
    ASSERT_EQ(resp.req_path_results[0].resolved_path_results.size(), 1u);
    // The last finished refresh's value (the fixture's br0 address, read by the first run).
    EXPECT_EQ(resp.req_path_results[0].resolved_path_results[0].result_params.at("IPAddress"), "192.168.1.1");
    EXPECT_EQ(agent->stop(), 0);
}

TEST_F(AgentMtpTest, ReconnectBackoffStaysInBounds) {
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    constexpr int kClosed = 5;
    ctl.close_first_connections(kClosed);
    start(config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp"));
    // the agent comes back after each close; connection 6 is kept and served normally, and Boot! (never
    // acknowledged before) is sent again on it
    std::optional<ControllerEvent> open;
    while ((open = ctl.next_of(Kind::open)) && open->conn <= kClosed) {
    }
    ASSERT_TRUE(open) << agent->log();
    EXPECT_EQ(open->conn, kClosed + 1);
    int conn = 0;
    EXPECT_EQ(record(ctl, &conn).type(), u::RecordType::websocket_connect);
    ASSERT_EQ(conn, kClosed + 1);
    EXPECT_EQ(msg_of(record(ctl)).type(), u::MsgType::notify);
    u::GetResp resp = get(ctl, conn, {"Device.DeviceInfo.SerialNumber"});
    EXPECT_EQ(resp.req_path_results.at(0).resolved_path_results.at(0).result_params.at("SerialNumber"),
              "22275A7000412");

    const std::regex line(R"(reconnecting in (\d+) ms \(attempt (\d+), ceiling (\d+) ms\))");
    const std::string text = agent->log();
    unsigned expected_attempt = 1;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator(); ++it) {
        const uint64_t delay = std::stoull((*it)[1]), attempt = std::stoull((*it)[2]),
                       ceiling = std::stoull((*it)[3]);
        EXPECT_EQ(attempt, expected_attempt++);
        // full jitter under a doubling ceiling: base 200, cap 800, never below min 20
        EXPECT_EQ(ceiling, std::min<uint64_t>(800, 200ull << (attempt - 1))) << it->str();
        EXPECT_LE(delay, ceiling) << it->str();
        EXPECT_GE(delay, 20u) << it->str();
    }
    EXPECT_EQ(expected_attempt, kClosed + 1u) << "one back-off per closed connection:\n" << text;
}

TEST_F(AgentMtpTest, MalformedRecordClosesWith1003AndTheAgentComesBack) {
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    start(config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp"));
    const int conn = handshake(ctl);
    ASSERT_NE(conn, 0);
    ctl.send(conn, cpe::test::Bytes{0x0a, 0xff, 0x01, 0x02});  // a length running past the end
    auto closed = ctl.next_of(Kind::closed);
    ASSERT_TRUE(closed) << agent->log();
    EXPECT_EQ(closed->close_code, 1003);

    // the process lives on and reconnects (no new Boot!: the first was acknowledged)
    const int again = handshake(ctl, false);
    ASSERT_NE(again, 0);
    u::GetResp resp = get(ctl, again, {"Device.LocalAgent.EndpointID"});
    EXPECT_EQ(resp.req_path_results.at(0).resolved_path_results.at(0).result_params.at("EndpointID"),
              kAgentId);
    const std::string log = agent->log();
    EXPECT_NE(log.find("undecodable record"), std::string::npos) << log;
}

TEST_F(AgentMtpTest, TlsWithCaVerification) {
    ASSERT_TRUE(made()) << "openssl could not make the test certificates";
    TestController ctl(ControllerTls{cert("server.pem"), cert("server.key"), cert("ca.pem"), false});
    ASSERT_TRUE(ctl.ok());
    start(config("wss://localhost:" + std::to_string(ctl.port()) + "/usp",
                 R"(, "ca_file": ")" + cert("ca.pem") + "\""));
    const int conn = handshake(ctl);
    ASSERT_NE(conn, 0);
    u::GetResp resp = get(ctl, conn, {"Device.DeviceInfo.ModelName"});
    EXPECT_EQ(resp.req_path_results.at(0).resolved_path_results.at(0).result_params.at("ModelName"),
              "XX230v");
}

TEST_F(AgentMtpTest, TlsRefusesAControllerSignedByAnotherCa) {
    ASSERT_TRUE(made()) << "openssl could not make the test certificates";
    TestController ctl(ControllerTls{cert("server.pem"), cert("server.key"), cert("ca.pem"), false});
    ASSERT_TRUE(ctl.ok());
    start(config("wss://localhost:" + std::to_string(ctl.port()) + "/usp",
                 R"(, "ca_file": ")" + cert("rogue-ca.pem") + "\""));
    ASSERT_TRUE(agent->wait_log(std::regex("connection failed"), 2)) << agent->log();
    EXPECT_EQ(ctl.opens_seen(), 0u);
}

TEST_F(AgentMtpTest, MutualTls) {
    ASSERT_TRUE(made()) << "openssl could not make the test certificates";
    TestController ctl(ControllerTls{cert("server.pem"), cert("server.key"), cert("ca.pem"), true});
    ASSERT_TRUE(ctl.ok());
    start(config("wss://localhost:" + std::to_string(ctl.port()) + "/usp",
                 R"(, "ca_file": ")" + cert("ca.pem") + R"(", "cert_file": ")" + cert("client.pem") +
                     R"(", "key_file": ")" + cert("client.key") + "\""));
    auto open = ctl.next_of(Kind::open);
    ASSERT_TRUE(open) << agent->log();
    EXPECT_TRUE(open->cert_verified);
    EXPECT_EQ(open->cert_cn, kAgentId);
    int conn = 0;
    EXPECT_EQ(record(ctl, &conn).type(), u::RecordType::websocket_connect);
    EXPECT_EQ(record(ctl).type(), u::RecordType::no_session_context);  // Boot!
    u::GetResp resp = get(ctl, conn, {"Device.DeviceInfo.SerialNumber"});
    EXPECT_EQ(resp.req_path_results.at(0).resolved_path_results.at(0).result_params.at("SerialNumber"),
              "22275A7000412");
}

TEST_F(AgentMtpTest, MutualTlsWithAnUntrustedClientCertificateIsRejected) {
    ASSERT_TRUE(made()) << "openssl could not make the test certificates";
    TestController ctl(ControllerTls{cert("server.pem"), cert("server.key"), cert("ca.pem"), true});
    ASSERT_TRUE(ctl.ok());
    start(config("wss://localhost:" + std::to_string(ctl.port()) + "/usp",
                 R"(, "ca_file": ")" + cert("ca.pem") + R"(", "cert_file": ")" + cert("rogue.pem") +
                     R"(", "key_file": ")" + cert("rogue.key") + "\""));
    // whether the handshake or our check refuses it, no connection is ever verified, and the agent retries
    ASSERT_TRUE(agent->wait_log(std::regex("reconnecting in"), 2)) << agent->log();
    for (int i = 0; i < 1000; ++i) {  // what has arrived so far (the agent keeps retrying meanwhile)
        auto e = ctl.next(0);
        if (!e) break;
        if (e->kind == Kind::open) {
            EXPECT_FALSE(e->cert_verified);
        }
        EXPECT_NE(e->kind, Kind::record) << "an unverified agent must not get to send records";
    }
}

TEST_F(AgentMtpTest, RebootIsRecordedAndTheNextBootSaysSo) {
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    const std::string cfg = config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp");
    start(cfg);
    const int conn = handshake(ctl);
    ASSERT_NE(conn, 0);
    ctl.send(conn, u::encode_no_session_record(
                       kAgentId, kController,
                       u::encode_msg("op-1", u::Operate{"Device.Reboot()", "cmdkey-42", true, {}})));
    u::Msg m = msg_of(record(ctl));
    ASSERT_EQ(m.type(), u::MsgType::operate_resp);
    EXPECT_EQ(m.operate_resp()->operation_results.at(0).executed_command, "Device.Reboot()");
    EXPECT_EQ(agent->stop(), 0);
    EXPECT_NE(slurp(dir / "state" / "reboot-requests.log").find("CommandKey=cmdkey-42"), std::string::npos);

    // the "rebooted" agent reports why it booted
    start(cfg);
    u::Notify boot;
    ASSERT_NE(handshake(ctl, true, &boot), 0);
    const auto& ev = std::get<u::Notify::Event>(boot.notification);
    EXPECT_EQ(ev.params.at("Cause"), "RemoteReboot");
    EXPECT_EQ(ev.params.at("CommandKey"), "cmdkey-42");
}

// "A read-only root and a small writable state directory": the agent runs in a mount namespace of its own
// where every mount but /proc, /sys, /dev and the state directory (bound on itself) is remounted read-only,
// so any write elsewhere fails. It registers, answers a Get, records a Reboot() and, started again the same
// way, reports the reboot it recorded: everything it keeps is in the state directory.
TEST_F(AgentMtpTest, ReadOnlyRootWithOnlyTheStateDirectoryWritable) {
    std::string unshare;
    if (cpe::testkit::shell("command -v unshare", &unshare) != 0) GTEST_SKIP() << "no unshare (util-linux)";
    while (!unshare.empty() && unshare.back() == '\n') unshare.pop_back();
    const std::string state = (dir / "state").string();
    // $1 = the state dir, $2 = a path outside it that must not be writable, then the agent's argv.
    const std::string script = R"(set -e
state=$1; probe=$2; shift 2
mount --make-rprivate /
mount --bind "$state" "$state"
for m in $(awk '{print $5}' /proc/self/mountinfo); do
    case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|"$state") continue ;; esac
    mount -o remount,bind,ro "$m" 2>/dev/null || { echo "cpe-ro-setup: cannot remount $m read-only"; exit 96; }
done
if touch "$probe" 2>/dev/null; then echo "cpe-ro-setup: $probe is still writable"; exit 96; fi
exec "$@")";
    const std::vector<std::string> wrapper = {unshare, "-m", "/bin/sh", "-c",
                                              script,  "sh", state,     (dir / "probe").string()};
    const std::vector<std::string> board = {"--board", cpe::test::kBoard,
                                            "--root",  cpe::test::kBoard + "/fixtures/rootfs",
                                            "--now",   cpe::test::kNow};
    TestController ctl;
    ASSERT_TRUE(ctl.ok());
    const std::string cfg = config("ws://127.0.0.1:" + std::to_string(ctl.port()) + "/usp");
    agent = std::make_unique<AgentProcess>(dir, cfg, board, wrapper);
    ASSERT_TRUE(agent->running());
    auto first = ctl.next_of(Kind::open);
    if (!first) {
        const std::string log = agent->log();
        if (log.find("cpe-ro-setup:") != std::string::npos || log.find("unshare:") != std::string::npos)
            GTEST_SKIP() << "cannot make a read-only root here: " << log;
        FAIL() << "the agent did not connect; its log:\n" << log;
    }
    int conn = 0;
    ASSERT_EQ(record(ctl, &conn).type(), u::RecordType::websocket_connect);
    u::Msg boot = msg_of(record(ctl));
    ASSERT_EQ(boot.type(), u::MsgType::notify);
    EXPECT_FALSE(get(ctl, conn, {"Device.Hosts.Host."}).req_path_results.empty());
    ctl.send(conn, u::encode_no_session_record(
                       kAgentId, kController,
                       u::encode_msg("op-1", u::Operate{"Device.Reboot()", "ro-key", true, {}})));
    u::Msg m = msg_of(record(ctl));
    ASSERT_EQ(m.type(), u::MsgType::operate_resp);
    EXPECT_EQ(agent->stop(), 0) << agent->log();
    EXPECT_FALSE(fs::exists(dir / "probe"));
    EXPECT_NE(slurp(dir / "state" / "reboot-requests.log").find("CommandKey=ro-key"), std::string::npos);
    EXPECT_TRUE(fs::exists(dir / "state" / "instance-numbers")) << agent->log();
    for (const char* bad : {"Read-only file system", "cannot open for writing", "write failed"})
        EXPECT_EQ(agent->log().find(bad), std::string::npos) << agent->log();

    agent = std::make_unique<AgentProcess>(dir, cfg, board, wrapper);
    u::Notify again;
    ASSERT_NE(handshake(ctl, true, &again), 0);
    const auto& ev = std::get<u::Notify::Event>(again.notification);
    EXPECT_EQ(ev.params.at("Cause"), "RemoteReboot");
    EXPECT_EQ(ev.params.at("CommandKey"), "ro-key");
}

TEST_F(AgentMtpTest, BadConfigNamesTheKey) {
    start(R"({"controller": {"url": "http://nowhere", "endpoint_id": "self::x"}})");
    EXPECT_EQ(agent->wait_exit(), 2);
    EXPECT_NE(agent->log().find("config.controller.url: must be a ws:// or wss:// URL"), std::string::npos)
        << agent->log();
}

}  // namespace
