// The agent reaches the hub by a host NAME that only a DNS server the test runs knows: a network namespace
// made here (skipped, saying why, where one cannot be made) with dnsmasq on its loopback, the hub inside it,
// and the agent's config naming a resolv.conf that lists that dnsmasq. The agent resolves with its own DNS
// client (agent/mtp/resolve.hpp, never glibc's NSS) and connects to the address while the name stays the TLS
// name: the hub's certificate is for hub.fleet.test only, so a name the certificate does not carry is refused
// even though it resolves to the same address. The cross-built static agents (build/armv7, build/mips) do the
// same under qemu-user.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub_process.hpp"
#include "json/json.hpp"

using namespace cpe::hub::test;

namespace {

constexpr const char* kEid = "os::1C61B4-22275A7000412";  // the XX230v fixture's identity
constexpr const char* kName = "hub.fleet.test";           // in dnsmasq and in the hub's certificate
constexpr const char* kOtherName = "other.fleet.test";    // in dnsmasq (same address), not in the certificate

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

bool online(HubProcess& hub) {
    auto r = http("GET", hub.url("/usp/endpoints"));
    if (r.status != 200) return false;
    auto doc = parse(r.body);
    const cJSON* list = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "endpoints") : nullptr;
    for (const cJSON* e = list ? list->child : nullptr; e; e = e->next)
        if (cpe::json::opt_string(e, "endpoint_id") == kEid) return cpe::json::opt_bool(e, "online") == true;
    return false;
}

class ControllerName : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string out;
        if (run_command("command -v ip", &out) != 0) return void(why_not_ = "no `ip` command (iproute2)");
        std::string dnsmasq;
        if (run_command("command -v dnsmasq", &dnsmasq) != 0 || trim(dnsmasq).empty())
            return void(why_not_ = "no dnsmasq (Debian dnsmasq-base)");
        dnsmasq = trim(dnsmasq);
        ns_ = "cn" + std::to_string(getpid() % 100000);
        if (run_command("ip netns add " + ns_, &out) != 0)
            return void(why_not_ = "cannot make a network namespace (`ip netns add`): " + out);
        made_ = true;
        // This thread enters the namespace: the hub, dnsmasq and the agents it starts are born there, and the
        // test's HTTP requests to the hub go there too.
        own_ns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        const int fd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
        if (own_ns_ < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
            if (fd >= 0) close(fd);
            return void(why_not_ = "cannot enter the network namespace " + ns_);
        }
        close(fd);
        entered_ = true;
        if (run_command("ip link set lo up", &out) != 0) return void(why_not_ = "ip link set lo up: " + out);
        dns_ = cpe::testkit::spawn(
            {dnsmasq, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
             "--listen-address=127.0.0.1", "--bind-interfaces", "--user=root",
             "--pid-file=" + dir.file("dnsmasq.pid"), "--local=/fleet.test/",
             std::string("--address=/") + kName + "/127.0.0.1",
             std::string("--address=/") + kOtherName + "/127.0.0.1", "--log-queries", "--log-facility=-"},
            dir.file("dnsmasq.log"));
        if (cpe::testkit::wait_for(*dns_, "started", 10).empty())
            return void(why_not_ = "dnsmasq did not start: " + slurp(dir.file("dnsmasq.log")));
        // The hub's certificate names hub.fleet.test only; the agent's carries its endpoint id.
        dir.write("server.ext", std::string("subjectAltName=DNS:") + kName + "\n");
        const std::string pki =
            "cd '" + dir.path() +
            "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "
            "'/CN=fleet test CA' && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
            "-subj '/CN=" +
            kName +
            "' && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
            "-days 2 -extfile server.ext";
        if (run_command(pki, &out) != 0) return void(why_not_ = "openssl failed: " + out);
        std::string err;
        TestPki p;
        if (!make_client_cert(dir, p, "agent", kEid, "", err)) return void(why_not_ = err);
        dir.write("resolv.conf", "# the namespace's dnsmasq\nnameserver 127.0.0.1\n");
        hub_ = std::make_unique<HubProcess>(
            CPE_HUB_BIN, dir,
            R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                "usp": {"bind": "127.0.0.1", "port": 0, "request_timeout_ms": 3000,
                        "tls": {"cert_file": "server.crt", "key_file": "server.key", "ca_file": "ca.crt",
                                "require_client_cert": true}}})");
        eventually([&] { return hub_->started() && hub_->usp_port() > 0; }, 10000);
    }

    void TearDown() override {
        cpe::testkit::stop(*agent_);
        hub_.reset();
        cpe::testkit::stop(*dns_);
        if (entered_) setns(own_ns_, CLONE_NEWNET);
        if (own_ns_ >= 0) close(own_ns_);
        if (made_) run_command("ip netns del " + ns_);
    }

    // The agent's config: the controller by `host`, the DNS servers from the test's resolv.conf, no hosts
    // file (the name must come from DNS).
    std::string agent_config(const std::string& scheme, const std::string& host) {
        const bool tls = scheme == "wss";
        dir.write("agent.json",
                  R"({"controller": {"url": ")" + scheme + "://" + host + ":" +
                      std::to_string(hub_->usp_port()) + R"(/usp", "endpoint_id": "self::cpe-hub")" +
                      (tls ? R"(, "ca_file": ")" + dir.file("ca.crt") + R"(", "cert_file": ")" +
                                 dir.file("agent.crt") + R"(", "key_file": ")" + dir.file("agent.key") + "\""
                           : std::string()) +
                      R"(}, "resolv_conf": ")" + dir.file("resolv.conf") + R"(", "hosts_file": ""})");
        return dir.file("agent.json");
    }

    void start_agent(const std::vector<std::string>& prefix, const std::string& config) {
        const std::string board = std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v";
        std::vector<std::string> argv = prefix;
        argv.insert(argv.end(),
                    {"--board", board, "--root", board + "/fixtures/rootfs", "run", "--config", config});
        agent_ = cpe::testkit::spawn(argv, dir.file("agent.log"));
    }

    std::string logs() {
        return "hub log:\n" + slurp(dir.file("hub-1.log")) + "agent log:\n" + slurp(dir.file("agent.log")) +
               "dnsmasq log:\n" + slurp(dir.file("dnsmasq.log"));
    }

    // A cross-built agent under qemu-user registers by the name and answers a Get through the hub.
    void cross_agent_registers(const std::string& preset, const std::string& qemu_name) {
        if (!why_not_.empty()) GTEST_SKIP() << why_not_;
        ASSERT_TRUE(hub_ && hub_->started() && hub_->usp_port() > 0) << logs();
        const std::string binary = std::string(CPE_SOURCE_DIR) + "/build/" + preset + "/agent/cpe-agent";
        if (access(binary.c_str(), X_OK) != 0)
            GTEST_SKIP() << binary
                         << " is not built (tools/test-all.sh builds every preset before the host tests)";
        std::string qemu;
        if (run_command("command -v " + qemu_name, &qemu) != 0 || trim(qemu).empty())
            GTEST_SKIP() << qemu_name << " is not on PATH (package qemu-user-static)";
        start_agent({trim(qemu), binary}, agent_config("wss", kName));
        ASSERT_TRUE(eventually([&] { return online(*hub_); }, 60000)) << logs();  // qemu: slow
        auto r = http("GET",
                      hub_->url("/usp/os%3A%3A1C61B4-22275A7000412/get?path=Device.DeviceInfo.SerialNumber"),
                      "", 40);
        EXPECT_NE(r.body.find("22275A7000412"), std::string::npos) << r.body;
        EXPECT_NE(slurp(dir.file("dnsmasq.log")).find(std::string("query[A] ") + kName), std::string::npos)
            << logs();
    }

    TempDir dir{"cpe-controller-name"};
    std::string why_not_;
    std::string ns_;
    bool made_ = false, entered_ = false;
    int own_ns_ = -1;
    cpe::testkit::ScopedProc dns_, agent_;
    std::unique_ptr<HubProcess> hub_;
};

TEST_F(ControllerName, AgentRegistersOverTlsByANameOnlyTheConfiguredDnsServerKnows) {
    if (!why_not_.empty()) GTEST_SKIP() << why_not_;
    ASSERT_TRUE(hub_ && hub_->started() && hub_->usp_port() > 0) << logs();
    start_agent({CPE_AGENT_BIN}, agent_config("wss", kName));
    ASSERT_TRUE(eventually([&] { return online(*hub_); }, 20000)) << logs();
    auto r =
        http("GET", hub_->url("/usp/os%3A%3A1C61B4-22275A7000412/get?path=Device.DeviceInfo.SerialNumber"));
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("22275A7000412"), std::string::npos) << r.body;
    // The name went to the configured server (the machine's own resolver does not know it).
    EXPECT_NE(slurp(dir.file("dnsmasq.log")).find(std::string("query[A] ") + kName), std::string::npos)
        << logs();
}

TEST_F(ControllerName, ANameTheHubsCertificateDoesNotCarryIsRefusedThoughItResolves) {
    if (!why_not_.empty()) GTEST_SKIP() << why_not_;
    ASSERT_TRUE(hub_ && hub_->started() && hub_->usp_port() > 0) << logs();
    start_agent({CPE_AGENT_BIN}, agent_config("wss", kOtherName));
    // Resolved (dnsmasq answered) and connected to the hub's address, then the TLS name check failed.
    ASSERT_TRUE(eventually(
        [&] {
            const std::string log = slurp(dir.file("agent.log"));
            size_t n = 0;
            for (size_t at = log.find("connection failed"); at != std::string::npos;
                 at = log.find("connection failed", at + 1))
                ++n;
            return n >= 2;
        },
        20000))
        << logs();
    EXPECT_NE(slurp(dir.file("dnsmasq.log")).find(std::string("query[A] ") + kOtherName), std::string::npos)
        << logs();
    EXPECT_EQ(slurp(dir.file("agent.log")).find("cannot resolve"), std::string::npos) << logs();
    EXPECT_FALSE(online(*hub_)) << logs();
    // libwebsockets on OpenSSL checked the certificate against the URL's name, not the address.
    EXPECT_NE(slurp(dir.file("agent.log")).find("hostname mismatch"), std::string::npos) << logs();
}

TEST_F(ControllerName, AnUnknownNameIsLoggedWithTheServersAskedAndRetried) {
    if (!why_not_.empty()) GTEST_SKIP() << why_not_;
    ASSERT_TRUE(hub_ && hub_->started() && hub_->usp_port() > 0) << logs();
    start_agent({CPE_AGENT_BIN}, agent_config("ws", "nohub.fleet.test"));
    const std::string expected =
        "cannot resolve 'nohub.fleet.test': no such name or no address for it from DNS server 127.0.0.1 "
        "(from " +
        dir.file("resolv.conf") + ")";
    ASSERT_TRUE(eventually(
        [&] {
            const std::string log = slurp(dir.file("agent.log"));
            const size_t first = log.find(expected);
            return first != std::string::npos && log.find("reconnecting in", first) != std::string::npos;
        },
        20000))
        << logs();
}

// The CPE build's TLS (libwebsockets on mbedTLS: mbedtls_ssl_set_hostname gives both SNI and the name
// checked) refuses the hub's certificate for a name it does not carry, though the name resolves to the hub.
TEST_F(ControllerName, Armv7AgentUnderQemuRefusesANameTheCertificateDoesNotCarry) {
    if (!why_not_.empty()) GTEST_SKIP() << why_not_;
    ASSERT_TRUE(hub_ && hub_->started() && hub_->usp_port() > 0) << logs();
    const std::string binary = std::string(CPE_SOURCE_DIR) + "/build/armv7/agent/cpe-agent";
    if (access(binary.c_str(), X_OK) != 0)
        GTEST_SKIP() << binary
                     << " is not built (tools/test-all.sh builds every preset before the host tests)";
    std::string qemu;
    if (run_command("command -v qemu-arm-static", &qemu) != 0 || trim(qemu).empty())
        GTEST_SKIP() << "qemu-arm-static is not on PATH (package qemu-user-static)";
    start_agent({trim(qemu), binary}, agent_config("wss", kOtherName));
    ASSERT_TRUE(eventually(
        [&] {
            const std::string log = slurp(dir.file("agent.log"));
            const size_t first = log.find("connection failed");
            return first != std::string::npos &&
                   log.find("connection failed", first + 1) != std::string::npos;
        },
        60000))
        << logs();
    EXPECT_NE(slurp(dir.file("dnsmasq.log")).find(std::string("query[A] ") + kOtherName), std::string::npos)
        << logs();
    EXPECT_EQ(slurp(dir.file("agent.log")).find("cannot resolve"), std::string::npos) << logs();
    EXPECT_NE(slurp(dir.file("agent.log")).find("Hostname mismatch"), std::string::npos)
        << logs();  // mbedTLS
    EXPECT_FALSE(online(*hub_)) << logs();
}

TEST_F(ControllerName, Armv7AgentUnderQemuRegistersByName) {
    cross_agent_registers("armv7", "qemu-arm-static");
}

TEST_F(ControllerName, MipsAgentUnderQemuRegistersByName) {
    cross_agent_registers("mips", "qemu-mips-static");
}

}  // namespace
