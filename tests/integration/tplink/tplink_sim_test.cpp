// The TP-Link client end to end against the python simulator (an independent implementation of the modem
// side, tests/sim/tplink/tplink_sim.py), started as a process on free loopback ports.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "kit/kit.hpp"
#include "scheduler.hpp"

namespace cpe::tplink {
namespace {

class Sim {
  public:
    static std::unique_ptr<Sim> start(std::vector<std::string> extra) {
        std::vector<std::string> args = {TPLINK_PYTHON, TPLINK_SIM};
        if (std::find(extra.begin(), extra.end(), "--fixture") == extra.end()) {
            args.push_back("--fixture");  // built-in data unless a test asks for the board fixture
            args.push_back("");
        }
        args.insert(args.end(), extra.begin(), extra.end());
        auto process = testkit::SimProcess::start(args, 30);
        if (!process) return nullptr;
        auto sim = std::unique_ptr<Sim>(new Sim(std::move(process)));
        sim->ports = sim->process_->ports();
        return sim;
    }
    std::string host(size_t i = 0) const { return "127.0.0.1:" + std::to_string(ports.at(i)); }

    void control(const std::string& path, const std::string& body, size_t i = 0) {
        auto http = HttpClient::create(host(i), {});
        ASSERT_TRUE(http);
        auto r = http->post(path, body);
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_EQ(r->status, 200) << path;
    }
    int64_t stat(const char* key, size_t i = 0) {
        auto http = HttpClient::create(host(i), {});
        if (!http) return -1;
        auto r = http->get("/__sim/stats");
        if (!r) return -1;
        auto doc = json::parse(r->body, "sim stats");
        if (!doc) return -1;
        return json::opt_int(doc->get(), key).value_or(-1);
    }

    std::vector<int> ports;

  private:
    explicit Sim(std::unique_ptr<testkit::SimProcess> process) : process_(std::move(process)) {}
    std::unique_ptr<testkit::SimProcess> process_;
};

ModemConfig modem_for(const Sim& sim, std::optional<Variant> variant = std::nullopt, size_t i = 0) {
    ModemConfig m;
    m.host = sim.host(i);
    m.credentials.password = "password";  // the simulator's default
    m.variant = variant;
    m.timeouts.connect_ms = 2000;
    m.timeouts.total_ms = 5000;
    return m;
}

struct FakeClock {
    std::atomic<int64_t> now{1'700'000'000};
    std::function<int64_t()> fn() {
        return [this] { return now.load(); };
    }
};

std::unique_ptr<ModemScheduler> scheduler(FakeClock& clock, std::string state_file = "") {
    SchedulerOptions o;
    o.policy.base_backoff_s = 60;
    o.policy.max_backoff_s = 3600;
    o.policy.lockout_margin_s = 5;
    o.clock = clock.fn();
    o.state_file = std::move(state_file);
    auto s = ModemScheduler::create(o);
    EXPECT_TRUE(s);
    return s ? std::move(*s) : nullptr;
}

void expect_full_snapshot(const Snapshot& s) {
    EXPECT_EQ(s.model, "XX230v");
    EXPECT_NE(s.software_version.find("Build 220630"), std::string::npos);
    // The live WAN of the real XX230v dump: ppp0 (IP interface 6), the last of four enabled instances.
    EXPECT_EQ(s.wan.ipv4, "192.168.89.137");
    EXPECT_EQ(s.wan.name, "pppoe_gpon_2_1");
    EXPECT_EQ(s.wan.gateway, "192.168.89.1");
    EXPECT_EQ(s.lan.ipv4, "192.168.1.1");
    EXPECT_EQ(s.lan.mac, "1C:61:B4:FB:2A:C8");
    EXPECT_EQ(s.wifi.size(), 2u);
    ASSERT_EQ(s.hosts.size(), 6u);
    EXPECT_EQ(s.hosts[0].band.name, "5G");
    EXPECT_EQ(s.hosts[0].mac->str(), "3c:06:30:2d:42:fb");
    ASSERT_TRUE(s.optical.rx_dbm);
    EXPECT_NEAR(*s.optical.rx_dbm, -2.4995, 1e-3);
    EXPECT_EQ(s.mem_total_kib, 212544);
    EXPECT_EQ(s.cpu_percent, 3);
    // The mesh: the dump's controller and the simulator's two (assumed) satellites, a tree.
    ASSERT_TRUE(s.mesh_supported);
    ASSERT_EQ(s.mesh.size(), 3u);
    EXPECT_EQ(s.mesh[0].role, "controller");
    EXPECT_EQ(s.mesh[0].mac, "1c:61:b4:fb:2a:c8");
    EXPECT_EQ(s.mesh[0].name, "XX230v_2AC8");
    EXPECT_EQ(s.mesh[0].backhaul, "");
    EXPECT_EQ(s.mesh[1].role, "satellite");
    EXPECT_EQ(s.mesh[1].backhaul, "wired");
    EXPECT_EQ(s.mesh[1].parent_mac, s.mesh[0].mac);
    EXPECT_EQ(s.mesh[2].backhaul, "wifi");
    EXPECT_EQ(s.mesh[2].parent_mac, s.mesh[1].mac);
    EXPECT_EQ(s.mesh[2].signal, 162);
    EXPECT_EQ(s.mesh[2].link_rate, 1201);
    for (const auto& n : s.mesh) EXPECT_EQ(n.clients.size(), 1u) << n.mac;
    EXPECT_EQ(s.mesh[0].clients[0].mac, "3c:06:30:2d:42:fb");
    EXPECT_EQ(s.hosts[0].node_mac, s.mesh[0].mac);  // hosts grouped by node
    EXPECT_EQ(s.hosts[1].node_mac, s.mesh[1].mac);
    EXPECT_EQ(s.hosts[3].node_mac, s.mesh[2].mac);
    EXPECT_EQ(s.hosts[2].node_mac, "");  // wired: no Wi-Fi node
}

// ---------------------------------------------------------------- variants

struct VariantCase {
    const char* sim_variant;
    bool auto_detect;
    bool hide_js;
    bool gcm_joined = false;  // answers as base64(cipher || tag) (VX220, tplinkrouterc6u PR #143)
};

// After a read cycle the modem holds no session of ours, and nothing was refused on the way.
void expect_session_closed(Sim& sim) {
    EXPECT_EQ(sim.stat("open_sessions"), 0);
    EXPECT_EQ(sim.stat("logouts_refused"), 0);
    EXPECT_EQ(sim.stat("go_on_list"), 0);
    EXPECT_EQ(sim.stat("logins_refused_busy"), 0);
}

void PrintTo(const VariantCase& c, std::ostream* os) {
    *os << c.sim_variant << (c.auto_detect ? " auto" : " explicit");
}

class TplinkVariants : public ::testing::TestWithParam<VariantCase> {};

TEST_P(TplinkVariants, LoginReadsLogout) {
    const VariantCase& c = GetParam();
    std::vector<std::string> args = {"--variant", c.sim_variant};
    if (c.hide_js) args.push_back("--no-encrypt-js");
    if (c.gcm_joined) args.push_back("--gcm-joined");
    auto sim = Sim::start(args);
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    std::optional<Variant> v;
    if (!c.auto_detect) v = *parse_variant(c.sim_variant);
    PollReport rep;
    auto snap = sched->poll(modem_for(*sim, v), &rep);
    ASSERT_TRUE(snap) << snap.error().message;
    expect_full_snapshot(*snap);
    EXPECT_EQ(snap->variant, c.sim_variant);
    EXPECT_EQ(sim->stat("logins_ok"), 1);
    EXPECT_EQ(sim->stat("logins_failed"), 0);
    EXPECT_EQ(sim->stat("logouts"), 1);
    EXPECT_EQ(sim->stat("acts"), 11);  // 8 reads + 2 mesh reads + logout
    expect_session_closed(*sim);
    EXPECT_EQ(sched->guard_record(sim->host()).variant, c.sim_variant);
    // The remembered variant is used next time: no new detection (no new bad signs).
    int64_t bad_signs = sim->stat("bad_signs");
    auto again = sched->poll(modem_for(*sim));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(sim->stat("bad_signs"), bad_signs);
    EXPECT_EQ(sim->stat("logins_ok"), 2);
    expect_session_closed(*sim);
}

INSTANTIATE_TEST_SUITE_P(
    Sim, TplinkVariants,
    ::testing::Values(VariantCase{"cbc-raw", false, false}, VariantCase{"cbc-oaep", false, false},
                      VariantCase{"gcm", false, false}, VariantCase{"gcm-oaep", false, false},
                      VariantCase{"cbc-raw", true, false}, VariantCase{"cbc-oaep", true, false},
                      VariantCase{"gcm", true, false}, VariantCase{"gcm-oaep", true, true},
                      VariantCase{"gcm", false, false, true}, VariantCase{"gcm-oaep", false, false, true}),
    [](const auto& param_info) {
        std::string n = std::string(param_info.param.sim_variant) +
                        (param_info.param.auto_detect ? "_auto" : "_explicit") +
                        (param_info.param.hide_js ? "_probing" : "") +
                        (param_info.param.gcm_joined ? "_joined_tag" : "");
        for (char& ch : n)
            if (ch == '-') ch = '_';
        return n;
    });

TEST(TplinkSim, WrongSignIsDroppedAndReported) {
    auto sim = Sim::start({"--variant", "cbc-oaep"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    auto snap = sched->poll(modem_for(*sim, kCbcRaw));
    ASSERT_FALSE(snap);
    EXPECT_NE(snap.error().message.find("connection dropped"), std::string::npos) << snap.error().message;
    EXPECT_EQ(sim->stat("bad_signs"), 1);
    EXPECT_EQ(sim->stat("logins_failed"), 0);
}

// ---------------------------------------------------------------- credentials and back-off

TEST(TplinkSim, WrongPasswordBacksOffWithoutRetrying) {
    auto sim = Sim::start({});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    ModemConfig m = modem_for(*sim, kCbcRaw);
    m.credentials.password = "not-the-password-7f3a";
    PollReport rep;
    auto snap = sched->poll(m, &rep);
    ASSERT_FALSE(snap);
    EXPECT_EQ(snap.error().code, Errc::denied);
    EXPECT_NE(snap.error().message.find("71233"), std::string::npos) << snap.error().message;
    EXPECT_EQ(snap.error().message.find("not-the-password-7f3a"), std::string::npos);
    for (int i = 0; i < 5; ++i) {
        clock.now += 10;
        auto held = sched->poll(m, &rep);
        ASSERT_FALSE(held);
        EXPECT_TRUE(rep.held_back);
        EXPECT_EQ(held.error().message.find("not-the-password-7f3a"), std::string::npos);
    }
    EXPECT_EQ(sim->stat("logins_failed"), 1);
    EXPECT_EQ(sim->stat("gdpr_parm"), 1);
}

TEST(TplinkSim, LockoutIsRecognisedAndAtMostOneFailurePerWindow) {
    auto sim = Sim::start({"--max-failures", "3", "--forbid-seconds", "3600"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    ModemConfig m = modem_for(*sim, kCbcRaw);
    m.credentials.password = "wrong";
    int windows = 0;
    PollReport rep;
    // Hammer the scheduler every 7 fake seconds for 30 minutes: only one attempt per back-off window reaches
    // the modem.
    for (int step = 0; step < 260 && !rep.lockout; ++step) {
        auto r = sched->poll(m, &rep);
        ASSERT_FALSE(r);
        if (!rep.held_back) ++windows;
        clock.now += 7;
    }
    ASSERT_TRUE(rep.lockout) << "no lockout reported";
    EXPECT_EQ(windows, 3);  // 3 failures lock the simulated modem; the 3rd answer carries the forbid time
    EXPECT_EQ(sim->stat("logins_failed"), 3);
    GuardRecord rec = sched->guard_record(m.host);
    EXPECT_TRUE(rec.locked);
    EXPECT_GE(rec.blocked_until, clock.now.load() + 3600 - 10);
    // Within the forbid time nothing is sent, even with the right password.
    m.credentials.password = "password";
    clock.now += 1800;
    auto held = sched->poll(m, &rep);
    ASSERT_FALSE(held);
    EXPECT_TRUE(rep.held_back);
    EXPECT_TRUE(rep.lockout);
    EXPECT_EQ(sim->stat("logins_failed") + sim->stat("logins_locked") + sim->stat("logins_ok"), 3);
}

TEST(TplinkSim, BackoffStateSurvivesARestart) {
    auto sim = Sim::start({});
    ASSERT_TRUE(sim);
    std::string state = ::testing::TempDir() + "/tplink_sched_state.json";
    std::remove(state.c_str());
    FakeClock clock;
    ModemConfig m = modem_for(*sim, kCbcRaw);
    m.credentials.password = "wrong";
    {
        auto sched = scheduler(clock, state);
        ASSERT_FALSE(sched->poll(m));
    }
    auto restarted = scheduler(clock, state);
    PollReport rep;
    ASSERT_FALSE(restarted->poll(m, &rep));
    EXPECT_TRUE(rep.held_back);
    EXPECT_EQ(sim->stat("logins_failed"), 1);
    std::remove(state.c_str());
}

// ---------------------------------------------------------------- one session at a time

TEST(TplinkSim, ConcurrentPollsOfOneModemAreSerialised) {
    auto sim = Sim::start({"--count", "2"});
    ASSERT_TRUE(sim);
    ASSERT_EQ(sim->ports.size(), 2u);
    FakeClock clock;
    auto sched = scheduler(clock);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
        threads.emplace_back([&, i] {
            auto r = sched->poll(modem_for(*sim, kCbcRaw, i % 2));
            if (r)
                ++ok;
            else
                ADD_FAILURE() << r.error().message;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 6);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(sim->stat("logins_ok", i), 3);
        EXPECT_EQ(sim->stat("logins_refused_busy", i), 0);  // every session was closed before the next login
        EXPECT_EQ(sim->stat("open_sessions", i), 0);
        EXPECT_EQ(sim->stat("stale_session", i), 0);
        EXPECT_EQ(sim->stat("max_in_flight", i), 1);
    }
}

TEST(TplinkSim, BrowserTakeoverReLogsInOnceAndIsReported) {
    auto sim = Sim::start({});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    sim->control("/__sim/takeover", R"({"after":3,"count":1})");
    PollReport rep;
    auto snap = sched->poll(modem_for(*sim, kCbcRaw), &rep);
    ASSERT_TRUE(snap) << snap.error().message;
    EXPECT_TRUE(rep.taken_over);
    EXPECT_TRUE(snap->session_taken_over);
    expect_full_snapshot(*snap);
    EXPECT_EQ(sim->stat("browser_logins"), 1);
    EXPECT_EQ(sim->stat("logins_ok"), 2);

    sim->control("/__sim/takeover", R"({"after":1,"count":5})");
    auto twice = sched->poll(modem_for(*sim, kCbcRaw), &rep);
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("taken over twice"), std::string::npos) << twice.error().message;
    EXPECT_EQ(sim->stat("logins_ok"), 4);  // one re-login only
    EXPECT_EQ(sim->stat("logins_failed"), 0);
}

// ---------------------------------------------------------------- faults

struct FaultCase {
    const char* body;
    Errc code;
    const char* words;
};

void PrintTo(const FaultCase& c, std::ostream* os) {
    *os << c.body;
}

class TplinkFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(TplinkFaults, AreClearErrorsAndTheNextPollWorks) {
    auto sim = Sim::start({"--variant", "gcm"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    sim->control("/__sim/fault", GetParam().body);
    ModemConfig m = modem_for(*sim, kGcmRaw);
    m.timeouts.total_ms = 1500;
    auto r = sched->poll(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, GetParam().code) << r.error().message;
    EXPECT_NE(r.error().message.find(GetParam().words), std::string::npos) << r.error().message;
    EXPECT_EQ(sim->stat("faults_applied"), 1);
    if (std::string(GetParam().body).find("login") != std::string::npos) {
        // The modem accepted the login whose answer we lost: its session stays open until the modem's idle
        // timeout (simulated) — the one session the bridge cannot close itself. Then the back-off passes.
        sim->control("/__sim/expire_sessions", "{}");
        clock.now += 3600;
    } else {
        EXPECT_EQ(sim->stat("open_sessions"), 0);  // a failed read still logs out
    }
    auto next = sched->poll(m);
    EXPECT_TRUE(next) << next.error().message;
    EXPECT_EQ(sim->stat("open_sessions"), 0);
}

// Every read cycle ends with a logout the modem accepts: the simulator refuses a second admin session while
// one is open, so five polls in a row only work if each one closed its session.
TEST(TplinkSim, SessionIsClosedAfterEveryReadCycle) {
    for (const char* variant : {"cbc-raw", "gcm", "gcm-oaep"}) {
        auto sim = Sim::start({"--variant", variant});
        ASSERT_TRUE(sim);
        FakeClock clock;
        auto sched = scheduler(clock);
        for (int i = 1; i <= 5; ++i) {
            auto snap = sched->poll(modem_for(*sim, *parse_variant(variant)));
            ASSERT_TRUE(snap) << variant << " poll " << i << ": " << snap.error().message;
            EXPECT_EQ(sim->stat("open_sessions"), 0) << variant << " poll " << i;
            EXPECT_EQ(sim->stat("logouts"), i) << variant;
        }
        expect_session_closed(*sim);
    }
}

// A session left open (here: a login whose answer was lost) makes the modem refuse the next login: the
// simulator would have caught a bridge that never logs out.
TEST(TplinkSim, SimulatorRefusesASecondSession) {
    auto sim = Sim::start({});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    sim->control("/__sim/fault", R"({"kind":"drop","target":"login"})");
    ASSERT_FALSE(sched->poll(modem_for(*sim, kCbcRaw)));
    EXPECT_EQ(sim->stat("open_sessions"), 1);
    clock.now += 3600;
    auto refused = sched->poll(modem_for(*sim, kCbcRaw));
    ASSERT_FALSE(refused);
    EXPECT_EQ(sim->stat("logins_refused_busy"), 1);
}

// A firmware without the mesh objects: the reads still succeed, with no mesh.
TEST(TplinkSim, NoMeshObjectsIsNoMesh) {
    auto sim = Sim::start({"--no-mesh"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    auto snap = sched->poll(modem_for(*sim, kCbcRaw));
    ASSERT_TRUE(snap) << snap.error().message;
    EXPECT_FALSE(snap->mesh_supported);
    EXPECT_TRUE(snap->mesh.empty());
    EXPECT_EQ(snap->hosts.size(), 6u);
    EXPECT_EQ(sim->stat("open_sessions"), 0);
}

// ---------------------------------------------------------------- login guard (issue 10 item 8)

// The modem says nothing about attempts (the EX lockout answer is unconfirmed) and locks for good after 5:
// the bridge stops with attempts to spare, whatever the clock does, until an operator clears the guard.
TEST(TplinkSim, SilentModemIsNeverLockedOut) {
    auto sim = Sim::start({"--lockout-answer", "none", "--max-failures", "5", "--forbid-seconds", "1e9"});
    ASSERT_TRUE(sim);
    std::string state = ::testing::TempDir() + "/tplink_silent_state.json";
    std::remove(state.c_str());
    FakeClock clock;
    auto sched = scheduler(clock, state);
    ModemConfig m = modem_for(*sim, kCbcRaw);
    m.credentials.password = "wrong";
    PollReport rep;
    for (int step = 0; step < 60; ++step) {  // 60 fake days, polled every 12 h
        (void)sched->poll(m, &rep);
        (void)sched->poll(m, &rep);
        clock.now += 86400;
    }
    EXPECT_EQ(sim->stat("logins_failed"), 4);  // 5 − reserve 2, plus the one after the stop window
    EXPECT_EQ(sim->stat("locked"), 0);
    EXPECT_TRUE(rep.held_back);
    EXPECT_TRUE(rep.needs_operator);
    // The operator fixes the password and clears the guard with the CLI while this scheduler keeps running.
    std::string probe_out;
    ASSERT_EQ(testkit::capture({TPLINK_PROBE, "--clear-guard", m.host, "--state-file", state}, probe_out,
                               120000, false),
              0)
        << probe_out;
    m.credentials.password = "password";
    auto snap = sched->poll(m, &rep);
    ASSERT_TRUE(snap) << snap.error().message;
    struct stat st {};
    ASSERT_EQ(stat(state.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::remove(state.c_str());
}

// The modem's own count (currAuthTimes, MR shape) is honoured: failures by someone else bring the stop
// closer.
TEST(TplinkSim, ModemAttemptCountIsHonoured) {
    auto sim = Sim::start({"--max-failures", "5", "--forbid-seconds", "1e9"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    ModemConfig m = modem_for(*sim, kCbcRaw);
    m.credentials.password = "wrong";
    auto other = scheduler(clock);  // a person, or another tool, with a wrong password
    ASSERT_FALSE(other->poll(m));
    ASSERT_FALSE(other->poll(m));  // held back: one attempt only
    auto sched = scheduler(clock);
    ASSERT_FALSE(sched->poll(m));  // the modem now says 2 used
    clock.now += 3600;
    PollReport rep;
    ASSERT_FALSE(sched->poll(m, &rep));  // 3 used: 2 left = the reserve → stopped after 2 of our own
    EXPECT_TRUE(sched->guard_record(m.host).stopped);
    clock.now += 3600;
    ASSERT_FALSE(sched->poll(m, &rep));
    EXPECT_TRUE(rep.held_back);
    EXPECT_EQ(sim->stat("logins_failed"), 3);
}

// An empty state file (a crash before the data reached the disk) does not reset the guard: no login is sent.
TEST(TplinkSim, EmptyStateFileDoesNotResetTheGuard) {
    auto sim = Sim::start({});
    ASSERT_TRUE(sim);
    std::string state = ::testing::TempDir() + "/tplink_empty_state.json";
    {
        FILE* f = std::fopen(state.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fclose(f);
    }
    FakeClock clock;
    auto sched = scheduler(clock, state);
    PollReport rep;
    ASSERT_FALSE(sched->poll(modem_for(*sim, kCbcRaw), &rep));
    EXPECT_TRUE(rep.held_back);
    EXPECT_EQ(sim->stat("gdpr_parm"), 0);
    std::remove(state.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Sim, TplinkFaults,
    ::testing::Values(FaultCase{R"({"kind":"garble","target":"act"})", Errc::parse_error, "encrypted answer"},
                      FaultCase{R"({"kind":"truncate","target":"act"})", Errc::parse_error,
                                "encrypted answer"},
                      FaultCase{R"({"kind":"drop","target":"act"})", Errc::io_error, "connection dropped"},
                      FaultCase{R"({"kind":"slow","target":"act","delay":4})", Errc::timeout, "in time"},
                      FaultCase{R"({"kind":"garble","target":"login"})", Errc::parse_error, "login to"},
                      FaultCase{R"({"kind":"drop","target":"login"})", Errc::io_error, "connection dropped"}),
    [](const auto& param_info) { return "case" + std::to_string(param_info.index); });

TEST(TplinkSim, UnreachableModemIsNotAFailedLogin) {
    FakeClock clock;
    auto sched = scheduler(clock);
    ModemConfig m;
    m.host = "127.0.0.1:1";
    m.credentials.password = "x";
    auto r = sched->poll(m);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_EQ(sched->guard_record(m.host).failures, 0u);
}

// ---------------------------------------------------------------- the board fixture

// The simulator serves boards/tplink-xx230v/fixtures/truth.json; what we read must match that truth.
TEST(TplinkSim, ReadsMatchTheBoardFixtureTruth) {
    auto truth = json::parse_file(TPLINK_BOARD_FIXTURE "/truth.json", 4 << 20);
    if (!truth) GTEST_SKIP() << "no board fixture: " << truth.error().message;
    auto sim = Sim::start({"--fixture", TPLINK_BOARD_FIXTURE, "--variant", "cbc-oaep"});
    ASSERT_TRUE(sim);
    FakeClock clock;
    auto sched = scheduler(clock);
    auto snap = sched->poll(modem_for(*sim));
    ASSERT_TRUE(snap) << snap.error().message;
    const cJSON* hosts = cJSON_GetObjectItem(truth->get(), "hosts");
    ASSERT_TRUE(cJSON_IsArray(hosts));
    ASSERT_EQ(snap->hosts.size(), static_cast<size_t>(cJSON_GetArraySize(hosts)));
    size_t i = 0;
    for (const cJSON* h = hosts->child; h != nullptr; h = h->next, ++i) {
        const Host& got = snap->hosts[i];
        auto mac = MacAddress::parse(json::opt_string(h, "mac").value_or(""));
        ASSERT_TRUE(mac && got.mac);
        EXPECT_EQ(*got.mac, *mac);
        EXPECT_EQ(got.ip, json::opt_string(h, "ip").value_or(""));
        std::string kind = json::opt_string(h, "kind").value_or("");
        std::string where = json::opt_string(h, "where").value_or("");
        if (kind == "wifi") {
            bool five =
                where.rfind("rai", 0) == 0 || (where.size() >= 2 && where.substr(where.size() - 2) == "5g");
            EXPECT_EQ(got.band.name, five ? "5G" : "2.4G") << where;
        } else {
            EXPECT_EQ(got.band.name, "wired") << kind;
        }
        if (kind == "gone" || kind == "expired") {
            EXPECT_FALSE(got.active) << got.name;
        }
    }
    const cJSON* optical = cJSON_GetObjectItem(truth->get(), "optical");
    const cJSON* rx = cJSON_GetObjectItem(optical, "rx_dbm");
    if (cJSON_IsNumber(rx)) {
        ASSERT_TRUE(snap->optical.rx_dbm);
        EXPECT_NEAR(*snap->optical.rx_dbm, rx->valuedouble, 0.05);  // 0.1 µW resolution at the modem
    }
    const cJSON* system = cJSON_GetObjectItem(truth->get(), "system");
    EXPECT_EQ(snap->mem_total_kib, json::opt_int(system, "mem_total_kib"));
    // The mesh: the fixture's nodes, each with as many clients as the truth counts stations on it.
    const cJSON* nodes = cJSON_GetObjectItem(truth->get(), "mesh_nodes");
    if (cJSON_IsArray(nodes)) {
        ASSERT_EQ(snap->mesh.size(), static_cast<size_t>(cJSON_GetArraySize(nodes)));
        size_t k = 0;
        for (const cJSON* n = nodes->child; n != nullptr; n = n->next, ++k) {
            const MeshNode& got = snap->mesh[k];
            EXPECT_EQ(got.mac, json::opt_string(n, "id").value_or(""));
            EXPECT_EQ(got.name, json::opt_string(n, "name").value_or(""));
            EXPECT_EQ(got.role, json::opt_string(n, "role") == "controller" ? "controller" : "satellite");
            EXPECT_EQ(static_cast<int64_t>(got.clients.size()), json::opt_int(n, "stations").value_or(-1))
                << got.name;
            size_t on_node = 0;
            for (const Host& h : snap->hosts) on_node += h.node_mac == got.mac;
            EXPECT_EQ(on_node, got.clients.size()) << got.name;
        }
    }
}

// ---------------------------------------------------------------- the CLI

TEST(TplinkProbe, PrintsHostsAndOpticalLevelsAsJson) {
    auto sim = Sim::start({"--variant", "gcm"});
    ASSERT_TRUE(sim);
    std::string secret = ::testing::TempDir() + "/tplink_probe_secret";
    {
        FILE* f = std::fopen(secret.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("password=password\n", f);
        std::fclose(f);
        chmod(secret.c_str(), 0600);
    }
    std::string out;  // stdout only: the probe's JSON (its log lines go to stderr)
    EXPECT_EQ(
        testkit::capture({TPLINK_PROBE, "--host", sim->host(), "--secret-file", secret}, out, 120000, false),
        0);
    auto doc = json::parse(out, "probe output");
    ASSERT_TRUE(doc) << out;
    const cJSON* hosts = cJSON_GetObjectItem(doc->get(), "hosts");
    EXPECT_EQ(json::opt_int(hosts, "total"), 6);
    const cJSON* optical = cJSON_GetObjectItem(doc->get(), "optical");
    ASSERT_NE(cJSON_GetObjectItem(optical, "rxDbm"), nullptr);
    EXPECT_NEAR(cJSON_GetObjectItem(optical, "rxDbm")->valuedouble, -2.5, 0.01);
    EXPECT_EQ(json::opt_string(doc->get(), "variant"), "gcm");
    std::remove(secret.c_str());
}

}  // namespace
}  // namespace cpe::tplink
