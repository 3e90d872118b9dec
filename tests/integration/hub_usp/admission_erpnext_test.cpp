// usp.admission.mode erpnext against the real cpe-hub, the ERPNext simulator (tests/sim/erpnext, a fleet made
// by tests/sim/fleet/make_fleet.py) and FakeAgents over loopback (docs/security-identity.md "Admission"): a
// serial ERPNext holds is admitted and listed; one it does not hold, or holds only as returned, is never
// listed and leaves no row; while ERPNext is unreachable an endpoint stays out (connected, asked again) until
// it is back. Every wait is bounded; no test asserts a time.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <thread>

#include "fake_agent.hpp"
#include "hub_process.hpp"
#include "json/json.hpp"
#include "kit/hub_kit.hpp"

namespace tk = cpe::testkit;
using cpe::hub::test::FakeAgent;
using cpe::hub::test::FakeAgentOptions;
using cpe::hub::test::HubProcess;
using cpe::hub::test::TempDir;

namespace {

bool eventually(const std::function<bool()>& fn, int tries = 400) {
    for (int i = 0; i < tries; ++i) {
        if (fn()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::string canonical(const std::string& s) {
    std::string out;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// A loopback port nothing listens on (bound, read, closed): ERPNext "down" until the simulator takes it.
int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

class HubAdmissionErpNext : public ::testing::Test {
  protected:
    void SetUp() override {
        setenv("ERP_SERVICE_TOKEN", "k:s", 1);  // the hub child inherits it
        std::string why;
        auto fleet = tk::generate_fleet(CPE_PYTHON3, CPE_SOURCE_DIR, dir.path(), 6, 7, {}, why);
        ASSERT_TRUE(why.empty()) << why;
        // The first ONT stays Active (known); the second is marked returned (Retourne: refused by default).
        cJSON* eq = cJSON_GetObjectItemCaseSensitive(fleet.get(), "service_equipment");
        int onts = 0;
        for (cJSON* row = eq ? eq->child : nullptr; row && onts < 2; row = row->next) {
            if (tk::str(row, {"equipment_type"}) != "ONT") continue;
            const std::string serial = canonical(tk::str(row, {"serial_number"}));
            if (onts++ == 0) {
                known = serial;
                cJSON_ReplaceItemInObjectCaseSensitive(row, "status", cJSON_CreateString("Active"));
            } else {
                returned = serial;
                cJSON_ReplaceItemInObjectCaseSensitive(row, "status", cJSON_CreateString("Retourne"));
            }
        }
        ASSERT_FALSE(returned.empty()) << "the fleet has fewer than two ONTs";
        std::ofstream(dir.file("fleet.json")) << cpe::json::print(fleet.get());
    }
    void TearDown() override {
        hub.reset();
        tk::stop(erp);
    }
    // The ERPNext simulator on `port` (0: any); false when it did not start.
    bool start_erpnext(int port) {
        erp = tk::spawn(
            {CPE_PYTHON3, std::string(CPE_SOURCE_DIR) + "/tests/sim/erpnext/frappe_sim.py", "--fleet",
             dir.file("fleet.json"), "--api-key", "k", "--api-secret", "s", "--port", std::to_string(port)},
            dir.file("erp-" + std::to_string(++erp_runs) + ".log"));
        std::string p = tk::wait_for(erp, "READY ", 60);
        if (p.empty()) return false;
        erp_port = std::stoi(p);
        return true;
    }
    void start_hub(int erp_port_for_hub) {
        hub = std::make_unique<HubProcess>(
            CPE_HUB_BIN, dir,
            R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                "usp": {"bind": "127.0.0.1", "port": 0, "request_timeout_ms": 3000,
                        "admission": {"mode": "erpnext", "check_timeout_ms": 3000, "retry_min_ms": 200,
                                      "retry_max_s": 1}},
                "devices": {"erpnext": {"url": "http://127.0.0.1:)" +
                std::to_string(erp_port_for_hub) + R"(", "budget_ms": 2000},
                            "poller": {"enabled": false}, "breaker": {"open_s": 1}}})");
        ASSERT_TRUE(hub->started()) << "cpe-hub did not start; log:\n" << log();
    }
    std::string log() {
        std::string s;
        for (const auto& l : hub->log_lines()) s += l + "\n";
        return s;
    }
    FakeAgentOptions agent(const std::string& serial) {
        FakeAgentOptions o;
        o.endpoint_id = "os::0C8063-" + serial;
        o.port = hub->usp_port();
        return o;
    }
    static FakeAgent::Model model(const std::string& serial) {
        auto m = FakeAgent::default_model();
        m["Device.DeviceInfo."]["SerialNumber"] = serial;
        m["Device.DeviceInfo."]["ManufacturerOUI"] = "0C8063";
        return m;
    }
    // The entry of `eid` in GET /usp/endpoints, or null.
    tk::Ptr listed(const std::string& eid) {
        auto doc = tk::parse(cpe::hub::test::http("GET", hub->url("/usp/endpoints")).body);
        const cJSON* list = cJSON_GetObjectItemCaseSensitive(doc.get(), "endpoints");
        for (const cJSON* e = list ? list->child : nullptr; e; e = e->next)
            if (tk::str(e, {"endpoint_id"}) == eid) return tk::Ptr(cJSON_Duplicate(e, 1));
        return nullptr;
    }
    double health(std::initializer_list<const char*> keys) {
        auto doc = tk::parse(cpe::hub::test::http("GET", hub->url("/health")).body);
        return tk::num(doc.get(), keys);
    }

    TempDir dir;
    tk::Proc erp;
    int erp_port = 0, erp_runs = 0;
    std::unique_ptr<HubProcess> hub;
    std::string known, returned;
};

TEST_F(HubAdmissionErpNext, KnownSerialIsAdmittedUnknownAndReturnedNeverAre) {
    ASSERT_TRUE(start_erpnext(0)) << tk::slurp(erp.out);
    start_hub(erp_port);
    FakeAgent good(agent(known), model(known));
    ASSERT_TRUE(good.wait_connected()) << good.error();
    ASSERT_TRUE(eventually([&] {
        auto e = listed("os::0C8063-" + known);
        return e && tk::str(e.get(), {"serial"}) == known;
    })) << log();
    EXPECT_GE(hub->count_lines("admitted: ERPNext Service Equipment"), 1u) << log();

    FakeAgent stranger(agent("NOSUCH0001"), model("NOSUCH0001"));
    FakeAgent back(agent(returned), model(returned));
    EXPECT_TRUE(stranger.wait_closed()) << log();  // refused: its connection goes
    EXPECT_TRUE(back.wait_closed()) << log();
    EXPECT_GE(hub->count_lines("ERPNext holds no Service Equipment with serial 'NOSUCH0001'"), 1u) << log();
    EXPECT_GE(hub->count_lines("has only refused statuses"), 1u) << log();
    EXPECT_EQ(listed("os::0C8063-NOSUCH0001"), nullptr);
    EXPECT_EQ(listed("os::0C8063-" + returned), nullptr);
    EXPECT_EQ(
        cpe::hub::test::http("GET", hub->url("/usp/" + std::string("os%3A%3A0C8063-NOSUCH0001"))).status,
        404);

    // Nothing permanent: after a restart the store holds the known device alone.
    EXPECT_EQ(hub->stop(), 0);
    start_hub(erp_port);
    auto doc = tk::parse(cpe::hub::test::http("GET", hub->url("/usp/endpoints")).body);
    EXPECT_EQ(tk::num(doc.get(), {"total"}), 1) << cpe::json::print(doc.get());
    EXPECT_NE(listed("os::0C8063-" + known), nullptr);
}

TEST_F(HubAdmissionErpNext, WhileErpNextIsDownTheEndpointStaysOutUntilItIsBack) {
    const int port = free_port();
    ASSERT_GT(port, 0);
    start_hub(port);  // ERPNext unreachable
    FakeAgent good(agent(known), model(known));
    ASSERT_TRUE(good.wait_connected()) << good.error();
    // Asked, failed, asked again (back-off): never admitted meanwhile, and still connected.
    ASSERT_TRUE(eventually([&] {
        return hub->count_lines("admission check of serial '" + known + "' failed") >= 3;
    })) << log();
    EXPECT_EQ(listed("os::0C8063-" + known), nullptr);
    EXPECT_EQ(health({"usp", "endpoints"}), 0);
    EXPECT_EQ(health({"usp", "admission_checks"}), 1);
    EXPECT_FALSE(good.closed());
    // ERPNext comes back on its address: the next check admits it.
    ASSERT_TRUE(start_erpnext(port)) << tk::slurp(erp.out);
    ASSERT_TRUE(eventually([&] { return listed("os::0C8063-" + known) != nullptr; })) << log();
    EXPECT_EQ(health({"usp", "admission_checks"}), 0);
    EXPECT_FALSE(good.closed());
}

TEST_F(HubAdmissionErpNext, WithoutAnErpNextSourceTheHubDoesNotStart) {
    HubProcess h(CPE_HUB_BIN, dir,
                 R"({"http": {"port": 0}, "store": {"path": "hub.db"},
                     "usp": {"bind": "127.0.0.1", "port": 0, "admission": {"mode": "erpnext"}}})");
    EXPECT_FALSE(h.started());
    EXPECT_TRUE(eventually(
        [&] { return h.count_lines("usp.admission.mode 'erpnext' needs the ERPNext source") == 1; }));
}

}  // namespace
