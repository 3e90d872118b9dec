// cpe-bridge end to end: the real cpe-bridge process (generated config + secret files in a temp dir) in front
// of the TP-Link simulator process and the real snmpd serving the Raisecom OLT simulator, driven over HTTP.
// Counts come from the simulators' own statistics (/__sim/stats); no test asserts a time.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <thread>

#include "bridge_process.hpp"
#include "json/json.hpp"
#include "snmpd_sim.hpp"
#include "util/mac.hpp"

namespace cpe::test {
namespace {

struct ModemSpec {
    std::string id, host, password, variant;
};
struct OltSpec {
    std::string id;
    uint16_t port;
    std::string community;
    std::vector<std::pair<int, int>> pons;
    std::string firmware = {};  // olts[].firmware; empty: not in the config (auto)
};

class Bridge {
  public:
    // Writes the config (cache 300 s, back-off 120 s) and the secret files, starts cpe-bridge.
    static std::unique_ptr<Bridge> start(const std::vector<ModemSpec>& modems,
                                         const std::vector<OltSpec>& olts = {},
                                         const std::string& extra = "") {
        std::unique_ptr<Bridge> b(new Bridge());
        b->dir = make_temp_dir("cpe-bridge-test");
        std::string cfg =
            "{\"http\":{\"bind\":\"127.0.0.1\",\"port\":0},\"state_dir\":\"state\",\"cache_max_age_s\":300,"
            "\"backoff\":{\"base_s\":120},\"workers\":4" +
            extra + ",\"modems\":[";
        for (size_t i = 0; i < modems.size(); ++i) {
            const auto& m = modems[i];
            write_file(b->dir + "/" + m.id + ".secret", "password=" + m.password + "\n");
            cfg += std::string(i ? "," : "") + "{\"id\":\"" + m.id + "\",\"host\":\"" + m.host +
                   "\",\"secret_file\":\"" + m.id + ".secret\"" +
                   (m.variant.empty() ? "" : ",\"variant\":\"" + m.variant + "\"") + "}";
        }
        cfg += "],\"olts\":[";
        for (size_t i = 0; i < olts.size(); ++i) {
            const auto& o = olts[i];
            write_file(b->dir + "/" + o.id + ".community", o.community + "\n");
            cfg += std::string(i ? "," : "") + "{\"id\":\"" + o.id +
                   "\",\"host\":\"127.0.0.1\",\"port\":" + std::to_string(o.port) + ",\"community_file\":\"" +
                   o.id + ".community\"" +
                   (o.firmware.empty() ? "" : ",\"firmware\":\"" + o.firmware + "\"") + ",\"pons\":[";
            for (size_t j = 0; j < o.pons.size(); ++j)
                cfg += std::string(j ? "," : "") + "{\"slot\":" + std::to_string(o.pons[j].first) +
                       ",\"port\":" + std::to_string(o.pons[j].second) + "}";
            cfg += "]}";
        }
        cfg += "]}";
        write_file(b->dir + "/bridge.json", cfg, 0644);
        auto child = Child::start({CPE_BRIDGE, "--config", b->dir + "/bridge.json"}, b->dir + "/bridge.log");
        if (!child) {
            ADD_FAILURE() << child.error().message << "\n" << read_text(b->dir + "/bridge.log");
            return nullptr;
        }
        b->child = std::move(*child);
        const std::string& line = b->child->first_line();
        if (line.rfind("LISTENING ", 0) != 0) {
            ADD_FAILURE() << "cpe-bridge said: " << line;
            return nullptr;
        }
        b->port = std::stoi(line.substr(line.rfind(' ') + 1));
        return b;
    }
    ~Bridge() {
        if (child) child->stop();
        std::error_code ec;
        if (!dir.empty() && !std::getenv("CPE_KEEP_SIM_DIR")) std::filesystem::remove_all(dir, ec);
    }
    HttpAnswer get(const std::string& path) const {
        auto r = http_get("http://127.0.0.1:" + std::to_string(port) + path);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : HttpAnswer{};
    }
    std::string log() const { return read_text(dir + "/bridge.log"); }

    std::string dir;
    int port = 0;
    std::unique_ptr<Child> child;
};

json::Ptr parse(const HttpAnswer& a) {
    auto doc = json::parse(a.body, "bridge answer");
    EXPECT_TRUE(doc) << a.body;
    return doc ? std::move(*doc) : json::make_object();
}

const cJSON* find_by_id(const cJSON* array, const std::string& id) {
    const cJSON* e = nullptr;
    cJSON_ArrayForEach(e, array) {
        if (json::opt_string(e, "id") == id) return e;
    }
    return nullptr;
}

class BridgeApi : public ::testing::Test {
  protected:
    std::unique_ptr<TplinkSim> sim(std::vector<std::string> args) {
        auto s = TplinkSim::start(std::move(args));
        EXPECT_TRUE(s) << s.error().message;
        return s ? std::move(*s) : nullptr;
    }
};

// The issue's "done when": cpe-bridge against the simulator returns a modem's hosts and optical levels.
TEST_F(BridgeApi, ReturnsHostsAndOpticalLevelsOfAModem) {
    auto s = sim({"--variant", "gcm"});
    ASSERT_TRUE(s);
    auto b = Bridge::start({{"m1", s->host(), "password", ""}});
    ASSERT_TRUE(b);
    auto hosts = b->get("/modems/m1/hosts");
    ASSERT_EQ(hosts.status, 200) << hosts.body;
    auto h = parse(hosts);
    EXPECT_EQ(json::opt_int(h.get(), "total"), 6);
    const cJSON* list = cJSON_GetObjectItem(h.get(), "hosts");
    ASSERT_EQ(cJSON_GetArraySize(list), 6);
    const cJSON* first = cJSON_GetArrayItem(list, 0);
    EXPECT_EQ(json::opt_string(first, "mac"), "3c:06:30:2d:42:fb");
    EXPECT_EQ(json::opt_string(first, "band"), "5G");
    EXPECT_EQ(json::opt_string(first, "ip"), "192.168.1.2");
    EXPECT_EQ(json::opt_bool(first, "active"), true);
    auto optical = b->get("/modems/m1/optical");
    ASSERT_EQ(optical.status, 200) << optical.body;
    auto o = parse(optical);
    ASSERT_NE(cJSON_GetObjectItem(o.get(), "rxDbm"), nullptr) << optical.body;
    EXPECT_NEAR(cJSON_GetObjectItem(o.get(), "rxDbm")->valuedouble, -2.5, 0.01);
    ASSERT_NE(cJSON_GetObjectItem(o.get(), "txDbm"), nullptr);
    EXPECT_NEAR(cJSON_GetObjectItem(o.get(), "txDbm")->valuedouble, 10 * std::log10(14880 * 1e-4), 0.01);
    auto status = b->get("/modems/m1/status");
    ASSERT_EQ(status.status, 200);
    auto st = parse(status);
    EXPECT_EQ(json::opt_string(cJSON_GetObjectItem(st.get(), "device"), "model"), "XX230v");
    EXPECT_EQ(json::opt_string(cJSON_GetObjectItem(st.get(), "lan"), "ipv4"), "192.168.1.1");
    EXPECT_EQ(json::opt_int(cJSON_GetObjectItem(st.get(), "memory"), "totalKiB"), 212544);
    EXPECT_EQ(json::opt_int(st.get(), "cpuPercent"), 3);
    EXPECT_EQ(json::opt_string(st.get(), "variant"), "gcm");
    auto wifi = b->get("/modems/m1/wifi");
    ASSERT_EQ(wifi.status, 200);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(parse(wifi).get(), "radios")), 2);
    EXPECT_EQ(json::opt_string(cJSON_GetObjectItem(st.get(), "wan"), "ipv4"), "192.168.89.137");  // ppp0
    // The mesh: a controller and two satellites, with their backhaul, parent and clients.
    auto mesh = b->get("/modems/m1/mesh");
    ASSERT_EQ(mesh.status, 200) << mesh.body;
    auto me = parse(mesh);
    EXPECT_EQ(json::opt_bool(me.get(), "supported"), true);
    const cJSON* nodes = cJSON_GetObjectItem(me.get(), "nodes");
    ASSERT_EQ(cJSON_GetArraySize(nodes), 3) << mesh.body;
    EXPECT_EQ(json::opt_string(cJSON_GetArrayItem(nodes, 0), "role"), "controller");
    const cJSON* sat = cJSON_GetArrayItem(nodes, 2);
    EXPECT_EQ(json::opt_string(sat, "role"), "satellite");
    EXPECT_EQ(json::opt_string(cJSON_GetObjectItem(sat, "backhaul"), "type"), "wifi");
    EXPECT_EQ(json::opt_string(sat, "parent"), json::opt_string(cJSON_GetArrayItem(nodes, 1), "mac"));
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(sat, "clients")), 1);
    EXPECT_EQ(json::opt_string(first, "node"), json::opt_string(cJSON_GetArrayItem(nodes, 0), "mac"));
    // All answers came from one session (the cache), and the session was closed.
    EXPECT_EQ(s->stat("logins_ok"), 1);
    EXPECT_EQ(s->stat("logouts"), 1);
    auto list_answer = b->get("/modems");
    auto modems = parse(list_answer);
    EXPECT_EQ(json::opt_int(modems.get(), "total"), 1);
}

// Hosts and optical levels equal the board fixture's ground truth (boards/tplink-xx230v/fixtures/truth.json).
TEST_F(BridgeApi, HostsAndOpticalMatchTheFixtureTruth) {
    auto truth = json::parse_file(TPLINK_BOARD_FIXTURE "/truth.json", 4 << 20);
    if (!truth) GTEST_SKIP() << "no board fixture: " << truth.error().message;
    auto s = sim({"--fixture", TPLINK_BOARD_FIXTURE, "--variant", "cbc-oaep"});
    ASSERT_TRUE(s);
    auto b = Bridge::start({{"xx230v", s->host(), "password", ""}});
    ASSERT_TRUE(b);
    auto answer = b->get("/modems/xx230v/hosts");
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto doc = parse(answer);
    const cJSON* want = cJSON_GetObjectItem(truth->get(), "hosts");
    const cJSON* got = cJSON_GetObjectItem(doc.get(), "hosts");
    ASSERT_EQ(cJSON_GetArraySize(got), cJSON_GetArraySize(want));
    EXPECT_EQ(json::opt_int(doc.get(), "total"), cJSON_GetArraySize(want));
    int i = 0;
    const cJSON* w = nullptr;
    cJSON_ArrayForEach(w, want) {
        const cJSON* g = cJSON_GetArrayItem(got, i++);
        auto want_mac = MacAddress::parse(json::opt_string(w, "mac").value_or(""));
        auto got_mac = MacAddress::parse(json::opt_string(g, "mac").value_or(""));
        ASSERT_TRUE(want_mac && got_mac);
        EXPECT_EQ(*got_mac, *want_mac);
        EXPECT_EQ(json::opt_string(g, "ip"), json::opt_string(w, "ip"));
        EXPECT_EQ(json::opt_string(g, "name").value_or(""), json::opt_string(w, "hostname").value_or(""));
        std::string kind = json::opt_string(w, "kind").value_or("");
        std::string where = json::opt_string(w, "where").value_or("");
        if (kind == "wifi") {
            bool five =
                where.rfind("rai", 0) == 0 || (where.size() >= 2 && where.substr(where.size() - 2) == "5g");
            EXPECT_EQ(json::opt_string(g, "band"), five ? "5G" : "2.4G") << where;
        } else {
            EXPECT_EQ(json::opt_string(g, "band"), "wired") << kind;
        }
        if (kind == "gone" || kind == "expired") {
            EXPECT_EQ(json::opt_bool(g, "active"), false);
        }
    }
    const cJSON* optical = cJSON_GetObjectItem(truth->get(), "optical");
    auto o = parse(b->get("/modems/xx230v/optical"));
    for (auto [truth_key, api_key] : {std::pair{"rx_dbm", "rxDbm"}, std::pair{"tx_dbm", "txDbm"}}) {
        const cJSON* t = cJSON_GetObjectItem(optical, truth_key);
        if (!cJSON_IsNumber(t)) continue;
        const cJSON* v = cJSON_GetObjectItem(o.get(), api_key);
        ASSERT_TRUE(cJSON_IsNumber(v)) << api_key;
        EXPECT_NEAR(v->valuedouble, t->valuedouble, 0.05) << api_key;  // 0.1 µW resolution at the modem
    }
}

// Wrong password: 502 naming the failure, then 503 with a retry-after; no second login reaches the modem,
// not even with ?refresh; the password appears in no answer and no log line.
TEST_F(BridgeApi, WrongPasswordGives502ThenBacksOffWithoutASecondLogin) {
    auto s = sim({});
    ASSERT_TRUE(s);
    const std::string secret = "Wr0ng-" + random_hex(6);
    auto b = Bridge::start({{"m1", s->host(), secret, "cbc-raw"}});
    ASSERT_TRUE(b);
    auto first = b->get("/modems/m1/hosts");
    EXPECT_EQ(first.status, 502) << first.body;
    EXPECT_NE(first.body.find("wrong user or password"), std::string::npos) << first.body;
    EXPECT_NE(first.body.find("modem m1"), std::string::npos) << first.body;
    auto second = b->get("/modems/m1/hosts");
    EXPECT_EQ(second.status, 503) << second.body;
    ASSERT_TRUE(second.headers.count("retry-after"));
    EXPECT_GT(std::stol(second.headers["retry-after"]), 0);
    EXPECT_GT(json::opt_int(parse(second).get(), "retryAfterS").value_or(0), 0);
    auto forced = b->get("/modems/m1/optical?refresh");
    EXPECT_EQ(forced.status, 503) << forced.body;
    EXPECT_EQ(s->stat("logins_failed"), 1);
    EXPECT_EQ(s->stat("gdpr_parm"), 1);  // one login attempt began, ever
    auto health = b->get("/health");
    ASSERT_EQ(health.status, 200);
    auto hd = parse(health);
    const cJSON* m = find_by_id(cJSON_GetObjectItem(hd.get(), "modems"), "m1");
    ASSERT_NE(m, nullptr) << health.body;
    EXPECT_EQ(json::opt_string(m, "state"), "backing_off");
    const cJSON* backoff = cJSON_GetObjectItem(m, "backoff");
    EXPECT_EQ(json::opt_int(backoff, "failedLogins"), 1);
    EXPECT_GT(json::opt_int(backoff, "retryAfterS").value_or(0), 0);
    EXPECT_EQ(json::opt_string(backoff, "lastFailure"), "bad-credentials");
    EXPECT_EQ(json::opt_string(hd.get(), "status"), "degraded");
    for (const auto* text : {&first.body, &second.body, &forced.body, &health.body})
        EXPECT_EQ(text->find(secret), std::string::npos) << *text;
    EXPECT_EQ(b->log().find(secret), std::string::npos);
    EXPECT_EQ(read_text(b->dir + "/state/tplink-state.json").find(secret), std::string::npos);
    // Issue 10 item 10: the state is the owner's only.
    namespace fs = std::filesystem;
    EXPECT_EQ(fs::status(b->dir + "/state/tplink-state.json").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::status(b->dir + "/state").permissions() & fs::perms::all, fs::perms::owner_all);
}

// The back-off survives a restart of cpe-bridge (state_dir): the new process does not log in either.
TEST_F(BridgeApi, BackoffSurvivesARestart) {
    auto s = sim({});
    ASSERT_TRUE(s);
    std::string state_copy;
    {
        auto b = Bridge::start({{"m1", s->host(), "nope-nope", "cbc-raw"}});
        ASSERT_TRUE(b);
        EXPECT_EQ(b->get("/modems/m1/hosts").status, 502);
        b->child->stop();
        state_copy = read_text(b->dir + "/state/tplink-state.json");
    }
    ASSERT_FALSE(state_copy.empty());
    auto b = Bridge::start({{"m1", s->host(), "nope-nope", "cbc-raw"}});
    ASSERT_TRUE(b);
    std::filesystem::create_directories(b->dir + "/state");
    // The state file is read at start: restart once more with the saved state in place.
    write_file(b->dir + "/state/tplink-state.json", state_copy);
    b->child->stop();
    auto child = Child::start({CPE_BRIDGE, "--config", b->dir + "/bridge.json"}, b->dir + "/bridge.log");
    ASSERT_TRUE(child) << child.error().message;
    b->child = std::move(*child);
    b->port = std::stoi(b->child->first_line().substr(b->child->first_line().rfind(' ') + 1));
    EXPECT_EQ(b->get("/modems/m1/hosts?refresh=1").status, 503);
    EXPECT_EQ(s->stat("logins_failed"), 1);
}

// Concurrent requests for one modem share one session (one login); with ?refresh they are serialised: never
// two sessions at once, never a login that kicks out another of ours.
TEST_F(BridgeApi, ConcurrentRequestsForOneModemAreSerialised) {
    auto s = sim({"--count", "2"});
    ASSERT_TRUE(s);
    auto b =
        Bridge::start({{"m1", s->host(0), "password", "cbc-raw"}, {"m2", s->host(1), "password", "cbc-raw"}});
    ASSERT_TRUE(b);
    std::atomic<int> ok{0};
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < 6; ++i)
            threads.emplace_back([&, i] {
                auto r = b->get(i % 2 ? "/modems/m1/hosts" : "/modems/m1/optical");
                if (r.status == 200)
                    ++ok;
                else
                    ADD_FAILURE() << r.status << " " << r.body;
            });
        for (auto& t : threads) t.join();
    }
    EXPECT_EQ(ok.load(), 6);
    EXPECT_EQ(s->stat("logins_ok", 0), 1);  // coalesced onto one read, or served from its cache
    ok = 0;
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                auto r = b->get(std::string(i % 2 ? "/modems/m1" : "/modems/m2") + "/hosts?refresh");
                if (r.status == 200)
                    ++ok;
                else
                    ADD_FAILURE() << r.status << " " << r.body;
            });
        for (auto& t : threads) t.join();
    }
    EXPECT_EQ(ok.load(), 8);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_GE(s->stat("logins_ok", i), 1);
        EXPECT_LE(s->stat("logins_ok", i), 5);
        EXPECT_EQ(s->stat("max_in_flight", i), 1);
        EXPECT_EQ(s->stat("logins_refused_busy", i), 0);  // every session closed before the next login
        EXPECT_EQ(s->stat("open_sessions", i), 0);
        EXPECT_EQ(s->stat("stale_session", i), 0);
        EXPECT_EQ(s->stat("logins_ok", i), s->stat("logouts", i));
    }
}

TEST_F(BridgeApi, CacheServesRepeatsAndRefreshReadsAgain) {
    auto s = sim({});
    ASSERT_TRUE(s);
    auto b = Bridge::start({{"m1", s->host(), "password", ""}});
    ASSERT_TRUE(b);
    auto a = b->get("/modems/m1/hosts");
    EXPECT_EQ(a.headers["x-cache"], "miss");
    auto c = b->get("/modems/m1/hosts");
    EXPECT_EQ(c.headers["x-cache"], "hit");
    EXPECT_EQ(a.body, c.body);
    EXPECT_EQ(s->stat("logins_ok"), 1);
    auto r = b->get("/modems/m1/hosts?refresh=true");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["x-cache"], "miss");
    EXPECT_EQ(s->stat("logins_ok"), 2);
    EXPECT_EQ(b->get("/modems/m1/hosts?refresh=0").headers["x-cache"], "hit");
    EXPECT_EQ(s->stat("logins_ok"), 2);
}

TEST_F(BridgeApi, BadRequestsAreRefusedNamingWhatWasWrong) {
    auto s = sim({});
    ASSERT_TRUE(s);
    auto b = Bridge::start({{"m1", s->host(), "password", ""}});
    ASSERT_TRUE(b);
    auto unknown = b->get("/modems/nosuch/hosts");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("nosuch"), std::string::npos);
    auto typo = b->get("/modems/m1/hosts?refresh=maybe");
    EXPECT_EQ(typo.status, 400);
    EXPECT_NE(typo.body.find("refresh"), std::string::npos);
    auto key = b->get("/modems/m1/hosts?refrsh");
    EXPECT_EQ(key.status, 400);
    EXPECT_NE(key.body.find("refrsh"), std::string::npos);
    EXPECT_EQ(b->get("/modems/m1/nothing").status, 404);
    EXPECT_EQ(b->get("/olts/none/pons/1/1").status, 404);
    EXPECT_EQ(b->get("/olts/none/pons/x/1").status, 400);
    EXPECT_EQ(s->stat("gdpr_parm"), 0);  // none of these reached the modem
}

// A modem that does not answer: 502/504 naming it, the bridge stays up and serves the other modem.
TEST_F(BridgeApi, UnreachableModemIsAnErrorNotAHang) {
    auto s = sim({});
    ASSERT_TRUE(s);
    auto b = Bridge::start({{"up", s->host(), "password", ""}, {"down", "127.0.0.1:1", "password", ""}});
    ASSERT_TRUE(b);
    auto down = b->get("/modems/down/status");
    EXPECT_TRUE(down.status == 502 || down.status == 504) << down.status << " " << down.body;
    EXPECT_NE(down.body.find("modem down"), std::string::npos) << down.body;
    EXPECT_EQ(b->get("/modems/up/status").status, 200);
    auto hd = parse(b->get("/health"));
    EXPECT_EQ(json::opt_string(find_by_id(cJSON_GetObjectItem(hd.get(), "modems"), "down"), "state"),
              "error");
    EXPECT_EQ(json::opt_string(find_by_id(cJSON_GetObjectItem(hd.get(), "modems"), "up"), "state"), "ok");
}

// ---------------------------------------------------------------- OLT

TEST_F(BridgeApi, OltPonTableWithOfflineOnus) {
    auto olt = SnmpdSim::start({{"--pon", "1/2/16", "--pon", "1/3/4"}, ""});
    ASSERT_TRUE(olt) << olt.error().message;
    auto b = Bridge::start({}, {{"olt1", (*olt)->port(), (*olt)->community(), {{1, 2}, {1, 3}}}});
    ASSERT_TRUE(b);
    auto answer = b->get("/olts/olt1/pons/1/2");
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto doc = parse(answer);
    EXPECT_EQ(json::opt_bool(doc.get(), "complete"), true);
    EXPECT_EQ(json::opt_int(doc.get(), "slot"), 1);
    EXPECT_EQ(json::opt_int(doc.get(), "port"), 2);
    auto dump = sim_dump({"--pon", "1/2/16"});
    ASSERT_TRUE(dump) << dump.error().message;
    auto want = json::parse(*dump, "sim --dump");
    ASSERT_TRUE(want);
    const cJSON* onus = cJSON_GetObjectItem(doc.get(), "onus");
    ASSERT_EQ(cJSON_GetArraySize(onus), cJSON_GetArraySize(want->get()));
    int offline = 0;
    const cJSON* w = nullptr;
    int i = 0;
    cJSON_ArrayForEach(w, want->get()) {
        const cJSON* g = cJSON_GetArrayItem(onus, i++);
        SCOPED_TRACE("ONU " + std::to_string(cJSON_GetObjectItem(w, "onu")->valueint));
        EXPECT_EQ(json::opt_int(g, "onu"), json::opt_int(w, "onu"));
        EXPECT_EQ(json::opt_string(g, "serial"), json::opt_string(w, "serial"));
        EXPECT_EQ(json::opt_string(g, "status"), json::opt_string(w, "status"));
        for (const char* key :
             {"rx_dbm", "tx_dbm", "olt_rx_dbm", "temperature_c", "voltage_v", "distance_m"}) {
            const cJSON* wv = cJSON_GetObjectItem(w, key);
            const cJSON* gv = cJSON_GetObjectItem(g, key);
            if (cJSON_IsNull(wv)) {
                EXPECT_TRUE(gv == nullptr || cJSON_IsNull(gv)) << key;  // offline: null, never 0
            } else {
                ASSERT_TRUE(cJSON_IsNumber(gv)) << key;
                EXPECT_NEAR(gv->valuedouble, wv->valuedouble, 1e-9) << key;
            }
        }
        if (!cJSON_IsTrue(cJSON_GetObjectItem(w, "online"))) {
            ++offline;
            const cJSON* reason = cJSON_GetObjectItem(g, "offline_reason");
            ASSERT_TRUE(cJSON_IsObject(reason));
            EXPECT_EQ(json::opt_int(reason, "code"), cJSON_GetObjectItem(w, "offline_reason")->valueint);
        } else {
            EXPECT_TRUE(cJSON_IsNull(
                cJSON_GetObjectItem(g, "offline_reason")));  // online: a stale cause is not shown
        }
    }
    EXPECT_EQ(offline, 2);  // ONU 5 (offline, deactivated) and 11 (pending, after a branch fibre cut)
    EXPECT_EQ(json::opt_string(cJSON_GetArrayItem(onus, 4), "status"), "offline");
    EXPECT_EQ(json::opt_string(cJSON_GetObjectItem(cJSON_GetArrayItem(onus, 4), "offline_reason"), "text"),
              "deactivated");
    EXPECT_EQ(json::opt_string(cJSON_GetArrayItem(onus, 10), "status"), "pending");
    EXPECT_EQ(json::opt_string(doc.get(), "index_scheme"), "type2id");
    EXPECT_EQ(json::opt_string(doc.get(), "index_scheme_source"), "detected");
    auto small = parse(b->get("/olts/olt1/pons/1/3"));
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(small.get(), "onus")), 4);
    auto not_configured = b->get("/olts/olt1/pons/1/4");
    EXPECT_EQ(not_configured.status, 404);
    EXPECT_NE(not_configured.body.find("1/4"), std::string::npos);
    auto hd = parse(b->get("/health"));
    const cJSON* o = find_by_id(cJSON_GetObjectItem(hd.get(), "olts"), "olt1");
    ASSERT_NE(o, nullptr);
    const cJSON* p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "pons"), 0);
    EXPECT_EQ(json::opt_string(p0, "state"), "ok");
    EXPECT_EQ(json::opt_int(p0, "onus"), 16);
    auto olt_text = b->get("/olts").body + b->get("/health").body + answer.body + b->log();
    EXPECT_EQ(olt_text.find((*olt)->community()), std::string::npos);
}

TEST_F(BridgeApi, OltFirmwareConfiguredOrProbedOnce) {
    // A legacy-firmware OLT (issue 17): configured as such, or probed once and then read without probing.
    auto olt = SnmpdSim::start({{"--pon", "1/1/128", "--pon", "1/2/128", "--scheme", "legacy"}, ""});
    ASSERT_TRUE(olt) << olt.error().message;
    auto b = Bridge::start({}, {{"old", (*olt)->port(), (*olt)->community(), {{1, 1}}, "1.8"},
                                {"auto", (*olt)->port(), (*olt)->community(), {{1, 1}, {1, 2}}}});
    ASSERT_TRUE(b);
    auto configured = parse(b->get("/olts/old/pons/1/1"));
    EXPECT_EQ(json::opt_bool(configured.get(), "complete"), true);
    EXPECT_EQ(json::opt_string(configured.get(), "index_scheme"), "legacy");
    EXPECT_EQ(json::opt_string(configured.get(), "index_scheme_source"), "configured");
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(configured.get(), "onus")), 128);
    auto first = parse(b->get("/olts/auto/pons/1/1"));
    auto second = parse(b->get("/olts/auto/pons/1/2"));
    for (const auto* doc : {&first, &second}) {
        EXPECT_EQ(json::opt_bool(doc->get(), "complete"), true);
        EXPECT_EQ(json::opt_string(doc->get(), "index_scheme"), "legacy");
        EXPECT_EQ(json::opt_string(doc->get(), "index_scheme_source"), "detected");
        EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(doc->get(), "onus")), 128);
    }
    // Same-sized PONs: the second read is the first without its probe.
    EXPECT_EQ(json::opt_int(second.get(), "requests"),
              json::opt_int(first.get(), "requests").value_or(0) - 1);
    EXPECT_EQ(json::opt_int(configured.get(), "requests"), json::opt_int(second.get(), "requests"));
}

TEST_F(BridgeApi, OltThatDoesNotAnswerGives504) {
    auto olt = SnmpdSim::start({{"--pon", "1/1/4"}, ""});
    ASSERT_TRUE(olt) << olt.error().message;
    auto b = Bridge::start({}, {{"olt1", (*olt)->port(), (*olt)->community(), {{1, 1}}}},
                           ",\"timeouts\":{\"olt_request_ms\":300,\"olt_retries\":0}");
    ASSERT_TRUE(b);
    (*olt)->stop();
    auto answer = b->get("/olts/olt1/pons/1/1");
    EXPECT_EQ(answer.status, 504) << answer.body;
    EXPECT_NE(answer.body.find("olt1"), std::string::npos) << answer.body;
    auto hd = parse(b->get("/health"));
    const cJSON* p0 = cJSON_GetArrayItem(
        cJSON_GetObjectItem(find_by_id(cJSON_GetObjectItem(hd.get(), "olts"), "olt1"), "pons"), 0);
    EXPECT_EQ(json::opt_string(p0, "state"), "error");
}

// ---------------------------------------------------------------- configuration

struct BadConfig {
    const char* name;
    std::string config;
    std::string must_name;
};

TEST(BridgeConfig, BadConfigExitsNonZeroNamingTheField) {
    std::string dir = make_temp_dir("cpe-bridge-cfg");
    write_file(dir + "/ok.secret", "password=x\n");
    write_file(dir + "/open.secret", "password=x\n", 0644);
    write_file(dir + "/c.community", "public\n");
    const std::string m = R"({"id":"m1","host":"127.0.0.1:9","secret_file":"ok.secret"})";
    std::vector<BadConfig> cases = {
        {"not json", "{", "bridge.json"},
        {"no state_dir", "{\"modems\":[" + m + "]}", "state_dir"},
        {"unknown key", R"({"state_dir":"s","modemz":[]})", "modemz"},
        {"missing secret_file", R"({"state_dir":"s","modems":[{"id":"m1","host":"h"}]})",
         "modems[0].secret_file"},
        {"secret file absent", R"({"state_dir":"s","modems":[{"id":"m1","host":"h","secret_file":"none"}]})",
         "modems[0].secret_file"},
        {"bad variant",
         R"({"state_dir":"s","modems":[{"id":"m1","host":"h","secret_file":"ok.secret","variant":"x"}]})",
         "modems[0].variant"},
        {"bad id", R"({"state_dir":"s","modems":[{"id":"a/b","host":"h","secret_file":"ok.secret"}]})",
         "modems[0].id"},
        {"duplicate id", "{\"state_dir\":\"s\",\"modems\":[" + m + "," + m + "]}", "modems[1].id"},
        {"port range", "{\"state_dir\":\"s\",\"http\":{\"port\":70000},\"modems\":[" + m + "]}", "http.port"},
        {"slot range",
         R"({"state_dir":"s","olts":[{"id":"o","host":"h","community_file":"c.community","pons":[{"slot":100,"port":1}]}]})",
         "olts[0].pons[0].slot"},
        {"bad firmware",
         R"({"state_dir":"s","olts":[{"id":"o","host":"h","community_file":"c.community","firmware":"newest","pons":[{"slot":1,"port":1}]}]})",
         "olts[0].firmware"},
        {"slot beyond type2id",
         R"({"state_dir":"s","olts":[{"id":"o","host":"h","community_file":"c.community","firmware":"3.1","pons":[{"slot":40,"port":1}]}]})",
         "olts[0].pons[0]"},
        {"two credentials",
         R"({"state_dir":"s","olts":[{"id":"o","host":"h","community_file":"c","v3_file":"v","pons":[{"slot":1,"port":1}]}]})",
         "olts[0]"},
        {"timeouts type",
         "{\"state_dir\":\"s\",\"timeouts\":{\"modem_total_ms\":\"10\"},\"modems\":[" + m + "]}",
         "timeouts.modem_total_ms"},
        {"nothing to serve", R"({"state_dir":"s"})", "modems"},
        {"reserve not below max",
         "{\"state_dir\":\"s\",\"backoff\":{\"modem_max_attempts\":3,\"reserve_attempts\":3},\"modems\":[" +
             m + "]}",
         "backoff.reserve_attempts"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        write_file(dir + "/bridge.json", c.config, 0644);
        std::string out;
        const int rc = cpe::testkit::capture({CPE_BRIDGE, "--config", dir + "/bridge.json"}, out);
        ASSERT_TRUE(rc >= 0 && rc < 128) << "not an exit of its own: " << rc << "\n" << out;
        EXPECT_NE(rc, 0) << out;
        EXPECT_EQ(out.find("LISTENING"), std::string::npos) << out;
        EXPECT_NE(out.find(c.must_name), std::string::npos) << out;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace cpe::test
