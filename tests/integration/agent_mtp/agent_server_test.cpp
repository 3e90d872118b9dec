// The real cpe-agent (`run`, TP-Link fixture) in WebSocket server mode (config "server", loopback, ephemeral
// port read from its log line) with a controller inside the test acting as the WebSocket client (an lws
// client vhost on its own EventLoop thread, records made and read with our codec): ?eid= and v1.usp, the
// agent's WebSocketConnectRecord first, a Get answered from the fixture, a controller outside
// allowed_controllers refused, 1003 for an undecodable record, and the loop answering while the controller's
// DNS server is silent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "agent_process.hpp"
#include "net/event_loop.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

namespace u = cpe::usp;
namespace fs = std::filesystem;
using cpe::test::AgentProcess;
using cpe::test::kAgentId;

namespace {

// A controller that connects in: one lws client connection on its own loop thread.
class TestClient {
  public:
    struct Event {
        enum class Kind { open, record, closed, refused } kind = Kind::open;
        std::vector<uint8_t> data;
        int close_code = 0;  // closed: the agent's close frame code
    };

    TestClient(int port, const std::string& eid) : path_("/usp?eid=" + eid) {
        auto loop = cpe::net::EventLoop::create();
        if (!loop) return;
        loop_ = std::move(*loop);
        cpe::net::VhostOptions vo;
        vo.name = "test-client";
        lws_protocols p{};
        p.name = "v1.usp";
        p.callback = &TestClient::callback;
        p.user = this;
        vo.protocols.push_back(p);
        auto vh = loop_->create_vhost(vo);
        if (!vh) return;
        vhost_ = *vh;
        loop_->post([this, port] {
            lws_client_connect_info ci{};
            ci.context = loop_->context();
            ci.vhost = vhost_;
            ci.address = "127.0.0.1";
            ci.port = port;
            ci.path = path_.c_str();
            ci.host = ci.address;
            ci.origin = ci.address;
            ci.protocol = "v1.usp";
            ci.local_protocol_name = "v1.usp";
            ci.pwsi = &wsi_;
            if (!lws_client_connect_via_info(&ci)) push({Event::Kind::refused, {}, 0});
        });
        thread_ = std::thread([this] { loop_->run(); });
    }
    ~TestClient() {
        if (loop_) {
            loop_->stop();
            if (thread_.joinable()) thread_.join();
            loop_.reset();
        }
    }
    void send(std::vector<uint8_t> record) {
        loop_->post([this, record = std::move(record)]() mutable {
            out_.push_back(std::move(record));
            if (wsi_) lws_callback_on_writable(wsi_);
        });
    }
    std::optional<Event> next(int timeout_s = 30) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!cv_.wait_for(lock, std::chrono::seconds(timeout_s), [&] { return !events_.empty(); }))
            return std::nullopt;
        Event e = std::move(events_.front());
        events_.pop_front();
        return e;
    }

  private:
    void push(Event e) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            events_.push_back(std::move(e));
        }
        cv_.notify_all();
    }
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
        const lws_protocols* proto = lws_get_protocol(wsi);
        auto* self = proto ? static_cast<TestClient*>(proto->user) : nullptr;
        if (!self) return lws_callback_http_dummy(wsi, reason, user, in, len);
        switch (reason) {
            case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
                self->wsi_ = nullptr;
                self->push({Event::Kind::refused, {}, 0});
                return 0;
            case LWS_CALLBACK_CLIENT_ESTABLISHED:
                self->wsi_ = wsi;
                self->push({Event::Kind::open, {}, 0});
                if (!self->out_.empty()) lws_callback_on_writable(wsi);
                return 0;
            case LWS_CALLBACK_CLIENT_RECEIVE: {
                const auto* p = static_cast<const uint8_t*>(in);
                if (lws_is_first_fragment(wsi)) self->rx_.clear();
                self->rx_.insert(self->rx_.end(), p, p + len);
                if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
                    self->push({Event::Kind::record, self->rx_, 0});
                    self->rx_.clear();
                }
                return 0;
            }
            case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
                const auto* p = static_cast<const uint8_t*>(in);
                self->peer_close_ = len >= 2 ? (p[0] << 8 | p[1]) : 0;
                return 0;
            }
            case LWS_CALLBACK_CLIENT_WRITEABLE: {
                if (self->out_.empty()) return 0;
                std::vector<uint8_t> buf(LWS_PRE + self->out_.front().size());
                std::copy(self->out_.front().begin(), self->out_.front().end(), buf.begin() + LWS_PRE);
                const size_t n = self->out_.front().size();
                self->out_.pop_front();
                if (lws_write(wsi, buf.data() + LWS_PRE, n, LWS_WRITE_BINARY) < static_cast<int>(n))
                    return -1;
                if (!self->out_.empty()) lws_callback_on_writable(wsi);
                return 0;
            }
            case LWS_CALLBACK_CLIENT_CLOSED:
                self->wsi_ = nullptr;
                self->push({Event::Kind::closed, {}, self->peer_close_});
                return 0;
            default:
                return 0;
        }
    }

    std::string path_;
    std::unique_ptr<cpe::net::EventLoop> loop_;
    lws_vhost* vhost_ = nullptr;
    std::thread thread_;
    lws* wsi_ = nullptr;                    // loop thread
    std::deque<std::vector<uint8_t>> out_;  // loop thread
    std::vector<uint8_t> rx_;               // loop thread
    int peer_close_ = 0;                    // loop thread
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Event> events_;
};

using EK = TestClient::Event::Kind;

class AgentServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("cpe-agent-server-" + std::to_string(getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        agent = std::make_unique<AgentProcess>(
            dir,
            R"({"server": {"enabled": true, "bind": "127.0.0.1", "port": 0, "allowed_controllers": ["self::test",
                        "self::idle1", "self::idle2"], "insecure_lan": true, "first_record_timeout_s": 2},
                "vendor_prefix": "X_1C61B4_"})");
        ASSERT_TRUE(agent->running());
        auto p = agent->wait_match(std::regex("server listening on 127\\.0\\.0\\.1 port ([0-9]+)"));
        ASSERT_TRUE(p) << "no listening line; agent log:\n" << agent->log();
        port = std::stoi(*p);
        ASSERT_GT(port, 0);
    }
    void TearDown() override {
        if (agent) {
            EXPECT_EQ(agent->stop(), 0) << agent->log();
        }
        agent.reset();
        if (!HasFailure()) fs::remove_all(dir);
    }
    // Connects as self::test and checks the agent's WebSocketConnectRecord.
    void open(TestClient& c) {
        auto e = c.next();
        ASSERT_TRUE(e && e->kind == EK::open) << agent->log();
        auto r = c.next();
        ASSERT_TRUE(r && r->kind == EK::record) << agent->log();
        auto rec = u::decode_record(r->data);
        ASSERT_TRUE(rec) << rec.error().message;
        EXPECT_EQ(rec->type(), u::RecordType::websocket_connect);
        EXPECT_EQ(rec->to_id(), "self::test");
        EXPECT_EQ(rec->from_id(), kAgentId);
    }

    fs::path dir;
    std::unique_ptr<AgentProcess> agent;
    int port = 0;
};

TEST_F(AgentServerTest, ControllerConnectsInAndGets) {
    TestClient c(port, "self::test");
    open(c);
    u::Get get;
    get.param_paths = {"Device.DeviceInfo.ModelName"};
    c.send(u::encode_no_session_record(kAgentId, "self::test", u::encode_msg("get-1", get)));
    // Boot! (and anything else due) may come first: wait for the answer to get-1.
    for (int i = 0; i < 10; ++i) {
        auto e = c.next();
        ASSERT_TRUE(e && e->kind == EK::record) << agent->log();
        auto rec = u::decode_record(e->data);
        ASSERT_TRUE(rec) << rec.error().message;
        EXPECT_EQ(rec->to_id(), "self::test");
        EXPECT_EQ(rec->from_id(), kAgentId);
        auto m = u::decode_msg(*rec->payload());
        ASSERT_TRUE(m) << m.error().message;
        if (m->msg_id() != "get-1") continue;
        auto resp = m->get_resp();
        ASSERT_TRUE(resp) << resp.error().message;
        ASSERT_EQ(resp->req_path_results.size(), 1u);
        ASSERT_EQ(resp->req_path_results[0].resolved_path_results.size(), 1u);
        EXPECT_EQ(resp->req_path_results[0].resolved_path_results[0].result_params.at("ModelName"), "XX230v");
        return;
    }
    FAIL() << "no GetResp for get-1";
}

// The controller's DNS server never answers (a UDP socket of the test on 127.83.0.1:53 that reads and stays
// silent): the lookup runs on the agent's resolver thread (1 + 2 + 4 s of rounds), and meanwhile the event
// loop answers a controller on the LAN server. The Get is sent only once the first query reached the silent
// server, and its answer must come before the agent gives up on the name.
TEST_F(AgentServerTest, ASilentDnsServerDoesNotStallTheLoop) {
    const int dns = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    inet_pton(AF_INET, "127.83.0.1", &a.sin_addr);
    if (dns < 0 || bind(dns, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        const std::string why = strerror(errno);
        if (dns >= 0) close(dns);
        GTEST_SKIP() << "cannot bind the silent DNS server on 127.83.0.1:53: " << why;
    }
    EXPECT_EQ(agent->stop(), 0);
    std::ofstream(dir / "resolv.conf") << "nameserver 127.83.0.1\n";
    agent = std::make_unique<AgentProcess>(
        dir, R"({"controller": {"url": "ws://silent.fleet.test:9/usp", "endpoint_id": "self::hub"},
                 "resolv_conf": ")" +
                 (dir / "resolv.conf").string() +
                 R"(", "hosts_file": "",
                 "server": {"enabled": true, "bind": "127.0.0.1", "port": 0, "allowed_controllers": ["self::test"],
                            "insecure_lan": true}})");
    auto p = agent->wait_match(std::regex("server listening on 127\\.0\\.0\\.1 port ([0-9]+)"));
    ASSERT_TRUE(p) << agent->log();
    pollfd pfd{dns, POLLIN, 0};
    const bool asked = poll(&pfd, 1, 10000) == 1;
    struct Closer {
        int fd;
        ~Closer() { close(fd); }
    } closer{dns};  // open (and silent) to the end: a closed port would refuse the next queries at once
    ASSERT_TRUE(asked) << "no query reached the silent DNS server; agent log:\n" << agent->log();
    TestClient c(std::stoi(*p), "self::test");
    open(c);
    u::Get get;
    get.param_paths = {"Device.DeviceInfo.ModelName"};
    c.send(u::encode_no_session_record(kAgentId, "self::test", u::encode_msg("get-1", get)));
    bool answered = false;
    for (int i = 0; i < 10 && !answered; ++i) {
        auto e = c.next();
        ASSERT_TRUE(e && e->kind == EK::record) << agent->log();
        auto rec = u::decode_record(e->data);
        ASSERT_TRUE(rec) << rec.error().message;
        auto m = u::decode_msg(*rec->payload());
        answered = m && m->msg_id() == "get-1";
    }
    ASSERT_TRUE(answered) << agent->log();
    EXPECT_EQ(agent->log().find("cannot resolve"), std::string::npos)
        << "the Get was answered only after the lookup ended:\n"
        << agent->log();
    // And the lookup does end, naming the name and the server.
    EXPECT_TRUE(agent->wait_log(
        std::regex("cannot resolve 'silent\\.fleet\\.test': DNS server 127\\.83\\.0\\.1 \\(from "
                   ".*resolv\\.conf\\) did not answer"),
        1, 30))
        << agent->log();
}

TEST_F(AgentServerTest, ControllerNotAllowedIsRefused) {
    TestClient c(port, "self::intruder");
    auto e = c.next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, EK::refused);
    EXPECT_TRUE(agent->wait_match(std::regex("'self::intruder' is not in server.allowed_controllers")))
        << agent->log();
}

TEST_F(AgentServerTest, GarbageRecordCloses1003) {
    TestClient c(port, "self::test");
    open(c);
    c.send({0xff, 0xff, 0xff, 0x01, 0x02});
    for (int i = 0; i < 10; ++i) {
        auto e = c.next();
        ASSERT_TRUE(e) << agent->log();
        if (e->kind == EK::record) continue;  // Boot!
        EXPECT_EQ(e->kind, EK::closed);
        EXPECT_EQ(e->close_code, 1003);
        break;
    }
    EXPECT_TRUE(agent->wait_match(std::regex("controller 'self::test': .*closing \\(1003\\)")))
        << agent->log();
    // The agent still serves: the same controller connects again.
    TestClient again(port, "self::test");
    open(again);
}

// Issue 10, item 9: without TLS client certificates and an allow-list the agent does not serve unless the
// operator says insecure_lan (the fixture above does): then it warns at every start.
TEST_F(AgentServerTest, ServerModeWithoutAuthenticationRefusesToStart) {
    EXPECT_TRUE(agent->wait_match(std::regex("runs with server.insecure_lan: no TLS client certificates")))
        << agent->log();
    const fs::path plain = dir / "plain";
    fs::create_directories(plain);
    AgentProcess refused(plain, R"({"server": {"enabled": true, "bind": "127.0.0.1", "port": 0,
                                      "allowed_controllers": ["self::test"]}})");
    ASSERT_TRUE(refused.running());
    EXPECT_NE(refused.wait_exit(), 0) << refused.log();
    EXPECT_NE(refused.log().find("refusing server mode without authentication"), std::string::npos)
        << refused.log();
    EXPECT_EQ(refused.log().find("server listening"), std::string::npos) << refused.log();
}

// Issue 10, item 9: connections that never send a record do not hold the two slots (max_connections) forever:
// they are closed first_record_timeout_s after their handshake, and the controller gets in.
TEST_F(AgentServerTest, IdleConnectionsDoNotHoldTheSlots) {
    TestClient idle1(port, "self::idle1");
    TestClient idle2(port, "self::idle2");
    for (TestClient* c : {&idle1, &idle2}) {
        auto e = c->next();
        ASSERT_TRUE(e && e->kind == EK::open) << agent->log();
    }
    for (TestClient* c : {&idle1, &idle2}) {
        bool closed = false;
        for (int i = 0; i < 10 && !closed; ++i) {
            auto e = c->next();
            ASSERT_TRUE(e) << "an idle connection was kept; agent log:\n" << agent->log();
            closed = e->kind == EK::closed;  // records first (WebSocketConnect, Boot!)
        }
        EXPECT_TRUE(closed);
    }
    TestClient later(port, "self::test");
    open(later);
}

// Certificate renewal is for the controller the agent connects to: a LAN controller gets 7006, and no key is
// made for it.
TEST_F(AgentServerTest, ALanControllerCannotRenewTheCertificate) {
    TestClient c(port, "self::test");
    open(c);
    u::Operate op;
    op.command = "Device.LocalAgent.X_1C61B4_RenewCertificate()";
    op.send_resp = true;
    c.send(u::encode_no_session_record(kAgentId, "self::test", u::encode_msg("renew-1", op)));
    for (int i = 0; i < 10; ++i) {
        auto e = c.next();
        ASSERT_TRUE(e && e->kind == EK::record) << agent->log();
        auto rec = u::decode_record(e->data);
        ASSERT_TRUE(rec) << rec.error().message;
        auto m = u::decode_msg(*rec->payload());
        ASSERT_TRUE(m) << m.error().message;
        if (m->msg_id() != "renew-1") continue;
        auto resp = m->operate_resp();
        ASSERT_TRUE(resp) << resp.error().message;
        ASSERT_EQ(resp->operation_results.size(), 1u);
        const auto* f = std::get_if<u::CommandFailure>(&resp->operation_results[0].operation_resp);
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->err_code, 7006u);
        EXPECT_NE(f->err_msg.find("only for the controller this agent connects to"), std::string::npos)
            << f->err_msg;
        return;
    }
    FAIL() << "no OperateResp for renew-1";
}

}  // namespace
