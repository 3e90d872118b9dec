// The real cpe-hub over loopback: agents (a fake one written with lws + our codec, and the real cpe-agent
// when it is built) connect over the USP WebSocket MTP; the HTTP API, SSE and cpectl are used as clients.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <functional>
#include <thread>

#include "fake_agent.hpp"
#include "hub_process.hpp"
#include "json/json.hpp"

using namespace cpe::hub::test;

namespace {

const std::string kEid = "os::0C8063-FAKE0001";

std::string base_config(const std::string& extra_usp = "", int usp_port = 0) {
    return R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
              "usp": {"bind": "127.0.0.1", "port": )" +
           std::to_string(usp_port) + R"(, "request_timeout_ms": 3000)" + extra_usp + "}}";
}

// The endpoint's entry in GET /usp/endpoints, or nullptr.
const cJSON* find_endpoint(const cJSON* doc, const std::string& eid) {
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(doc, "endpoints");
    for (const cJSON* e = list ? list->child : nullptr; e; e = e->next) {
        if (cpe::json::opt_string(e, "endpoint_id") == eid) return e;
    }
    return nullptr;
}

bool endpoint_state(HubProcess& hub, const std::string& eid, bool online, const std::string& model = "") {
    auto r = http("GET", hub.url("/usp/endpoints"));
    if (r.status != 200) return false;
    auto doc = parse(r.body);
    const cJSON* e = doc ? find_endpoint(doc.get(), eid) : nullptr;
    if (!e) return false;
    if (cpe::json::opt_bool(e, "online") != online) return false;
    return model.empty() || cpe::json::opt_string(e, "model") == model;
}

std::string encoded(const std::string& eid) {
    std::string out;
    for (char c : eid) out += c == ':' ? std::string("%3A") : std::string(1, c);
    return out;
}

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t sl = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

// The head of the hub's answer to a WebSocket upgrade sent on a plain socket (a client that offers
// bbf-usp-protocol: libwebsockets built with extensions, as Debian's is, refuses an extension it does not
// itself implement in the answer, so this check does not go through the FakeAgent).
std::string raw_upgrade_answer(int port, const std::string& eid) {
    cpe::testkit::Socket s = cpe::testkit::connect_loopback(port, 5);
    std::string head;
    const std::string req = "GET /usp?eid=" + eid +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v1.usp\r\n"
                            "Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"" +
                            eid + "\"\r\n\r\n";
    if (s && cpe::testkit::send_all(s.fd(), req)) head = cpe::testkit::read_head(s.fd());
    return head.substr(0, head.find("\r\n\r\n"));
}

class HubUsp : public ::testing::Test {
  protected:
    void start(const std::string& config, bool usp = true) {
        hub = std::make_unique<HubProcess>(CPE_HUB_BIN, dir, config);
        ASSERT_TRUE(hub->started()) << "cpe-hub did not start; log:\n" << join(hub->log_lines());
        if (usp) {
            ASSERT_GT(hub->usp_port(), 0);
        }
    }
    FakeAgentOptions agent_options(const std::string& eid = kEid) {
        FakeAgentOptions o;
        o.endpoint_id = eid;
        o.port = hub->usp_port();
        return o;
    }
    static std::string join(const std::vector<std::string>& lines) {
        std::string s;
        for (const auto& l : lines) s += l + "\n";
        return s;
    }
    TempDir dir;
    std::unique_ptr<HubProcess> hub;
};

TEST_F(HubUsp, BootRegistersIdentifiesAndGetReturnsHosts) {
    start(base_config());
    FakeAgent agent(agent_options());
    ASSERT_TRUE(agent.wait_connected()) << agent.error();
    // The Boot! asked for a response: the controller answers NotifyResp with the same msg_id.
    auto resp = agent.wait_for([](const ReceivedMsg& m) { return m.type == cpe::usp::MsgType::notify_resp; });
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->msg_id, "boot-1");
    // A client that offers bbf-usp-protocol gets the hub's own endpoint id in the extension header (TR-369
    // WebSocket MTP); one that does not (the FakeAgent) gets none.
    EXPECT_EQ(agent.server_extensions(), "");
    const std::string head = raw_upgrade_answer(hub->usp_port(), "os::0C8063-RAWPEEK");
    EXPECT_NE(head.find("HTTP/1.1 101"), std::string::npos) << head;
    EXPECT_NE(head.find("Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"self::cpe-hub\""),
              std::string::npos)
        << head;
    // Registered and identified from Device.DeviceInfo.
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
    auto list = parse(http("GET", hub->url("/usp/endpoints")).body);
    const cJSON* e = find_endpoint(list.get(), kEid);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(cpe::json::opt_string(e, "serial"), "FAKE0001");
    EXPECT_EQ(cpe::json::opt_string(e, "firmware"), "1.2.3");
    EXPECT_EQ(cpe::json::opt_string(e, "oui"), "0C8063");
    const cJSON* macs = cJSON_GetObjectItemCaseSensitive(e, "macs");
    ASSERT_TRUE(cJSON_IsArray(macs));
    ASSERT_EQ(cJSON_GetArraySize(macs), 1);
    EXPECT_STREQ(cJSON_GetArrayItem(macs, 0)->valuestring, "0c:80:63:00:00:01");

    auto r = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.Hosts.Host.&max_depth=2"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = parse(r.body);
    const cJSON* results = cJSON_GetObjectItemCaseSensitive(doc.get(), "results");
    ASSERT_EQ(cJSON_GetArraySize(results), 1);
    const cJSON* first = cJSON_GetArrayItem(results, 0);
    EXPECT_EQ(cpe::json::opt_string(first, "requested_path"), "Device.Hosts.Host.");
    EXPECT_EQ(cpe::json::opt_int(first, "err_code"), 0);
    const cJSON* resolved = cJSON_GetObjectItemCaseSensitive(first, "resolved");
    ASSERT_EQ(cJSON_GetArraySize(resolved), 2);
    const cJSON* host1 = cJSON_GetArrayItem(resolved, 0);
    EXPECT_EQ(cpe::json::opt_string(host1, "path"), "Device.Hosts.Host.1.");
    EXPECT_EQ(cpe::json::opt_string(cJSON_GetObjectItemCaseSensitive(host1, "params"), "HostName"), "laptop");

    // The endpoint's detail carries the DeviceInfo snapshot.
    auto detail = http("GET", hub->url("/usp/" + encoded(kEid)));
    ASSERT_EQ(detail.status, 200);
    EXPECT_NE(detail.body.find("\"Device.DeviceInfo.\""), std::string::npos) << detail.body;

    // Instances, Set and Operate through the API.
    auto inst = http("GET", hub->url("/usp/" + encoded(kEid) + "/instances?path=Device.Hosts.Host."));
    ASSERT_EQ(inst.status, 200) << inst.body;
    EXPECT_NE(inst.body.find("Device.Hosts.Host.2."), std::string::npos);
    auto set = http("POST", hub->url("/usp/" + encoded(kEid) + "/set"),
                    R"({"params": {"Device.Hosts.Host.1.HostName": "renamed"}})");
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_NE(set.body.find("\"renamed\""), std::string::npos);
    auto after = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.Hosts.Host.1."));
    EXPECT_NE(after.body.find("renamed"), std::string::npos);
    auto op =
        http("POST", hub->url("/usp/" + encoded(kEid) + "/operate"), R"j({"command": "Device.Reboot()"})j");
    ASSERT_EQ(op.status, 200) << op.body;
    EXPECT_NE(op.body.find("Rebooting"), std::string::npos);
}

TEST_F(HubUsp, ErrorsNameWhatWentWrong) {
    start(base_config(R"(, "request_timeout_ms": 700)"));
    // Unknown endpoint.
    auto unknown = http("GET", hub->url("/usp/os::nobody/get?path=Device."));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("os::nobody"), std::string::npos);
    // Bad parameters are refused before anything is sent.
    auto bad = http("GET", hub->url("/usp/os::nobody/get?path=Device.&max_depth=x"));
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("max_depth"), std::string::npos);
    auto nopath = http("GET", hub->url("/usp/os::nobody/get"));
    EXPECT_EQ(nopath.status, 400);
    EXPECT_NE(nopath.body.find("path"), std::string::npos);
    auto badjson = http("POST", hub->url("/usp/os::nobody/set"), "{\"params\": 3}");
    EXPECT_EQ(badjson.status, 400);
    EXPECT_NE(badjson.body.find("params"), std::string::npos);

    {
        FakeAgent agent(agent_options());
        ASSERT_TRUE(agent.wait_connected()) << agent.error();
        ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
        // A USP Error from the agent: 502 with its code.
        auto op =
            http("POST", hub->url("/usp/" + encoded(kEid) + "/operate"), R"j({"command": "Device.Nope()"})j");
        EXPECT_EQ(op.status, 502) << op.body;
        EXPECT_NE(op.body.find("\"usp_err_code\":7026"), std::string::npos) << op.body;
        // No answer: 504 naming the endpoint and msg id.
        agent.set_silent(true);
        auto slow = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.DeviceInfo."));
        EXPECT_EQ(slow.status, 504) << slow.body;
        EXPECT_NE(slow.body.find(kEid), std::string::npos);
        EXPECT_NE(slow.body.find("msg 'hub-"), std::string::npos) << slow.body;
    }
    // Offline: 503.
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, false); }));
    auto offline = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device."));
    EXPECT_EQ(offline.status, 503);
    EXPECT_NE(offline.body.find("offline"), std::string::npos);
}

TEST_F(HubUsp, BadRecordsClose1003AndOtherAgentsAreServed) {
    start(base_config(R"(, "max_record_bytes": 4096)"));
    FakeAgent good(agent_options("os::0C8063-GOOD"));
    ASSERT_TRUE(good.wait_connected()) << good.error();

    FakeAgent garbage(agent_options("os::0C8063-GARBAGE"));
    ASSERT_TRUE(garbage.wait_connected());
    garbage.send_raw({0x0a, 0xff, 0xff, 0xff, 0x01, 0x02});
    ASSERT_TRUE(garbage.wait_closed());
    EXPECT_EQ(garbage.close_code(), 1003);

    FakeAgent big(agent_options("os::0C8063-BIG"));
    ASSERT_TRUE(big.wait_connected());
    big.send_raw(std::vector<uint8_t>(8192, 0x41));
    ASSERT_TRUE(big.wait_closed());
    EXPECT_EQ(big.close_code(), 1003);

    FakeAgent text(agent_options("os::0C8063-TEXT"));
    ASSERT_TRUE(text.wait_connected());
    text.send_raw({'h', 'i'}, true);
    ASSERT_TRUE(text.wait_closed());
    EXPECT_EQ(text.close_code(), 1003);

    auto r = http("GET", hub->url("/usp/os::0C8063-GOOD/get?path=Device.Hosts.Host."));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("laptop"), std::string::npos);
    // One log line per bad connection, naming it (the pipe from the hub may lag: wait for the last one).
    ASSERT_TRUE(eventually([&] { return hub->count_lines("os::0C8063-TEXT") >= 1; }))
        << join(hub->log_lines());
    EXPECT_EQ(hub->count_lines("GARBAGE"), 1u) << join(hub->log_lines());
    EXPECT_EQ(hub->count_lines("os::0C8063-BIG"), 1u) << join(hub->log_lines());
}

TEST_F(HubUsp, IdentityChecksRefuseMismatches) {
    start(base_config());
    auto o = agent_options("os::0C8063-LIAR");
    o.record_from_id = "os::0C8063-SOMEONE-ELSE";
    FakeAgent liar(o);
    ASSERT_TRUE(liar.wait_connected());
    ASSERT_TRUE(liar.wait_closed());
    EXPECT_EQ(liar.close_code(), 1008);

    auto np = agent_options("os::0C8063-NOPROTO");
    np.subprotocol = "";
    FakeAgent noproto(np);
    EXPECT_FALSE(noproto.wait_connected());

    auto ne = agent_options("os::0C8063-NOEID");
    ne.put_eid_in_url = false;
    FakeAgent noeid(ne);
    EXPECT_FALSE(noeid.wait_connected());

    ASSERT_TRUE(eventually([&] { return hub->count_lines("refused connection") >= 2; }));
    EXPECT_EQ(hub->count_lines("no 'v1.usp'"), 1u);
    EXPECT_EQ(hub->count_lines("?eid="), 1u);
    auto list = http("GET", hub->url("/usp/endpoints"));
    EXPECT_EQ(list.body.find("NOPROTO"), std::string::npos);
}

TEST_F(HubUsp, RequestsFromAgentGetUspError) {
    start(base_config());
    auto o = agent_options();
    o.offer_extension = false;
    FakeAgent agent(o);
    ASSERT_TRUE(agent.wait_connected());
    EXPECT_EQ(agent.server_extensions(), "");  // not offered: not echoed
    cpe::usp::Get get;
    get.param_paths = {"Device."};
    agent.send_msg(cpe::usp::encode_msg("agent-get-1", get));
    auto err = agent.wait_for([](const ReceivedMsg& m) { return m.msg_id == "agent-get-1"; });
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->type, cpe::usp::MsgType::error);
    EXPECT_EQ(err->err_code, 7001u);
}

TEST_F(HubUsp, NotificationsReachSseAndAreStored) {
    start(base_config());
    SseReader all(hub->http_port(), "/sse?topics=devices");
    SseReader mine(hub->http_port(), "/sse?topics=device:" + kEid);
    SseReader other(hub->http_port(), "/sse?topics=device:os::someone-else");
    ASSERT_TRUE(all.wait_for("subscribed"));
    ASSERT_TRUE(mine.wait_for("subscribed"));
    ASSERT_TRUE(other.wait_for("subscribed"));
    FakeAgent agent(agent_options());
    ASSERT_TRUE(agent.wait_connected());
    ASSERT_TRUE(mine.wait_for("Boot!")) << mine.text();
    cpe::usp::Notify vc;
    vc.subscription_id = "cpe-hub-optical";
    vc.send_resp = true;
    vc.notification = cpe::usp::Notify::ValueChange{"Device.Optical.Interface.1.OpticalSignalLevel", "-21.5"};
    agent.send_notify(vc, "vc-1");
    ASSERT_TRUE(mine.wait_for("-21.5")) << mine.text();
    ASSERT_TRUE(all.wait_for("-21.5")) << all.text();
    EXPECT_TRUE(agent.wait_for([](const ReceivedMsg& m) { return m.msg_id == "vc-1"; }).has_value());
    cpe::usp::Notify periodic;
    periodic.notification = cpe::usp::Notify::Event{"Device.LocalAgent.", "Periodic!", {}};
    agent.send_notify(periodic, "p-1");
    ASSERT_TRUE(mine.wait_for("Periodic!"));
    EXPECT_EQ(other.text().find("Boot!"), std::string::npos);

    auto stored = http("GET", hub->url("/usp/" + encoded(kEid) + "/notifications"));
    ASSERT_EQ(stored.status, 200);
    EXPECT_NE(stored.body.find("value_change"), std::string::npos) << stored.body;
    EXPECT_NE(stored.body.find("Periodic!"), std::string::npos);
}

TEST_F(HubUsp, RegistrySurvivesRestart) {
    start(base_config());
    {
        FakeAgent agent(agent_options());
        ASSERT_TRUE(agent.wait_connected());
        ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
    }
    EXPECT_EQ(hub->stop(), 0);
    start(base_config());
    // Known from the store, offline until it connects again.
    EXPECT_TRUE(endpoint_state(*hub, kEid, false, "FakeModel"));
    auto o = agent_options();
    o.send_boot = false;
    FakeAgent again(o);
    ASSERT_TRUE(again.wait_connected());
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
}

TEST_F(HubUsp, UspCanBeSwitchedOff) {
    start(R"({"http": {"port": 0}, "store": {"path": "hub.db"}, "usp": {"enabled": false}})", false);
    // No USP listener was opened; the API says why.
    EXPECT_EQ(hub->usp_port(), 0);
    auto r = http("GET", hub->url("/usp/os::x/get?path=Device."));
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("usp.enabled"), std::string::npos);
    EXPECT_EQ(http("GET", hub->url("/health")).status, 200);
}

class HubUspTls : public HubUsp {
  protected:
    void SetUp() override {
        std::string err;
        ASSERT_TRUE(make_ca_and_server(dir, pki, err)) << err;
    }
    std::string tls_config(bool require) {
        return base_config(
            R"(, "tls": {"cert": "server.crt", "key": "server.key", "ca": "ca.crt", "require_client_cert": )" +
            std::string(require ? "true" : "false") + "}");
    }
    FakeAgentOptions tls_agent(const std::string& eid, const std::string& cert_name) {
        auto o = agent_options(eid);
        o.tls = true;
        o.ca_path = pki.ca_cert;
        if (!cert_name.empty()) {
            // lws 4.1 + mbedTLS reads the client key from the certificate file: give it both in one.
            o.cert_path = dir.file(cert_name + ".pem");
            o.key_path = dir.file(cert_name + ".key");
        }
        return o;
    }
    TestPki pki;
};

TEST_F(HubUspTls, ServerTlsWithoutClientCertificates) {
    start(tls_config(false));
    FakeAgent agent(tls_agent(kEid, ""));
    ASSERT_TRUE(agent.wait_connected()) << agent.error();
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
}

TEST_F(HubUspTls, MutualTlsChecksTheEndpointIdAgainstTheCertificate) {
    std::string err;
    ASSERT_TRUE(make_client_cert(dir, pki, "good", kEid, "", err)) << err;
    ASSERT_TRUE(make_client_cert(dir, pki, "wrong", "os::0C8063-SOMEONE", "", err)) << err;
    start(tls_config(true));

    FakeAgent good(tls_agent(kEid, "good"));
    ASSERT_TRUE(good.wait_connected()) << good.error() << "\nhub log:\n" << join(hub->log_lines());
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));

    FakeAgent wrong(tls_agent("os::0C8063-WRONG", "wrong"));
    EXPECT_FALSE(wrong.wait_connected());
    FakeAgent none(tls_agent("os::0C8063-NOCERT", ""));
    EXPECT_FALSE(none.wait_connected());
    // The wrong certificate passes TLS (the CA signed it) and is refused by the hub for its name. No
    // certificate: OpenSSL (Debian's libwebsockets) refuses it in the TLS 1.3 handshake, before the hub sees
    // a request; libwebsockets on mbedTLS lets the handshake finish and the hub refuses it ("no client
    // certificate").
    ASSERT_TRUE(eventually([&] { return hub->count_lines("does not match its certificate") >= 1; }))
        << join(hub->log_lines());
    EXPECT_EQ(hub->count_lines("does not match its certificate"), 1u);
    EXPECT_LE(hub->count_lines("no client certificate"), 1u);
    // The good agent is still served.
    auto r = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.Hosts.Host."));
    EXPECT_EQ(r.status, 200);
}

// Starts the real agent on the XX230v fixture with `agent_json`; stops it when the returned guard goes.
struct AgentProcess {
    cpe::testkit::ScopedProc proc;
    AgentProcess(const TempDir& dir, const std::string& agent_json) {
#ifdef CPE_AGENT_BIN
        dir.write("agent.json", agent_json);
        const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
        proc = cpe::testkit::spawn({CPE_AGENT_BIN, "--board", board, "--root", board + "/fixtures/rootfs",
                                    "run", "--config", dir.file("agent.json")},
                                   dir.file("agent.log"));
#else
        (void)dir;
        (void)agent_json;
#endif
    }
};

bool real_agent_available() {
#ifdef CPE_AGENT_BIN
    std::string help;
    run_command(std::string(CPE_AGENT_BIN) + " --help", &help);
    return help.find("run --config") != std::string::npos;
#else
    return false;
#endif
}

TEST_F(HubUspTls, RealAgentOverMutualTls) {
    if (!real_agent_available()) GTEST_SKIP() << "no cpe-agent with 'run --config' in this build";
    const std::string eid = "os::1C61B4-22275A7000412";  // the XX230v fixture's identity
    std::string err;
    ASSERT_TRUE(make_client_cert(dir, pki, "agent", eid, "", err)) << err;
    start(tls_config(true));
    const std::string url = "wss://localhost:" + std::to_string(hub->usp_port()) + "/usp";
    AgentProcess agent(dir, R"({"controller": {"url": ")" + url +
                                R"(", "endpoint_id": "self::cpe-hub", "ca_file": ")" + pki.ca_cert +
                                R"(", "cert_file": ")" + dir.file("agent.crt") + R"(", "key_file": ")" +
                                dir.file("agent.key") + R"("}})");
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, eid, true, "XX230v"); }, 20000))
        << "hub log:\n"
        << join(hub->log_lines()) << "agent log:\n"
        << slurp(dir.file("agent.log"));
    auto r = http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.DeviceInfo.SerialNumber"));
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("22275A7000412"), std::string::npos) << r.body;
}

// The two TLS stacks: the hub links Debian's libwebsockets on OpenSSL (TLS 1.3), the CPE agent a static
// libwebsockets on mbedTLS 2.28 (TLS 1.2 at most). The hub offers TLS 1.3 to a client that has it, and the
// cross-built ARMv7 agent (under qemu-user) still registers and answers over mutual TLS.
TEST_F(HubUspTls, HubSpeaksTls13AndTheMbedtlsCpeAgentConnectsOverMutualTls) {
    const std::string eid = "os::1C61B4-22275A7000412";  // the XX230v fixture's identity
    std::string err;
    ASSERT_TRUE(make_client_cert(dir, pki, "agent", eid, "", err)) << err;
    start(tls_config(true));
    const std::string port = std::to_string(hub->usp_port());

    std::string s_client;
    run_command("openssl s_client -connect 127.0.0.1:" + port + " -tls1_3 -CAfile " + pki.ca_cert +
                    " -cert " + dir.file("agent.crt") + " -key " + dir.file("agent.key") + " </dev/null 2>&1",
                &s_client);
    EXPECT_NE(s_client.find("TLSv1.3"), std::string::npos) << s_client;

    const std::string binary = std::string(CPE_SOURCE_DIR) + "/build/armv7/agent/cpe-agent";
    if (access(binary.c_str(), X_OK) != 0)
        GTEST_SKIP() << binary
                     << " is not built (tools/test-all.sh builds every preset before the host tests)";
    std::string qemu;
    if (run_command("command -v qemu-arm-static", &qemu) != 0 || qemu.empty())
        GTEST_SKIP() << "qemu-arm-static is not on PATH (package qemu-user-static)";
    while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
    dir.write("agent.json", R"({"controller": {"url": "wss://localhost:)" + port +
                                R"(/usp", "endpoint_id": "self::cpe-hub", "ca_file": ")" + pki.ca_cert +
                                R"(", "cert_file": ")" + dir.file("agent.crt") + R"(", "key_file": ")" +
                                dir.file("agent.key") + R"("}})");
    const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
    cpe::testkit::Proc agent =
        cpe::testkit::spawn({qemu, binary, "--board", board, "--root", board + "/fixtures/rootfs", "run",
                             "--config", dir.file("agent.json")},
                            dir.file("agent.log"));
    ASSERT_GT(agent.pid, 0);
    const bool online =
        eventually([&] { return endpoint_state(*hub, eid, true, "XX230v"); }, 45000);  // qemu: slow
    std::string serial;
    if (online)
        serial =
            http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.DeviceInfo.SerialNumber"), "", 40)
                .body;
    cpe::testkit::stop(agent);
    ASSERT_TRUE(online) << "hub log:\n"
                        << join(hub->log_lines()) << "agent log:\n"
                        << slurp(dir.file("agent.log"));
    EXPECT_NE(serial.find("22275A7000412"), std::string::npos) << serial;
}

TEST_F(HubUspTls, RealAgentWithSomeoneElsesCertificateIsRefused) {
    if (!real_agent_available()) GTEST_SKIP() << "no cpe-agent with 'run --config' in this build";
    std::string err;
    ASSERT_TRUE(make_client_cert(dir, pki, "other", "os::1C61B4-SOMEONE-ELSE", "", err)) << err;
    start(tls_config(true));
    const std::string url = "wss://localhost:" + std::to_string(hub->usp_port()) + "/usp";
    AgentProcess agent(dir, R"({"controller": {"url": ")" + url +
                                R"(", "endpoint_id": "self::cpe-hub", "ca_file": ")" + pki.ca_cert +
                                R"(", "cert_file": ")" + dir.file("other.crt") + R"(", "key_file": ")" +
                                dir.file("other.key") + R"("}})");
    ASSERT_TRUE(eventually([&] { return hub->count_lines("does not match its certificate") >= 1; }, 20000))
        << "hub log:\n"
        << join(hub->log_lines()) << "agent log:\n"
        << slurp(dir.file("agent.log"));
    EXPECT_FALSE(endpoint_state(*hub, "os::1C61B4-22275A7000412", true));
}

TEST_F(HubUsp, CpectlAgainstTheRunningHub) {
    start(base_config());
    FakeAgent agent(agent_options());
    ASSERT_TRUE(agent.wait_connected());
    ASSERT_TRUE(eventually([&] { return endpoint_state(*hub, kEid, true, "FakeModel"); }));
    const std::string cli = std::string("CPE_HUB_TOKEN=") + kServiceToken + " " + CPECTL_BIN +
                            " --hub http://127.0.0.1:" + std::to_string(hub->http_port());
    std::string out;
    EXPECT_EQ(run_command(cli + " endpoints", &out), 0) << out;
    EXPECT_NE(out.find(kEid), std::string::npos);
    out.clear();
    EXPECT_EQ(run_command(cli + " get " + kEid + " Device.Hosts.Host. Device.DeviceInfo.", &out), 0) << out;
    EXPECT_NE(out.find("laptop"), std::string::npos);
    EXPECT_NE(out.find("FakeModel"), std::string::npos);
    out.clear();
    EXPECT_EQ(run_command(cli + " operate " + kEid + " 'Device.Reboot()'", &out), 0) << out;
    EXPECT_NE(out.find("Rebooting"), std::string::npos);
    out.clear();
    EXPECT_EQ(run_command(cli + " get os::nobody Device.", &out), 1);
    EXPECT_NE(out.find("os::nobody' is not known"), std::string::npos) << out;
    out.clear();
    EXPECT_EQ(run_command(cli + " frobnicate", &out), 2);
    // Without the token the hub's access control answers 401 and cpectl passes the message on.
    out.clear();
    EXPECT_EQ(run_command(std::string("CPE_HUB_TOKEN= ") + CPECTL_BIN +
                              " --hub http://127.0.0.1:" + std::to_string(hub->http_port()) + " endpoints",
                          &out),
              1);
    EXPECT_NE(out.find("401"), std::string::npos) << out;
}

// The real agent, when built and able to serve USP (`cpe-agent run --config`).
TEST_F(HubUsp, RealAgentRegistersAndAnswers) {
#ifndef CPE_AGENT_BIN
    GTEST_SKIP() << "cpe-agent is not part of this build";
#else
    std::string help;
    run_command(std::string(CPE_AGENT_BIN) + " --help", &help);
    if (help.find("run --config") == std::string::npos)
        GTEST_SKIP() << "this cpe-agent has no 'run --config'";
    const int usp_port = free_port();
    start(base_config("", usp_port));
    SseReader sse(hub->http_port(), "/sse?topics=devices");
    ASSERT_TRUE(sse.wait_for("subscribed"));
    dir.write("agent.json", R"({"controller": {"url": "ws://127.0.0.1:)" + std::to_string(usp_port) +
                                R"(/usp", "endpoint_id": "self::cpe-hub"}})");
    const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
    cpe::testkit::ScopedProc agent(
        cpe::testkit::spawn({CPE_AGENT_BIN, "--board", board, "--root", board + "/fixtures/rootfs", "run",
                             "--config", dir.file("agent.json")},
                            dir.file("agent.log")));
    std::string eid;
    ASSERT_TRUE(eventually(
        [&] {
            auto r = http("GET", hub->url("/usp/endpoints"));
            auto doc = parse(r.body);
            const cJSON* list = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "endpoints") : nullptr;
            for (const cJSON* e = list ? list->child : nullptr; e; e = e->next) {
                if (cpe::json::opt_bool(e, "online") == true &&
                    cpe::json::opt_string(e, "model") == "XX230v") {
                    eid = cpe::json::opt_string(e, "endpoint_id").value_or("");
                    return true;
                }
            }
            return false;
        },
        20000))
        << "hub log:\n"
        << join(hub->log_lines()) << "agent log:\n"
        << slurp(dir.file("agent.log"));
    auto r = http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.Hosts.Host."));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("DiskStation"), std::string::npos);  // boards/tplink-xx230v fixture's first host
    auto list = parse(http("GET", hub->url("/usp/endpoints")).body);
    const cJSON* e = find_endpoint(list.get(), eid);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(cpe::json::opt_string(e, "serial"), "22275A7000412");
    // Its Boot! reached the SSE stream, and the hub's subscriptions exist on the agent.
    EXPECT_TRUE(sse.wait_for("Boot!")) << sse.text();
    ASSERT_TRUE(eventually([&] {
        auto subs =
            http("GET", hub->url("/usp/" + encoded(eid) + "/get?path=Device.LocalAgent.Subscription."));
        return subs.body.find("cpe-hub-hosts-add") != std::string::npos &&
               subs.body.find("cpe-hub-optical") != std::string::npos;
    })) << "hub log:\n"
        << join(hub->log_lines());

    // Hub restart: the agent reconnects on its own (same port), the registry has kept it.
    EXPECT_EQ(hub->stop(), 0);
    start(base_config("", usp_port));
    EXPECT_TRUE(endpoint_state(*hub, eid, false, "XX230v"));
    EXPECT_TRUE(eventually([&] { return endpoint_state(*hub, eid, true, "XX230v"); }, 60000))
        << "agent log:\n"
        << slurp(dir.file("agent.log"));
#endif
}

}  // namespace
