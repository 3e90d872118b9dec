// Issue 10 (items 3, 4, 5, notifications): the attacks of the adversarial probe replayed against the real
// cpe-hub over loopback, each shown refused (docs/security-identity.md). Agents are the lws FakeAgent; the
// registry flood uses raw WebSocket handshakes on plain sockets (3,000 of them, in bounded batches).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "fake_agent.hpp"
#include "hub_process.hpp"
#include "json/json.hpp"

using namespace cpe::hub::test;

namespace {

const std::string kEid = "os::0C8063-FAKE0001";

std::string config(const std::string& extra_usp = "", const std::string& bind = "\"bind\": \"127.0.0.1\", ") {
    return R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
              "usp": {)" +
           bind + R"("port": 0, "request_timeout_ms": 3000)" + extra_usp + "}}";
}

const cJSON* member(const cJSON* o, std::initializer_list<const char*> path) {
    for (const char* k : path) o = o ? cJSON_GetObjectItemCaseSensitive(o, k) : nullptr;
    return o;
}

double number(const cJSON* o, std::initializer_list<const char*> path) {
    const cJSON* v = member(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

const cJSON* find_endpoint(const cJSON* doc, const std::string& eid) {
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(doc, "endpoints");
    for (const cJSON* e = list ? list->child : nullptr; e; e = e->next)
        if (cpe::json::opt_string(e, "endpoint_id") == eid) return e;
    return nullptr;
}

// The entry of `eid` in GET /usp/endpoints (a copy), or null.
cpe::json::Ptr endpoint(HubProcess& hub, const std::string& eid) {
    auto doc = parse(http("GET", hub.url("/usp/endpoints")).body);
    const cJSON* e = doc ? find_endpoint(doc.get(), eid) : nullptr;
    return e ? cpe::json::Ptr(cJSON_Duplicate(e, 1)) : cpe::json::Ptr();
}

bool online_with_model(HubProcess& hub, const std::string& eid, const std::string& model) {
    auto e = endpoint(hub, eid);
    return e && cpe::json::opt_bool(e.get(), "online") == true &&
           cpe::json::opt_string(e.get(), "model") == model;
}

std::string encoded(const std::string& eid) {
    std::string out;
    for (char c : eid) out += c == ':' ? std::string("%3A") : std::string(1, c);
    return out;
}

FakeAgent::Model model_with(const std::string& model_name, const std::string& serial,
                            const std::string& oui = "0C8063") {
    auto m = FakeAgent::default_model();
    m["Device.DeviceInfo."]["ModelName"] = model_name;
    m["Device.DeviceInfo."]["SerialNumber"] = serial;
    m["Device.DeviceInfo."]["ManufacturerOUI"] = oui;
    return m;
}

// A WebSocket handshake as a throw-away client makes it (RFC 6455 §4.1), on a plain socket; returns the
// socket when the hub answered 101, else -1. The client never answers anything.
int raw_usp_connect(int port, const std::string& eid) {
    cpe::testkit::Socket s = cpe::testkit::connect_loopback(port, 10);
    const std::string req = "GET /usp?eid=" + encoded(eid) +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Protocol: v1.usp\r\n\r\n";
    if (!s || !cpe::testkit::send_all(s.fd(), req)) return -1;
    if (cpe::testkit::read_head(s.fd(), 4096).rfind("HTTP/1.1 101", 0) != 0) return -1;
    return s.release();
}

class HubIdentity : public ::testing::Test {
  protected:
    void start(const std::string& cfg) {
        hub = std::make_unique<HubProcess>(CPE_HUB_BIN, dir, cfg);
        ASSERT_TRUE(hub->started()) << "cpe-hub did not start; log:\n" << log();
        ASSERT_GT(hub->usp_port(), 0);
    }
    std::string log() {
        std::string s;
        for (const auto& l : hub->log_lines()) s += l + "\n";
        return s;
    }
    FakeAgentOptions agent_options(const std::string& eid = kEid) {
        FakeAgentOptions o;
        o.endpoint_id = eid;
        o.port = hub->usp_port();
        return o;
    }
    TempDir dir;
    std::unique_ptr<HubProcess> hub;
};

// Item 3: the built-in USP default is loopback, and a listener other hosts can reach is refused unless client
// certificates prove the endpoint ids.
TEST_F(HubIdentity, PlainWebSocketOnlyOnLoopback) {
    start(config("", ""));  // no usp.bind: the default
    EXPECT_GE(hub->count_lines("USP WebSocket server on 127.0.0.1:"), 1u) << log();
    EXPECT_EQ(hub->stop(), 0);
    HubProcess open_to_all(CPE_HUB_BIN, dir, config("", "\"bind\": \"0.0.0.0\", "));
    EXPECT_FALSE(open_to_all.started());
    EXPECT_TRUE(eventually(
        [&] { return open_to_all.count_lines("usp.bind: '0.0.0.0' is reachable from other hosts") == 1; }));
}

// The first IPv4 address of this machine that is not loopback ("" if none).
std::string other_local_address() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    std::string found;
    for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
        if (std::string(text).rfind("127.", 0) != 0) found = text;
    }
    freeifaddrs(list);
    return found;
}

// Item 3: an agent reaching the plain-ws listener through another address of the machine is not served: the
// TCP connection is refused (the listener is bound to loopback) or, if it got through, the unproven id is
// refused because the peer is not loopback. Either way nothing is registered.
TEST_F(HubIdentity, UnprovenIdFromAnotherAddressIsRefused) {
    const std::string other = other_local_address();
    if (other.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
    start(config());
    auto o = agent_options("os::0C8063-REMOTE01");
    o.host = other;
    FakeAgent remote(o);
    EXPECT_FALSE(remote.wait_connected(5000)) << "connected through " << other << "; log:\n" << log();
    EXPECT_EQ(endpoint(*hub, "os::0C8063-REMOTE01"), nullptr);
    EXPECT_EQ(hub->count_lines("os::0C8063-REMOTE01' is in use"), 0u);
}

// Item 3: an impostor using a live agent's endpoint id is refused; the agent keeps its connection and
// identity.
TEST_F(HubIdentity, SecondConnectionOfALiveEndpointIsRefused) {
    start(config());
    FakeAgent real(agent_options());
    ASSERT_TRUE(real.wait_connected()) << real.error();
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();

    FakeAgent impostor(agent_options(), model_with("EvilModel", "FAKE0001"));
    // Refused during the handshake (or closed 1008 if both handshakes raced).
    if (impostor.wait_connected(5000)) {
        ASSERT_TRUE(impostor.wait_closed());
        EXPECT_EQ(impostor.close_code(), 1008);
    }
    ASSERT_TRUE(eventually([&] { return hub->count_lines("is in use by a live connection") >= 1; })) << log();
    EXPECT_FALSE(real.closed());
    EXPECT_TRUE(online_with_model(*hub, kEid, "FakeModel"));
    auto r = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.DeviceInfo.ModelName"));
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("FakeModel"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("EvilModel"), std::string::npos) << r.body;
}

// Item 3: an identity reported by an earlier connection of the id is not kept: every connection is identified
// again (here the real agent comes back without a Boot!).
TEST_F(HubIdentity, EveryConnectionIsIdentifiedAgain) {
    start(config());
    {
        FakeAgent impostor(agent_options(), model_with("EvilModel", "EVIL0001"));
        ASSERT_TRUE(impostor.wait_connected());
        ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "EvilModel"); })) << log();
    }
    ASSERT_TRUE(eventually([&] {
        auto e = endpoint(*hub, kEid);
        return e && cpe::json::opt_bool(e.get(), "online") == false;
    }));
    auto o = agent_options();
    o.send_boot = false;
    FakeAgent real(o);
    ASSERT_TRUE(real.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    auto e = endpoint(*hub, kEid);
    EXPECT_EQ(cpe::json::opt_string(e.get(), "serial"), "FAKE0001");
}

// Item 4: two connected agents claiming one serial are a conflict in the lookup, never one of them silently.
TEST_F(HubIdentity, TwoLiveAgentsClaimingOneSerialAreAConflict) {
    start(config());
    FakeAgent real(agent_options());
    ASSERT_TRUE(real.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    const std::string shadow = "os::0C8063-SHADOW01";
    FakeAgent impostor(agent_options(shadow), model_with("FakeModel", "FAKE0001"));
    ASSERT_TRUE(impostor.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, shadow, "FakeModel"); })) << log();

    auto r = http("GET", hub->url("/devices/lookup?serial=FAKE0001"));
    EXPECT_EQ(r.status, 409) << r.body;
    auto doc = parse(r.body);
    ASSERT_TRUE(cJSON_IsObject(doc.get())) << r.body;
    EXPECT_EQ(cpe::json::opt_string(doc.get(), "identity"), "conflict");
    const cJSON* eps = cJSON_GetObjectItemCaseSensitive(doc.get(), "endpoints");
    ASSERT_EQ(cJSON_GetArraySize(eps), 2) << r.body;
    EXPECT_NE(r.body.find(kEid), std::string::npos);
    EXPECT_NE(r.body.find(shadow), std::string::npos);
}

// Item 5: 3,000 throw-away endpoint ids (connect, never identify, leave) leave no row, are not counted and do
// not reach the poller, which keeps polling the real agent.
TEST_F(HubIdentity, ThrowAwayEndpointIdsLeaveNothingAndDoNotStallThePoller) {
    dir.write("devices.json", R"({"poller": {"interval_s": 1, "stale_after_s": 1, "jitter_ms": 200}})");
    setenv("HUB_DEVICES_CONFIG", dir.file("devices.json").c_str(), 1);
    // The throw-away ids would come from many addresses; here they all come from 127.0.0.1, so the
    // per-address connection limit (its own test: NetSecurity) is lifted to let every handshake reach the
    // registry.
    start(config(R"(, "max_connections_per_address": 0)"));
    unsetenv("HUB_DEVICES_CONFIG");
    FakeAgent real(agent_options());
    ASSERT_TRUE(real.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();

    constexpr int kBatches = 30, kPerBatch = 100;
    int accepted = 0;
    std::vector<int> held;
    for (int b = 0; b < kBatches; ++b) {
        std::vector<int> fds;
        for (int i = 0; i < kPerBatch; ++i) {
            int fd = raw_usp_connect(hub->usp_port(), "os::000000-THROW" + std::to_string(b * kPerBatch + i));
            if (fd >= 0) {
                ++accepted;
                fds.push_back(fd);
            }
        }
        if (b + 1 == kBatches) {
            held = std::move(fds);  // the last batch stays connected through the poll checks below
        } else {
            for (int fd : fds) close(fd);
        }
    }
    EXPECT_EQ(accepted, kBatches * kPerBatch) << "the hub refused some handshakes; log:\n" << log();

    // Not counted anywhere: the health, the summary, the endpoint list.
    auto health = [&] { return parse(http("GET", hub->url("/health/devices")).body); };
    auto h0 = health();
    EXPECT_EQ(number(h0.get(), {"usp", "endpoints"}), 1) << cpe::json::print(h0.get());
    auto summary = parse(http("GET", hub->url("/devices/summary")).body);
    EXPECT_EQ(number(summary.get(), {"total"}), 1) << cpe::json::print(summary.get());
    auto list = parse(http("GET", hub->url("/usp/endpoints")).body);
    EXPECT_EQ(number(list.get(), {"total"}), 1) << cpe::json::print(list.get());
    EXPECT_EQ(http("GET", hub->url("/usp/" + encoded("os::000000-THROW2999"))).status, 404);

    // While the last 100 are connected: a poll that started after they came sees only the real agent.
    const double before = number(h0.get(), {"poll", "finished"});
    ASSERT_GE(before, 0) << cpe::json::print(h0.get());
    cpe::json::Ptr h;
    // (With stale_after_s = interval_s the real agent is due at one poll, still fresh at the next: wait for
    // one where it was due.)
    ASSERT_TRUE(eventually(
        [&] {
            h = health();
            return number(h.get(), {"poll", "finished"}) >= before + 2 &&
                   number(h.get(), {"poll", "last", "agents_due"}) == 1;
        },
        30000))
        << "no poll of the real agent while throw-away endpoints were connected; log:\n"
        << log();
    EXPECT_EQ(number(h.get(), {"poll", "last", "agents_fresh"}), 0) << cpe::json::print(h.get());
    EXPECT_EQ(number(h.get(), {"poll", "last", "agents_polled"}), 1) << cpe::json::print(h.get());
    EXPECT_EQ(number(h.get(), {"poll", "last", "agents_failed"}), 0) << cpe::json::print(h.get());
    EXPECT_EQ(hub->count_lines("poll of 'os::000000-THROW"), 0u);
    for (int fd : held) close(fd);

    // Nothing permanent: after a restart the store holds the real agent alone.
    EXPECT_EQ(hub->stop(), 0);
    start(config());
    auto again = parse(http("GET", hub->url("/usp/endpoints")).body);
    EXPECT_EQ(number(again.get(), {"total"}), 1) << cpe::json::print(again.get());
    EXPECT_NE(find_endpoint(again.get(), kEid), nullptr);
}

// Item 5, allow-list mode: an id not on the list is refused before anything is kept.
TEST_F(HubIdentity, AllowListRefusesOtherIds) {
    start(config(R"(, "admission": {"mode": "allow_list", "allow": [")" + kEid + R"("]})"));
    FakeAgent listed(agent_options());
    ASSERT_TRUE(listed.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    FakeAgent other(agent_options("os::0C8063-OTHER001"), model_with("FakeModel", "OTHER001"));
    EXPECT_FALSE(other.wait_connected(5000));
    ASSERT_TRUE(eventually([&] { return hub->count_lines("is not on the allow-list") >= 1; })) << log();
    EXPECT_EQ(endpoint(*hub, "os::0C8063-OTHER001"), nullptr);
}

// Stored notifications are bounded in bytes per endpoint (usp.notification_bytes_per_endpoint).
TEST_F(HubIdentity, StoredNotificationsAreBoundedInBytes) {
    start(config(R"(, "notification_bytes_per_endpoint": 4096)"));
    FakeAgent agent(agent_options());
    ASSERT_TRUE(agent.wait_connected());
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    const std::string big(1000, 'x');
    for (int i = 0; i < 40; ++i) {
        cpe::usp::Notify n;
        n.subscription_id = "s";
        n.send_resp = true;
        n.notification = cpe::usp::Notify::ValueChange{"Device.X." + std::to_string(i), big};
        agent.send_notify(n, "n-" + std::to_string(i));
    }
    ASSERT_TRUE(agent.wait_for(
        [](const ReceivedMsg& m) { return m.type == cpe::usp::MsgType::notify_resp && m.msg_id == "n-39"; }));
    auto r = http("GET", hub->url("/usp/" + encoded(kEid) + "/notifications?limit=1000"));
    ASSERT_EQ(r.status, 200);
    auto doc = parse(r.body);
    const cJSON* notes = cJSON_GetObjectItemCaseSensitive(doc.get(), "notifications");
    ASSERT_TRUE(cJSON_IsArray(notes));
    // Each stored notification is over 1,000 bytes of JSON: at most 4 fit in 4,096 (the count bound is 100).
    EXPECT_GT(cJSON_GetArraySize(notes), 0);
    EXPECT_LE(cJSON_GetArraySize(notes), 4) << r.body.size() << " bytes";
    EXPECT_NE(r.body.find("Device.X.39"), std::string::npos);  // the newest is kept
}

// Item 3, under mutual TLS: the same device reconnecting with its own certificate replaces its old connection
// (a half-open one the hub still holds); the same id with another certificate of the CA is refused.
TEST_F(HubIdentity, OnlyTheSameCertificateReplacesALiveConnection) {
    TestPki pki;
    std::string err;
    ASSERT_TRUE(make_ca_and_server(dir, pki, err)) << err;
    ASSERT_TRUE(make_client_cert(dir, pki, "real", kEid, "", err)) << err;
    ASSERT_TRUE(make_client_cert(dir, pki, "twin", kEid, "", err)) << err;  // same CN, another key
    start(config(
        R"(, "tls": {"cert_file": "server.crt", "key_file": "server.key", "ca_file": "ca.crt", "require_client_cert": true})"));
    auto tls = [&](const std::string& name) {
        auto o = agent_options(kEid);
        o.tls = true;
        o.ca_path = pki.ca_cert;
        o.cert_path = dir.file(name + ".pem");
        o.key_path = dir.file(name + ".key");
        return o;
    };
    FakeAgent first(tls("real"));
    ASSERT_TRUE(first.wait_connected()) << first.error() << log();
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();

    FakeAgent twin(tls("twin"), model_with("EvilModel", "FAKE0001"));
    if (twin.wait_connected(5000)) {
        ASSERT_TRUE(twin.wait_closed());
        EXPECT_EQ(twin.close_code(), 1008);
    }
    ASSERT_TRUE(eventually([&] { return hub->count_lines("in use by a live connection") >= 1; })) << log();
    EXPECT_FALSE(first.closed());

    FakeAgent again(tls("real"));
    ASSERT_TRUE(again.wait_connected()) << again.error() << log();
    ASSERT_TRUE(first.wait_closed()) << log();
    EXPECT_EQ(first.close_code(), 1000);
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    auto r = http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.DeviceInfo.ModelName"));
    EXPECT_EQ(r.status, 200) << r.body;
}

// Item 4, under mutual TLS: an agent whose certificate names one device but which reports another's serial is
// quarantined: shown as such, its claim not believed by the lookup.
TEST_F(HubIdentity, MutualTlsIdentityMustMatchTheCertificate) {
    TestPki pki;
    std::string err;
    ASSERT_TRUE(make_ca_and_server(dir, pki, err)) << err;
    const std::string shadow = "os::0C8063-SHADOW02";
    ASSERT_TRUE(make_client_cert(dir, pki, "real", kEid, "", err)) << err;
    ASSERT_TRUE(make_client_cert(dir, pki, "shadow", shadow, "", err)) << err;
    start(config(
        R"(, "tls": {"cert_file": "server.crt", "key_file": "server.key", "ca_file": "ca.crt", "require_client_cert": true})"));
    auto tls = [&](const std::string& eid, const std::string& name) {
        auto o = agent_options(eid);
        o.tls = true;
        o.ca_path = pki.ca_cert;
        o.cert_path = dir.file(name + ".pem");
        o.key_path = dir.file(name + ".key");
        return o;
    };
    FakeAgent real(tls(kEid, "real"));
    ASSERT_TRUE(real.wait_connected()) << real.error() << log();
    ASSERT_TRUE(eventually([&] { return online_with_model(*hub, kEid, "FakeModel"); })) << log();
    FakeAgent impostor(tls(shadow, "shadow"), model_with("FakeModel", "FAKE0001"));
    ASSERT_TRUE(impostor.wait_connected()) << impostor.error() << log();
    ASSERT_TRUE(eventually([&] {
        auto e = endpoint(*hub, shadow);
        return e && cpe::json::opt_bool(e.get(), "quarantined") == true;
    })) << log();
    auto e = endpoint(*hub, shadow);
    EXPECT_EQ(cpe::json::opt_string(e.get(), "serial"), "");
    EXPECT_NE(cpe::json::opt_string(e.get(), "quarantine_reason").value_or("").find("FAKE0001"),
              std::string::npos);
    // The real device's lookup is the real device, not a conflict and never the impostor.
    auto r = http("GET", hub->url("/devices/lookup?serial=FAKE0001"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("SHADOW02"), std::string::npos) << r.body;
    // The impostor, looked up by its id, is shown quarantined.
    auto q = http("GET", hub->url("/devices/lookup?serial=SHADOW02"));
    EXPECT_EQ(q.status, 409) << q.body;
    EXPECT_NE(q.body.find("\"quarantined\""), std::string::npos) << q.body;
}

}  // namespace
