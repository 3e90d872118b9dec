// GET /devices/:id/hosts for a TR-069 XX230v that cpe-bridge manages, end to end: the real cpe-hub and
// cpe-bridge, the TP-Link simulator (one modem, the XX230v fixture), the GenieACS NBI and ERPNext simulators
// on one generated fleet. As in tools/demo/demo.py, the bridged modems are the fleet's XX230v without an
// agent and the bridge knows each by its ERPNext equipment name (the fleet device's equipment[0]). Only the
// first one is in the bridge's config; the second is a TR-069 XX230v the bridge does not know. Expectations
// come from the bridge's own answer and the simulators' counters. Every wait is bounded; no test asserts a
// time.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "kit/hub_kit.hpp"

namespace fs = std::filesystem;
using namespace cpe::testkit;

namespace {

const std::string kToken = "itest-service-token-0123456789";

struct Env {
    fs::path dir;
    Proc nbi, erp, tplink, bridge, hub;
    std::string hub_url, nbi_url, bridge_url;
    Ptr fleet;
    const cJSON* bridged = nullptr;  // in the bridge's config
    const cJSON* other = nullptr;    // an XX230v without agent the bridge does not know
    std::string modem;               // bridged's equipment name
    bool ready = false;
    std::string why;

    std::string auth() const { return "Authorization: Bearer " + kToken; }

    void start() {
        char tmpl[] = "/tmp/hub_bridge_test_XXXXXX";
        if (!mkdtemp(tmpl)) return void(why = "mkdtemp failed");
        dir = tmpl;
        const std::string src = CPE_SOURCE_DIR;
        fleet = generate_fleet(CPE_PYTHON3, src, dir.string(), 40, 12, {}, why);
        if (!why.empty()) return;
        const cJSON* devices = at(fleet.get(), {"devices"});
        for (const cJSON* d = devices->child; d; d = d->next) {
            if (str(d, {"model"}) != "XX230v" || cJSON_IsTrue(at(d, {"agent"}))) continue;
            if (!cJSON_IsArray(at(d, {"equipment"})) || !at(d, {"equipment"})->child) continue;
            if (!bridged)
                bridged = d;
            else if (!other)
                other = d;
        }
        if (!bridged || !other) return void(why = "the fleet has fewer than two XX230v without agent");
        modem = cJSON_GetArrayItem(at(bridged, {"equipment"}), 0)->valuestring;

        nbi = spawn({CPE_PYTHON3, src + "/tests/sim/genieacs/nbi_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--port", "0"},
                    (dir / "nbi.log").string());
        erp = spawn({CPE_PYTHON3, src + "/tests/sim/erpnext/frappe_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--api-key", "k", "--api-secret", "s", "--port", "0"},
                    (dir / "erp.log").string());
        std::ofstream(dir / "modem.password") << "Itest-modem-pw-42\n";
        tplink = spawn({CPE_PYTHON3, src + "/tests/sim/tplink/tplink_sim.py", "--host", "127.0.0.1", "--port",
                        "0", "--count", "1", "--password-file", (dir / "modem.password").string(),
                        "--fixture", src + "/boards/tplink-xx230v/fixtures"},
                       (dir / "tplink.log").string());
        std::string nbi_port = wait_for(nbi, "READY ");
        std::string erp_port = wait_for(erp, "READY ");
        std::string tplink_port = wait_for(tplink, "READY ");
        if (nbi_port.empty() || erp_port.empty() || tplink_port.empty())
            return void(why = "simulators did not start: " + slurp(nbi.out) + slurp(erp.out) +
                              slurp(tplink.out));
        nbi_url = "http://127.0.0.1:" + nbi_port;
        tplink_url = "http://127.0.0.1:" + tplink_port;

        {
            std::ofstream secret(dir / "modem.secret");
            secret << "user=user\npassword=Itest-modem-pw-42\n";
        }
        fs::permissions(dir / "modem.secret", fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::replace);
        std::ofstream(dir / "bridge.json")
            << R"({"http":{"bind":"127.0.0.1","port":0},"state_dir":"bridge-state",
            "cache_max_age_s":300,"modems":[{"id":")"
            << modem << R"(","host":"127.0.0.1:)" << tplink_port
            << R"(","secret_file":"modem.secret"}],"olts":[]})";
        fs::create_directories(dir / "bridge-state");
        bridge = spawn({CPE_BRIDGE, "--config", (dir / "bridge.json").string()},
                       (dir / "bridge.log").string(), {}, dir.string());
        std::string listening = wait_for(bridge, "LISTENING ");
        if (listening.empty()) return void(why = "cpe-bridge did not start: " + slurp(bridge.out));
        bridge_url = "http://127.0.0.1:" + listening.substr(listening.find_last_of(' ') + 1);

        std::ofstream(dir / "hub.json") << R"({"log":{"level":"info"},"http":{"bind":"127.0.0.1","port":0},
            "usp":{"enabled":true,"bind":"127.0.0.1","port":0,"request_timeout_ms":5000},"store":{"path":"hub.db"}})";
        // A short breaker: the test that stops the bridge must not leave it open for long.
        std::ofstream(dir / "devices.json")
            << R"({"genieacs":{"url":")" << nbi_url
            << R"(","budget_ms":3000},"erpnext":{"url":"http://127.0.0.1:)" << erp_port
            << R"(","budget_ms":3000},"bridge":{"url":")" << bridge_url
            << R"(","budget_ms":8000},"access":{"trusted_proxies":["127.0.0.1"]},
            "lookup_budget_ms":15000,"poller":{"interval_s":60,"stale_after_s":120},
            "breaker":{"failures":50,"open_s":1}})";
        hub = spawn({CPE_HUB, "--config", (dir / "hub.json").string()}, (dir / "hub.log").string(),
                    {"HUB_DEVICES_CONFIG=" + (dir / "devices.json").string(), "HUB_SERVICE_TOKEN=" + kToken,
                     "ERP_SERVICE_TOKEN=k:s"},
                    dir.string());
        std::string http_port = wait_for(hub, "HTTP API on 127.0.0.1:");
        if (http_port.empty()) return void(why = "hub did not start: " + slurp(hub.out));
        hub_url = "http://127.0.0.1:" + http_port;
        ready = true;
    }
    std::string tplink_url;

    // The GenieACS id of a fleet device, through the hub's lookup.
    std::string device_id(const cJSON* d) {
        auto r = request("GET", hub_url + "/devices/lookup?serial=" + str(d, {"serial"}), {auth()});
        auto v = parse(r.body);
        return str(v.get(), {"id"});
    }
    Ptr hosts(const std::string& id, bool refresh, long* status) {
        auto r =
            request("GET", hub_url + "/devices/" + id + "/hosts" + (refresh ? "?refresh" : ""), {auth()});
        *status = r.status;
        return parse(r.body);
    }
    double nbi_stat(const char* key) {
        auto v = parse(request("GET", nbi_url + "/__sim/stats").body);
        return num(v.get(), {key});
    }
    double tplink_stat(const char* key) {
        auto v = parse(request("GET", tplink_url + "/__sim/stats").body);
        return num(v.get(), {key});
    }

    ~Env() {
        stop(hub);
        stop(bridge);
        stop(tplink);
        stop(nbi);
        stop(erp);
        std::error_code ec;
        if (!dir.empty() && !std::getenv("HUB_BRIDGE_TEST_KEEP")) fs::remove_all(dir, ec);
    }
};

std::set<std::string> macs_of(const cJSON* hosts) {
    std::set<std::string> out;
    for (const cJSON* h = hosts ? hosts->child : nullptr; h; h = h->next) {
        std::string m = str(h, {"mac"});
        for (auto& c : m) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
        out.insert(m);
    }
    return out;
}

double node_sum(const cJSON* view) {
    double sum = 0;
    const cJSON* nodes = at(view, {"nodes"});
    for (const cJSON* n = nodes ? nodes->child : nullptr; n; n = n->next) sum += num(n, {"count"});
    return sum;
}

class HubBridge : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        env_ = new Env();
        env_->start();
    }
    static void TearDownTestSuite() {
        delete env_;
        env_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(env_->ready) << env_->why; }
    static Env* env_;
};
Env* HubBridge::env_ = nullptr;

TEST_F(HubBridge, HostsOfABridgedModemComeFromTheBridge) {
    std::string id = env_->device_id(env_->bridged);
    ASSERT_NE(id, "<absent>");
    long status = 0;
    auto v = env_->hosts(id, false, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get()) << slurp(env_->hub.out);
    EXPECT_EQ(str(v.get(), {"source", "name"}), "bridge") << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"source", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"source", "modem"}), env_->modem);
    EXPECT_GE(num(v.get(), {"source", "age_s"}), 0);
    EXPECT_EQ(str(v.get(), {"id"}), id);

    // The same hosts as the bridge's own answer for that modem, grouped by its mesh nodes, then wired/other.
    auto b = request("GET", env_->bridge_url + "/modems/" + env_->modem + "/hosts");
    ASSERT_EQ(b.status, 200) << b.body;
    auto bv = parse(b.body);
    ASSERT_GT(num(bv.get(), {"total"}), 0);
    EXPECT_EQ(num(v.get(), {"total"}), num(bv.get(), {"total"}));
    EXPECT_EQ(macs_of(at(v.get(), {"hosts"})), macs_of(at(bv.get(), {"hosts"})));
    EXPECT_EQ(node_sum(v.get()), num(v.get(), {"total"}));
    const cJSON* nodes = at(v.get(), {"nodes"});
    auto m = request("GET", env_->bridge_url + "/modems/" + env_->modem + "/mesh");
    ASSERT_EQ(m.status, 200) << m.body;
    auto mv = parse(m.body);
    const cJSON* mesh = at(mv.get(), {"nodes"});
    ASSERT_EQ(cJSON_GetArraySize(mesh), 3) << m.body;  // the simulator's controller and two satellites
    ASSERT_EQ(cJSON_GetArraySize(nodes), cJSON_GetArraySize(mesh) + 1) << cpe::json::print(v.get());
    for (int k = 0; k < cJSON_GetArraySize(mesh); ++k) {
        EXPECT_EQ(str(cJSON_GetArrayItem(nodes, k), {"name"}), str(cJSON_GetArrayItem(mesh, k), {"name"}));
        EXPECT_EQ(str(cJSON_GetArrayItem(nodes, k), {"role"}), str(cJSON_GetArrayItem(mesh, k), {"role"}));
        EXPECT_EQ(num(cJSON_GetArrayItem(nodes, k), {"count"}),
                  cJSON_GetArraySize(at(cJSON_GetArrayItem(mesh, k), {"clients"})));
    }
    EXPECT_EQ(str(cJSON_GetArrayItem(nodes, cJSON_GetArraySize(mesh)), {"name"}), "wired/other");

    // The consolidated view's mesh[] is the bridge's read of the modem's mesh.
    auto lookup = request(
        "GET", env_->hub_url + "/devices/lookup?serial=" + str(env_->bridged, {"serial"}) + "&refresh",
        {env_->auth()});
    ASSERT_EQ(lookup.status, 200) << lookup.body;
    auto view = parse(lookup.body);
    const cJSON* vmesh = at(view.get(), {"mesh"});
    ASSERT_EQ(cJSON_GetArraySize(vmesh), cJSON_GetArraySize(mesh)) << lookup.body;
    EXPECT_EQ(str(view.get(), {"provenance", "mesh", "source"}), "bridge");
    for (int k = 0; k < cJSON_GetArraySize(mesh); ++k)
        EXPECT_EQ(num(cJSON_GetArrayItem(vmesh, k), {"clients"}),
                  cJSON_GetArraySize(at(cJSON_GetArrayItem(mesh, k), {"clients"})));
}

TEST_F(HubBridge, RefreshReadsTheModemThroughTheBridgeWithoutAGenieAcsTask) {
    std::string id = env_->device_id(env_->bridged);
    long status = 0;
    auto first = env_->hosts(id, false, &status);  // the bridge has read the modem once
    ASSERT_EQ(status, 200);
    ASSERT_EQ(str(first.get(), {"source", "name"}), "bridge") << cpe::json::print(first.get());
    double tasks = env_->nbi_stat("tasks_posted");
    double logins = env_->tplink_stat("logins_ok");
    ASSERT_GE(tasks, 0);
    ASSERT_GE(logins, 1);

    auto v = env_->hosts(id, true, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"source", "name"}), "bridge") << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"source", "state"}), "fresh");
    EXPECT_EQ(env_->nbi_stat("tasks_posted"), tasks);  // no refreshObject task
    EXPECT_GT(env_->tplink_stat("logins_ok"),
              logins);  // the bridge read the modem again (its cache was fresh)
}

TEST_F(HubBridge, ModemTheBridgeDoesNotKnowFallsBackToGenieAcs) {
    std::string id = env_->device_id(env_->other);
    ASSERT_NE(id, "<absent>");
    long status = 0;
    auto v = env_->hosts(id, false, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"source", "name"}), "genieacs") << cpe::json::print(v.get());
    std::string error = str(v.get(), {"source", "error"});
    EXPECT_NE(
        error.find("the bridge does not know modem '" +
                   std::string(cJSON_GetArrayItem(at(env_->other, {"equipment"}), 0)->valuestring) + "'"),
        std::string::npos)
        << error;
    EXPECT_GT(num(v.get(), {"total"}), 0);
    EXPECT_EQ(node_sum(v.get()), num(v.get(), {"total"}));

    // ?refresh on it is today's GenieACS path: refreshObject of its hosts and of its mesh associations
    // (MultiAP, and DataElements: the XX230v has it).
    double tasks = env_->nbi_stat("tasks_posted");
    auto r = env_->hosts(id, true, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(r.get());
    EXPECT_EQ(str(r.get(), {"source", "name"}), "genieacs");
    EXPECT_EQ(env_->nbi_stat("tasks_posted"), tasks + 3);
}

TEST_F(HubBridge, BridgeStoppedFallsBackToGenieAcsWithTheBridgeError) {
    std::string id = env_->device_id(env_->bridged);
    ASSERT_NE(id, "<absent>");
    stop(env_->bridge);
    long status = 0;
    auto v = env_->hosts(id, false, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"source", "name"}), "genieacs") << cpe::json::print(v.get());
    std::string error = str(v.get(), {"source", "error"});
    EXPECT_EQ(error.rfind("bridge not used: bridge: ", 0), 0u) << error;
    EXPECT_GT(num(v.get(), {"total"}), 0);

    // ?refresh falls back to the GenieACS task; the answer says why the bridge was not used.
    double tasks = env_->nbi_stat("tasks_posted");
    auto r = env_->hosts(id, true, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(r.get());
    EXPECT_EQ(str(r.get(), {"source", "name"}), "genieacs");
    EXPECT_NE(str(r.get(), {"source", "error"}).find("bridge not used: "), std::string::npos);
    EXPECT_EQ(env_->nbi_stat("tasks_posted"),
              tasks + 3);  // hosts, MultiAP, DataElements (the XX230v has both)
}

}  // namespace
