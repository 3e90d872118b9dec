// The device API end to end: the real cpe-hub process, the real cpe-agent (XX230v fixture board, its serial
// changed to a fleet device's so every source knows it), the GenieACS NBI and ERPNext simulators (tests/sim/)
// started from one generated fleet file. Expectations come from the fleet file and from `cpe-agent get` on
// the same rootfs. Every wait is bounded (a missing READY line fails the test instead of hanging it); no test
// asserts a time.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "kit/hub_kit.hpp"

namespace fs = std::filesystem;
using namespace cpe::testkit;

namespace {

const std::string kToken = "itest-service-token-0123456789";
constexpr const char* kFixtureNow = "1795000000";  // the fixtures' fixed clock (tests/golden/CMakeLists.txt)

// Everything started once per test process (ctest runs each test in its own process).
struct Env {
    fs::path dir;
    Proc nbi, erp, hub, agent;
    std::string hub_url, nbi_url, erp_url;
    Ptr fleet;
    const cJSON* agent_dev = nullptr;    // the fleet device the agent plays
    const cJSON* tr069_dev = nullptr;    // an XX230v without agent, TR-069 serial = serial
    const cJSON* factory_dev = nullptr;  // an XX230v whose TR-069 serial is a factory one (GPON fallback)
    std::string endpoint_id;
    bool ready = false;
    std::string why;

    std::string auth() const { return "Authorization: Bearer " + kToken; }

    void start() {
        char tmpl[] = "/tmp/hub_devices_test_XXXXXX";
        if (!mkdtemp(tmpl)) return void(why = "mkdtemp failed");
        dir = tmpl;
        const std::string src = CPE_SOURCE_DIR;
        fleet = generate_fleet(CPE_PYTHON3, src, dir.string(), 40, 12, {}, why);
        if (!why.empty()) return;
        const cJSON* devices = at(fleet.get(), {"devices"});
        for (const cJSON* d = devices->child; d; d = d->next) {
            bool agent = cJSON_IsTrue(at(d, {"agent"}));
            bool xx = str(d, {"model"}) == "XX230v";
            bool same = str(d, {"serial"}) == str(d, {"tr069_serial"});
            if (agent && xx && same && !agent_dev)
                agent_dev = d;
            else if (!agent && xx && same && !tr069_dev)
                tr069_dev = d;
            else if (xx && !same && !factory_dev)
                factory_dev = d;
        }
        if (!agent_dev || !tr069_dev || !factory_dev)
            return void(why = "fleet lacks the device kinds the tests need");

        nbi = spawn({CPE_PYTHON3, src + "/tests/sim/genieacs/nbi_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--port", "0"},
                    (dir / "nbi.log").string());
        erp = spawn({CPE_PYTHON3, src + "/tests/sim/erpnext/frappe_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--api-key", "k", "--api-secret", "s", "--port", "0"},
                    (dir / "erp.log").string());
        std::string nbi_port = wait_for(nbi, "READY ");
        std::string erp_port = wait_for(erp, "READY ");
        if (nbi_port.empty() || erp_port.empty())
            return void(why = "simulators did not start: " + slurp(nbi.out) + slurp(erp.out));
        nbi_url = "http://127.0.0.1:" + nbi_port;
        erp_url = "http://127.0.0.1:" + erp_port;

        fs::create_directories(dir / "firmware");
        std::ofstream(dir / "hub.json") << R"({"log":{"level":"info"},"http":{"bind":"127.0.0.1","port":0},
            "usp":{"enabled":true,"bind":"127.0.0.1","port":0,"request_timeout_ms":5000,"vendor_prefix":"X_EXAMPLE-NET_"},"store":{"path":"hub.db"}})";
        std::ofstream(dir / "devices.json")
            << R"({"genieacs":{"url":")" << nbi_url << R"(","budget_ms":1500,"firmware_dir":")"
            << (dir / "firmware").string()
            << R"(","firmware_max_mb":1,"download_poll_ms":100},"erpnext":{"url":")" << erp_url
            << R"(","budget_ms":1500},"access":{"trusted_proxies":["127.0.0.1"]},
            "agent_budget_ms":3000,"lookup_budget_ms":3500,"poller":{"interval_s":1,"stale_after_s":60,"jitter_ms":200},
            "breaker":{"failures":50,"open_s":1},
            "cache":{"agent_s":300,"genieacs_s":300,"erpnext_s":300,"bridge_s":300,"max_devices":100}})";
        hub = spawn({CPE_HUB, "--config", (dir / "hub.json").string()}, (dir / "hub.log").string(),
                    {"HUB_DEVICES_CONFIG=" + (dir / "devices.json").string(), "HUB_SERVICE_TOKEN=" + kToken,
                     "ERP_SERVICE_TOKEN=k:s"},
                    dir.string());
        std::string http_port = wait_for(hub, "HTTP API on 127.0.0.1:");
        std::string usp_text = wait_for(hub, "USP WebSocket server on 127.0.0.1:");
        if (http_port.empty() || usp_text.empty()) return void(why = "hub did not start: " + slurp(hub.out));
        usp_port = usp_text.substr(0, usp_text.find_first_not_of("0123456789"));
        hub_url = "http://127.0.0.1:" + http_port;

        // The agent: the fixture rootfs with the fleet device's serial.
        fs::copy(src + "/boards/tplink-xx230v/fixtures/rootfs", dir / "rootfs", fs::copy_options::recursive);
        std::ofstream(dir / "rootfs" / "etc" / "serial_number", std::ios::trunc)
            << str(agent_dev, {"serial"}) << "\n";
        std::ofstream(dir / "agent.json") << agent_config();
        agent =
            spawn({CPE_AGENT, "--board", src + "/boards/tplink-xx230v", "--root", (dir / "rootfs").string(),
                   "--now", kFixtureNow, "run", "--config", (dir / "agent.json").string()},
                  (dir / "agent.log").string());
        for (int i = 0; i < 200 && endpoint_id.empty(); ++i) {
            auto r = request("GET", hub_url + "/usp/endpoints?online=true", {auth()});
            auto j = parse(r.body);
            const cJSON* eps = at(j.get(), {"endpoints"});
            if (cJSON_IsArray(eps) && eps->child && !str(eps->child, {"model"}).empty() &&
                str(eps->child, {"model"}) != "<absent>")
                endpoint_id = str(eps->child, {"endpoint_id"});
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (endpoint_id.empty())
            return void(why = "agent never came online: " + slurp(agent.out) + slurp(hub.out));
        ready = true;
    }

    void sim_fault(const std::string& base, const std::string& body) {
        request("POST", base + "/__sim/fault", {}, body);
    }
    // The agent's configuration: the fixture's clock is fixed (--now), so its data only changes when a test
    // changes the rootfs; it re-reads the rootfs every second.
    std::string agent_config() const {
        return R"({"controller":{"url":"ws://127.0.0.1:)" + usp_port +
               R"(/usp","endpoint_id":"self::cpe-hub"},"periodic_interval_s":60,"refresh_interval_s":1,)"
               R"("vendor_prefix":"X_EXAMPLE-NET_"})";
    }
    std::string usp_port;

    ~Env() {
        stop(agent);
        stop(hub);
        stop(nbi);
        stop(erp);
        std::error_code ec;
        if (!dir.empty() && !std::getenv("HUB_DEVICES_TEST_KEEP")) fs::remove_all(dir, ec);
    }
};

class HubDevices : public ::testing::Test {
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
    // refresh: ?refresh, every source asked whatever the lookup cache holds.
    static Ptr lookup(const std::string& serial, long* status = nullptr, bool refresh = false) {
        auto r =
            request("GET", env_->hub_url + "/devices/lookup?serial=" + serial + (refresh ? "&refresh" : ""),
                    {env_->auth()});
        if (status) *status = r.status;
        return parse(r.body);
    }
    static Env* env_;
};
Env* HubDevices::env_ = nullptr;

TEST_F(HubDevices, LookupByExactSerialOfAnAgentDevice) {
    long status = 0;
    auto v = lookup(str(env_->agent_dev, {"serial"}), &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"id"}), env_->endpoint_id);
    EXPECT_EQ(str(v.get(), {"kind"}), "usp");
    EXPECT_EQ(str(v.get(), {"match"}), "serial");
    EXPECT_EQ(str(v.get(), {"serial"}), str(env_->agent_dev, {"serial"}));
    EXPECT_EQ(str(v.get(), {"sources", "agent", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"provenance", "firmware", "source"}), "agent");
    // ERPNext knows the equipment by serial: its customer and location are the fleet's.
    EXPECT_EQ(str(v.get(), {"sources", "erpnext", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"customer", "name"}), str(env_->agent_dev, {"customer"}));
    EXPECT_EQ(str(v.get(), {"location", "name"}), str(env_->agent_dev, {"service_location"}));
    EXPECT_GE(cJSON_GetArraySize(at(v.get(), {"mesh"})), 1);
    EXPECT_NE(str(v.get(), {"opticalStatus", "grade"}), "<absent>");
}

TEST_F(HubDevices, LookupTr069OnlyDeviceByExactSerial) {
    long status = 0;
    auto v = lookup(str(env_->tr069_dev, {"serial"}), &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"kind"}), "tr069");
    EXPECT_EQ(str(v.get(), {"match"}), "serial");
    EXPECT_NE(str(v.get(), {"id"}).find(str(env_->tr069_dev, {"serial"})), std::string::npos);
    // Found by the first GenieACS step: the GPON-suffix and id steps were not run, and the answer says so.
    const cJSON* steps = at(v.get(), {"genieacs_steps"});
    ASSERT_TRUE(cJSON_IsArray(steps)) << cpe::json::print(v.get());
    ASSERT_EQ(cJSON_GetArraySize(steps), 3);
    EXPECT_STREQ(cJSON_GetArrayItem(steps, 0)->valuestring, "serial: found");
    EXPECT_STREQ(cJSON_GetArrayItem(steps, 1)->valuestring, "gpon_suffix: skipped (found by serial)");
    EXPECT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"sources", "agent", "state"}), "not_found");
    EXPECT_EQ(str(v.get(), {"provenance", "firmware", "source"}), "genieacs");
    EXPECT_EQ(str(v.get(), {"firmware"}), str(env_->tr069_dev, {"software_version"}));
    EXPECT_EQ(str(v.get(), {"location", "name"}), str(env_->tr069_dev, {"service_location"}));
}

TEST_F(HubDevices, LookupByGponSerialSuffix) {
    // Its TR-069 SerialNumber is a factory serial: only the GPON serial (vendor hex + same 8 digits) matches.
    long status = 0;
    auto v = lookup(str(env_->factory_dev, {"serial"}), &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"match"}), "gpon_suffix");
    EXPECT_NE(str(v.get(), {"id"}).find(str(env_->factory_dev, {"tr069_serial"})), std::string::npos);
    // ERPNext knows the sticker serial, not the factory one: the record's Ethernet MAC finds the equipment.
    EXPECT_EQ(str(v.get(), {"sources", "erpnext", "state"}), "fresh")
        << cpe::json::print(at(v.get(), {"sources"}));
    EXPECT_EQ(str(v.get(), {"location", "name"}), str(env_->factory_dev, {"service_location"}));
}

TEST_F(HubDevices, LookupByIdContaining) {
    // Not a serial and no GPON serial's suffix: only ids contain it (the product class part of the id).
    std::string part = str(env_->tr069_dev, {"product_class"});
    long status = 0;
    auto v = lookup(part, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"match"}), "id_contains");
    EXPECT_NE(str(v.get(), {"id"}).find(part), std::string::npos);

    lookup("NOSUCHDEVICE123", &status);
    EXPECT_EQ(status, 404);
    lookup("bad%22serial", &status);
    EXPECT_EQ(status, 400);
}

TEST_F(HubDevices, HostsGroupedByMeshNode) {
    // What the agent reports (the same binary and rootfs, through its CLI): client MAC → node name.
    std::string out = (env_->dir / "multiap.txt").string();
    Proc cli = spawn({CPE_AGENT, "--board", std::string(CPE_SOURCE_DIR) + "/boards/tplink-xx230v", "--root",
                      (env_->dir / "rootfs").string(), "--vendor-prefix", "X_EXAMPLE-NET_", "get",
                      "Device.WiFi.MultiAP.APDevice."},
                     out);
    wait_exit(cli);
    std::map<std::string, std::string> node_name,
        node_of;  // "Device.WiFi.MultiAP.APDevice.N" → name; MAC → name
    std::istringstream lines(slurp(out));
    std::vector<std::pair<std::string, std::string>> macs;
    for (std::string line; std::getline(lines, line);) {
        size_t eq = line.find(" = ");
        if (eq == std::string::npos) continue;
        std::string path = line.substr(0, eq), value = line.substr(eq + 3);
        if (path.size() > 19 && path.compare(path.size() - 19, 19, ".X_EXAMPLE-NET_Name") == 0)
            node_name[path.substr(0, path.size() - 19)] = value;
        if (path.find(".AssociatedDevice.") != std::string::npos && path.size() > 11 &&
            path.compare(path.size() - 11, 11, ".MACAddress") == 0)
            macs.push_back({path.substr(0, path.find(".Radio.")), value});
    }
    for (auto& [dev, mac] : macs) {
        std::string m;
        for (char c : mac) m += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        node_of[m] = node_name[dev];
    }
    ASSERT_GE(node_name.size(), 2u) << slurp(out);

    auto r =
        request("GET", env_->hub_url + "/devices/" + env_->endpoint_id + "/hosts?refresh", {env_->auth()});
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = parse(r.body);
    const cJSON* hosts = at(v.get(), {"hosts"});
    ASSERT_TRUE(cJSON_IsArray(hosts));
    EXPECT_EQ(at(v.get(), {"total"})->valuedouble, cJSON_GetArraySize(hosts));
    EXPECT_EQ(str(v.get(), {"source", "state"}), "fresh");
    size_t mapped = 0;
    std::vector<std::string> order;
    for (const cJSON* h = hosts->child; h; h = h->next) {
        std::string mac = str(h, {"mac"}), node = str(h, {"attachedNode"});
        if (node_of.count(mac)) {
            EXPECT_EQ(node, node_of[mac]) << mac;
            ++mapped;
        }
        if (order.empty() || order.back() != node) order.push_back(node);
    }
    EXPECT_EQ(mapped, node_of.size());
    // Grouped: each node appears as one run, wired/other last; nodes[] counts match.
    std::set<std::string> seen(order.begin(), order.end());
    EXPECT_EQ(seen.size(), order.size());
    if (seen.count("wired/other")) {
        EXPECT_EQ(order.back(), "wired/other");
    }
    double sum = 0;
    for (const cJSON* n = at(v.get(), {"nodes"})->child; n; n = n->next) sum += at(n, {"count"})->valuedouble;
    EXPECT_EQ(sum, cJSON_GetArraySize(hosts));
}

TEST_F(HubDevices, Tr069HostsFromGenieAcsForBothDataModels) {
    // One XX230v (TR-181) and one HT803G (TR-098) without agent: their hosts are the fleet's.
    const cJSON* devices = at(env_->fleet.get(), {"devices"});
    std::vector<const cJSON*> picks;
    for (const char* model : {"XX230v", "HT803G"}) {
        for (const cJSON* d = devices->child; d; d = d->next) {
            if (cJSON_IsTrue(at(d, {"agent"})) || str(d, {"model"}) != model) continue;
            if (cJSON_GetArraySize(at(d, {"hosts"})) == 0) continue;
            picks.push_back(d);
            break;
        }
    }
    ASSERT_EQ(picks.size(), 2u) << "the fleet has no TR-069-only device with hosts for one of the models";
    for (const cJSON* d : picks) {
        auto v = lookup(str(d, {"serial"}));
        std::string id = str(v.get(), {"id"});
        ASSERT_EQ(str(v.get(), {"kind"}), "tr069") << cpe::json::print(v.get());
        EXPECT_EQ(str(v.get(), {"model"}), str(d, {"model"}));
        bool lit = cJSON_IsTrue(at(d, {"online"})) && at(d, {"rx_power"})->valuedouble > 0;
        EXPECT_EQ(cJSON_IsNumber(at(v.get(), {"opticalStatus", "rxDbm"})), lit)
            << cpe::json::print(at(v.get(), {"opticalStatus"}));
        std::string enc;
        for (char c : id) {
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
                enc += c;
            else {
                char b[4];
                std::snprintf(b, sizeof b, "%%%02X", static_cast<unsigned char>(c));
                enc += b;
            }
        }
        auto r = request("GET", env_->hub_url + "/devices/" + enc + "/hosts", {env_->auth()});
        ASSERT_EQ(r.status, 200) << r.body;
        auto h = parse(r.body);
        EXPECT_EQ(str(h.get(), {"source", "name"}), "genieacs");
        std::set<std::string> want, got;
        for (const cJSON* x = at(d, {"hosts"})->child; x; x = x->next) {
            std::string m = str(x, {"mac"});
            for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            want.insert(m);
        }
        // Every host of the device is there; anything else is a station only an association table lists (the
        // sim keeps the dump's WiFi.AccessPoint tables), shown without a Hosts-table IP.
        for (const cJSON* x = at(h.get(), {"hosts"})->child; x; x = x->next) {
            got.insert(str(x, {"mac"}));
            if (!want.count(str(x, {"mac"}))) {
                EXPECT_EQ(str(x, {"ip"}), "") << str(x, {"mac"});
            }
        }
        for (const auto& m : want) EXPECT_TRUE(got.count(m)) << str(d, {"model"}) << " lacks " << m;
        EXPECT_EQ(at(h.get(), {"total"})->valuedouble, got.size());
    }
}

TEST_F(HubDevices, SlowGenieAcsLookupAnswersWithinBudgetMarkedFailed) {
    env_->sim_fault(env_->nbi_url, R"({"delay_ms":8000,"count":-1})");
    long status = 0;
    auto v = lookup(str(env_->agent_dev, {"serial"}), &status, true);
    env_->sim_fault(env_->nbi_url, "{}");
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "failed");
    EXPECT_NE(str(v.get(), {"sources", "genieacs", "error"}), "<absent>");
    EXPECT_EQ(str(v.get(), {"sources", "agent", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"serial"}), str(env_->agent_dev, {"serial"}));

    // A TR-069-only device cannot be found while GenieACS is that slow: 504 (too slow, as hosts and tasks say
    // it) naming GenieACS, not a hang.
    env_->sim_fault(env_->nbi_url, R"({"delay_ms":8000,"count":-1})");
    auto t = lookup(str(env_->tr069_dev, {"serial"}), &status, true);
    env_->sim_fault(env_->nbi_url, "{}");
    EXPECT_EQ(status, 504) << cpe::json::print(t.get());
    EXPECT_NE(str(t.get(), {"error"}).find("GenieACS"), std::string::npos);
}

TEST_F(HubDevices, ErpNextServerErrorAndMalformedJson) {
    env_->sim_fault(env_->erp_url, R"({"status":503,"count":-1})");
    long status = 0;
    auto v = lookup(str(env_->tr069_dev, {"serial"}), &status, true);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"sources", "erpnext", "state"}), "failed");
    EXPECT_NE(str(v.get(), {"sources", "erpnext", "error"}).find("503"), std::string::npos);
    EXPECT_TRUE(cJSON_IsNull(at(v.get(), {"customer"})));
    EXPECT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "fresh");  // the rest still answers

    env_->sim_fault(env_->erp_url, R"({"malformed":true,"count":-1})");
    v = lookup(str(env_->tr069_dev, {"serial"}), &status, true);
    env_->sim_fault(env_->erp_url, "{}");
    ASSERT_EQ(status, 200);
    EXPECT_EQ(str(v.get(), {"sources", "erpnext", "state"}), "failed");
    EXPECT_NE(str(v.get(), {"sources", "erpnext", "error"}), "<absent>");

    // /health/devices shows the failures without any device data.
    auto h = request("GET", env_->hub_url + "/health/devices");
    ASSERT_EQ(h.status, 200);
    auto hj = parse(h.body);
    EXPECT_GE(at(hj.get(), {"erpnext", "failures"})->valuedouble, 2);
    EXPECT_EQ(h.body.find(str(env_->tr069_dev, {"serial"})), std::string::npos);
}

TEST_F(HubDevices, AccessControl) {
    const std::string u = env_->hub_url;
    std::string serial = str(env_->agent_dev, {"serial"});
    std::vector<std::pair<std::string, std::string>> calls = {
        {"GET", "/devices/lookup?serial=" + serial},
        {"GET", "/devices/summary"},
        {"GET", "/devices/" + env_->endpoint_id + "/hosts"},
        {"POST", "/devices/" + env_->endpoint_id + "/tasks"},
        {"GET", "/usp/endpoints"},
        {"GET", "/devices/" + env_->endpoint_id + "/hosts?refresh"}};
    for (const auto& [m, p] : calls) {
        auto none = request(m, u + p, {}, m == "POST" ? R"({"task":"refresh"})" : "");
        EXPECT_EQ(none.status, 401) << m << " " << p;
        EXPECT_EQ(none.body.find(serial), std::string::npos) << none.body;
        EXPECT_NE(none.body.find("\"error\""), std::string::npos);
        auto bad = request(m, u + p, {"Authorization: Bearer wrong-token-0123456789"},
                           m == "POST" ? R"({"task":"refresh"})" : "");
        EXPECT_EQ(bad.status, 401) << m << " " << p;
    }
    // Staff headers from the trusted proxy address (127.0.0.1) pass; from another address they do not.
    std::vector<std::string> staff = {"X-Authentik-Email: tech@example.org", "X-Authentik-Groups: techs"};
    auto ok = request("GET", u + "/devices/summary", staff);
    EXPECT_EQ(ok.status, 200) << ok.body;
    auto untrusted = request("GET", u + "/devices/summary", staff, "", "127.0.0.2");
    EXPECT_EQ(untrusted.status, 401) << untrusted.body;
    // The hub's event stream is guarded too: refused with an error event, no device events.
    auto sse = request("GET", u + "/sse?topics=device:" + env_->endpoint_id);
    EXPECT_NE(sse.body.find("authentication required"), std::string::npos) << sse.body;
    // /health stays open and carries no device data.
    auto health = request("GET", u + "/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body.find(serial), std::string::npos);
}

TEST_F(HubDevices, SummaryCountsTheWholeFleet) {
    // The poller reads GenieACS every second here; wait (bounded) for its first pass.
    Ptr v;
    for (int i = 0; i < 100; ++i) {
        auto r = request("GET", env_->hub_url + "/devices/summary", {env_->auth()});
        ASSERT_EQ(r.status, 200) << r.body;
        v = parse(r.body);
        if (str(v.get(), {"sources", "genieacs", "state"}) == "fresh") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "fresh") << cpe::json::print(v.get());
    int fleet_count = cJSON_GetArraySize(at(env_->fleet.get(), {"devices"}));
    EXPECT_EQ(at(v.get(), {"total"})->valuedouble, fleet_count);  // the agent device is counted once
    EXPECT_EQ(at(v.get(), {"online"})->valuedouble + at(v.get(), {"offline"})->valuedouble, fleet_count);
    EXPECT_EQ(at(v.get(), {"byKind", "usp"})->valuedouble, 1);
    double graded = 0;
    for (const cJSON* g = at(v.get(), {"opticalGrades"})->child; g; g = g->next) graded += g->valuedouble;
    EXPECT_EQ(graded, fleet_count);
    // The fleet read can end before the poll's agent Gets (each after up to jitter_ms): "last" comes when the
    // whole poll has (bounded wait).
    Ptr h;
    for (int i = 0; i < 100; ++i) {
        h = parse(request("GET", env_->hub_url + "/health/devices").body);
        if (at(h.get(), {"poll", "last"})) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(at(h.get(), {"poll", "last"})) << cpe::json::print(h.get());
}

TEST_F(HubDevices, Tasks) {
    const std::string u = env_->hub_url;
    auto refresh = request("POST", u + "/devices/" + env_->endpoint_id + "/tasks", {env_->auth()},
                           R"({"task":"refresh"})");
    EXPECT_EQ(refresh.status, 200) << refresh.body;
    EXPECT_NE(refresh.body.find("\"done\""), std::string::npos);
    auto bad = request("POST", u + "/devices/" + env_->endpoint_id + "/tasks", {env_->auth()},
                       R"({"task":"format-disk"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("task"), std::string::npos);
    // TR-069 device: a validated GenieACS task (the sim answers done or queued, never a crash).
    auto lookup_t = lookup(str(env_->tr069_dev, {"serial"}));
    std::string id = str(lookup_t.get(), {"id"});
    std::string enc;
    for (char c : id) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
            enc += c;
        else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", static_cast<unsigned char>(c));
            enc += b;
        }
    }
    auto reboot = request("POST", u + "/devices/" + enc + "/tasks", {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_TRUE(reboot.status == 200 || reboot.status == 202) << reboot.status << " " << reboot.body;
    auto unknown =
        request("POST", u + "/devices/NO-SUCH-DEVICE/tasks", {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_EQ(unknown.status, 404) << unknown.body;
}

// ---- the lookup cache (docs/api.md "Cache"; windows of 300 s here: only ?refresh or a change asks again)
// ----

namespace {
bool cached(const cJSON* view, const char* source) {
    return cJSON_IsTrue(at(view, {"sources", source, "cached"}));
}
double sim_requests(const std::string& base) {
    auto s = parse(request("GET", base + "/__sim/stats").body);
    return num(s.get(), {"requests"});
}
// Clears the simulators' faults when a test ends, whatever happened.
struct ClearFaults {
    Env* env;
    ~ClearFaults() {
        env->sim_fault(env->nbi_url, "{}");
        env->sim_fault(env->erp_url, "{}");
    }
};
std::string encode_id(const std::string& id) {
    std::string enc;
    for (char c : id) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
            enc += c;
        else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", static_cast<unsigned char>(c));
            enc += b;
        }
    }
    return enc;
}
void write_atomically(const fs::path& file, const std::string& text) {
    fs::path tmp = file;
    tmp += ".new";
    std::ofstream(tmp, std::ios::binary) << text;
    fs::rename(tmp, file);
}
}  // namespace

TEST_F(HubDevices, RepeatedLookupIsAnsweredFromTheCacheWithRealAges) {
    ClearFaults clear{env_};
    const std::string serial = str(env_->agent_dev, {"serial"});
    long status = 0;
    auto first = lookup(serial, &status, true);  // every source asked; the cache filled
    ASSERT_EQ(status, 200) << cpe::json::print(first.get());
    for (const char* s : {"agent", "genieacs", "erpnext"}) {
        EXPECT_EQ(str(first.get(), {"sources", s, "state"}), "fresh") << s;
        EXPECT_FALSE(cached(first.get(), s)) << s;
    }
    // From now on GenieACS and ERPNext fail: a lookup within the windows does not notice, it does not ask
    // them.
    env_->sim_fault(env_->nbi_url, R"({"status":503,"count":-1})");
    env_->sim_fault(env_->erp_url, R"({"status":503,"count":-1})");
    const double erp_before = sim_requests(env_->erp_url);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // ages are whole seconds: let one pass
    auto again = lookup(serial, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(again.get());
    EXPECT_EQ(sim_requests(env_->erp_url), erp_before) << "ERPNext was asked again";
    for (const char* s : {"agent", "genieacs", "erpnext"}) {
        EXPECT_EQ(str(again.get(), {"sources", s, "state"}), "fresh") << s;
        EXPECT_TRUE(cached(again.get(), s)) << s << ": " << cpe::json::print(at(again.get(), {"sources"}));
    }
    // Ages are the data's, not the answer's: they grew.
    EXPECT_GE(num(again.get(), {"sources", "agent", "age_s"}), 1);
    EXPECT_GE(num(again.get(), {"sources", "erpnext", "age_s"}), 1);
    EXPECT_GE(num(again.get(), {"provenance", "firmware", "age_s"}), 1);
    EXPECT_GE(num(again.get(), {"sources", "genieacs", "age_s"}),
              num(first.get(), {"sources", "genieacs", "age_s"}));
    EXPECT_EQ(str(again.get(), {"firmware"}), str(first.get(), {"firmware"}));
    EXPECT_EQ(str(again.get(), {"customer", "name"}), str(env_->agent_dev, {"customer"}));

    // ?refresh asks every source again: the failures show, the agent's data is new.
    auto fresh = lookup(serial, &status, true);
    ASSERT_EQ(status, 200) << cpe::json::print(fresh.get());
    EXPECT_GT(sim_requests(env_->erp_url), erp_before);
    EXPECT_EQ(str(fresh.get(), {"sources", "erpnext", "state"}), "failed");
    EXPECT_EQ(str(fresh.get(), {"sources", "genieacs", "state"}), "failed");
    EXPECT_EQ(str(fresh.get(), {"sources", "agent", "state"}), "fresh");
    EXPECT_FALSE(cached(fresh.get(), "agent"));
    EXPECT_EQ(num(fresh.get(), {"sources", "agent", "age_s"}), 0);
    // A failure replaces nothing: the next lookup shows the earlier answer again, with its real age.
    auto back = lookup(serial, &status);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(str(back.get(), {"sources", "erpnext", "state"}), "fresh");
    EXPECT_TRUE(cached(back.get(), "erpnext"));
    EXPECT_GE(num(back.get(), {"sources", "erpnext", "age_s"}), 1);
    EXPECT_EQ(str(back.get(), {"customer", "name"}), str(env_->agent_dev, {"customer"}));
}

TEST_F(HubDevices, AgentNotificationVoidsItsCachedData) {
    const std::string serial = str(env_->agent_dev, {"serial"});
    long status = 0;
    auto first = lookup(serial, &status, true);
    ASSERT_EQ(status, 200);
    auto second = lookup(serial, &status);
    ASSERT_EQ(status, 200);
    ASSERT_TRUE(cached(second.get(), "agent")) << cpe::json::print(at(second.get(), {"sources"}));
    const double hosts_before = num(second.get(), {"wifi", "hosts"});

    // A client appears on the device (an ARP entry): the agent sends ObjectCreation (the hub subscribes to
    // Device.Hosts.Host. by default).
    const fs::path arp = env_->dir / "rootfs" / "proc" / "net" / "arp";
    const std::string arp_before = slurp(arp.string());
    write_atomically(
        arp, arp_before + "192.168.1.250    0x1         0x2         02:11:22:33:44:55     *        br0\n");
    bool notified = false;
    for (int i = 0; i < 200 && !notified; ++i) {  // bounded wait: the agent re-reads its rootfs every second
        auto n = request("GET", env_->hub_url + "/usp/" + encode_id(env_->endpoint_id) + "/notifications",
                         {env_->auth()});
        notified = n.body.find("object_creation") != std::string::npos;
        if (!notified) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto after = lookup(serial, &status);
    write_atomically(arp, arp_before);
    ASSERT_TRUE(notified) << slurp(env_->agent.out);
    ASSERT_EQ(status, 200);
    EXPECT_EQ(str(after.get(), {"sources", "agent", "state"}), "fresh");
    EXPECT_FALSE(cached(after.get(), "agent")) << "the agent's cached data outlived its notification";
    EXPECT_EQ(num(after.get(), {"wifi", "hosts"}), hosts_before + 1);
    EXPECT_TRUE(cached(after.get(), "erpnext"));  // what did not change is still the cache's
}

TEST_F(HubDevices, TaskVoidsTheCachedGenieAcsAnswer) {
    ClearFaults clear{env_};
    const std::string serial = str(env_->tr069_dev, {"serial"});
    long status = 0;
    auto first = lookup(serial, &status, true);
    ASSERT_EQ(status, 200);
    auto second = lookup(serial, &status);
    ASSERT_EQ(status, 200);
    ASSERT_TRUE(cached(second.get(), "genieacs"));
    auto task = request("POST", env_->hub_url + "/devices/" + encode_id(str(first.get(), {"id"})) + "/tasks",
                        {env_->auth()}, R"({"task":"refresh"})");
    ASSERT_TRUE(task.status == 200 || task.status == 202) << task.status << " " << task.body;
    // GenieACS is now down: a lookup that still used the cached document would answer 200.
    env_->sim_fault(env_->nbi_url, R"({"status":503,"count":-1})");
    auto after = lookup(serial, &status);
    EXPECT_EQ(status, 503) << "the task did not void the cached GenieACS answer: "
                           << cpe::json::print(after.get());
}

TEST_F(HubDevices, NothingFoundIsNotKept) {
    // A device installed a moment ago must not stay unknown for a cache window: a 404 keeps nothing.
    ClearFaults clear{env_};
    long status = 0;
    lookup("NOSUCHDEVICE42", &status);
    ASSERT_EQ(status, 404);
    env_->sim_fault(env_->nbi_url, R"({"status":503,"count":-1})");
    auto again = lookup("NOSUCHDEVICE42", &status);
    EXPECT_EQ(status, 503) << "GenieACS was not asked again: " << cpe::json::print(again.get());
}

TEST_F(HubDevices, LookupByIdContainingAcrossParts) {
    // "ProductClass-Serial": the '-' is the id's separator. The factory-serial XX230v's last 8 characters are
    // not its GPON serial's, so only the id matches.
    const std::string q1 =
        str(env_->factory_dev, {"product_class"}) + "-" + str(env_->factory_dev, {"tr069_serial"});
    long status = 0;
    auto v = lookup(q1, &status);
    ASSERT_EQ(status, 200) << q1 << ": " << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"match"}), "id_contains");
    EXPECT_EQ(str(v.get(), {"id"}), str(env_->factory_dev, {"genieacs_id"}));

    // "OUI-ProductClass" of an HT803G: its product class has a '-' of its own, escaped in the id (%2D).
    const cJSON* ht = nullptr;
    for (const cJSON* d = at(env_->fleet.get(), {"devices"})->child; d && !ht; d = d->next)
        if (str(d, {"model"}) == "HT803G" && !cJSON_IsTrue(at(d, {"agent"}))) ht = d;
    ASSERT_TRUE(ht) << "the fleet has no TR-069-only HT803G";
    const std::string pc = str(ht, {"product_class"});
    const std::string q2 = str(ht, {"oui"}) + "-" + pc;
    ASSERT_NE(pc.find('-'), std::string::npos) << pc;
    auto w = lookup(q2, &status);
    ASSERT_EQ(status, 200) << q2 << ": " << cpe::json::print(w.get());
    EXPECT_EQ(str(w.get(), {"match"}), "id_contains");
    std::string escaped =
        str(ht, {"oui"}) + "-" + pc.substr(0, pc.find('-')) + "%2D" + pc.substr(pc.find('-') + 1) + "-";
    EXPECT_EQ(str(w.get(), {"id"}).rfind(escaped, 0), 0u) << str(w.get(), {"id"});
}

TEST_F(HubDevices, SummaryCountsAnAgentDeviceOnceWhenItsTr069SerialDiffers) {
    // A second agent plays the XX230v whose GenieACS record carries a factory serial: the same device reaches
    // the hub twice (USP with the sticker serial, TR-069 with the factory one), matched by its GPON serial.
    const std::string src = CPE_SOURCE_DIR;
    const fs::path root = env_->dir / "rootfs2";
    fs::copy(src + "/boards/tplink-xx230v/fixtures/rootfs", root, fs::copy_options::recursive);
    std::ofstream(root / "etc" / "serial_number", std::ios::trunc)
        << str(env_->factory_dev, {"serial"}) << "\n";
    std::ofstream(env_->dir / "agent2.json") << env_->agent_config();
    ScopedProc second(spawn({CPE_AGENT, "--board", src + "/boards/tplink-xx230v", "--root", root.string(),
                             "--now", kFixtureNow, "run", "--config", (env_->dir / "agent2.json").string()},
                            (env_->dir / "agent2.log").string()));
    const int fleet_count = cJSON_GetArraySize(at(env_->fleet.get(), {"devices"}));
    Ptr v;
    for (int i = 0; i < 150; ++i) {  // bounded: the agent connects, the poller reads GenieACS every second
        v = parse(request("GET", env_->hub_url + "/devices/summary", {env_->auth()}).body);
        if (num(v.get(), {"byKind", "usp"}) == 2 &&
            str(v.get(), {"sources", "genieacs", "state"}) == "fresh" &&
            num(v.get(), {"total"}) == fleet_count)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(num(v.get(), {"byKind", "usp"}), 2) << cpe::json::print(v.get()) << slurp(second->out);
    EXPECT_EQ(num(v.get(), {"total"}), fleet_count) << cpe::json::print(v.get());
    EXPECT_EQ(num(v.get(), {"byKind", "tr069"}), fleet_count - 2);

    // Models by family: the agents report "XX230v", GenieACS's HT803G records "HT803G" with the variant in
    // the product class; one entry per model, its variants beside.
    std::map<std::string, int> fleet_models;
    for (const cJSON* d = at(env_->fleet.get(), {"devices"})->child; d; d = d->next)
        ++fleet_models[str(d, {"model"})];
    const cJSON* by_model = at(v.get(), {"byModel"});
    EXPECT_EQ(cJSON_GetArraySize(by_model), static_cast<int>(fleet_models.size()))
        << cpe::json::print(by_model);
    for (const auto& [model, n] : fleet_models) {
        EXPECT_EQ(num(by_model, {model.c_str(), "total"}), n) << model;
        double variants = 0;
        for (const cJSON* x = at(by_model, {model.c_str(), "variants"})->child; x; x = x->next)
            variants += x->valuedouble;
        EXPECT_EQ(variants, n) << model;
    }
    EXPECT_FALSE(at(by_model, {"HT803G-W"}));
}

TEST_F(HubDevices, HealthCarriesEachSourceWithoutDeviceData) {
    ClearFaults clear{env_};
    const std::string serial = str(env_->tr069_dev, {"serial"});
    env_->sim_fault(env_->erp_url, R"({"status":503,"count":-1})");
    long status = 0;
    lookup(serial, &status, true);
    ASSERT_EQ(status, 200);
    for (const char* path : {"/health", "/health/devices"}) {
        auto open = request("GET", env_->hub_url + path);
        ASSERT_EQ(open.status, 200) << path;
        auto h = parse(open.body);
        EXPECT_EQ(str(h.get(), {"status"}), "ok") << path;
        EXPECT_EQ(str(h.get(), {"agent", "state"}), "ok") << open.body;
        EXPECT_EQ(num(h.get(), {"agent", "online"}), 1);
        EXPECT_EQ(str(h.get(), {"genieacs", "state"}), "ok") << open.body;
        EXPECT_EQ(str(h.get(), {"genieacs", "circuit"}), "closed");
        EXPECT_GE(num(h.get(), {"genieacs", "last_ok_age_s"}), 0);
        EXPECT_EQ(str(h.get(), {"erpnext", "state"}), "failing") << open.body;
        EXPECT_GE(num(h.get(), {"erpnext", "last_error_age_s"}), 0);
        // The field map was checked against the DocTypes at start-up (docs/erpnext.md); a 503 since keeps
        // that.
        for (const char* dt : {"Service Equipment", "Service Location", "Customer"})
            EXPECT_EQ(str(h.get(), {"erpnext", "doctypes", dt}), "ok") << open.body;
        EXPECT_EQ(str(h.get(), {"bridge", "state"}), "off");
        EXPECT_TRUE(at(h.get(), {"poll", "interval_s"}));
        EXPECT_TRUE(at(h.get(), {"cache", "windows_s"}));
        // Open: no error text (it can name a device), no serial anywhere.
        EXPECT_FALSE(at(h.get(), {"erpnext", "last_error"})) << open.body;
        EXPECT_EQ(open.body.find(serial), std::string::npos);
    }
    // An authenticated caller also gets the error text.
    auto detailed = parse(request("GET", env_->hub_url + "/health", {env_->auth()}).body);
    EXPECT_NE(str(detailed.get(), {"erpnext", "last_error"}).find("503"), std::string::npos)
        << cpe::json::print(detailed.get());
    auto wrong = parse(
        request("GET", env_->hub_url + "/health", {"Authorization: Bearer wrong-token-0123456789"}).body);
    EXPECT_FALSE(at(wrong.get(), {"erpnext", "last_error"}));
}

// ---- issue 11: GenieACS tasks as the NBI behaves (each test runs in its own process: a fresh simulator)
// ----

const cJSON* fleet_pick(const cJSON* fleet, const std::function<bool(const cJSON*)>& pred) {
    for (const cJSON* d = at(fleet, {"devices"})->child; d; d = d->next)
        if (pred(d)) return d;
    return nullptr;
}
bool is_true(const cJSON* d, const char* key) {
    return cJSON_IsTrue(at(d, {key}));
}
const cJSON* host_named(const cJSON* hosts_answer, const std::string& name) {
    for (const cJSON* h = at(hosts_answer, {"hosts"}) ? at(hosts_answer, {"hosts"})->child : nullptr; h;
         h = h->next)
        if (str(h, {"name"}) == name) return h;
    return nullptr;
}
size_t sim_count(const std::string& nbi, const char* coll, const std::string& id) {
    auto q = cpe::json::make_object();
    cpe::json::add_string(q.get(), "device", id);
    std::string qs = cpe::json::print(q.get());
    char* esc = curl_easy_escape(nullptr, qs.c_str(), static_cast<int>(qs.size()));
    auto r = request("GET", nbi + "/" + coll + "/?query=" + esc);
    curl_free(esc);
    auto doc = parse(r.body);
    return cJSON_IsArray(doc.get()) ? static_cast<size_t>(cJSON_GetArraySize(doc.get())) : 999;
}

TEST_F(HubDevices, Tr098HostsRefreshReadsTheTr098Hosts) {
    const cJSON* d = fleet_pick(env_->fleet.get(), [](const cJSON* x) {
        return str(x, {"model"}) == "HT803G" && !is_true(x, {"agent"}) && is_true(x, {"online"}) &&
               at(x, {"cpe_params"}) && at(x, {"cpe_params"})->child;
    });
    ASSERT_NE(d, nullptr) << "the fleet has an online TR-069-only HT803G";
    std::string path = env_->hub_url + "/devices/" + encode_id(str(d, {"genieacs_id"})) + "/hosts";
    auto before = parse(request("GET", path, {env_->auth()}).body);
    ASSERT_NE(at(before.get(), {"total"}), nullptr) << cpe::json::print(before.get());
    EXPECT_EQ(host_named(before.get(), "new-phone"), nullptr);
    // The CPE also lists it as a Wi-Fi client of its 5 GHz WLANConfiguration (TR-098 names).
    std::string mac;
    for (const cJSON* p = at(d, {"cpe_params"})->child; p; p = p->next) {
        std::string k = p->string;
        if (k.size() > 11 && k.compare(k.size() - 11, 11, ".MACAddress") == 0)
            mac = cJSON_GetArrayItem(p, 0)->valuestring;
    }
    ASSERT_FALSE(mac.empty());
    const std::string w = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.2.";
    ASSERT_EQ(
        request("POST", env_->nbi_url + "/__sim/cpe", {},
                R"({"id":")" + str(d, {"genieacs_id"}) + R"(","params":{")" + w +
                    R"(OperatingFrequencyBand":["5GHz","xsd:string"],")" + w +
                    R"(AssociatedDevice.1.AssociatedDeviceMACAddress":[")" + mac + R"(","xsd:string"]}})")
            .status,
        200);
    auto r = request("GET", path + "?refresh", {env_->auth()});
    ASSERT_EQ(r.status, 200) << r.body;
    auto after = parse(r.body);
    EXPECT_EQ(str(after.get(), {"task", "status"}), "done") << r.body;
    EXPECT_NE(host_named(after.get(), "new-phone"), nullptr)
        << "the refresh did not read InternetGatewayDevice hosts: " << r.body;
    EXPECT_EQ(at(after.get(), {"total"})->valueint, at(before.get(), {"total"})->valueint + 1);
    if (const cJSON* phone = host_named(after.get(), "new-phone")) {
        EXPECT_EQ(str(phone, {"attachedNode"}), "gateway")
            << "a TR-098 Wi-Fi client shown as wired/other: " << r.body;
        EXPECT_EQ(str(phone, {"band"}), "5GHz") << r.body;
    }
    EXPECT_NE(r.body.find("refreshObject InternetGatewayDevice.LANDevice.1.WLANConfiguration: done"),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("refreshObject InternetGatewayDevice.LANDevice.1.Hosts: done"), std::string::npos)
        << r.body;
    EXPECT_EQ(r.body.find("Device.Hosts:"), std::string::npos)
        << "a TR-181 task on a TR-098 device: " << r.body;
}

TEST_F(HubDevices, HostsRefreshReadsTheMeshAssociations) {
    // A new Wi-Fi client on a satellite node: the CPE has it in Device.Hosts and in MultiAP; only a refresh
    // of both puts it on its node (the hosts alone put it on the gateway's).
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    const std::string mac = "02:11:22:33:44:55";
    std::string h = "Device.Hosts.Host.40.";
    std::string ap = "Device.WiFi.MultiAP.APDevice.2.";
    std::string body = R"({"id":")" + id + R"(","params":{")" + h + R"(PhysAddress":[")" + mac +
                       R"(","xsd:string"],")" + h + R"(HostName":["mesh-laptop","xsd:string"],")" + h +
                       R"(Active":[true,"xsd:boolean"],")" + h +
                       R"(InterfaceType":["Wi-Fi","xsd:string"],")" + ap +
                       R"(MACAddress":["A0:00:00:00:00:02","xsd:string"],")" + ap +
                       R"(Radio.1.OperatingFrequencyBand":["5GHz","xsd:string"],")" + ap +
                       R"(Radio.1.AP.1.AssociatedDevice.1.MACAddress":[")" + mac + R"(","xsd:string"],")" +
                       ap + R"(Radio.1.AP.1.AssociatedDevice.1.Active":[true,"xsd:boolean"]}})";
    ASSERT_EQ(request("POST", env_->nbi_url + "/__sim/cpe", {}, body).status, 200);
    auto r = request("GET", env_->hub_url + "/devices/" + encode_id(id) + "/hosts?refresh", {env_->auth()});
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = parse(r.body);
    const cJSON* host = host_named(v.get(), "mesh-laptop");
    ASSERT_NE(host, nullptr) << r.body;
    const cJSON* first = at(v.get(), {"nodes"}) ? at(v.get(), {"nodes"})->child : nullptr;
    ASSERT_NE(first, nullptr) << r.body;
    EXPECT_NE(str(host, {"attachedNode"}), str(first, {"name"}))
        << "the client stayed on the gateway's node: " << r.body;
    EXPECT_NE(str(host, {"attachedNode"}), "<absent>") << r.body;
    EXPECT_NE(r.body.find("refreshObject Device.WiFi.MultiAP: done"), std::string::npos) << r.body;
}

TEST_F(HubDevices, HostsAgeIsTheAgeOfTheValuesNotOfTheLastInform) {
    // A refresh of DeviceInfo makes the device inform now; its hosts were read when the fleet file says.
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    auto t = request("POST", env_->hub_url + "/devices/" + encode_id(id) + "/tasks", {env_->auth()},
                     R"({"task":"refresh"})");
    ASSERT_EQ(t.status, 200) << t.body;
    auto r = request("GET", env_->hub_url + "/devices/" + encode_id(id) + "/hosts", {env_->auth()});
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = parse(r.body);
    const cJSON* age = at(v.get(), {"source", "age_s"});
    ASSERT_TRUE(cJSON_IsNumber(age)) << r.body;
    EXPECT_GT(age->valuedouble, 86400) << "hosts read months ago shown as fresh: " << r.body;
}

TEST_F(HubDevices, AFaultedTaskShowsItsFaultAndIsCleanedUp) {
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    ASSERT_EQ(request("POST", env_->nbi_url + "/__sim/session_fault", {},
                      R"({"id":")" + id + R"(","code":"cwmp.9002","message":"Internal error"})")
                  .status,
              200);
    auto r = request("POST", env_->hub_url + "/devices/" + encode_id(id) + "/tasks", {env_->auth()},
                     R"({"task":"refresh"})");
    EXPECT_EQ(r.status, 502) << r.body;
    auto v = parse(r.body);
    EXPECT_EQ(str(v.get(), {"status"}), "faulted") << r.body;
    EXPECT_EQ(str(v.get(), {"fault", "code"}), "cwmp.9002");
    EXPECT_EQ(str(v.get(), {"fault", "message"}), "Internal error");
    EXPECT_EQ(sim_count(env_->nbi_url, "tasks", id), 0u);
    EXPECT_EQ(sim_count(env_->nbi_url, "faults", id), 0u);
}

TEST_F(HubDevices, ARebootOfAnOfflineDeviceIsRefusedUnlessScheduled) {
    const cJSON* d = fleet_pick(
        env_->fleet.get(), [](const cJSON* x) { return !is_true(x, {"agent"}) && !is_true(x, {"online"}); });
    ASSERT_NE(d, nullptr);
    const std::string id = str(d, {"genieacs_id"});
    const std::string url = env_->hub_url + "/devices/" + encode_id(id) + "/tasks";
    auto r = request("POST", url, {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_NE(r.body.find("device offline"), std::string::npos) << r.body;
    EXPECT_EQ(sim_count(env_->nbi_url, "tasks", id), 0u) << "a reboot waits in GenieACS for the device";
    auto s = request("POST", url + "?schedule", {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_EQ(s.status, 202) << s.body;
    auto v = parse(s.body);
    EXPECT_EQ(str(v.get(), {"status"}), "queued") << s.body;
    EXPECT_EQ(str(v.get(), {"reason"}), "Device is offline") << s.body;
    ASSERT_TRUE(cJSON_IsArray(at(v.get(), {"genieacs_task_ids"})));
    EXPECT_EQ(cJSON_GetArraySize(at(v.get(), {"genieacs_task_ids"})), 1);
    auto tasks = parse(request("GET", env_->nbi_url + "/tasks/").body);
    ASSERT_TRUE(cJSON_IsArray(tasks.get()) && tasks->child) << "scheduled: kept in GenieACS";
    EXPECT_TRUE(cJSON_IsString(at(tasks->child, {"expiry"})))
        << "every task carries an expiry (GenieACS lists a date)";
}

TEST_F(HubDevices, ATaskLongerThanTheAnswerBudgetIsFollowedAndNeverPostedTwice) {
    // The session takes longer than the hub's answer budget (genieacs budget_ms + task_timeout_ms = 4.5 s
    // here).
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    ASSERT_EQ(
        request("POST", env_->nbi_url + "/__sim/online", {}, R"({"id":")" + id + R"(","session_ms":8000})")
            .status,
        200);
    // The task's end on SSE (topic device:<id>, event task): a reader from before the task is posted.
    struct Sse {
        std::mutex m;
        std::string text;
        bool stop = false;
    } sse;
    std::thread reader([&] {
        CURL* c = curl_easy_init();
        char* topic = curl_easy_escape(c, ("device:" + id).c_str(), 0);
        std::string u = env_->hub_url + "/sse?topics=" + topic;
        curl_free(topic);
        curl_slist* h = curl_slist_append(nullptr, env_->auth().c_str());
        curl_easy_setopt(c, CURLOPT_URL, u.c_str());
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);  // a bound, not an expectation
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &sse);
        curl_easy_setopt(
            c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t sz, size_t n, void* user) -> size_t {
                auto* s = static_cast<Sse*>(user);
                std::lock_guard<std::mutex> lock(s->m);
                s->text.append(d, sz * n);
                return s->stop || s->text.find("event: task") != std::string::npos ? 0 : sz * n;
            });
        // Stops within about a second of `stop`, data or not (the progress callback runs while idle too).
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &sse);
        curl_easy_setopt(
            c, CURLOPT_XFERINFOFUNCTION,
            +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                auto* s = static_cast<Sse*>(user);
                std::lock_guard<std::mutex> lock(s->m);
                return s->stop ? 1 : 0;
            });
        curl_easy_perform(c);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
    });
    struct Join {  // an early ASSERT return still stops and joins the reader
        Sse& s;
        std::thread& t;
        ~Join() {
            {
                std::lock_guard<std::mutex> lock(s.m);
                s.stop = true;
            }
            if (t.joinable()) t.join();
        }
    } join{sse, reader};
    auto sse_text = [&] {
        std::lock_guard<std::mutex> lock(sse.m);
        return sse.text;
    };
    for (int i = 0; i < 100 && sse_text().find("subscribed") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string url = env_->hub_url + "/devices/" + encode_id(id) + "/tasks";
    auto r = request("POST", url, {env_->auth()}, R"({"task":"reboot"})");
    ASSERT_EQ(r.status, 202) << r.body;
    auto v = parse(r.body);
    ASSERT_EQ(str(v.get(), {"status"}), "running") << r.body;
    const std::string tid = str(v.get(), {"task_id"});
    auto again = parse(request("POST", url, {env_->auth()}, R"({"task":"reboot"})").body);
    EXPECT_EQ(str(again.get(), {"task_id"}), tid) << "a retry while it runs is the same task";
    std::string status = "running";
    for (int i = 0; i < 300 && status == "running"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        status = str(parse(request("GET", env_->hub_url + "/devices/" + encode_id(id) + "/tasks/" + tid,
                                   {env_->auth()})
                               .body)
                         .get(),
                     {"status"});
    }
    EXPECT_EQ(status, "done");
    auto stats = parse(request("GET", env_->nbi_url + "/__sim/stats").body);
    EXPECT_EQ(at(stats.get(), {"reboots"})->valueint, 1) << "one reboot, whatever the retries";
    for (int i = 0; i < 100 && sse_text().find("event: task") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string events = sse_text();
    EXPECT_NE(events.find("event: task"), std::string::npos) << events;
    EXPECT_NE(events.find("\"task_id\":\"" + tid + "\""), std::string::npos) << events;
    EXPECT_NE(events.find("\"status\":\"done\""), std::string::npos) << events;
}

TEST_F(HubDevices, ASlowGenieAcsGivesTheSameStatusInLookupAndHosts) {
    ClearFaults clear{env_};
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    env_->sim_fault(env_->nbi_url, R"({"delay_ms":20000,"count":-1})");
    long status = 0;
    lookup("NOSUCHSERIAL77", &status, true);
    auto h = request("GET", env_->hub_url + "/devices/" + encode_id(id) + "/hosts", {env_->auth()});
    EXPECT_EQ(status, 504);
    EXPECT_EQ(h.status, 504) << h.body;
}

TEST_F(HubDevices, AgentSerialMatchesInAnyCase) {
    std::string lower = str(env_->agent_dev, {"serial"});
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    long status = 0;
    auto v = lookup(lower, &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"id"}), env_->endpoint_id);
    EXPECT_EQ(str(v.get(), {"match"}), "serial");
}

}  // namespace

// ---- the GenieACS firmware route (docs/genieacs.md): POST /firmware → GenieACS's files, POST
// /devices/:id/firmware → a download task followed to the CPE's TransferComplete
// (tests/sim/genieacs/nbi_sim.py "Files and downloads")

TEST_F(HubDevices, FirmwareUploadNamesBadInputAndStoresTheMetadata) {
    const std::string u = env_->hub_url + "/firmware";
    std::ofstream(env_->dir / "firmware" / "xx230v-1.2.0.bin", std::ios::binary) << std::string(4096, 'A');
    std::ofstream(env_->dir / "firmware" / "huge.bin", std::ios::binary) << std::string((1 << 20) + 1, 'B');
    const std::string good =
        R"({"file":"xx230v-1.2.0.bin","version":"1.2.0","oui":"1C61B4","product_class":"Device2"})";

    auto anon = request("POST", u, {}, good);
    EXPECT_EQ(anon.status, 401) << anon.body;
    auto no_version = request("POST", u, {env_->auth()}, R"({"file":"xx230v-1.2.0.bin"})");
    EXPECT_EQ(no_version.status, 400);
    EXPECT_NE(no_version.body.find("version: missing"), std::string::npos) << no_version.body;
    auto unknown = request("POST", u, {env_->auth()}, R"({"file":"nope.bin","version":"1"})");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("unknown file 'nope.bin'"), std::string::npos) << unknown.body;
    auto huge = request("POST", u, {env_->auth()}, R"({"file":"huge.bin","version":"1"})");
    EXPECT_EQ(huge.status, 413);
    EXPECT_NE(huge.body.find("image too large"), std::string::npos) << huge.body;
    auto path = request("POST", u, {env_->auth()}, R"({"file":"../hub.json","version":"1"})");
    EXPECT_EQ(path.status, 400);
    EXPECT_NE(path.body.find("file name"), std::string::npos) << path.body;
    auto type = request("POST", u, {env_->auth()},
                        R"({"file":"xx230v-1.2.0.bin","version":"1","file_type":"Firmware"})");
    EXPECT_EQ(type.status, 400);
    EXPECT_NE(type.body.find("file_type"), std::string::npos) << type.body;
    auto extra = request("POST", u, {env_->auth()}, R"({"file":"xx230v-1.2.0.bin","version":"1","sha":"x"})");
    EXPECT_EQ(extra.status, 400);
    EXPECT_NE(extra.body.find("unknown key 'sha'"), std::string::npos) << extra.body;

    auto up = request("POST", u, {env_->auth()}, good);
    ASSERT_EQ(up.status, 201) << up.body;
    auto v = parse(up.body);
    EXPECT_EQ(num(v.get(), {"length"}), 4096);
    EXPECT_FALSE(cJSON_IsTrue(at(v.get(), {"replaced"})));
    // GenieACS (the sim) holds it with the metadata from the headers (lib/nbi.ts PUT /files)
    auto files =
        parse(request("GET", env_->nbi_url + "/files/?query=%7B%22_id%22%3A%22xx230v-1.2.0.bin%22%7D").body);
    ASSERT_TRUE(cJSON_IsArray(files.get()) && files->child) << cpe::json::print(files.get());
    EXPECT_EQ(str(files->child, {"metadata", "fileType"}), "1 Firmware Upgrade Image");
    EXPECT_EQ(str(files->child, {"metadata", "oui"}), "1C61B4");
    EXPECT_EQ(str(files->child, {"metadata", "productClass"}), "Device2");
    EXPECT_EQ(str(files->child, {"metadata", "version"}), "1.2.0");
    EXPECT_EQ(num(files->child, {"length"}), 4096);

    // Again with another version: GenieACS replaces it (one file)
    auto again = request(
        "POST", u, {env_->auth()},
        R"({"file":"xx230v-1.2.0.bin","version":"1.2.0-b2","oui":"1C61B4","product_class":"Device2"})");
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_TRUE(cJSON_IsTrue(at(parse(again.body).get(), {"replaced"}))) << again.body;
    auto shown = request("GET", u + "/xx230v-1.2.0.bin", {env_->auth()});
    EXPECT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(str(parse(shown.body).get(), {"metadata", "version"}), "1.2.0-b2") << shown.body;
    EXPECT_EQ(request("GET", u + "/other.bin", {env_->auth()}).status, 404);
    EXPECT_EQ(request("GET", u + "/xx230v-1.2.0.bin", {}).status, 401);
}

namespace {
// Follows a hub task to its end through GET /devices/:id/tasks/:taskId (bounded); the statuses seen on the
// way.
Ptr follow_task(Env* env, const std::string& enc, const std::string& task_id, std::set<std::string>* seen) {
    for (int i = 0; i < 300; ++i) {
        auto r = request("GET", env->hub_url + "/devices/" + enc + "/tasks/" + task_id, {env->auth()});
        auto v = parse(r.body);
        std::string st = str(v.get(), {"status"});
        if (seen) seen->insert(st);
        if (st != "running" && st != "downloading") return v;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nullptr;
}
}  // namespace

namespace {
// Reads /sse?topics=device:<id> on a thread until `until` appears in the stream (or stop() / 60 s).
class SseCollector {
  public:
    SseCollector(Env* env, const std::string& id, std::string until) : until_(std::move(until)) {
        thread_ = std::thread([this, env, id] {
            CURL* c = curl_easy_init();
            char* topic = curl_easy_escape(c, ("device:" + id).c_str(), 0);
            std::string u = env->hub_url + "/sse?topics=" + topic;
            curl_free(topic);
            curl_slist* h = curl_slist_append(nullptr, env->auth().c_str());
            curl_easy_setopt(c, CURLOPT_URL, u.c_str());
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
            curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);  // a bound, not an expectation
            curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
            curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
            curl_easy_setopt(
                c, CURLOPT_WRITEFUNCTION, +[](char* d, size_t sz, size_t n, void* user) -> size_t {
                    auto* s = static_cast<SseCollector*>(user);
                    std::lock_guard<std::mutex> lock(s->m_);
                    s->text_.append(d, sz * n);
                    return s->stop_ || s->text_.find(s->until_) != std::string::npos ? 0 : sz * n;
                });
            curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(c, CURLOPT_XFERINFODATA, this);
            curl_easy_setopt(
                c, CURLOPT_XFERINFOFUNCTION,
                +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                    auto* s = static_cast<SseCollector*>(user);
                    std::lock_guard<std::mutex> lock(s->m_);
                    return s->stop_ ? 1 : 0;
                });
            curl_easy_perform(c);
            curl_slist_free_all(h);
            curl_easy_cleanup(c);
        });
    }
    ~SseCollector() { stop(); }
    // Waits (bounded) for the hub's "subscribed" line: events published from then on reach this reader.
    void wait_subscribed() {
        for (int i = 0; i < 100; ++i) {
            {
                std::lock_guard<std::mutex> lock(m_);
                if (text_.find("subscribed") != std::string::npos) return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    // Waits (bounded) for `until`, then stops the reader; the text read.
    std::string wait() {
        for (int i = 0; i < 100; ++i) {
            {
                std::lock_guard<std::mutex> lock(m_);
                if (text_.find(until_) != std::string::npos) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        stop();
        std::lock_guard<std::mutex> lock(m_);
        return text_;
    }
    void stop() {
        {
            std::lock_guard<std::mutex> lock(m_);
            stop_ = true;
        }
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::mutex m_;
    std::string text_, until_;
    bool stop_ = false;
    std::thread thread_;
};
}  // namespace

TEST_F(HubDevices, FirmwareDownloadIsFollowedToTransferComplete) {
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    const std::string enc = encode_id(id);
    std::ofstream(env_->dir / "firmware" / "fw-ok.bin", std::ios::binary) << std::string(2048, 'C');
    ASSERT_EQ(request("POST", env_->hub_url + "/firmware", {env_->auth()},
                      R"({"file":"fw-ok.bin","version":"9.9.9","oui":"1C61B4","product_class":"Device2"})")
                  .status,
              201);
    // The CPE answers the Download with Status 1 and reports TransferComplete 6 s later: the hub's answer (at
    // budget_ms + task_timeout_ms) finds it downloading.
    ASSERT_EQ(
        request("POST", env_->nbi_url + "/__sim/download", {}, R"({"id":")" + id + R"(","delay_ms":6000})")
            .status,
        200);
    SseCollector sse(env_, id, R"("status":"done")");
    sse.wait_subscribed();
    auto r = request("POST", env_->hub_url + "/devices/" + enc + "/firmware", {env_->auth()},
                     R"({"file":"fw-ok.bin"})");
    ASSERT_EQ(r.status, 202) << r.body;
    auto v = parse(r.body);
    EXPECT_EQ(str(v.get(), {"status"}), "downloading") << r.body;
    EXPECT_EQ(str(v.get(), {"task"}), "firmware");
    EXPECT_EQ(str(v.get(), {"file"}), "fw-ok.bin");
    // a second request while it runs is the same task
    auto dup = request("POST", env_->hub_url + "/devices/" + enc + "/firmware", {env_->auth()},
                       R"({"file":"fw-ok.bin"})");
    EXPECT_EQ(str(parse(dup.body).get(), {"task_id"}), str(v.get(), {"task_id"})) << dup.body;
    auto end = follow_task(env_, enc, str(v.get(), {"task_id"}), nullptr);
    ASSERT_TRUE(end) << "the download was never followed to its end";
    EXPECT_EQ(str(end.get(), {"status"}), "done") << cpe::json::print(end.get());
    // SSE (event task on device:<id>): the download's progress and its end
    std::string events = sse.wait();
    EXPECT_NE(events.find(R"("status":"downloading")"), std::string::npos) << events;
    EXPECT_NE(events.find(R"("status":"done")"), std::string::npos) << events;
    EXPECT_NE(events.find("event: task"), std::string::npos) << events;
    // The CPE informs its new version (sim: the file's metadata.version)
    auto doc = parse(request("GET", env_->nbi_url + "/devices/?query=" + std::string("%7B%22_id%22%3A%22") +
                                        id + "%22%7D&projection=Device.DeviceInfo.SoftwareVersion")
                         .body);
    ASSERT_TRUE(cJSON_IsArray(doc.get()) && doc->child);
    EXPECT_EQ(str(doc->child, {"Device", "DeviceInfo", "SoftwareVersion", "_value"}), "9.9.9");
}

TEST_F(HubDevices, FirmwareDownloadFaultedByTransferCompleteAndBadRequests) {
    const std::string id = str(env_->tr069_dev, {"genieacs_id"});
    const std::string enc = encode_id(id);
    const std::string url = env_->hub_url + "/devices/" + enc + "/firmware";
    std::ofstream(env_->dir / "firmware" / "fw-bad.bin", std::ios::binary) << std::string(1024, 'D');
    std::ofstream(env_->dir / "firmware" / "other.bin", std::ios::binary) << std::string(1024, 'E');
    ASSERT_EQ(request("POST", env_->hub_url + "/firmware", {env_->auth()},
                      R"({"file":"fw-bad.bin","version":"2.0","oui":"1C61B4","product_class":"Device2"})")
                  .status,
              201);
    ASSERT_EQ(request("POST", env_->hub_url + "/firmware", {env_->auth()},
                      R"({"file":"other.bin","version":"2.0","product_class":"OtherBox"})")
                  .status,
              201);

    EXPECT_EQ(request("POST", url, {}, R"({"file":"fw-bad.bin"})").status, 401);
    auto unknown = request("POST", url, {env_->auth()}, R"({"file":"never-uploaded.bin"})");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("unknown file 'never-uploaded.bin'"), std::string::npos) << unknown.body;
    auto missing = request("POST", url, {env_->auth()}, R"({})");
    EXPECT_EQ(missing.status, 400);
    EXPECT_NE(missing.body.find("'file' is missing"), std::string::npos) << missing.body;
    auto wrong = request("POST", url, {env_->auth()}, R"({"file":"other.bin"})");
    EXPECT_EQ(wrong.status, 409);
    EXPECT_NE(wrong.body.find("OtherBox"), std::string::npos) << wrong.body;
    auto nodev = request("POST", env_->hub_url + "/devices/NO-SUCH-DEVICE/firmware", {env_->auth()},
                         R"({"file":"fw-bad.bin"})");
    EXPECT_EQ(nodev.status, 404) << nodev.body;

    // TransferComplete with FaultStruct 9010: the task ends faulted with the CPE's fault
    ASSERT_EQ(request("POST", env_->nbi_url + "/__sim/download", {},
                      R"({"id":")" + id + R"(","delay_ms":200,"code":"9010","message":"Download failure"})")
                  .status,
              200);
    auto r = request("POST", url, {env_->auth()}, R"({"file":"fw-bad.bin"})");
    ASSERT_TRUE(r.status == 202 || r.status == 502) << r.status << " " << r.body;
    auto v = parse(r.body);
    auto end = follow_task(env_, enc, str(v.get(), {"task_id"}), nullptr);
    ASSERT_TRUE(end) << "the download was never followed to its end";
    EXPECT_EQ(str(end.get(), {"status"}), "faulted") << cpe::json::print(end.get());
    EXPECT_EQ(str(end.get(), {"fault", "code"}), "cwmp.9010");
    EXPECT_EQ(str(end.get(), {"fault", "message"}), "Download failure");
    request("POST", env_->nbi_url + "/__sim/download", {}, R"({"id":")" + id + R"("})");
}
