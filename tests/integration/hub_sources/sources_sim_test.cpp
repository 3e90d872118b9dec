// GenieAcsClient and ErpNextClient end to end: the simulators as processes on free loopback ports, real curl
// through HttpClient, a fleet generated at test time. No assertion on times: a slow source is checked by
// order (the call ends, failed, long before the simulator would answer).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "kit/kit.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/erpnext_client.hpp"
#include "sources/genieacs_client.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {
namespace {

const std::string kSimDir = HUB_SOURCES_SIM_DIR;

// Runs a helper (the fleet generator) to its end through the kit; its status.
int run_command(const std::vector<std::string>& args) {
    std::string output;
    return testkit::capture(args, output);
}

using Sim = testkit::SimProcess;

// The fleet and both simulators, shared by all tests of the suite (started once).
struct World {
    std::string dir;
    std::string fleet_path;
    json::Ptr fleet;
    std::string key, secret;
    std::unique_ptr<Sim> nbi, frappe;
};
World* g_world = nullptr;

std::string random_hex(size_t n) {
    std::random_device rd;
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rd() % 16];
    return s;
}

class SourcesEnv : public ::testing::Environment {
  public:
    void SetUp() override {
        g_world = new World;
        char tmpl[] = "/tmp/hub-sources-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        g_world->dir = tmpl;
        g_world->fleet_path = g_world->dir + "/fleet.json";
        ASSERT_EQ(run_command({HUB_SOURCES_PYTHON, kSimDir + "/fleet/make_fleet.py", "--count", "60",
                               "--seed", "7", "--out", g_world->fleet_path}),
                  0);
        auto f = json::parse_file(g_world->fleet_path, 8 << 20);
        ASSERT_TRUE(f) << f.error().message;
        g_world->fleet = std::move(*f);
        g_world->key = "test-key-" + random_hex(8);  // made at test time
        g_world->secret = random_hex(24);
        g_world->nbi = Sim::start(
            {HUB_SOURCES_PYTHON, kSimDir + "/genieacs/nbi_sim.py", "--fleet", g_world->fleet_path});
        ASSERT_TRUE(g_world->nbi) << "nbi_sim did not start";
        g_world->frappe =
            Sim::start({HUB_SOURCES_PYTHON, kSimDir + "/erpnext/frappe_sim.py", "--fleet",
                        g_world->fleet_path, "--api-key", g_world->key, "--api-secret", g_world->secret});
        ASSERT_TRUE(g_world->frappe) << "frappe_sim did not start";
    }
    void TearDown() override {
        if (!g_world) return;
        std::string dir = g_world->dir;
        delete g_world;
        g_world = nullptr;
        std::remove((dir + "/fleet.json").c_str());
        rmdir(dir.c_str());
    }
};
const auto* g_env = ::testing::AddGlobalTestEnvironment(new SourcesEnv);

// A device of the fleet matching `pred`.
template <typename Pred>
const cJSON* fleet_device(Pred pred) {
    const cJSON* devs = cJSON_GetObjectItemCaseSensitive(g_world->fleet.get(), "devices");
    for (const cJSON* d = devs ? devs->child : nullptr; d; d = d->next)
        if (pred(d)) return d;
    return nullptr;
}
std::string str(const cJSON* d, const char* k) {
    return json::opt_string(d, k).value_or("");
}
bool flag(const cJSON* d, const char* k) {
    return json::opt_bool(d, k).value_or(false);
}
size_t fleet_count(const char* table, const char* field = nullptr, const char* value = nullptr) {
    size_t n = 0;
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(g_world->fleet.get(), table);
    for (const cJSON* d = t ? t->child : nullptr; d; d = d->next)
        if (!field || str(d, field) == value) ++n;
    return n;
}

class SourcesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(g_world, nullptr);
        auto l = net::EventLoop::create();
        ASSERT_TRUE(l) << l.error().message;
        loop = std::move(*l);
        net::HttpClientOptions ho;
        ho.proxy = "";
        http = std::make_unique<net::HttpClient>(*loop, ho);
        control(g_world->nbi->url() + "/__sim/reset", "{}");
        control(g_world->frappe->url() + "/__sim/reset", "{}");
    }
    void TearDown() override {
        genie.reset();
        erp.reset();
        http.reset();
        loop.reset();
    }

    GenieAcsClient& make_genie(GenieAcsOptions o = {}) {
        o.base_url = g_world->nbi->url();
        if (!o.clock) o.clock = [this] { return now_ms; };
        genie = std::make_unique<GenieAcsClient>(*loop, *http, o);
        return *genie;
    }
    ErpNextClient& make_erp(ErpNextOptions o = {}) {
        o.base_url = g_world->frappe->url();
        if (o.credentials.api_key.empty()) o.credentials = {g_world->key, g_world->secret};
        if (!o.clock) o.clock = [this] { return now_ms; };
        erp = std::make_unique<ErpNextClient>(*loop, *http, o);
        return *erp;
    }

    // Runs the loop until `done` is set; a 60 s bound stops a hung test (then `done` stays false).
    void run_until(bool& done) {
        auto bound = loop->add_timer(60000, [this] { loop->stop(); });
        while (!done && !bound_hit) {
            loop->post([] {});
            loop->run();
            if (!done && !bound.pending()) bound_hit = true;
        }
        bound.cancel();
        ASSERT_TRUE(done) << "the call never completed";
    }
    template <typename T, typename Start>
    Fetched<T> wait(Start start) {
        std::optional<Fetched<T>> out;
        bool done = false;
        start([&](Fetched<T> f) {
            out = std::move(f);
            done = true;
            loop->stop();
        });
        run_until(done);
        return out ? std::move(*out) : Fetched<T>{};
    }

    // Plain HTTP with curl through HttpClient (control endpoints, raw requests).
    net::HttpResponse raw(net::HttpRequest r) {
        std::optional<Result<net::HttpResponse>> res;
        bool done = false;
        http->request(std::move(r), [&](Result<net::HttpResponse> x) {
            res = std::move(x);
            done = true;
            loop->stop();
        });
        run_until(done);
        if (!res || !*res) return {};
        return std::move(**res);
    }
    void control(const std::string& url, const std::string& body) {
        net::HttpRequest r;
        r.method = "POST";
        r.url = url;
        r.body = body;
        EXPECT_EQ(raw(std::move(r)).status, 200) << url;
    }
    int64_t stat(Sim& sim, const char* key) {
        net::HttpRequest r;
        r.url = sim.url() + "/__sim/stats";
        auto doc = json::parse(raw(std::move(r)).body, "stats");
        return doc ? json::opt_int(doc->get(), key).value_or(-1) : -1;
    }

    std::unique_ptr<net::EventLoop> loop;
    std::unique_ptr<net::HttpClient> http;
    std::unique_ptr<GenieAcsClient> genie;
    std::unique_ptr<ErpNextClient> erp;
    int64_t now_ms = 1000000;
    bool bound_hit = false;
};

const std::string kRx = "Device.Optical.Interface.1.X_TP_GPON_Config.RXPower";
const std::string kSn = "Device.Optical.Interface.1.GponAuth.GponSn";

// ----------------------------------------------------------------------------------------------------------
// GenieACS

TEST_F(SourcesTest, GenieFindsByExactSerialWithProjection) {
    const cJSON* d = fleet_device([](const cJSON* x) {
        return str(x, "model") == "XX230v" && str(x, "serial") == str(x, "tr069_serial") && flag(x, "online");
    });
    ASSERT_NE(d, nullptr);
    auto& g = make_genie();
    auto f = wait<DeviceLookup>([&](auto cb) {
        g.find_by_serial(str(d, "serial"), {kRx, "Device.Hosts"}, cb);
    });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.provenance.source, "genieacs");
    EXPECT_EQ(f.provenance.freshness, Freshness::ok);
    EXPECT_EQ(f.value.method, LookupMethod::serial);
    ASSERT_EQ(f.value.devices.size(), 1u);
    const auto& dev = f.value.devices[0];
    EXPECT_EQ(dev.id, str(d, "genieacs_id"));
    EXPECT_EQ(dev.product_class, "Device2");
    EXPECT_EQ(dev.value(kRx), std::to_string(json::opt_int(d, "rx_power").value_or(-1)));
    EXPECT_EQ(dev.find(kSn), nullptr) << "not projected";
    EXPECT_NE(dev.find("Device.Hosts.HostNumberOfEntries"), nullptr);
    EXPECT_FALSE(dev.last_inform.empty());
}

TEST_F(SourcesTest, GenieFallsBackToGponSuffix) {
    const cJSON* d = fleet_device([](const cJSON* x) {
        return str(x, "model") == "XX230v" && str(x, "serial") != str(x, "tr069_serial");
    });
    ASSERT_NE(d, nullptr) << "the fleet has XX230v units reporting a factory serial";
    auto& g = make_genie();
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial(str(d, "serial"), {kSn}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.method, LookupMethod::gpon_suffix);
    ASSERT_EQ(f.value.devices.size(), 1u);
    EXPECT_EQ(f.value.devices[0].id, str(d, "genieacs_id"));
    EXPECT_EQ(f.value.devices[0].value(kSn), str(d, "gpon_serial"));
}

TEST_F(SourcesTest, GenieFallsBackToIdContains) {
    const cJSON* d = fleet_device([](const cJSON* x) {
        return str(x, "model") == "XX230v" && str(x, "serial") != str(x, "tr069_serial");
    });
    ASSERT_NE(d, nullptr);
    std::string partial = str(d, "tr069_serial").substr(3);  // a partial factory serial
    auto& g = make_genie();
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial(partial, {}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.method, LookupMethod::id_contains);
    ASSERT_GE(f.value.devices.size(), 1u);
    EXPECT_EQ(f.value.devices[0].id, str(d, "genieacs_id"));
}

TEST_F(SourcesTest, GenieNotFoundAndBadSerial) {
    auto& g = make_genie();
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("ZZZZ-not-a-serial", {}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.method, LookupMethod::none);
    EXPECT_TRUE(f.value.devices.empty());

    int64_t before = stat(*g_world->nbi, "device_queries");
    auto bad = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG\"}", {}, cb); });
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.provenance.errc, Errc::invalid_argument);
    EXPECT_NE(bad.provenance.error.find("byte 4"), std::string::npos) << bad.provenance.error;
    EXPECT_EQ(stat(*g_world->nbi, "device_queries"), before) << "refused before sending";
}

TEST_F(SourcesTest, GenieTaskOnEscapedIdAndDoubleEncodedId) {
    const cJSON* d =
        fleet_device([](const cJSON* x) { return str(x, "model") == "HT803G" && flag(x, "online"); });
    ASSERT_NE(d, nullptr);
    std::string id = str(d, "genieacs_id");
    ASSERT_NE(id.find("%2D"), std::string::npos) << id;
    auto& g = make_genie();
    auto task = Task::get_parameter_values(
        {"InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower"});
    ASSERT_TRUE(task) << task.error().message;
    auto ok = wait<TaskResult>([&](auto cb) { g.post_task(id, *task, {}, cb); });
    ASSERT_TRUE(ok.ok()) << ok.provenance.error;
    EXPECT_EQ(ok.value.outcome, TaskOutcome::done);
    EXPECT_FALSE(ok.value.task_id.empty());

    // The id of an XX230v, already URL-encoded by mistake: the NBI decodes once and finds no such device.
    const cJSON* x = fleet_device([](const cJSON* y) { return str(y, "model") == "XX230v"; });
    std::string plain = str(x, "genieacs_id");
    std::string encoded = "1C61B4%2D" + plain.substr(7);
    auto nf = wait<TaskResult>([&](auto cb) { g.post_task(encoded, *Task::reboot(), {}, cb); });
    ASSERT_TRUE(nf.ok()) << nf.provenance.error;
    EXPECT_EQ(nf.value.outcome, TaskOutcome::no_such_device);

    auto dev = wait<std::optional<GenieDevice>>([&](auto cb) { g.get_device(id, {}, cb); });
    ASSERT_TRUE(dev.ok());
    ASSERT_TRUE(dev.value.has_value());
    EXPECT_EQ(dev.value->id, id);
}

TEST_F(SourcesTest, GenieBadTaskRefusedBeforeSending) {
    auto t1 = Task::get_parameter_values({"Device.Hosts.Host."});
    ASSERT_FALSE(t1);
    EXPECT_NE(t1.error().message.find("Device.Hosts.Host."), std::string::npos);
    auto t2 = Task::from_json(R"({"name":"getParameterValues"})");
    ASSERT_FALSE(t2);
    auto t3 = Task::from_json(R"({"name":"setParameterValues","parameterValues":["Device.X"]})");
    ASSERT_FALSE(t3);
    EXPECT_EQ(stat(*g_world->nbi, "tasks_posted"), 0);
    EXPECT_EQ(stat(*g_world->nbi, "invalid_tasks"), 0);
}

TEST_F(SourcesTest, GenieTask202Outcomes) {
    const cJSON* on =
        fleet_device([](const cJSON* x) { return str(x, "model") == "XX230v" && flag(x, "online"); });
    const cJSON* off = fleet_device([](const cJSON* x) { return !flag(x, "online"); });
    ASSERT_NE(on, nullptr);
    ASSERT_NE(off, nullptr);
    auto& g = make_genie();
    // A name the device does not have: the session faults it (202 "Task faulted").
    auto faulted = wait<TaskResult>([&](auto cb) {
        g.post_task(str(on, "genieacs_id"), *Task::get_parameter_values({"Device.NoSuchObject.Leaf"}), {},
                    cb);
    });
    ASSERT_TRUE(faulted.ok()) << faulted.provenance.error;
    EXPECT_EQ(faulted.value.outcome, TaskOutcome::faulted);
    EXPECT_NE(faulted.value.fault.find("Device.NoSuchObject.Leaf"), std::string::npos) << faulted.value.fault;

    auto offline =
        wait<TaskResult>([&](auto cb) { g.post_task(str(off, "genieacs_id"), *Task::reboot(), {}, cb); });
    ASSERT_TRUE(offline.ok()) << offline.provenance.error;
    EXPECT_EQ(offline.value.outcome, TaskOutcome::offline);  // from the reason phrase "Device is offline"
    EXPECT_EQ(offline.value.reason, "Device is offline");
    EXPECT_FALSE(offline.value.task_id.empty());

    auto queued = wait<TaskResult>([&](auto cb) {
        g.post_task(str(on, "genieacs_id"), *Task::refresh_object("Device.Hosts"),
                    {.connection_request = false}, cb);
    });
    ASSERT_TRUE(queued.ok());
    EXPECT_EQ(queued.value.outcome, TaskOutcome::queued);
    EXPECT_EQ(queued.value.reason, "Accepted");  // lib/nbi.ts: a plain 202 without connection_request
    auto del = wait<bool>([&](auto cb) { g.delete_task(queued.value.task_id, cb); });
    ASSERT_TRUE(del.ok()) << del.provenance.error;
    EXPECT_TRUE(del.value);
    auto again = wait<bool>([&](auto cb) { g.delete_task(queued.value.task_id, cb); });
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again.value);
}

// ---- issue 11: serials in any case, a budget per lookup step, task outcomes and clean-up ----

TEST_F(SourcesTest, GenieSerialMatchesInAnyCaseAndLaterStepsAreSkipped) {
    const cJSON* d = fleet_device([](const cJSON* x) {
        return str(x, "model") == "XX230v" && str(x, "serial") != str(x, "tr069_serial");
    });
    ASSERT_NE(d, nullptr);
    std::string lower = str(d, "tr069_serial");  // the factory serial, e.g. 22275A7000395
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_NE(lower, str(d, "tr069_serial")) << "the serial has letters";
    auto& g = make_genie();
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial(lower, {}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.method, LookupMethod::serial);
    ASSERT_EQ(f.value.devices.size(), 1u);
    EXPECT_EQ(f.value.devices[0].id, str(d, "genieacs_id"));
    ASSERT_EQ(f.value.steps.size(), 3u);
    EXPECT_EQ(f.value.steps[0], "serial: found");
    EXPECT_EQ(f.value.steps[1], "gpon_suffix: skipped (found by serial)");
    EXPECT_EQ(f.value.steps[2], "id_contains: skipped (found by serial)");
}

TEST_F(SourcesTest, GenieSlowLookupStepFailsAloneWithinItsOwnBudget) {
    // The exact-serial step hangs; the GPON-suffix step (its own budget) still finds the device. One shared
    // budget would have been spent by the first step.
    const cJSON* d = fleet_device([](const cJSON* x) {
        return str(x, "model") == "XX230v" && str(x, "serial") != str(x, "tr069_serial");
    });
    ASSERT_NE(d, nullptr);
    control(g_world->nbi->url() + "/__sim/fault", R"({"delay_ms": 30000, "count": 1, "paths": "/devices"})");
    GenieAcsOptions o;
    o.query_budget_ms = 20000;
    o.step_budget_ms = 500;
    auto& g = make_genie(o);
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial(str(d, "serial"), {kSn}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.method, LookupMethod::gpon_suffix);
    ASSERT_EQ(f.value.devices.size(), 1u);
    EXPECT_EQ(f.value.devices[0].id, str(d, "genieacs_id"));
    ASSERT_GE(f.value.steps.size(), 2u);
    EXPECT_EQ(f.value.steps[0].rfind("serial: failed", 0), 0u) << f.value.steps[0];
    EXPECT_EQ(f.value.steps[1], "gpon_suffix: found");
}

class GenieTaskTest : public SourcesTest {
  protected:
    // GET /tasks or /faults of the NBI for one device (its own query: {"device": id}).
    size_t pending(const char* coll, const std::string& id) {
        auto q = json::make_object();
        json::add_string(q.get(), "device", id);
        net::HttpRequest r;
        r.url = g_world->nbi->url() + "/" + coll + "/?query=" + url_component(json::print(q.get()));
        auto doc = json::parse(raw(std::move(r)).body, coll);
        return doc && cJSON_IsArray(doc->get()) ? static_cast<size_t>(cJSON_GetArraySize(doc->get())) : 999;
    }
};

TEST_F(GenieTaskTest, AFaultedTaskGivesTheFaultsCodeAndMessageAndIsCleanedUp) {
    const cJSON* on =
        fleet_device([](const cJSON* x) { return str(x, "model") == "XX230v" && flag(x, "online"); });
    ASSERT_NE(on, nullptr);
    std::string id = str(on, "genieacs_id");
    control(g_world->nbi->url() + "/__sim/session_fault",
            R"({"id":")" + id + R"(","code":"cwmp.9002","message":"Internal error"})");
    auto& g = make_genie();
    auto f =
        wait<TaskResult>([&](auto cb) { g.post_task(id, *Task::refresh_object("Device.Hosts"), {}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.outcome, TaskOutcome::faulted);
    EXPECT_EQ(f.value.fault_code, "cwmp.9002");
    EXPECT_EQ(f.value.fault_message, "Internal error");
    EXPECT_TRUE(f.value.removed);
    EXPECT_EQ(f.value.cleanup_error, "");
    EXPECT_EQ(pending("tasks", id), 0u) << "the faulted task stayed in GenieACS";
    EXPECT_EQ(pending("faults", id), 0u) << "its fault stayed in GenieACS";
}

TEST_F(GenieTaskTest, AnOfflineRebootIsNotLeftQueued) {
    const cJSON* off = fleet_device([](const cJSON* x) { return !flag(x, "online"); });
    ASSERT_NE(off, nullptr);
    std::string id = str(off, "genieacs_id");
    auto& g = make_genie();
    auto f = wait<TaskResult>(
        [&](auto cb) { g.post_task(id, *Task::reboot()->with_expiry(600), {.keep_queued = false}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.outcome, TaskOutcome::offline);
    EXPECT_EQ(f.value.reason, "Device is offline");
    EXPECT_TRUE(f.value.removed);
    EXPECT_EQ(pending("tasks", id), 0u);
    // The device comes back: no reboot runs.
    control(g_world->nbi->url() + "/__sim/online", R"({"id":")" + id + R"(","online":true})");
    EXPECT_EQ(stat(*g_world->nbi, "reboots"), 0);
    control(g_world->nbi->url() + "/__sim/online", R"({"id":")" + id + R"(","online":false})");
}

TEST_F(GenieTaskTest, ADuplicateOfAPendingTaskIsNotPosted) {
    const cJSON* on =
        fleet_device([](const cJSON* x) { return str(x, "model") == "HT803G" && flag(x, "online"); });
    ASSERT_NE(on, nullptr);
    std::string id = str(on, "genieacs_id");
    auto& g = make_genie();
    auto task = Task::refresh_object("InternetGatewayDevice.LANDevice.1.Hosts")->with_expiry(900);
    ASSERT_TRUE(task) << task.error().message;
    EXPECT_NE(task->json().find("\"expiry\":900"), std::string::npos) << task->json();
    auto first =
        wait<TaskResult>([&](auto cb) { g.post_task(id, *task, {.connection_request = false}, cb); });
    ASSERT_TRUE(first.ok()) << first.provenance.error;
    EXPECT_EQ(first.value.outcome, TaskOutcome::queued);
    EXPECT_FALSE(first.value.duplicate);
    auto second = wait<TaskResult>([&](auto cb) { g.post_task(id, *task, {}, cb); });
    ASSERT_TRUE(second.ok()) << second.provenance.error;
    EXPECT_TRUE(second.value.duplicate);
    EXPECT_EQ(second.value.task_id, first.value.task_id);
    EXPECT_EQ(stat(*g_world->nbi, "tasks_posted"), 1);
    EXPECT_EQ(pending("tasks", id), 1u);
    // Another object is not a duplicate.
    auto other = wait<TaskResult>([&](auto cb) {
        g.post_task(id, *Task::refresh_object("InternetGatewayDevice.DeviceInfo"),
                    {.connection_request = false}, cb);
    });
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other.value.duplicate);
    EXPECT_EQ(stat(*g_world->nbi, "tasks_posted"), 2);
}

TEST_F(GenieTaskTest, ASessionLongerThanTheConnectionRequestTimeoutIsFollowedToItsEnd) {
    const cJSON* on =
        fleet_device([](const cJSON* x) { return str(x, "model") == "XX230v" && flag(x, "online"); });
    ASSERT_NE(on, nullptr);
    std::string id = str(on, "genieacs_id");
    control(g_world->nbi->url() + "/__sim/online", R"({"id":")" + id + R"(","session_ms":1500})");
    GenieAcsOptions o;
    o.connection_request_timeout_ms = 200;  // the session starts within it, and lasts longer
    auto& g = make_genie(o);
    auto f = wait<TaskResult>(
        [&](auto cb) { g.post_task(id, *Task::refresh_object("Device.DeviceInfo"), {}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.outcome, TaskOutcome::done);
}

TEST_F(SourcesTest, GenieSlowSourceFailsWithinBudget) {
    control(g_world->nbi->url() + "/__sim/fault", R"({"delay_ms": 30000, "count": 1})");
    GenieAcsOptions o;
    o.query_budget_ms = 300;
    auto& g = make_genie(o);
    // Ordering, not time: the lookup must end (failed) before a timer far shorter than the sim's delay fires.
    bool marker = false;
    auto t = loop->add_timer(15000, [&] { marker = true; });
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_FALSE(marker) << "the call waited for the slow source";
    t.cancel();
    EXPECT_FALSE(f.ok());
    EXPECT_EQ(f.provenance.freshness, Freshness::failed);
    EXPECT_EQ(f.provenance.errc, Errc::timeout) << f.provenance.error;
    EXPECT_EQ(g.health().consecutive_failures, 1u);
}

TEST_F(SourcesTest, GenieServerErrorAndMalformedJson) {
    auto& g = make_genie();
    control(g_world->nbi->url() + "/__sim/fault", R"({"status": 503, "count": 1})");
    auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_FALSE(f.ok());
    EXPECT_EQ(f.provenance.errc, Errc::unavailable);
    EXPECT_NE(f.provenance.error.find("503"), std::string::npos) << f.provenance.error;

    control(g_world->nbi->url() + "/__sim/fault", R"({"malformed": true, "count": 1})");
    auto m = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_FALSE(m.ok());
    EXPECT_EQ(m.provenance.errc, Errc::parse_error) << m.provenance.error;
    EXPECT_EQ(g.health().consecutive_failures, 2u);

    auto ok = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_TRUE(ok.ok()) << ok.provenance.error;
    EXPECT_EQ(g.health().consecutive_failures, 0u);
}

TEST_F(SourcesTest, GenieBreakerOpensAndHalfOpens) {
    GenieAcsOptions o;
    o.breaker = {.failure_threshold = 2, .cool_down_ms = 10000};
    auto& g = make_genie(o);
    control(g_world->nbi->url() + "/__sim/fault", R"({"status": 500})");
    for (int i = 0; i < 2; ++i) {
        auto f = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
        EXPECT_FALSE(f.ok());
    }
    EXPECT_EQ(g.health().state, BreakerState::open);
    int64_t before = stat(*g_world->nbi, "requests");
    now_ms += 5000;  // within the cool-down: refused, and the refusal does not restart the cool-down
    auto refused = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.provenance.error.find("circuit open"), std::string::npos) << refused.provenance.error;
    EXPECT_EQ(stat(*g_world->nbi, "requests"), before) << "an open breaker does not contact the source";

    EXPECT_EQ(g.health().consecutive_failures, 2u);
    now_ms += 5000;  // cool-down over: one probe; it fails → open again
    auto probe = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_FALSE(probe.ok());
    EXPECT_EQ(stat(*g_world->nbi, "requests"), before + 1);
    EXPECT_EQ(g.health().state, BreakerState::open);

    control(g_world->nbi->url() + "/__sim/fault", "{}");
    now_ms += 10000;
    auto healed = wait<DeviceLookup>([&](auto cb) { g.find_by_serial("TPLG12345678", {}, cb); });
    EXPECT_TRUE(healed.ok()) << healed.provenance.error;
    EXPECT_EQ(g.health().state, BreakerState::closed);
}

// ------------------------------------------------------------------------------------------- GenieACS fleet
// walk

// Every page of a walk and its result.
struct Walked {
    std::vector<WalkPage> pages;
    Fetched<WalkResult> result;
    std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (const auto& p : pages)
            for (const auto& d : p.devices) out.push_back(d.id);
        return out;
    }
};

std::vector<std::string> fleet_ids_sorted() {
    std::vector<std::string> ids;
    const cJSON* devs = cJSON_GetObjectItemCaseSensitive(g_world->fleet.get(), "devices");
    for (const cJSON* d = devs ? devs->child : nullptr; d; d = d->next) ids.push_back(str(d, "genieacs_id"));
    std::sort(ids.begin(), ids.end());  // byte order, as MongoDB compares strings
    return ids;
}

class WalkTest : public SourcesTest {
  protected:
    Walked walk(WalkOptions o, const std::string& query = "{}") {
        Walked w;
        o.retry_delay_ms = 10;
        w.result = wait<WalkResult>([&](auto cb) {
            genie->walk(
                query, {kRx, "InternetGatewayDevice.DeviceInfo.ModelName"}, o,
                [&](WalkPage p) { w.pages.push_back(std::move(p)); }, cb);
        });
        return w;
    }
};

TEST_F(WalkTest, ReadsTheFleetInPagesSortedById) {
    make_genie();
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    auto all = fleet_ids_sorted();
    EXPECT_EQ(w.ids(), all) << "every device once, in _id order";
    const WalkResult& r = w.result.value;
    EXPECT_EQ(r.pages, (all.size() + 6) / 7);
    EXPECT_EQ(r.requests, r.pages);
    EXPECT_EQ(r.first_total, static_cast<long>(all.size()));
    EXPECT_FALSE(r.truncated);
    EXPECT_FALSE(r.stopped);
    EXPECT_TRUE(r.skipped.empty());
    EXPECT_EQ(r.devices, all.size());
    for (size_t i = 1; i < w.pages.size(); ++i) {
        EXPECT_EQ(w.pages[i].after, w.pages[i - 1].devices.back().id);
        EXPECT_LE(w.pages[i].devices.size(), 7u);
    }
    EXPECT_EQ(w.pages[0].after, "");
    EXPECT_EQ(stat(*g_world->nbi, "devices_returned"), static_cast<int64_t>(all.size()))
        << "nothing read twice";
    // Only the projection and the walk's identity came.
    const GenieDevice& d = w.pages[0].devices[0];
    EXPECT_FALSE(d.serial.empty());
    EXPECT_FALSE(d.last_inform.empty());
    EXPECT_TRUE(d.registered.empty()) << "not projected";
    for (const auto& [path, p] : d.params)
        EXPECT_TRUE(path.rfind("Device", 0) == 0 || path.rfind("InternetGatewayDevice", 0) == 0) << path;
}

TEST_F(WalkTest, StopsAtMaxDevicesAndKeepsTheCallersQuery) {
    make_genie();
    WalkOptions o;
    o.page_size = 7;
    o.max_devices = 20;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    auto all = fleet_ids_sorted();
    EXPECT_EQ(w.ids(), std::vector<std::string>(all.begin(), all.begin() + 20));
    EXPECT_TRUE(w.result.value.truncated);

    // A query of the caller's, and-ed with the cursor on every page: only the XX230v units.
    o.max_devices = 10000;
    auto x = walk(o, R"({"_deviceId._ProductClass":"Device2"})");
    ASSERT_TRUE(x.result.ok()) << x.result.provenance.error;
    std::vector<std::string> want;
    for (const auto& id : all)
        if (id.rfind("1C61B4-Device2-", 0) == 0) want.push_back(id);
    EXPECT_EQ(x.ids(), want);
    EXPECT_GT(x.result.value.pages, 1u);

    auto bad = walk(o, R"({"_id": )");
    EXPECT_FALSE(bad.result.ok());
    EXPECT_EQ(bad.result.provenance.errc, Errc::invalid_argument) << bad.result.provenance.error;
    o.page_size = 0;
    auto zero = walk(o);
    EXPECT_EQ(zero.result.provenance.errc, Errc::invalid_argument) << zero.result.provenance.error;
}

TEST_F(WalkTest, AFailedPageIsAskedAgain) {
    make_genie();
    // The third request fails once (503), then answers.
    control(g_world->nbi->url() + "/__sim/fault",
            R"({"status": 503, "count": 1, "after": 2, "paths": "/devices"})");
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    EXPECT_EQ(w.ids(), fleet_ids_sorted());
    EXPECT_EQ(w.result.value.retries, 1u);
    EXPECT_EQ(w.result.value.failed_pages, 0u);
    EXPECT_TRUE(w.result.value.skipped.empty());
    EXPECT_EQ(w.result.value.requests, w.result.value.pages + 1);
}

TEST_F(WalkTest, APageThatKeepsFailingIsSkippedAndNamed) {
    make_genie();
    // The third page fails twice (first ask and its retry): skipped, the walk goes on past it.
    control(g_world->nbi->url() + "/__sim/fault",
            R"({"status": 503, "count": 2, "after": 2, "paths": "/devices"})");
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    const WalkResult& r = w.result.value;
    EXPECT_EQ(r.failed_pages, 1u);
    EXPECT_FALSE(r.stopped);
    EXPECT_NE(r.error.find("503"), std::string::npos) << r.error;
    auto all = fleet_ids_sorted();
    std::vector<std::string> want(all.begin(), all.begin() + 14);
    want.insert(want.end(), all.begin() + 21, all.end());
    EXPECT_EQ(w.ids(), want);
    ASSERT_EQ(r.skipped.size(), 1u);
    EXPECT_EQ(r.skipped[0].after, all[13]);
    EXPECT_EQ(r.skipped[0].before, all[21]);
    for (size_t i = 0; i < all.size(); ++i)
        EXPECT_EQ(r.skipped[0].contains(all[i]), i >= 14 && i < 21) << all[i];
    EXPECT_NE(r.skipped[0].error.find("503"), std::string::npos);
}

TEST_F(WalkTest, MalformedPagesAndABadDocument) {
    make_genie();
    // The second page is cut mid-document twice: skipped like a failing page (a parse error).
    control(g_world->nbi->url() + "/__sim/fault",
            R"({"malformed": true, "count": 2, "after": 1, "paths": "/devices"})");
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    EXPECT_EQ(w.result.value.failed_pages, 1u);
    EXPECT_EQ(w.result.value.errc, Errc::parse_error) << w.result.value.error;
    auto all = fleet_ids_sorted();
    EXPECT_EQ(w.ids().size(), all.size() - 7);
    ASSERT_EQ(w.result.value.skipped.size(), 1u);
    EXPECT_EQ(w.result.value.skipped[0].after, all[6]);

    // One document of the second page is broken: left out and named, the rest of the page is read.
    control(g_world->nbi->url() + "/__sim/reset", "{}");
    control(g_world->nbi->url() + "/__sim/fault",
            R"({"corrupt": true, "count": 1, "after": 1, "paths": "/devices"})");
    auto c = walk(o);
    ASSERT_TRUE(c.result.ok()) << c.result.provenance.error;
    EXPECT_EQ(c.result.value.failed_pages, 0u);
    EXPECT_EQ(c.result.value.invalid_devices, 1u);
    ASSERT_EQ(c.pages.size(), (all.size() + 6) / 7);
    EXPECT_EQ(c.pages[1].invalid_ids, std::vector<std::string>{all[7]});
    ASSERT_EQ(c.result.value.invalid.size(), 1u);
    EXPECT_NE(c.result.value.invalid[0].find(all[7]), std::string::npos) << c.result.value.invalid[0];
    EXPECT_EQ(c.ids().size(), all.size() - 1);
}

TEST_F(WalkTest, AFleetThatChangesBetweenPages) {
    make_genie();
    auto all = fleet_ids_sorted();
    ASSERT_GT(all.size(), 30u);
    // After the first page: one device already read and one still ahead are removed; two are added, one
    // behind the cursor (an HT803G-W id with serial 00000001 sorts first) and one ahead of it (…-ZZZZ0001
    // sorts last).
    const cJSON* xx = fleet_device([](const cJSON* x) { return str(x, "model") == "XX230v"; });
    const cJSON* ht = fleet_device([](const cJSON* x) { return str(x, "product_class") == "HT803G-W"; });
    ASSERT_NE(xx, nullptr);
    ASSERT_NE(ht, nullptr);
    std::string change = R"({"after_queries": 1, "remove": [")" + all[2] + R"(", ")" + all[25] + R"("],
        "clone": [{"from": ")" +
                         str(ht, "genieacs_id") + R"(", "tr069_serial": "00000001"},
                  {"from": ")" +
                         str(xx, "genieacs_id") + R"(", "tr069_serial": "ZZZZ0001"}]})";
    control(g_world->nbi->url() + "/__sim/fleet", change);
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    std::string added_behind = "000E5E-HT803G%2DW-00000001", added_ahead = "1C61B4-Device2-ZZZZ0001";
    ASSERT_LT(added_behind, all[6]) << "sorts before the cursor after the first page";
    ASSERT_GT(added_ahead, all.back());
    auto ids = w.ids();
    std::set<std::string> got(ids.begin(), ids.end());
    EXPECT_EQ(got.size(), ids.size()) << "no device twice";
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    for (size_t i = 0; i < all.size(); ++i) {
        if (i == 25) continue;
        EXPECT_TRUE(got.count(all[i])) << "present all along (or read before it went): " << all[i];
    }
    EXPECT_FALSE(got.count(all[25])) << "removed before its page";
    EXPECT_TRUE(got.count(added_ahead)) << "added ahead of the cursor: read";
    EXPECT_FALSE(got.count(added_behind)) << "added behind the cursor: read by the next walk";
    EXPECT_EQ(w.result.value.first_total, static_cast<long>(all.size()));
    EXPECT_EQ(w.pages[1].total, static_cast<long>(all.size()) - 7 - 1 + 1) << "the total after the change";
    EXPECT_TRUE(w.result.value.skipped.empty());

    auto next = walk(o);
    ASSERT_TRUE(next.result.ok());
    auto ids2 = next.ids();
    EXPECT_EQ(ids2.size(), all.size() - 2 + 2);
    EXPECT_TRUE(std::count(ids2.begin(), ids2.end(), added_behind));
}

TEST_F(WalkTest, AllPagesFailingStopsTheWalkAndOpensTheBreaker) {
    GenieAcsOptions go;
    go.breaker = {.failure_threshold = 3, .cool_down_ms = 30000};
    make_genie(go);
    control(g_world->nbi->url() + "/__sim/fault", R"({"status": 500, "paths": "/devices"})");
    WalkOptions o;
    o.page_size = 7;
    auto w = walk(o);
    EXPECT_FALSE(w.result.ok());
    EXPECT_EQ(w.result.provenance.errc, Errc::unavailable) << w.result.provenance.error;
    EXPECT_NE(w.result.provenance.error.find("no page could be read"), std::string::npos)
        << w.result.provenance.error;
    EXPECT_EQ(genie->health().state, BreakerState::open);
    EXPECT_EQ(stat(*g_world->nbi, "requests"), 3) << "page 1 twice, page 2 once; then the breaker refuses";
    // While open: refused at once, nothing sent.
    auto again = walk(o);
    EXPECT_FALSE(again.result.ok());
    EXPECT_NE(again.result.provenance.error.find("circuit open"), std::string::npos)
        << again.result.provenance.error;
    EXPECT_EQ(stat(*g_world->nbi, "requests"), 3);
}

TEST_F(WalkTest, ASlowPageFailsWithinItsBudget) {
    make_genie();
    control(g_world->nbi->url() + "/__sim/fault",
            R"({"delay_ms": 30000, "count": 1, "after": 1, "paths": "/devices"})");
    WalkOptions o;
    o.page_size = 7;
    o.page_budget_ms = 300;
    bool marker = false;
    auto t = loop->add_timer(15000, [&] { marker = true; });
    auto w = walk(o);
    EXPECT_FALSE(marker) << "the walk waited for the slow page";
    t.cancel();
    ASSERT_TRUE(w.result.ok()) << w.result.provenance.error;
    EXPECT_EQ(w.result.value.retries, 1u);
    EXPECT_EQ(w.ids(), fleet_ids_sorted());
}

// -----------------------------------------------------------------------------------------------------------
// ERPNext

TEST_F(SourcesTest, ErpSubscriberBySerialAndMac) {
    const cJSON* d = fleet_device([](const cJSON*) { return true; });
    auto& e = make_erp();
    auto f = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial(str(d, "serial"), cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.provenance.source, "erpnext");
    ASSERT_EQ(f.value.equipment.size(), 1u);
    EXPECT_EQ(f.value.equipment[0].equipment_type, "ONT");
    ASSERT_TRUE(f.value.location);
    EXPECT_EQ(f.value.location->name, str(d, "service_location"));
    EXPECT_FALSE(f.value.location->olt_port.empty());
    ASSERT_TRUE(f.value.customer);
    EXPECT_EQ(f.value.customer->name, str(d, "customer"));
    EXPECT_FALSE(f.value.customer->mobile_no.empty());

    std::string mac = str(d, "mac");
    for (char& c : mac) c = c == ':' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto m = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_mac(mac, cb); });
    ASSERT_TRUE(m.ok()) << m.provenance.error;
    ASSERT_EQ(m.value.equipment.size(), 1u);
    EXPECT_EQ(canonical_serial(m.value.equipment[0].serial_number), str(d, "serial"));

    auto none = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("TPLG00000000", cb); });
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value.equipment.empty());
    EXPECT_FALSE(none.value.customer);

    auto bad = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_mac("not-a-mac", cb); });
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.provenance.errc, Errc::invalid_argument);
}

TEST_F(SourcesTest, ErpListPagesPastTheDefault20Rows) {
    ErpNextOptions o;
    o.page_size = 7;
    auto& e = make_erp(o);
    size_t all = fleet_count("service_equipment");
    ASSERT_GT(all, 20u);
    auto f = wait<std::vector<FrappeRecord>>([&](auto cb) { e.list("Service Equipment", {}, {"name"}, cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.size(), all);

    FrappeFilters onts;
    onts.add("equipment_type", "=", "ONT");
    auto o2 = wait<std::vector<FrappeRecord>>([&](auto cb) {
        e.list("Service Equipment", onts, {"name", "equipment_type"}, cb);
    });
    ASSERT_TRUE(o2.ok()) << o2.provenance.error;
    EXPECT_EQ(o2.value.size(), fleet_count("service_equipment", "equipment_type", "ONT"));
    for (const auto& r : o2.value) EXPECT_EQ(r.at("equipment_type"), "ONT");
}

TEST_F(SourcesTest, ErpAuthFailureAndNotFound) {
    ErpNextOptions o;
    o.credentials = {g_world->key, "wrong-" + random_hex(6)};
    auto& e = make_erp(o);
    auto f = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("TPLG12345678", cb); });
    EXPECT_FALSE(f.ok());
    EXPECT_EQ(f.provenance.errc, Errc::denied);
    EXPECT_NE(f.provenance.error.find("API key or secret rejected (401 AuthenticationError)"),
              std::string::npos)
        << f.provenance.error;
    EXPECT_EQ(f.provenance.error.find(o.credentials.api_secret), std::string::npos) << "no secret in errors";
    EXPECT_EQ(e.health().consecutive_failures, 0u) << "a refused key is not a source failure";

    auto& good = make_erp();
    auto nf = wait<std::optional<FrappeRecord>>([&](auto cb) { good.get("Customer", "CUST-99999", cb); });
    ASSERT_TRUE(nf.ok()) << nf.provenance.error;
    EXPECT_FALSE(nf.value.has_value());
    auto found =
        wait<std::optional<FrappeRecord>>([&](auto cb) { good.get("Service Location", "LOC-00002", cb); });
    ASSERT_TRUE(found.ok()) << found.provenance.error;
    ASSERT_TRUE(found.value.has_value());
    EXPECT_EQ(found.value->at("name"), "LOC-00002");
}

TEST_F(SourcesTest, ErpBadOperatorRefusedLocallyAndServer417Mapped) {
    auto& e = make_erp();
    FrappeFilters bad;
    bad.add("serial_number", "~", "x");
    int64_t before = stat(*g_world->frappe, "list_calls");
    auto f = wait<std::vector<FrappeRecord>>([&](auto cb) { e.list("Service Equipment", bad, {}, cb); });
    EXPECT_FALSE(f.ok());
    EXPECT_EQ(f.provenance.errc, Errc::invalid_argument);
    EXPECT_EQ(stat(*g_world->frappe, "list_calls"), before);

    // What ERPNext answers when a bad operator does reach it, and how the client words it.
    net::HttpRequest r;
    r.url = g_world->frappe->url() + "/api/resource/Service%20Equipment?filters=" +
            "%5B%5B%22serial_number%22%2C%22~%22%2C%22x%22%5D%5D";
    r.headers = {{"Authorization", "token " + g_world->key + ":" + g_world->secret}};
    auto resp = raw(r);
    EXPECT_EQ(resp.status, 417);
    Error err = frappe_status_error(resp.status, resp.body, std::nullopt, "Service Equipment list");
    EXPECT_EQ(err.code, Errc::invalid_argument);
    EXPECT_NE(err.message.find("ValidationError): Operator must be one of"), std::string::npos)
        << err.message;

    // A field that does not exist: the server's 417, through the client.
    FrappeFilters unknown;
    unknown.add("no_such_field", "=", "x");
    auto u = wait<std::vector<FrappeRecord>>([&](auto cb) { e.list("Service Equipment", unknown, {}, cb); });
    EXPECT_FALSE(u.ok());
    EXPECT_NE(u.provenance.error.find("417 DataError): Field not permitted in query: no_such_field"),
              std::string::npos)
        << u.provenance.error;
}

TEST_F(SourcesTest, ErpRateLimitSlowAndMalformed) {
    ErpNextOptions o;
    o.budget_ms = 300;
    auto& e = make_erp(o);
    control(g_world->frappe->url() + "/__sim/fault", R"({"rate_limit": true, "retry_after": 7, "count": 1})");
    auto rl = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("TPLG12345678", cb); });
    EXPECT_FALSE(rl.ok());
    EXPECT_EQ(rl.provenance.errc, Errc::unavailable);
    EXPECT_NE(rl.provenance.error.find("retry after 7 s"), std::string::npos) << rl.provenance.error;

    control(g_world->frappe->url() + "/__sim/fault", R"({"malformed": true, "count": 1})");
    auto mf = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("TPLG12345678", cb); });
    EXPECT_FALSE(mf.ok());
    EXPECT_EQ(mf.provenance.errc, Errc::parse_error) << mf.provenance.error;

    control(g_world->frappe->url() + "/__sim/fault", R"({"delay_ms": 30000, "count": 1})");
    bool marker = false;
    auto t = loop->add_timer(15000, [&] { marker = true; });
    auto slow = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("TPLG12345678", cb); });
    EXPECT_FALSE(marker) << "the call waited for the slow source";
    t.cancel();
    EXPECT_EQ(slow.provenance.errc, Errc::timeout) << slow.provenance.error;
    EXPECT_EQ(e.health().consecutive_failures, 3u);
}

// ---------------------------------------------------------------------- ERPNext as it answers on PostgreSQL
// (issue 19)

// The fleet's Service Equipment rows of ONTs, with the device each belongs to (the device's own serial and
// MAC are canonical; the rows hold them as people typed them).
struct EquipmentRow {
    const cJSON* row;
    const cJSON* device;
};
std::vector<EquipmentRow> ont_rows() {
    std::vector<EquipmentRow> out;
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(g_world->fleet.get(), "service_equipment");
    for (const cJSON* r = t ? t->child : nullptr; r; r = r->next) {
        if (str(r, "equipment_type") != "ONT") continue;
        const cJSON* d =
            fleet_device([&](const cJSON* x) { return str(x, "customer") == str(r, "customer"); });
        if (d) out.push_back({r, d});
    }
    return out;
}
std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

TEST_F(SourcesTest, ErpFleetStoresMixedNotations) {
    // The simulator's data is what makes the tests below mean something: not one canonical spelling.
    std::set<std::string> kinds;
    for (const auto& [r, d] : ont_rows()) {
        std::string m = str(r, "mac_address"), s = str(r, "serial_number");
        if (m == str(d, "mac")) kinds.insert("mac canonical");
        if (m.find('-') != std::string::npos) kinds.insert("mac dashes");
        if (m.size() == 12) kinds.insert("mac bare");
        if (m != lower(m) && m.find(' ') != std::string::npos) kinds.insert("mac spaces");
        if (m == lower(m)) kinds.insert("mac lower");
        if (s != str(d, "serial") && canonical_serial(s) == str(d, "serial")) kinds.insert("serial typed");
    }
    EXPECT_EQ(kinds.size(), 6u) << "kinds seen: " << kinds.size();
}

TEST_F(SourcesTest, ErpMacInAnyNotationFindsTheCustomer) {
    auto& e = make_erp();
    auto rows = ont_rows();
    ASSERT_GE(rows.size(), 16u);
    size_t checked = 0;
    for (size_t i = 0; i < 16; ++i) {
        const auto& [r, d] = rows[i];
        std::string mac = str(d, "mac");  // "1C:61:B4:FB:2A:C8" as the device reports it
        std::string bare;
        for (char c : mac)
            if (c != ':') bare.push_back(c);
        // The sticker's notation varies too: colon, dash, bare, lower, spaces around.
        std::string asked[] = {mac, lower(bare), " " + lower(mac) + " "};
        for (const auto& a : asked) {
            auto f = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_mac(a, cb); });
            ASSERT_TRUE(f.ok()) << a << ": " << f.provenance.error;
            ASSERT_EQ(f.value.equipment.size(), 1u)
                << "'" << a << "' stored as '" << str(r, "mac_address") << "'";
            EXPECT_EQ(f.value.equipment[0].name, str(r, "name"));
            ASSERT_TRUE(f.value.customer) << a;
            EXPECT_EQ(f.value.customer->name, str(d, "customer"));
            ++checked;
        }
    }
    EXPECT_EQ(checked, 48u);
    // A like pattern is a candidate only: a MAC one digit off is nobody's.
    std::string off = str(rows[0].device, "mac");
    off.back() = off.back() == '0' ? '1' : '0';
    auto none = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_mac(off, cb); });
    ASSERT_TRUE(none.ok()) << none.provenance.error;
    EXPECT_TRUE(none.value.equipment.empty());
}

TEST_F(SourcesTest, ErpSerialInAnyCaseFindsTheCustomer) {
    auto& e = make_erp();
    auto rows = ont_rows();
    ASSERT_GE(rows.size(), 8u);
    for (size_t i = 0; i < 8; ++i) {
        const auto& [r, d] = rows[i];
        std::string serial = str(d, "serial");
        for (const std::string& asked : {serial, lower(serial), " " + serial + "\t"}) {
            auto f = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial(asked, cb); });
            ASSERT_TRUE(f.ok()) << asked << ": " << f.provenance.error;
            ASSERT_EQ(f.value.equipment.size(), 1u)
                << "'" << asked << "' stored as '" << str(r, "serial_number") << "'";
            EXPECT_EQ(f.value.equipment[0].name, str(r, "name"));
            ASSERT_TRUE(f.value.customer);
            EXPECT_EQ(f.value.customer->name, str(d, "customer"));
        }
    }
    // '_' and '%' are wildcards Frappe cannot escape: they widen the candidates, the verification keeps none.
    std::string serial = str(rows[0].device, "serial");
    std::string wild = serial.substr(0, 4) + "_" + serial.substr(5);
    auto w = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial(wild, cb); });
    ASSERT_TRUE(w.ok()) << w.provenance.error;
    EXPECT_TRUE(w.value.equipment.empty()) << "'" << wild << "' is not '" << serial << "'";
    auto pct = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial("%", cb); });
    EXPECT_EQ(pct.provenance.errc, Errc::invalid_argument) << pct.provenance.error;
}

TEST_F(SourcesTest, ErpFieldMapCheckedAgainstTheDocTypes) {
    auto& good = make_erp();
    auto ok = wait<std::vector<ErpDocTypeCheck>>([&](auto cb) { good.check_schema(cb); });
    ASSERT_TRUE(ok.ok()) << ok.provenance.error;
    ASSERT_EQ(ok.value.size(), 3u);
    for (const auto& c : ok.value) EXPECT_EQ(c.problem, "") << c.doctype;

    // A field the DocType does not have: named, with where it is configured.
    ErpNextOptions o;
    o.fields.customer.set("legacy_account_id", "custom_legacy_account_id");
    auto& e = make_erp(o);
    auto bad = wait<std::vector<ErpDocTypeCheck>>([&](auto cb) { e.check_schema(cb); });
    ASSERT_TRUE(bad.ok()) << bad.provenance.error;
    ASSERT_EQ(bad.value.size(), 3u);
    EXPECT_EQ(bad.value[0].problem, "");
    EXPECT_EQ(bad.value[2].doctype, "Customer");
    EXPECT_EQ(bad.value[2].problem,
              "ERPNext DocType 'Customer' has no field 'custom_legacy_account_id' "
              "(erpnext.fields.customer.legacy_account_id; a field added in the UI is named custom_…)");
    // The lookup itself, with that map: ERPNext's 417 DataError names the field.
    o.fields = {};
    o.fields.equipment.set("serial_number", "serial_no");
    auto& wrong = make_erp(o);
    auto w = wait<ErpSubscriber>([&](auto cb) { wrong.subscriber_by_serial("TPLG12345678", cb); });
    EXPECT_FALSE(w.ok());
    EXPECT_NE(w.provenance.error.find("417 DataError): Field not permitted in query: serial_no"),
              std::string::npos)
        << w.provenance.error;

    // A field above the API user's permission level is dropped from lists silently: the check says so.
    ErpNextOptions p;
    p.fields.customer.set("legacy_account_id", "stripe_id");
    auto& level = make_erp(p);
    auto lv = wait<std::vector<ErpDocTypeCheck>>([&](auto cb) { level.check_schema(cb); });
    ASSERT_TRUE(lv.ok()) << lv.provenance.error;
    EXPECT_EQ(lv.value[2].problem,
              "ERPNext DocType 'Customer': the API user cannot read field 'stripe_id' (permission level 1)");

    // A custom field (custom_…) in the map: the sticker's label MAC finds the customer through it.
    ErpNextOptions c;
    c.fields.equipment.set("mac_address", "custom_label_mac");
    auto& custom = make_erp(c);
    auto cc = wait<std::vector<ErpDocTypeCheck>>([&](auto cb) { custom.check_schema(cb); });
    ASSERT_TRUE(cc.ok()) << cc.provenance.error;
    for (const auto& x : cc.value) EXPECT_EQ(x.problem, "") << x.doctype;
    const auto& [r, d] = ont_rows()[1];
    auto f = wait<ErpSubscriber>([&](auto cb) { custom.subscriber_by_mac(str(d, "label_mac"), cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    ASSERT_EQ(f.value.equipment.size(), 1u) << str(r, "custom_label_mac");
    ASSERT_TRUE(f.value.customer);
    EXPECT_EQ(f.value.customer->name, str(d, "customer"));
}

TEST_F(SourcesTest, ErpOnlyDoesNotExistErrorMeansAbsent) {
    auto& e = make_erp();
    auto nf = wait<std::optional<FrappeRecord>>([&](auto cb) { e.get("Customer", "CUST-99999", cb); });
    ASSERT_TRUE(nf.ok()) << nf.provenance.error;
    EXPECT_FALSE(nf.value);

    // A wrong prefix (or a proxy, an unknown site): an HTML 404 is a failure saying what it was.
    ErpNextOptions o;
    o.base_url = g_world->frappe->url() + "/erp";
    o.credentials = {g_world->key, g_world->secret};
    o.clock = [this] { return now_ms; };
    erp = std::make_unique<ErpNextClient>(*loop, *http, o);
    auto html = wait<std::optional<FrappeRecord>>([&](auto cb) { erp->get("Customer", "CUST-00001", cb); });
    EXPECT_FALSE(html.ok());
    EXPECT_EQ(html.provenance.errc, Errc::io_error);
    EXPECT_NE(html.provenance.error.find("404 without Frappe's JSON error"), std::string::npos)
        << html.provenance.error;

    // A missing DocType (the map names one that is not there): its DoesNotExistError is no "absent".
    ErpNextOptions m;
    m.fields.location.doctype = "Service Locations";
    auto& miss = make_erp(m);
    auto d = fleet_device([](const cJSON*) { return true; });
    auto f = wait<ErpSubscriber>([&](auto cb) { miss.subscriber_by_serial(str(d, "serial"), cb); });
    EXPECT_FALSE(f.ok()) << "a location silently dropped";
    EXPECT_NE(f.provenance.error.find("DocType Service Locations not found"), std::string::npos)
        << f.provenance.error;
}

TEST_F(SourcesTest, ErpCredentialsTrimmedAndMalformedNamed) {
    auto t = parse_erp_token("  key123:secret456 \n", "ERP_SERVICE_TOKEN");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->api_key, "key123");
    EXPECT_EQ(t->api_secret, "secret456");
    for (const char* bad :
         {"key123: secret456", "key123 :secret456", "key123", "key123:secret:456", ":secret", "key:", ""}) {
        auto b = parse_erp_token(bad, "ERP_SERVICE_TOKEN");
        ASSERT_FALSE(b) << bad;
        EXPECT_NE(b.error().message.find("ERPNext credentials (ERP_SERVICE_TOKEN)"), std::string::npos)
            << b.error().message;
        EXPECT_EQ(b.error().message.find("secret456"), std::string::npos) << "no secret in errors";
    }
    EXPECT_NE(parse_erp_token("key123: secret456", "f")
                  .error()
                  .message.find("malformed: whitespace inside the secret"),
              std::string::npos);

    // A credentials file with spaces around the line still works against the simulator.
    std::string path = g_world->dir + "/erp.credentials";
    FILE* fp = std::fopen(path.c_str(), "w");
    ASSERT_NE(fp, nullptr);
    std::fprintf(fp, "  %s:%s  \n", g_world->key.c_str(), g_world->secret.c_str());
    std::fclose(fp);
    auto c = load_erp_credentials(path, "HUB_TEST_UNSET_KEY", "HUB_TEST_UNSET_SECRET");
    std::remove(path.c_str());
    ASSERT_TRUE(c) << c.error().message;
    ErpNextOptions o;
    o.credentials = *c;
    auto& e = make_erp(o);
    auto d = fleet_device([](const cJSON*) { return true; });
    auto f = wait<ErpSubscriber>([&](auto cb) { e.subscriber_by_serial(str(d, "serial"), cb); });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_EQ(f.value.equipment.size(), 1u);

    // What an untrimmed "key: secret" does at Frappe: three header parts → Guest → 403, far from its cause.
    net::HttpRequest r;
    r.url = g_world->frappe->url() + "/api/resource/Customer";
    r.headers = {{"Authorization", "token " + g_world->key + ": " + g_world->secret}};
    EXPECT_EQ(raw(r).status, 403);
}

// A second simulator: the API user lacks a role for Service Location and is limited by User Permissions.
class ErpRestricted : public SourcesTest {
  protected:
    void SetUp() override {
        SourcesTest::SetUp();
        fleet = g_world->dir + "/restricted.json";
        ASSERT_EQ(run_command({HUB_SOURCES_PYTHON, kSimDir + "/fleet/make_fleet.py", "--count", "12",
                               "--seed", "7", "--hidden-customers", "2", "--out", fleet}),
                  0);
        sim =
            Sim::start({HUB_SOURCES_PYTHON, kSimDir + "/erpnext/frappe_sim.py", "--fleet", fleet, "--api-key",
                        g_world->key, "--api-secret", g_world->secret, "--deny-read", "Service Location"});
        ASSERT_TRUE(sim);
    }
    void TearDown() override {
        SourcesTest::TearDown();
        sim.reset();
        std::remove(fleet.c_str());
    }
    ErpNextClient& restricted() {
        ErpNextOptions o;
        o.base_url = sim->url();
        o.credentials = {g_world->key, g_world->secret};
        o.clock = [this] { return now_ms; };
        erp = std::make_unique<ErpNextClient>(*loop, *http, o);
        return *erp;
    }
    std::string fleet;
    std::unique_ptr<Sim> sim;
};

TEST_F(ErpRestricted, ReadAccessCheckedAndPermissionDetailRead) {
    auto& e = restricted();
    auto c = wait<std::vector<ErpDocTypeCheck>>([&](auto cb) { e.check_schema(cb); });
    ASSERT_TRUE(c.ok()) << c.provenance.error;
    ASSERT_EQ(c.value.size(), 3u);
    EXPECT_EQ(c.value[0].problem, "");
    EXPECT_EQ(c.value[1].doctype, "Service Location");
    EXPECT_NE(c.value[1].problem.find("not permitted"), std::string::npos) << c.value[1].problem;
    EXPECT_NE(c.value[1].problem.find("(403 PermissionError): Insufficient Permission for Service Location"),
              std::string::npos)
        << c.value[1].problem;
    EXPECT_EQ(c.value[2].problem, "");
}

TEST_F(ErpRestricted, UserPermissionsHideRowsSilently) {
    auto& e = restricted();
    auto doc = json::parse_file(fleet, 8 << 20);
    ASSERT_TRUE(doc);
    const cJSON* devs = cJSON_GetObjectItemCaseSensitive(doc->get(), "devices");
    const cJSON* last = cJSON_GetArrayItem(devs, cJSON_GetArraySize(devs) - 1);
    // Hidden by a User Permission: the list is empty, not an error — why docs/sources-hub.md lists the API
    // user's permissions, and why an empty answer is no proof of absence.
    auto f = wait<std::vector<FrappeRecord>>([&](auto cb) {
        FrappeFilters by;
        by.add("customer", "=", str(last, "customer"));
        e.list("Service Equipment", by, {"name"}, cb);
    });
    ASSERT_TRUE(f.ok()) << f.provenance.error;
    EXPECT_TRUE(f.value.empty());
    auto g =
        wait<std::optional<FrappeRecord>>([&](auto cb) { e.get("Customer", str(last, "customer"), cb); });
    EXPECT_FALSE(g.ok());
    EXPECT_EQ(g.provenance.errc, Errc::denied) << g.provenance.error;
}

TEST_F(SourcesTest, ErpSimulatorFollowsPostgresAndFrappeRouting) {
    auto get = [&](const std::string& path) {
        net::HttpRequest r;
        r.url = g_world->frappe->url() + path;
        r.headers = {{"Authorization", "token " + g_world->key + ":" + g_world->secret}};
        return raw(r);
    };
    auto count = [](const net::HttpResponse& r) {
        auto l = parse_frappe_list(r.body);
        return l ? static_cast<int>(l->size()) : -1;
    };
    // '=' exact in case; 'like' is ILIKE; 'not like' stays case-sensitive; 'in' values stripped.
    EXPECT_EQ(count(get("/api/resource/Service%20Equipment?filters=" +
                        url_component(R"([["status","=","active"]])"))),
              0);
    EXPECT_GT(count(get("/api/resource/Service%20Equipment?filters=" +
                        url_component(R"([["status","like","active"]])"))),
              0);
    EXPECT_EQ(count(get("/api/resource/Service%20Equipment?limit_page_length=0&filters=" +
                        url_component(R"([["status","not like","active"]])"))),
              static_cast<int>(fleet_count("service_equipment")));
    EXPECT_GT(count(get("/api/resource/Service%20Equipment?filters=" +
                        url_component(R"([["status","in",[" Active "]]])"))),
              0);
    // A trailing slash and a raw '/' in a name are routed, not refused.
    EXPECT_EQ(get("/api/resource/Customer/CUST-00001/").status, 200);
    EXPECT_EQ(get("/api/resource/Customer/").status, 200);
    auto slash = get("/api/resource/Customer/CUST/00001");
    EXPECT_EQ(slash.status, 404);
    EXPECT_NE(parse_frappe_error(slash.body).message.find("Customer CUST/00001 not found"), std::string::npos)
        << slash.body;
    // A 401 carries no message (frappe/auth.py raises a bare AuthenticationError).
    net::HttpRequest r;
    r.url = g_world->frappe->url() + "/api/resource/Customer";
    r.headers = {{"Authorization", "token " + g_world->key + ":nope"}};
    auto a = raw(r);
    EXPECT_EQ(a.status, 401);
    EXPECT_EQ(parse_frappe_error(a.body).exc_type, "AuthenticationError");
    EXPECT_EQ(parse_frappe_error(a.body).message, "");
}

}  // namespace
}  // namespace cpe::hub::sources
