// Issue 15 item 2: certificate renewal before expiry over USP, with the real cpe-hub and the real cpe-agent
// over mutual TLS on loopback. The device identity is made as provisioning makes it (`cpe-agent make-csr`,
// provisioning/certs/sign-csr.sh with the fleet CA of make-certs.sh). The hub drives the agent's
// <prefix>RenewCertificate() / <prefix>InstallCertificate() (docs/security.md "Certificate renewal"); the
// attacks drive the same commands through the hub's /usp/:ep/operate route.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "fake_agent.hpp"
#include "hub_process.hpp"
#include "json/json.hpp"

using namespace cpe::hub::test;
namespace fs = std::filesystem;

namespace {

const std::string kSrc = CPE_SOURCE_DIR;
const std::string kBoard = kSrc + "/boards/tplink-xx230v";
const std::string kEid = "os::1C61B4-22275A7000412";  // the XX230v fixture's identity
const std::string kPrefix = "X_1C61B4_";
const std::string kRenew = "Device.LocalAgent." + kPrefix + "RenewCertificate()";
const std::string kInstall = "Device.LocalAgent." + kPrefix + "InstallCertificate()";

// A hub configuration with mutual TLS (the fleet CA of make-certs.sh in pki/) and renewal at `days` before
// expiry.
std::string hub_config(int days_before_expiry, const std::string& extra = "") {
    return R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                "usp": {"bind": "127.0.0.1", "port": 0, "request_timeout_ms": 5000, "vendor_prefix": ")" +
           kPrefix + R"(",
                        "tls": {"cert_file": "pki/hub.pem", "key_file": "pki/hub.key", "ca_file": "pki/ca.pem",
                                "require_client_cert": true},
                        "cert_renewal": {"days_before_expiry": )" +
           std::to_string(days_before_expiry) +
           R"(, "validity_days": 400, "ca_cert_file": "pki/ca.pem", "ca_key_file": "pki/ca.key")" + extra +
           "}}}";
}

std::string encoded(const std::string& eid) {
    std::string out;
    for (char c : eid) out += c == ':' ? std::string("%3A") : std::string(1, c);
    return out;
}

std::string sh(const std::string& cmd) {
    std::string out;
    const int rc = run_command(cmd, &out);
    return rc == 0 ? out : "FAILED(" + std::to_string(rc) + "): " + out;
}

// openssl's view of a certificate field ("serial", "enddate").
std::string field(const std::string& pem_file, const std::string& what) {
    return sh("openssl x509 -in '" + pem_file + "' -noout -" + what);
}

// A CSR naming another endpoint, from an agent whose certificate is due, is refused by the hub: nothing is
// signed, no InstallCertificate() is sent, the failure is recorded. (The agent is the test's fake: the real
// one only makes CSRs for its own id.)
TEST(CertRenewalHub, ACsrForAnotherEndpointIsRefused) {
    TempDir dir;
    const std::string pki = dir.file("pki");
    std::string out;
    ASSERT_EQ(run_command(kSrc + "/provisioning/certs/make-certs.sh " + pki + " localhost", &out), 0) << out;
    const std::string key = "openssl ecparam -name prime256v1 -genkey -noout -out ";
    ASSERT_EQ(
        run_command(
            "cd '" + dir.path() + "' && " + key +
                "dev.key && openssl req -new -key dev.key -subj '/CN=" + kEid + "' -out dev.csr && " + kSrc +
                "/provisioning/certs/sign-csr.sh pki dev.csr dev.pem 10 && " + key +
                "other.key && openssl req -new -key other.key -subj '/CN=os::1C61B4-OTHER' -out other.csr",
            &out),
        0)
        << out;
    HubProcess hub(CPE_HUB_BIN, dir, hub_config(30));
    ASSERT_TRUE(hub.started());
    FakeAgentOptions o;
    o.endpoint_id = kEid;
    o.port = hub.usp_port();
    o.tls = true;
    o.ca_path = pki + "/ca.pem";
    o.cert_path = dir.file("dev.pem");
    o.key_path = dir.file("dev.key");
    o.command_outputs[kRenew] = {{"CSR", slurp(dir.file("other.csr"))}};
    FakeAgent agent(o);
    ASSERT_TRUE(agent.wait_connected()) << agent.error();
    ASSERT_TRUE(eventually([&] { return hub.count_lines("renewal failed at signing") == 1; }, 20000));
    EXPECT_EQ(hub.count_lines("CSR names CN 'os::1C61B4-OTHER', not the endpoint '" + kEid + "'"), 1u);
    auto notes = http("GET", hub.url("/usp/" + encoded(kEid) + "/notifications")).body;
    EXPECT_NE(notes.find("\"status\":\"failed\""), std::string::npos) << notes;
    EXPECT_NE(notes.find("CSR names CN"), std::string::npos) << notes;
    // The failure is recorded once the RenewCertificate() answer is handled: nothing was installed before it.
    bool asked = false;
    for (const auto& m : agent.received()) {
        asked = asked || m.command == kRenew;
        EXPECT_NE(m.command, kInstall);
    }
    EXPECT_TRUE(asked);
}

// An agent that stays connected is looked at again (check_interval_s): a failed attempt is retried on the
// same connection once retry_after_s has passed, without a reconnect.
TEST(CertRenewalHub, AConnectedAgentIsCheckedAgainAndAFailureRetried) {
    TempDir dir;
    const std::string pki = dir.file("pki");
    std::string out;
    ASSERT_EQ(run_command(kSrc + "/provisioning/certs/make-certs.sh " + pki + " localhost", &out), 0) << out;
    ASSERT_EQ(run_command("cd '" + dir.path() +
                              "' && openssl ecparam -name prime256v1 -genkey -noout -out dev.key && "
                              "openssl req -new -key dev.key -subj '/CN=" +
                              kEid + "' -out dev.csr && " + kSrc +
                              "/provisioning/certs/sign-csr.sh pki dev.csr dev.pem 10",
                          &out),
              0)
        << out;
    HubProcess hub(CPE_HUB_BIN, dir, hub_config(30, R"(, "retry_after_s": 1, "check_interval_s": 1)"));
    ASSERT_TRUE(hub.started());
    FakeAgentOptions o;
    o.endpoint_id = kEid;
    o.port = hub.usp_port();
    o.tls = true;
    o.ca_path = pki + "/ca.pem";
    o.cert_path = dir.file("dev.pem");
    o.key_path = dir.file("dev.key");
    o.command_errors[kRenew] = 7005;  // busy: the attempt fails
    FakeAgent agent(o);
    ASSERT_TRUE(agent.wait_connected()) << agent.error();
    auto renew_requests = [&] {
        size_t n = 0;
        for (const auto& m : agent.received()) n += m.command == kRenew;
        return n;
    };
    ASSERT_TRUE(eventually([&] { return renew_requests() >= 2; }, 20000))
        << hub.count_lines("renewal failed");
    EXPECT_FALSE(agent.closed());
    EXPECT_GE(hub.count_lines("renewal failed at RenewCertificate()"), 2u);
    EXPECT_GE(hub.count_lines("7005"), 2u);
}

#ifdef CPE_AGENT_BIN
class CertRenewal : public ::testing::Test {
  protected:
    void SetUp() override {
        pki = dir.file("pki");
        state = dir.file("state");
        fs::create_directories(state);
        ASSERT_EQ(run_command(kSrc + "/provisioning/certs/make-certs.sh " + pki + " localhost"), 0);
        // The device identity as provisioning makes it: key and CSR on the device, the fleet CA signs, here
        // for 10 days (within a 30-day renewal threshold).
        std::string out;
        ASSERT_EQ(run_command(std::string(CPE_AGENT_BIN) + " --board " + kBoard + " --root " + kBoard +
                                  "/fixtures/rootfs make-csr --key " + dir.file("device.key") + " --csr " +
                                  dir.file("device.csr"),
                              &out),
                  0)
            << out;
        ASSERT_EQ(run_command(kSrc + "/provisioning/certs/sign-csr.sh " + pki + " " + dir.file("device.csr") +
                                  " " + dir.file("device.pem") + " 10",
                              &out),
                  0)
            << out;
    }
    void start_hub(int days_before_expiry) {
        hub = std::make_unique<HubProcess>(CPE_HUB_BIN, dir, hub_config(days_before_expiry));
        ASSERT_TRUE(hub->started()) << logs();
        ASSERT_GT(hub->usp_port(), 0);
    }
    // `ca_file`: what the agent trusts (the fleet CA, or a bundle with a second CA for the broken-certificate
    // case).
    void start_agent(const std::string& ca_file = "") {
        dir.write("agent.json",
                  R"({"controller": {"url": "wss://localhost:)" + std::to_string(hub->usp_port()) +
                      R"(/usp", "endpoint_id": "self::cpe-hub", "ca_file": ")" +
                      (ca_file.empty() ? pki + "/ca.pem" : ca_file) + R"(", "cert_file": ")" +
                      dir.file("device.pem") + R"(", "key_file": ")" + dir.file("device.key") +
                      R"("}, "state_dir": ")" + state + R"(", "vendor_prefix": ")" + kPrefix +
                      R"(", "refresh_interval_s": 30, "reconnect": {"min_ms": 100, "base_ms": 200}})");
        std::vector<std::string> argv = agent_command;
        for (const std::string& a :
             {std::string("--board"), kBoard, std::string("--root"), kBoard + "/fixtures/rootfs",
              std::string("run"), std::string("--config"), dir.file("agent.json")})
            argv.push_back(a);
        agent = cpe::testkit::spawn(argv, dir.file("agent.log"));
    }
    bool online() {
        auto doc = parse(http("GET", hub->url("/usp/" + encoded(kEid))).body);
        return doc && cpe::json::opt_bool(doc.get(), "online") == true &&
               !cpe::json::opt_string(doc.get(), "model").value_or("").empty();
    }
    std::string serial_number() {
        return http("GET", hub->url("/usp/" + encoded(kEid) + "/get?path=Device.DeviceInfo.SerialNumber"))
            .body;
    }
    // One Operate through the hub: the result object of the answer.
    cpe::json::Ptr operate(const std::string& command, const std::string& args_json = "{}") {
        auto r = http("POST", hub->url("/usp/" + encoded(kEid) + "/operate"),
                      R"({"command": ")" + command + R"(", "args": )" + args_json + "}");
        auto doc = parse(r.body);
        const cJSON* results = doc ? cJSON_GetObjectItemCaseSensitive(doc.get(), "results") : nullptr;
        return results && results->child ? cpe::json::Ptr(cJSON_Duplicate(results->child, 1))
                                         : cpe::json::Ptr();
    }
    std::string install(const std::string& cert_file) {
        auto text = cpe::json::Ptr(cJSON_CreateString(slurp(cert_file).c_str()));
        auto res = operate(kInstall, R"({"Certificate": )" + cpe::json::print(text.get()) + "}");
        if (!res) return "no answer";
        if (cpe::json::opt_bool(res.get(), "ok") == true) return "ok";
        return cpe::json::print(res.get());
    }
    // The CSR of a RenewCertificate() through the hub, written to `file`.
    bool renew_to(const std::string& file) {
        auto res = operate(kRenew);
        const cJSON* out = res ? cJSON_GetObjectItemCaseSensitive(res.get(), "output_args") : nullptr;
        auto csr = cpe::json::opt_string(out, "CSR");
        if (!csr) return false;
        cpe::testkit::write_file(file, *csr);
        return true;
    }
    std::string logs() {
        std::string s = "hub log:\n";
        if (hub)
            for (const auto& l : hub->log_lines()) s += l + "\n";
        return s + "agent log:\n" + slurp(dir.file("agent.log"));
    }
    TempDir dir;
    std::string pki, state;
    std::unique_ptr<HubProcess> hub;
    cpe::testkit::ScopedProc agent;
    std::vector<std::string> agent_command{CPE_AGENT_BIN};  // or qemu-arm-static + the armv7 build
};

// A device whose certificate expires within the threshold is renewed by the hub, reconnects with the new
// certificate (another serial, a later notAfter, signed by the fleet CA) and keeps answering.
TEST_F(CertRenewal, ACertificateCloseToExpiryIsRenewedAndTheAgentKeepsWorking) {
    start_hub(30);
    start_agent();
    const std::string identity = state + "/tls-identity.pem";
    ASSERT_TRUE(eventually([&] { return fs::exists(identity); }, 30000)) << logs();
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    EXPECT_NE(field(identity, "serial"), field(dir.file("device.pem"), "serial"));
    EXPECT_NE(field(identity, "enddate"), field(dir.file("device.pem"), "enddate"));
    // The new one is good for the configured 400 days (more than 300 from now), the old one was not.
    EXPECT_NE(sh("openssl x509 -in '" + identity + "' -noout -checkend " + std::to_string(300 * 86400))
                  .find("will not expire"),
              std::string::npos);
    EXPECT_NE(
        sh("openssl x509 -in '" + dir.file("device.pem") + "' -noout -checkend " + std::to_string(30 * 86400))
            .find("will expire"),
        std::string::npos);
    EXPECT_NE(sh("openssl verify -CAfile '" + pki + "/ca.pem' '" + identity + "'").find(": OK"),
              std::string::npos);
    EXPECT_NE(
        sh("openssl x509 -in '" + identity + "' -noout -subject -ext subjectAltName").find("URI:" + kEid),
        std::string::npos);
    // The key in the identity file is the one made on the device for it, not the provisioning key.
    EXPECT_EQ(sh("openssl pkey -in '" + identity + "' -pubout"),
              sh("openssl x509 -in '" + identity + "' -noout -pubkey"));
    EXPECT_NE(sh("openssl pkey -in '" + identity + "' -pubout"),
              sh("openssl pkey -in '" + dir.file("device.key") + "' -pubout"));
    EXPECT_FALSE(fs::exists(state + "/tls-identity.next.pem"));
    EXPECT_FALSE(fs::exists(state + "/tls-identity.pending.key"));
    // Recorded by the hub.
    auto notes = http("GET", hub->url("/usp/" + encoded(kEid) + "/notifications")).body;
    EXPECT_NE(notes.find("\"kind\":\"cert_renewal\""), std::string::npos) << notes;
    EXPECT_NE(notes.find("\"status\":\"renewed\""), std::string::npos) << notes;
    // Keeps working: the hub reaches it (on its connection with the new certificate).
    ASSERT_TRUE(eventually([&] { return serial_number().find("22275A7000412") != std::string::npos; }, 20000))
        << logs();
    EXPECT_NE(slurp(dir.file("agent.log")).find("connected with the renewed certificate"), std::string::npos)
        << logs();
    // After a restart the agent presents the renewed identity, which is not due: no second renewal.
    agent = cpe::testkit::Proc{};
    start_agent();
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    EXPECT_EQ(hub->count_lines("renewing"), 1u) << logs();
}

// The same renewal with the CPE build of the agent (static, libwebsockets on mbedTLS, which reads the client
// key from the certificate file: the renewed identity is one file holding both) under qemu-user.
TEST_F(CertRenewal, TheArmv7AgentOnMbedtlsIsRenewedToo) {
    const std::string binary = kSrc + "/build/armv7/agent/cpe-agent";
    if (access(binary.c_str(), X_OK) != 0)
        GTEST_SKIP() << binary
                     << " is not built (tools/test-all.sh builds every preset before the host tests)";
    std::string qemu;
    if (run_command("command -v qemu-arm-static", &qemu) != 0 || qemu.empty())
        GTEST_SKIP() << "qemu-arm-static is not on PATH (package qemu-user-static)";
    while (!qemu.empty() && (qemu.back() == '\n' || qemu.back() == ' ')) qemu.pop_back();
    agent_command = {qemu, binary};
    start_hub(30);
    start_agent();
    const std::string identity = state + "/tls-identity.pem";
    ASSERT_TRUE(eventually([&] { return fs::exists(identity); }, 90000)) << logs();  // qemu: slow
    EXPECT_NE(field(identity, "serial"), field(dir.file("device.pem"), "serial"));
    ASSERT_TRUE(eventually([&] { return serial_number().find("22275A7000412") != std::string::npos; }, 60000))
        << logs();
    EXPECT_NE(slurp(dir.file("agent.log")).find("connected with the renewed certificate"), std::string::npos)
        << logs();
}

class CertRenewalAttacks : public CertRenewal {
  protected:
    void SetUp() override {
        CertRenewal::SetUp();
        if (HasFatalFailure()) return;
        start_hub(5);  // 10 days left: not due, the test drives the commands itself
    }
};

// A certificate of the fleet CA for the device's pending key but another CN is refused by the agent.
TEST_F(CertRenewalAttacks, ACertificateForAnotherCnIsRefusedByTheAgent) {
    start_agent();
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    ASSERT_TRUE(renew_to(dir.file("new.csr"))) << logs();
    ASSERT_TRUE(fs::exists(state + "/tls-identity.pending.key"));
    // Another device's name on this device's key (the pending key read from the state dir for the test).
    std::string out;
    ASSERT_EQ(run_command("openssl req -new -key '" + state +
                              "/tls-identity.pending.key' -subj '/CN=os::1C61B4-OTHER' -out '" +
                              dir.file("other.csr") + "' && " + kSrc + "/provisioning/certs/sign-csr.sh " +
                              pki + " '" + dir.file("other.csr") + "' '" + dir.file("other.pem") + "'",
                          &out),
              0)
        << out;
    const std::string answer = install(dir.file("other.pem"));
    EXPECT_NE(answer.find("subject CN 'os::1C61B4-OTHER' is not this agent's endpoint id"), std::string::npos)
        << answer;
    EXPECT_NE(answer.find("7012"), std::string::npos) << answer;
    EXPECT_FALSE(fs::exists(state + "/tls-identity.next.pem"));
    EXPECT_TRUE(online());
}

// A certificate of the fleet CA with the right CN but for another key is refused by the agent.
TEST_F(CertRenewalAttacks, ACertificateNotMatchingThePendingKeyIsRefused) {
    start_agent();
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    ASSERT_TRUE(renew_to(dir.file("new.csr"))) << logs();
    std::string out;
    ASSERT_EQ(run_command(std::string(CPE_AGENT_BIN) + " --board " + kBoard + " --root " + kBoard +
                              "/fixtures/rootfs make-csr --key " + dir.file("stranger.key") + " --csr " +
                              dir.file("stranger.csr") + " && " + kSrc + "/provisioning/certs/sign-csr.sh " +
                              pki + " " + dir.file("stranger.csr") + " " + dir.file("stranger.pem"),
                          &out),
              0)
        << out;
    const std::string answer = install(dir.file("stranger.pem"));
    EXPECT_NE(answer.find("public key is not the key of the last RenewCertificate() request"),
              std::string::npos)
        << answer;
    // Nothing pending: an install without a RenewCertificate() first names that.
    EXPECT_TRUE(fs::exists(state + "/tls-identity.pending.key"));
    // The genuine certificate still installs afterwards (the pending key was kept).
    ASSERT_EQ(run_command(kSrc + "/provisioning/certs/sign-csr.sh " + pki + " " + dir.file("new.csr") + " " +
                              dir.file("new.pem"),
                          &out),
              0)
        << out;
    EXPECT_EQ(install(dir.file("new.pem")), "ok") << logs();
    ASSERT_TRUE(eventually([&] { return fs::exists(state + "/tls-identity.pem"); }, 20000)) << logs();
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    EXPECT_NE(install(dir.file("new.pem")).find("no pending key"), std::string::npos);
}

// A certificate the agent accepts (it chains to a CA the agent trusts) but the hub does not: the new
// connection fails its handshake, the agent goes back to the old pair and keeps working.
TEST_F(CertRenewalAttacks, ABrokenNewCertificateLeavesTheOldOneWorking) {
    std::string out;
    ASSERT_EQ(
        run_command(kSrc + "/provisioning/certs/make-certs.sh " + dir.file("rogue") + " localhost", &out), 0);
    dir.write("bundle.pem", slurp(pki + "/ca.pem") + slurp(dir.file("rogue/ca.pem")));
    start_agent(dir.file("bundle.pem"));
    ASSERT_TRUE(eventually([&] { return online(); }, 20000)) << logs();
    ASSERT_TRUE(renew_to(dir.file("new.csr"))) << logs();
    ASSERT_EQ(run_command(kSrc + "/provisioning/certs/sign-csr.sh " + dir.file("rogue") + " " +
                              dir.file("new.csr") + " " + dir.file("rogue.pem"),
                          &out),
              0)
        << out;
    EXPECT_EQ(install(dir.file("rogue.pem")), "ok") << logs();
    ASSERT_TRUE(eventually(
        [&] { return slurp(dir.file("agent.log")).find("failed its connection") != std::string::npos; },
        30000))
        << logs();
    ASSERT_TRUE(eventually(
        [&] { return online() && serial_number().find("22275A7000412") != std::string::npos; }, 20000))
        << logs();
    EXPECT_FALSE(fs::exists(state + "/tls-identity.pem"));
    EXPECT_FALSE(fs::exists(state + "/tls-identity.next.pem"));
    EXPECT_TRUE(fs::exists(state + "/tls-identity.failed.pem"));
}
#endif

}  // namespace
