// The ERPNext field map and credentials through the real cpe-hub process and the Frappe simulator
// (tests/sim/erpnext): the map is checked against the DocTypes at start-up and the result shown in /health; a
// malformed map or key stops the hub with a message naming it. Every wait is bounded; no test asserts a time.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "json/json.hpp"
#include "kit/hub_kit.hpp"

namespace fs = std::filesystem;

using namespace cpe::testkit;

namespace {

struct Env {
    fs::path dir;
    Proc erp;
    std::string erp_url, why;
    std::deque<Proc> hubs;  // references stay valid as hubs are added

    bool start() {
        char tmpl[] = "/tmp/hub_erpnext_test_XXXXXX";
        if (!mkdtemp(tmpl)) return (why = "mkdtemp failed", false);
        dir = tmpl;
        const std::string src = CPE_SOURCE_DIR;
        generate_fleet(CPE_PYTHON3, src, dir.string(), 10, 3, {}, why);
        if (!why.empty()) return false;
        erp = spawn({CPE_PYTHON3, src + "/tests/sim/erpnext/frappe_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--api-key", "k", "--api-secret", "s", "--port", "0"},
                    (dir / "erp.log").string());
        std::string port = wait_for(erp, "READY ", 60);
        if (port.empty()) return (why = "frappe_sim did not start: " + slurp(erp.out), false);
        erp_url = "http://127.0.0.1:" + port.substr(0, port.find_first_not_of("0123456789"));
        return true;
    }
    // A hub with `erpnext` as the device API's erpnext section and `token` as ERP_SERVICE_TOKEN.
    Proc& hub(const std::string& name, const std::string& erpnext, const std::string& token) {
        std::ofstream(dir / (name + ".json"))
            << R"({"log":{"level":"info"},"http":{"bind":"127.0.0.1","port":0},
            "usp":{"enabled":false},"store":{"path":")"
            << name << R"(.db"}})";
        std::ofstream(dir / (name + "-devices.json")) << R"({"erpnext":)" << erpnext << R"(,
            "access":{"trusted_proxies":["127.0.0.1"]},"poller":{"enabled":false}})";
        hubs.push_back(spawn(
            {CPE_HUB, "--config", (dir / (name + ".json")).string()}, (dir / (name + ".log")).string(),
            {"HUB_DEVICES_CONFIG=" + (dir / (name + "-devices.json")).string(), "ERP_SERVICE_TOKEN=" + token},
            dir.string()));
        return hubs.back();
    }
    ~Env() {
        for (auto& h : hubs) stop(h);
        stop(erp);
        std::error_code ec;
        if (!dir.empty() && !std::getenv("HUB_ERPNEXT_TEST_KEEP")) fs::remove_all(dir, ec);
    }
};

// Waits (bounded) for the process to exit; its exit status, or -1 if it is still running.
int exit_status(Proc& p) {
    return wait_exit(p, 30000).value_or(-1);
}

class HubErpNext : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    void SetUp() override { ASSERT_TRUE(env.start()) << env.why; }
    Env env;
};

TEST_F(HubErpNext, FieldMapCheckedAtStartAndShownInHealth) {
    // The operator's Customer has the account id as a UI custom field would be named; this hub's map says so
    // wrongly (custom_legacy_account_id): the check names the field and where it is configured.
    Proc& h = env.hub("bad",
                      R"({"url":")" + env.erp_url +
                          R"(","fields":{"customer":{"legacy_account_id":"custom_legacy_account_id"}}})",
                      " k:s\n");
    std::string port = wait_for(h, "HTTP API on 127.0.0.1:", 60);
    ASSERT_FALSE(port.empty()) << slurp(h.out);
    std::string url = "http://127.0.0.1:" + port.substr(0, port.find_first_not_of("0123456789"));
    Ptr v;
    for (int i = 0; i < 300; ++i) {
        v = parse(request("GET", url + "/health/devices").body);
        if (str(v.get(), {"erpnext", "doctypes", "Customer"}) != "unchecked" &&
            at(v.get(), {"erpnext", "doctypes"}))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(str(v.get(), {"erpnext", "doctypes", "Service Equipment"}), "ok") << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"erpnext", "doctypes", "Service Location"}), "ok");
    EXPECT_EQ(str(v.get(), {"erpnext", "doctypes", "Customer"}),
              "ERPNext DocType 'Customer' has no field 'custom_legacy_account_id' "
              "(erpnext.fields.customer.legacy_account_id; a field added in the UI is named custom_…)");
    EXPECT_NE(slurp(h.out).find("has no field 'custom_legacy_account_id'"), std::string::npos)
        << slurp(h.out);
}

TEST_F(HubErpNext, MalformedMapOrKeyStopsTheHub) {
    Proc& typo = env.hub(
        "typo", R"({"url":")" + env.erp_url + R"(","fields":{"equipment":{"mac_adress":"x"}}})", "k:s");
    EXPECT_EQ(exit_status(typo), 2);
    EXPECT_NE(slurp(typo.out).find("erpnext.fields.equipment.mac_adress: unknown field"), std::string::npos)
        << slurp(typo.out);
    Proc& key = env.hub("key", R"({"url":")" + env.erp_url + R"("})", "k: s");
    EXPECT_EQ(exit_status(key), 2);
    std::string out = slurp(key.out);
    EXPECT_NE(out.find("ERPNext credentials (ERP_SERVICE_TOKEN): malformed: whitespace inside the secret"),
              std::string::npos)
        << out;
}

}  // namespace
