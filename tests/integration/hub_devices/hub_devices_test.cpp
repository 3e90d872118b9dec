// The device API end to end: the real cpe-hub process, the real cpe-agent (XX230v fixture board, its serial changed to a
// fleet device's so every source knows it), the GenieACS NBI and ERPNext simulators (tests/sim/) started from one
// generated fleet file. Expectations come from the fleet file and from `cpe-agent get` on the same rootfs.
// Every wait is bounded (a missing READY line fails the test instead of hanging it); no test asserts a time.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"

extern char** environ;
namespace fs = std::filesystem;
using cpe::json::Ptr;

namespace {

const std::string kToken = "itest-service-token-0123456789";

struct Proc {
    pid_t pid = -1;
    std::string out;  // file with stdout+stderr
};

Proc spawn(const std::vector<std::string>& argv, const std::string& out, const std::vector<std::string>& env_extra = {},
           const std::string& cwd = "") {
    Proc p;
    p.out = out;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    for (const auto& e : env_extra) env.push_back(e);
    std::vector<char*> a, en;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    for (const auto& s : env) en.push_back(const_cast<char*>(s.c_str()));
    en.push_back(nullptr);
    if (posix_spawn(&p.pid, a[0], &fa, nullptr, a.data(), en.data()) != 0) p.pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return p;
}

void stop(Proc& p) {
    if (p.pid <= 0) return;
    kill(p.pid, SIGTERM);
    for (int i = 0; i < 50; ++i) {
        if (waitpid(p.pid, nullptr, WNOHANG) == p.pid) {
            p.pid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(p.pid, SIGKILL);
    waitpid(p.pid, nullptr, 0);
    p.pid = -1;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Waits (bounded) until `needle` appears in the process output; returns the text after it up to the line end.
std::string wait_for(const Proc& p, const std::string& needle, int seconds = 30) {
    for (int i = 0; i < seconds * 10; ++i) {
        std::string s = slurp(p.out);
        size_t at = s.find(needle);
        if (at != std::string::npos) {
            size_t end = s.find('\n', at);
            if (end != std::string::npos) return s.substr(at + needle.size(), end - at - needle.size());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "";
}

struct Http {
    long status = 0;
    std::string body;
};

size_t collect(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

Http request(const std::string& method, const std::string& url, const std::vector<std::string>& headers = {},
             const std::string& body = "", const std::string& source_ip = "") {
    Http r;
    CURL* c = curl_easy_init();
    curl_slist* h = nullptr;
    for (const auto& x : headers) h = curl_slist_append(h, x.c_str());
    if (!body.empty() || method == "POST") h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (!source_ip.empty()) curl_easy_setopt(c, CURLOPT_INTERFACE, source_ip.c_str());
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

Ptr parse(const std::string& s) {
    auto r = cpe::json::parse(s, "answer");
    return r ? std::move(r).value() : Ptr(cJSON_CreateNull());
}
const cJSON* at(const cJSON* o, std::initializer_list<const char*> keys) {
    for (const char* k : keys) o = o ? cJSON_GetObjectItemCaseSensitive(o, k) : nullptr;
    return o;
}
std::string str(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsString(v) ? v->valuestring : "<absent>";
}

// Everything started once per test process (ctest runs each test in its own process).
struct Env {
    fs::path dir;
    Proc nbi, erp, hub, agent;
    std::string hub_url, nbi_url, erp_url;
    Ptr fleet;
    const cJSON* agent_dev = nullptr;   // the fleet device the agent plays
    const cJSON* tr069_dev = nullptr;   // an XX230v without agent, TR-069 serial = serial
    const cJSON* factory_dev = nullptr; // an XX230v whose TR-069 serial is a factory one (GPON fallback)
    std::string endpoint_id;
    bool ready = false;
    std::string why;

    std::string auth() const { return "Authorization: Bearer " + kToken; }

    void start() {
        char tmpl[] = "/tmp/hub_devices_test_XXXXXX";
        if (!mkdtemp(tmpl)) return void(why = "mkdtemp failed");
        dir = tmpl;
        const std::string src = CPE_SOURCE_DIR;
        std::string fleet_path = (dir / "fleet.json").string();
        Proc gen = spawn({CPE_PYTHON3, src + "/tests/sim/fleet/make_fleet.py", "--count", "40", "--seed", "12", "--out", fleet_path},
                         (dir / "gen.log").string());
        int st = 0;
        waitpid(gen.pid, &st, 0);
        fleet = parse(slurp(fleet_path));
        const cJSON* devices = at(fleet.get(), {"devices"});
        if (!cJSON_IsArray(devices)) return void(why = "no fleet: " + slurp((dir / "gen.log").string()));
        for (const cJSON* d = devices->child; d; d = d->next) {
            bool agent = cJSON_IsTrue(at(d, {"agent"}));
            bool xx = str(d, {"model"}) == "XX230v";
            bool same = str(d, {"serial"}) == str(d, {"tr069_serial"});
            if (agent && xx && same && !agent_dev) agent_dev = d;
            else if (!agent && xx && same && !tr069_dev) tr069_dev = d;
            else if (xx && !same && !factory_dev) factory_dev = d;
        }
        if (!agent_dev || !tr069_dev || !factory_dev) return void(why = "fleet lacks the device kinds the tests need");

        nbi = spawn({CPE_PYTHON3, src + "/tests/sim/genieacs/nbi_sim.py", "--fleet", fleet_path, "--port", "0"},
                    (dir / "nbi.log").string());
        erp = spawn({CPE_PYTHON3, src + "/tests/sim/erpnext/frappe_sim.py", "--fleet", fleet_path, "--api-key", "k",
                     "--api-secret", "s", "--port", "0"},
                    (dir / "erp.log").string());
        std::string nbi_port = wait_for(nbi, "READY ");
        std::string erp_port = wait_for(erp, "READY ");
        if (nbi_port.empty() || erp_port.empty()) return void(why = "simulators did not start: " + slurp(nbi.out) + slurp(erp.out));
        nbi_url = "http://127.0.0.1:" + nbi_port;
        erp_url = "http://127.0.0.1:" + erp_port;

        std::ofstream(dir / "hub.json") << R"({"log":{"level":"info"},"http":{"bind":"127.0.0.1","port":0},
            "usp":{"enabled":true,"bind":"127.0.0.1","port":0,"request_timeout_ms":5000},"store":{"path":"hub.db"}})";
        std::ofstream(dir / "devices.json") << R"({"genieacs":{"url":")" << nbi_url
                                            << R"(","budget_ms":1500},"erpnext":{"url":")" << erp_url
                                            << R"(","budget_ms":1500},"access":{"trusted_proxies":["127.0.0.1"]},
            "agent_budget_ms":3000,"lookup_budget_ms":3500,"poller":{"interval_s":1,"stale_after_s":60,"jitter_ms":200},
            "breaker":{"failures":50,"open_s":1}})";
        hub = spawn({CPE_HUB, "--config", (dir / "hub.json").string()}, (dir / "hub.log").string(),
                    {"HUB_DEVICES_CONFIG=" + (dir / "devices.json").string(), "HUB_SERVICE_TOKEN=" + kToken,
                     "ERP_SERVICE_TOKEN=k:s"},
                    dir.string());
        std::string http_port = wait_for(hub, "HTTP API on 127.0.0.1:");
        std::string usp_port = wait_for(hub, "USP WebSocket server on 127.0.0.1:");
        if (http_port.empty() || usp_port.empty()) return void(why = "hub did not start: " + slurp(hub.out));
        usp_port = usp_port.substr(0, usp_port.find_first_not_of("0123456789"));
        hub_url = "http://127.0.0.1:" + http_port;

        // The agent: the fixture rootfs with the fleet device's serial.
        fs::copy(src + "/boards/tplink-xx230v/fixtures/rootfs", dir / "rootfs", fs::copy_options::recursive);
        std::ofstream(dir / "rootfs" / "etc" / "serial_number", std::ios::trunc) << str(agent_dev, {"serial"}) << "\n";
        std::ofstream(dir / "agent.json") << R"({"controller":{"url":"ws://127.0.0.1:)" << usp_port
                                          << R"(/usp","endpoint_id":"self::cpe-hub"},"periodic_interval_s":60})";
        agent = spawn({CPE_AGENT, "--board", src + "/boards/tplink-xx230v", "--root", (dir / "rootfs").string(), "run",
                       "--config", (dir / "agent.json").string()},
                      (dir / "agent.log").string());
        for (int i = 0; i < 200 && endpoint_id.empty(); ++i) {
            auto r = request("GET", hub_url + "/usp/endpoints?online=true", {auth()});
            auto j = parse(r.body);
            const cJSON* eps = at(j.get(), {"endpoints"});
            if (cJSON_IsArray(eps) && eps->child && !str(eps->child, {"model"}).empty() && str(eps->child, {"model"}) != "<absent>")
                endpoint_id = str(eps->child, {"endpoint_id"});
            else std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (endpoint_id.empty()) return void(why = "agent never came online: " + slurp(agent.out) + slurp(hub.out));
        ready = true;
    }

    void sim_fault(const std::string& base, const std::string& body) {
        request("POST", base + "/__sim/fault", {}, body);
    }

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
    static Ptr lookup(const std::string& serial, long* status = nullptr) {
        auto r = request("GET", env_->hub_url + "/devices/lookup?serial=" + serial, {env_->auth()});
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
                      (env_->dir / "rootfs").string(), "get", "Device.WiFi.MultiAP.APDevice."},
                     out);
    waitpid(cli.pid, nullptr, 0);
    std::map<std::string, std::string> node_name, node_of;  // "Device.WiFi.MultiAP.APDevice.N" → name; MAC → name
    std::istringstream lines(slurp(out));
    std::vector<std::pair<std::string, std::string>> macs;
    for (std::string line; std::getline(lines, line);) {
        size_t eq = line.find(" = ");
        if (eq == std::string::npos) continue;
        std::string path = line.substr(0, eq), value = line.substr(eq + 3);
        if (path.size() > 11 && path.compare(path.size() - 11, 11, ".X_CPE_Name") == 0) node_name[path.substr(0, path.size() - 11)] = value;
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

    auto r = request("GET", env_->hub_url + "/devices/" + env_->endpoint_id + "/hosts?refresh", {env_->auth()});
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
        EXPECT_EQ(cJSON_IsNumber(at(v.get(), {"opticalStatus", "rxDbm"})), lit) << cpe::json::print(at(v.get(), {"opticalStatus"}));
        std::string enc;
        for (char c : id) {
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') enc += c;
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
    auto v = lookup(str(env_->agent_dev, {"serial"}), &status);
    env_->sim_fault(env_->nbi_url, "{}");
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "failed");
    EXPECT_NE(str(v.get(), {"sources", "genieacs", "error"}), "<absent>");
    EXPECT_EQ(str(v.get(), {"sources", "agent", "state"}), "fresh");
    EXPECT_EQ(str(v.get(), {"serial"}), str(env_->agent_dev, {"serial"}));

    // A TR-069-only device cannot be found while GenieACS is that slow: 503 naming GenieACS, not a hang.
    env_->sim_fault(env_->nbi_url, R"({"delay_ms":8000,"count":-1})");
    auto t = lookup(str(env_->tr069_dev, {"serial"}), &status);
    env_->sim_fault(env_->nbi_url, "{}");
    EXPECT_EQ(status, 503) << cpe::json::print(t.get());
    EXPECT_NE(str(t.get(), {"error"}).find("GenieACS"), std::string::npos);
}

TEST_F(HubDevices, ErpNextServerErrorAndMalformedJson) {
    env_->sim_fault(env_->erp_url, R"({"status":503,"count":-1})");
    long status = 0;
    auto v = lookup(str(env_->tr069_dev, {"serial"}), &status);
    ASSERT_EQ(status, 200) << cpe::json::print(v.get());
    EXPECT_EQ(str(v.get(), {"sources", "erpnext", "state"}), "failed");
    EXPECT_NE(str(v.get(), {"sources", "erpnext", "error"}).find("503"), std::string::npos);
    EXPECT_TRUE(cJSON_IsNull(at(v.get(), {"customer"})));
    EXPECT_EQ(str(v.get(), {"sources", "genieacs", "state"}), "fresh");  // the rest still answers

    env_->sim_fault(env_->erp_url, R"({"malformed":true,"count":-1})");
    v = lookup(str(env_->tr069_dev, {"serial"}), &status);
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
        {"GET", "/devices/lookup?serial=" + serial}, {"GET", "/devices/summary"},
        {"GET", "/devices/" + env_->endpoint_id + "/hosts"}, {"POST", "/devices/" + env_->endpoint_id + "/tasks"},
        {"GET", "/usp/endpoints"}, {"GET", "/devices/" + env_->endpoint_id + "/hosts?refresh"}};
    for (const auto& [m, p] : calls) {
        auto none = request(m, u + p, {}, m == "POST" ? R"({"task":"refresh"})" : "");
        EXPECT_EQ(none.status, 401) << m << " " << p;
        EXPECT_EQ(none.body.find(serial), std::string::npos) << none.body;
        EXPECT_NE(none.body.find("\"error\""), std::string::npos);
        auto bad = request(m, u + p, {"Authorization: Bearer wrong-token-0123456789"}, m == "POST" ? R"({"task":"refresh"})" : "");
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
    auto h = parse(request("GET", env_->hub_url + "/health/devices").body);
    EXPECT_TRUE(at(h.get(), {"poll", "last"})) << cpe::json::print(h.get());
}

TEST_F(HubDevices, Tasks) {
    const std::string u = env_->hub_url;
    auto refresh = request("POST", u + "/devices/" + env_->endpoint_id + "/tasks", {env_->auth()}, R"({"task":"refresh"})");
    EXPECT_EQ(refresh.status, 200) << refresh.body;
    EXPECT_NE(refresh.body.find("\"done\""), std::string::npos);
    auto bad = request("POST", u + "/devices/" + env_->endpoint_id + "/tasks", {env_->auth()}, R"({"task":"format-disk"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("task"), std::string::npos);
    // TR-069 device: a validated GenieACS task (the sim answers done or queued, never a crash).
    auto lookup_t = lookup(str(env_->tr069_dev, {"serial"}));
    std::string id = str(lookup_t.get(), {"id"});
    std::string enc;
    for (char c : id) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') enc += c;
        else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", static_cast<unsigned char>(c));
            enc += b;
        }
    }
    auto reboot = request("POST", u + "/devices/" + enc + "/tasks", {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_TRUE(reboot.status == 200 || reboot.status == 202) << reboot.status << " " << reboot.body;
    auto unknown = request("POST", u + "/devices/NO-SUCH-DEVICE/tasks", {env_->auth()}, R"({"task":"reboot"})");
    EXPECT_EQ(unknown.status, 404) << unknown.body;
}

}  // namespace
