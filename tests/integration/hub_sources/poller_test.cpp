// The poller's paged GenieACS fleet read end to end: the real cpe-hub process and the GenieACS NBI simulator
// (tests/sim/genieacs) on a fleet of several pages, observed through /health/devices (poll stats) and
// /devices/summary. A failing page, a broken document, devices removed from GenieACS, GenieACS down. Every
// wait is bounded; no test asserts a time.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "kit/hub_kit.hpp"

namespace fs = std::filesystem;

using namespace cpe::testkit;

namespace {

const std::string kToken = "poller-test-service-token-0123456789";
constexpr int kFleet = 230;    // devices
constexpr int kPageSize = 40;  // → 6 pages

struct Env {
    fs::path dir;
    Proc nbi, hub;
    std::string hub_url, nbi_url;
    Ptr fleet;
    std::vector<std::string> ids;  // the fleet's GenieACS ids, sorted as MongoDB sorts them
    std::string why;

    bool fail(std::string w) {
        why = std::move(w);
        return false;
    }
    bool start() {
        char tmpl[] = "/tmp/hub_poller_test_XXXXXX";
        if (!mkdtemp(tmpl)) return fail("mkdtemp failed");
        dir = tmpl;
        const std::string src = CPE_SOURCE_DIR;
        // Base time now: the fleet's online devices informed minutes ago, as the summary counts them.
        std::string why_not;
        fleet = generate_fleet(CPE_PYTHON3, src, dir.string(), kFleet, 5,
                               {"--base-time", std::to_string(std::time(nullptr))}, why_not);
        if (!why_not.empty()) return fail(why_not);
        const cJSON* devices = at(fleet.get(), {"devices"});
        for (const cJSON* d = devices->child; d; d = d->next) ids.push_back(str(d, {"genieacs_id"}));
        std::sort(ids.begin(), ids.end());
        nbi = spawn({CPE_PYTHON3, src + "/tests/sim/genieacs/nbi_sim.py", "--fleet",
                     (dir / "fleet.json").string(), "--port", "0"},
                    (dir / "nbi.log").string());
        std::string nbi_port = wait_for(nbi, "READY ", 60);
        if (nbi_port.empty()) return fail("nbi_sim did not start: " + slurp(nbi.out));
        nbi_url = "http://127.0.0.1:" + nbi_port;
        std::ofstream(dir / "hub.json") << R"({"log":{"level":"info"},"http":{"bind":"127.0.0.1","port":0},
            "usp":{"enabled":false},"store":{"path":"hub.db"}})";
        // A poll every second; pages of kPageSize; the breaker opens after 3 failures for 1 s.
        std::ofstream(dir / "devices.json") << R"({"genieacs":{"url":")" << nbi_url << R"(","budget_ms":3000},
            "access":{"trusted_proxies":["127.0.0.1"]},
            "poller":{"interval_s":1,"genieacs_page_size":)"
                                            << kPageSize << R"(},
            "breaker":{"failures":3,"open_s":1}})";
        hub = spawn({CPE_HUB, "--config", (dir / "hub.json").string()}, (dir / "hub.log").string(),
                    {"HUB_DEVICES_CONFIG=" + (dir / "devices.json").string(), "HUB_SERVICE_TOKEN=" + kToken},
                    dir.string());
        std::string http_port = wait_for(hub, "HTTP API on 127.0.0.1:", 60);
        if (http_port.empty()) return fail("hub did not start: " + slurp(hub.out));
        hub_url = "http://127.0.0.1:" + http_port.substr(0, http_port.find_first_not_of("0123456789"));
        return true;
    }
    ~Env() {
        stop(hub);
        stop(nbi);
        std::error_code ec;
        if (!dir.empty() && !std::getenv("HUB_POLLER_TEST_KEEP")) fs::remove_all(dir, ec);
    }

    void sim(const std::string& what, const std::string& body) {
        request("POST", nbi_url + "/__sim/" + what, {}, body);
    }
    Ptr health() { return parse(request("GET", hub_url + "/health/devices").body); }
    Ptr summary() {
        return parse(request("GET", hub_url + "/devices/summary", {"Authorization: Bearer " + kToken}).body);
    }
    // The first finished poll (started after this call) for which `pred` holds; null after a bounded wait.
    Ptr poll_where(const std::function<bool(const cJSON*)>& pred, int seconds = 60) {
        for (int i = 0; i < seconds * 20; ++i) {
            auto h = health();
            const cJSON* last = at(h.get(), {"poll", "last"});
            if (last && pred(last)) return Ptr(cJSON_Duplicate(last, true));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return nullptr;
    }
};

Env* g_env = nullptr;

class HubPoller : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_env = new Env();
        if (!g_env->start()) ADD_FAILURE() << g_env->why;
    }
    static void TearDownTestSuite() {
        delete g_env;
        g_env = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(g_env && g_env->why.empty()) << (g_env ? g_env->why : "");
        g_env->sim("reset", "{}");
        // A clean poll after the reset: every device read.
        auto clean = g_env->poll_where([](const cJSON* l) {
            return num(l, {"genieacs_devices"}) == kFleet && num(l, {"genieacs_failed_pages"}) == 0 &&
                   num(l, {"genieacs_invalid"}) == 0 && num(l, {"genieacs_dropped"}) == 0;
        });
        ASSERT_TRUE(clean) << cpe::json::print(g_env->health().get());
    }
    std::map<std::string, int> fleet_grades() {
        // What the summary should show: the fleet's grade for online devices; offline ones read 0 in the
        // simulator (it reports no level for them), which the hub counts as unknown.
        std::map<std::string, int> out;
        for (const cJSON* d = at(g_env->fleet.get(), {"devices"})->child; d; d = d->next)
            ++out[cJSON_IsTrue(at(d, {"online"})) ? str(d, {"optical_grade"}) : "unknown"];
        return out;
    }
};

TEST_F(HubPoller, ReadsTheWholeFleetInPages) {
    auto last = g_env->poll_where([](const cJSON* l) { return num(l, {"genieacs_devices"}) == kFleet; });
    ASSERT_TRUE(last);
    const int pages = (kFleet + kPageSize - 1) / kPageSize;
    EXPECT_EQ(num(last.get(), {"genieacs_pages"}), pages) << cpe::json::print(last.get());
    EXPECT_EQ(num(last.get(), {"genieacs_requests"}), pages);
    EXPECT_EQ(num(last.get(), {"genieacs_total"}), kFleet);
    EXPECT_EQ(num(last.get(), {"genieacs_kept"}), 0);
    EXPECT_TRUE(cJSON_IsFalse(at(last.get(), {"genieacs_truncated"})));
    EXPECT_EQ(at(last.get(), {"genieacs_error"}), nullptr);

    auto s = g_env->summary();
    EXPECT_EQ(num(s.get(), {"total"}), kFleet) << cpe::json::print(s.get());
    EXPECT_EQ(num(s.get(), {"byKind", "tr069"}), kFleet);
    EXPECT_EQ(str(s.get(), {"sources", "genieacs", "state"}), "fresh");
    int online = 0;
    for (const cJSON* d = at(g_env->fleet.get(), {"devices"})->child; d; d = d->next)
        online += cJSON_IsTrue(at(d, {"online"}));
    EXPECT_EQ(num(s.get(), {"online"}), online);
    // The optical grades the fleet was made with (class B+ defaults), read through the 0.1 µW leaves.
    auto want = fleet_grades();
    EXPECT_GT(want["good"], kFleet / 2) << "mostly good links";
    for (const char* g : {"good", "warning", "critical", "too_high", "no_signal", "unknown"})
        EXPECT_EQ(num(s.get(), {"opticalGrades", g}), want[g]) << g;
}

TEST_F(HubPoller, APageThatKeepsFailingKeepsItsDevices) {
    // Every answer holding the third page's first device fails: that page is skipped (asked again first), the
    // pages after it read.
    g_env->sim("fault",
               R"({"status": 503, "paths": "/devices", "ids": [")" + g_env->ids[2 * kPageSize] + R"("]})");
    auto last = g_env->poll_where([](const cJSON* l) { return num(l, {"genieacs_failed_pages"}) == 1; });
    ASSERT_TRUE(last) << cpe::json::print(g_env->health().get());
    EXPECT_EQ(num(last.get(), {"genieacs_devices"}), kFleet - kPageSize) << cpe::json::print(last.get());
    EXPECT_EQ(num(last.get(), {"genieacs_kept"}), kPageSize);
    EXPECT_EQ(num(last.get(), {"genieacs_dropped"}), 0);
    EXPECT_GE(num(last.get(), {"genieacs_retries"}), 1);
    std::string err = str(last.get(), {"genieacs_error"});
    EXPECT_NE(err.find("1 page(s) of the GenieACS fleet read failed (unavailable)"), std::string::npos)
        << err;
    // /health/devices is open: it names no device.
    std::string health = cpe::json::print(g_env->health().get());
    for (const auto& id : g_env->ids) ASSERT_EQ(health.find(id), std::string::npos) << id;

    auto s = g_env->summary();
    EXPECT_EQ(num(s.get(), {"total"}), kFleet) << "nothing lost: " << cpe::json::print(s.get());
    EXPECT_EQ(str(s.get(), {"sources", "genieacs", "state"}), "stale");
    EXPECT_NE(str(s.get(), {"sources", "genieacs", "error"}).find("503"), std::string::npos)
        << cpe::json::print(s.get());

    g_env->sim("fault", "{}");
    auto healed = g_env->poll_where([](const cJSON* l) {
        return num(l, {"genieacs_failed_pages"}) == 0 && num(l, {"genieacs_devices"}) == kFleet;
    });
    ASSERT_TRUE(healed);
    EXPECT_EQ(str(g_env->summary().get(), {"sources", "genieacs", "state"}), "fresh");
}

TEST_F(HubPoller, ABrokenDocumentIsLeftOutAndItsDeviceKept) {
    g_env->sim("fault",
               R"({"corrupt": true, "paths": "/devices", "ids": [")" + g_env->ids[kPageSize] + R"("]})");
    auto last = g_env->poll_where([](const cJSON* l) { return num(l, {"genieacs_invalid"}) == 1; });
    ASSERT_TRUE(last) << cpe::json::print(g_env->health().get());
    EXPECT_EQ(num(last.get(), {"genieacs_devices"}), kFleet - 1);
    EXPECT_EQ(num(last.get(), {"genieacs_failed_pages"}), 0);
    auto s = g_env->summary();
    EXPECT_EQ(num(s.get(), {"total"}), kFleet);
    std::string err = str(s.get(), {"sources", "genieacs", "error"});
    EXPECT_NE(err.find("1 device document(s) could not be read"), std::string::npos) << err;
    EXPECT_NE(err.find(g_env->ids[kPageSize]), std::string::npos)
        << "the protected summary names it: " << err;
    g_env->sim("fault", "{}");
}

TEST_F(HubPoller, DevicesGoneFromGenieAcsAreDropped) {
    std::string body = R"({"remove": [")" + g_env->ids[3] + R"(", ")" + g_env->ids[100] + R"(", ")" +
                       g_env->ids[kFleet - 1] + R"("]})";
    g_env->sim("fleet", body);
    // (A poll already running when they went may drop some of them only at the next poll.)
    auto last = g_env->poll_where([](const cJSON* l) {
        return num(l, {"genieacs_devices"}) == kFleet - 3 && num(l, {"genieacs_dropped"}) == 0;
    });
    ASSERT_TRUE(last) << cpe::json::print(g_env->health().get());
    EXPECT_EQ(num(last.get(), {"genieacs_kept"}), 0);
    auto s = g_env->summary();
    EXPECT_EQ(num(s.get(), {"total"}), kFleet - 3) << cpe::json::print(s.get());
    EXPECT_EQ(str(s.get(), {"sources", "genieacs", "state"}), "fresh");
    g_env->sim("reset", "{}");
    ASSERT_TRUE(g_env->poll_where([](const cJSON* l) { return num(l, {"genieacs_devices"}) == kFleet; }));
    EXPECT_EQ(num(g_env->summary().get(), {"total"}), kFleet);
}

TEST_F(HubPoller, GenieAcsDownKeepsEveryDevice) {
    g_env->sim("fault", R"({"status": 500, "paths": "/devices"})");
    auto last = g_env->poll_where([](const cJSON* l) {
        return str(l, {"genieacs_error"}).find("the GenieACS fleet read failed") != std::string::npos;
    });
    ASSERT_TRUE(last) << cpe::json::print(g_env->health().get());
    EXPECT_EQ(num(last.get(), {"genieacs_devices"}), 0);
    EXPECT_EQ(num(last.get(), {"genieacs_kept"}), kFleet);
    auto s = g_env->summary();
    EXPECT_EQ(num(s.get(), {"total"}), kFleet) << cpe::json::print(s.get());
    EXPECT_EQ(str(s.get(), {"sources", "genieacs", "state"}), "stale");
    auto h = g_env->health();
    EXPECT_NE(str(h.get(), {"genieacs", "fleet", "circuit"}), "<absent>") << cpe::json::print(h.get());
    g_env->sim("fault", "{}");
    // After the breaker's cool-down the read comes back whole.
    ASSERT_TRUE(g_env->poll_where([](const cJSON* l) {
        return num(l, {"genieacs_devices"}) == kFleet && at(l, {"genieacs_error"}) == nullptr;
    }));
}

}  // namespace
