// The OLT reader against the real snmpd serving tests/sim/olt (pass_persist), started by each test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "kit/process.hpp"
#include "olt_reader.hpp"
#include "snmpd_sim.hpp"

using namespace cpe::bridge::olt;
using cpe::test::SnmpdSim;

namespace {

std::unique_ptr<SnmpdSim> start_sim(std::vector<std::string> args, std::string v3_user = {}) {
    auto sim = SnmpdSim::start({std::move(args), std::move(v3_user)});
    if (!sim) {
        ADD_FAILURE() << "snmpd did not start: " << sim.error().message;
        return nullptr;
    }
    return std::move(sim.value());
}

Target v2c_target(const SnmpdSim& sim, std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
    return Target{"127.0.0.1", sim.port(), Credentials{V2cCredentials{sim.community()}}, timeout, 1};
}

Target v3_target(const SnmpdSim& sim, std::string auth, std::string priv) {
    V3Credentials v3;
    v3.user = sim.v3_user();
    v3.auth_passphrase = std::move(auth);
    v3.priv_passphrase = std::move(priv);
    return Target{"127.0.0.1", sim.port(), Credentials{v3}, std::chrono::milliseconds(1000), 1};
}

const OnuRow* find_onu(const PonTable& t, int onu) {
    for (const auto& r : t.onus)
        if (r.onu == onu) return &r;
    return nullptr;
}

bool has_missing(const OnuRow& r, Column c) {
    for (Column m : r.missing)
        if (m == c) return true;
    return false;
}

// Every row equals the simulator's own engineering values (its --dump), absent where it says null.
void expect_matches_dump(const PonTable& t, int slot, int port, int count) {
    auto dump = cpe::test::sim_dump(
        {"--pon", std::to_string(slot) + "/" + std::to_string(port) + "/" + std::to_string(count)});
    ASSERT_TRUE(dump.ok()) << dump.error().message;
    auto parsed = cpe::json::parse(*dump, "sim --dump");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(static_cast<int>(t.onus.size()), cJSON_GetArraySize(parsed->get()));
    const cJSON* e = nullptr;
    cJSON_ArrayForEach(e, parsed->get()) {
        const int onu = cJSON_GetObjectItem(e, "onu")->valueint;
        const OnuRow* r = find_onu(t, onu);
        ASSERT_NE(r, nullptr) << "ONU " << onu;
        SCOPED_TRACE("ONU " + std::to_string(onu));
        EXPECT_TRUE(r->missing.empty());
        EXPECT_EQ(r->serial.value_or("?"), cJSON_GetObjectItem(e, "serial")->valuestring);
        ASSERT_TRUE(r->status.has_value());
        EXPECT_STREQ(status_name(*r->status), cJSON_GetObjectItem(e, "status")->valuestring);
        auto check = [&](const char* key, const std::optional<double>& got) {
            const cJSON* want = cJSON_GetObjectItem(e, key);
            if (cJSON_IsNull(want)) {
                EXPECT_FALSE(got.has_value()) << key;
            } else {
                ASSERT_TRUE(got.has_value()) << key;
                EXPECT_NEAR(*got, want->valuedouble, 1e-9) << key;
            }
        };
        check("rx_dbm", r->rx_dbm);
        check("tx_dbm", r->tx_dbm);
        check("temperature_c", r->temperature_c);
        check("voltage_v", r->voltage_v);
        check("olt_rx_dbm", r->olt_rx_dbm);
        check("distance_m",
              r->distance_m ? std::optional<double>(static_cast<double>(*r->distance_m)) : std::nullopt);
        const cJSON* reason = cJSON_GetObjectItem(e, "offline_reason");
        if (cJSON_IsNull(reason)) {
            EXPECT_FALSE(r->offline_reason.has_value());
        } else {
            ASSERT_TRUE(r->offline_reason.has_value());
            EXPECT_EQ(r->offline_reason->code, reason->valueint);
            EXPECT_FALSE(r->offline_reason->text.empty());
        }
    }
}

}  // namespace

TEST(OltSnmp, FullPonOverV2c) {
    auto sim = start_sim({"--pon", "1/3/16", "--pon", "1/4/5"});
    ASSERT_TRUE(sim);
    auto t = read_pon(v2c_target(*sim), PonQuery{1, 3});
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_TRUE(t->complete());
    EXPECT_FALSE(t->error.has_value());
    EXPECT_TRUE(t->warnings.empty());
    for (const auto& c : t->columns) EXPECT_EQ(c.rows, 16u);  // none of port 4's ONUs
    expect_matches_dump(*t, 1, 3, 16);
}

TEST(OltSnmp, FullPonOverV3AuthPriv) {
    auto sim = start_sim({"--pon", "2/7/16"});
    ASSERT_TRUE(sim);
    auto t = read_pon(v3_target(*sim, sim->auth_pass(), sim->priv_pass()), PonQuery{2, 7});
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_TRUE(t->complete());
    expect_matches_dump(*t, 2, 7, 16);
}

// Issue 17: against an OLT of either firmware, every ONU of a full 128-ONU PON (its neighbour port full too)
// reads with its serial, status, distance, OLT-side Rx, signed Rx/Tx, temperature, voltage and, when not
// online, its cause — whether the index scheme is configured or probed.
void full_gpon(const std::string& scheme, std::optional<IndexScheme> configured) {
    auto sim = start_sim({"--pon", "1/1/128", "--pon", "1/2/128", "--pon", "2/1/3", "--scheme", scheme});
    ASSERT_TRUE(sim);
    auto t = read_pon(v2c_target(*sim), PonQuery{1, 1, kMaxOnu, configured});
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_TRUE(t->complete());
    EXPECT_TRUE(t->warnings.empty());
    EXPECT_STREQ(scheme_name(t->scheme), scheme.c_str());
    EXPECT_EQ(t->scheme_detected, !configured);
    for (const auto& c : t->columns) EXPECT_EQ(c.rows, 128u);
    expect_matches_dump(*t, 1, 1, 128);
    for (const auto& r : t->onus) {  // slot 1 port 1's own ONU, never port 2's or slot 2's
        char want[16];
        std::snprintf(want, sizeof want, "RCMG0101%04X", 0xA000 + r.onu);
        EXPECT_EQ(r.serial, want);
    }
}

TEST(OltSnmp, FullGponType2idDetected) {
    full_gpon("type2id", std::nullopt);
}
TEST(OltSnmp, FullGponType2idConfigured) {
    full_gpon("type2id", IndexScheme::type2id);
}
TEST(OltSnmp, FullGponLegacyDetected) {
    full_gpon("legacy", std::nullopt);
}
TEST(OltSnmp, FullGponLegacyConfigured) {
    full_gpon("legacy", IndexScheme::legacy);
}

TEST(OltSnmp, EachStatusAndCauseInWords) {
    for (const char* scheme : {"type2id", "legacy"}) {
        SCOPED_TRACE(scheme);
        auto sim = start_sim({"--pon", "1/1/128", "--scheme", scheme});
        ASSERT_TRUE(sim);
        auto t = read_pon(v2c_target(*sim), PonQuery{1, 1});
        ASSERT_TRUE(t.ok()) << t.error().message;
        // The simulator's offline ONUs 5, 21, … take causes 2, 6, 12, 13, 1, 3, 4, 24 in turn; 11, 43, … are
        // pending.
        const std::pair<int, const char*> want[] = {
            {5, "deactivated"}, {21, "power off"},    {37, "fibre cut"}, {53, "fibre cut"},
            {69, "unknown"},    {85, "deregistered"}, {101, "alarm"},    {117, "other"}};
        for (auto [onu, word] : want) {
            const OnuRow* r = find_onu(*t, onu);
            ASSERT_TRUE(r) << onu;
            EXPECT_EQ(r->status, OnuStatus::offline) << onu;
            EXPECT_FALSE(r->rx_dbm || r->tx_dbm || r->temperature_c || r->voltage_v || r->olt_rx_dbm ||
                         r->distance_m);
            EXPECT_TRUE(r->missing.empty()) << onu;  // absent because offline, not missing
            ASSERT_TRUE(r->offline_reason.has_value()) << onu;
            EXPECT_EQ(r->offline_reason->text, word) << onu;
        }
        EXPECT_NE(find_onu(*t, 37)->offline_reason->detail.find("backbone"), std::string::npos);
        EXPECT_NE(find_onu(*t, 53)->offline_reason->detail.find("branch"), std::string::npos);
        EXPECT_FALSE(find_onu(*t, 117)->offline_reason->sourced);
        const OnuRow* pending = find_onu(*t, 107);
        ASSERT_TRUE(pending);
        EXPECT_EQ(pending->status, OnuStatus::pending);
        ASSERT_TRUE(pending->offline_reason.has_value());
        EXPECT_EQ(pending->offline_reason->text, "fibre cut");
        const OnuRow* online = find_onu(*t, 3);  // served with a stale cause 6
        ASSERT_TRUE(online);
        EXPECT_EQ(online->status, OnuStatus::online);
        EXPECT_FALSE(online->offline_reason.has_value());
        // Signed values: the simulator's ONU levels go down to −33 dBm and temperatures to −10 °C.
        double min_rx = 0, min_temp = 100;
        for (const auto& r : t->onus) {
            if (r.rx_dbm) min_rx = std::min(min_rx, *r.rx_dbm);
            if (r.temperature_c) min_temp = std::min(min_temp, *r.temperature_c);
        }
        EXPECT_LT(min_rx, -30.0);
        EXPECT_LT(min_temp, 0.0);
    }
}

TEST(OltSnmp, WrongCommunityIsAClearTimeout) {
    auto sim = start_sim({"--pon", "1/1/4"});
    ASSERT_TRUE(sim);
    Target target = v2c_target(*sim, std::chrono::milliseconds(300));
    std::get<V2cCredentials>(target.credentials.value).community = "not-the-community";
    auto t = read_pon(target, PonQuery{1, 1});
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, cpe::Errc::timeout);
    EXPECT_NE(t.error().message.find("wrong community"), std::string::npos) << t.error().message;
    EXPECT_EQ(t.error().message.find("not-the-community"), std::string::npos) << "secret in message";
}

TEST(OltSnmp, WrongV3PassphrasesAreRefusedEvenAfterAGoodRead) {
    auto sim = start_sim({"--pon", "1/1/4"});
    ASSERT_TRUE(sim);
    auto good = read_pon(v3_target(*sim, sim->auth_pass(), sim->priv_pass()), PonQuery{1, 1, 8});
    ASSERT_TRUE(good.ok()) << good.error().message;
    EXPECT_EQ(good->onus.size(), 4u);

    const std::string wrong_auth = "wrong-" + cpe::test::random_hex(6);
    auto bad_auth = read_pon(v3_target(*sim, wrong_auth, sim->priv_pass()), PonQuery{1, 1, 8});
    ASSERT_FALSE(bad_auth.ok());
    EXPECT_EQ(bad_auth.error().code, cpe::Errc::denied);
    EXPECT_NE(bad_auth.error().message.find("authentication failed"), std::string::npos)
        << bad_auth.error().message;
    EXPECT_EQ(bad_auth.error().message.find(wrong_auth), std::string::npos);

    Target bad_priv = v3_target(*sim, sim->auth_pass(), "wrong-" + cpe::test::random_hex(6));
    bad_priv.timeout = std::chrono::milliseconds(300);
    auto t = read_pon(bad_priv, PonQuery{1, 1, 8});
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("priv passphrase"), std::string::npos) << t.error().message;
}

TEST(OltSnmp, TwoOltsSameV3UserDifferentPassphrasesConcurrently) {
    auto a = start_sim({"--pon", "1/1/10"}, "reader");
    auto b = start_sim({"--pon", "2/2/12"}, "reader");
    ASSERT_TRUE(a && b);
    std::vector<Target> targets{v3_target(*a, a->auth_pass(), a->priv_pass()),
                                v3_target(*b, b->auth_pass(), b->priv_pass())};
    std::vector<ReadRequest> reqs{{0, {1, 1}}, {1, {2, 2}}};
    ReaderOptions opts;
    opts.bulk_repetitions = 3;  // several round trips each, interleaved
    auto results = read_pons(targets, reqs, opts);
    ASSERT_TRUE(results[0].ok()) << results[0].error().message;
    ASSERT_TRUE(results[1].ok()) << results[1].error().message;
    EXPECT_TRUE(results[0]->complete());
    EXPECT_TRUE(results[1]->complete());
    EXPECT_EQ(results[0]->onus.size(), 10u);
    EXPECT_EQ(results[1]->onus.size(), 12u);
}

TEST(OltSnmp, MissingColumnIsMarkedNotFatal) {
    auto sim = start_sim({"--pon", "1/2/8", "--omit-column", "temperature"});
    ASSERT_TRUE(sim);
    auto t = read_pon(v2c_target(*sim), PonQuery{1, 2});
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_FALSE(t->complete());
    EXPECT_FALSE(t->error.has_value());
    EXPECT_EQ(t->column(Column::temperature).outcome, ColumnOutcome::absent);
    EXPECT_EQ(t->column(Column::onu_rx).outcome, ColumnOutcome::complete);
    ASSERT_EQ(t->onus.size(), 8u);
    for (const auto& r : t->onus) {
        EXPECT_FALSE(r.temperature_c.has_value());
        EXPECT_TRUE(has_missing(r, Column::temperature));
        EXPECT_EQ(r.missing.size(), 1u);
        EXPECT_EQ(r.rx_dbm.has_value(), r.status == OnuStatus::online);
    }
}

TEST(OltSnmp, MissingCellIsMarkedOnItsRow) {
    auto sim = start_sim({"--pon", "1/2/8", "--omit-cell", "rx:7", "--omit-cell", "serial:1"});
    ASSERT_TRUE(sim);
    auto t = read_pon(v2c_target(*sim), PonQuery{1, 2});
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->column(Column::onu_rx).outcome, ColumnOutcome::complete);
    EXPECT_EQ(t->column(Column::onu_rx).rows, 7u);
    const OnuRow* r7 = find_onu(*t, 7);
    ASSERT_TRUE(r7);
    EXPECT_FALSE(r7->rx_dbm.has_value());
    EXPECT_TRUE(r7->tx_dbm.has_value());
    EXPECT_EQ(r7->missing, std::vector<Column>{Column::onu_rx});
    const OnuRow* r1 = find_onu(*t, 1);
    ASSERT_TRUE(r1);
    EXPECT_FALSE(r1->serial.has_value());
    EXPECT_EQ(r1->missing, std::vector<Column>{Column::serial});
}

TEST(OltSnmp, SnmpdStoppedGivesTimeoutNotHang) {
    auto sim = start_sim({"--pon", "1/1/4"});
    ASSERT_TRUE(sim);
    Target target = v2c_target(*sim, std::chrono::milliseconds(300));
    ASSERT_TRUE(read_pon(target, PonQuery{1, 1, 8}).ok());
    sim->stop();
    auto t = read_pon(target, PonQuery{1, 1, 8});
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, cpe::Errc::timeout);
    EXPECT_NE(t.error().message.find("no answer"), std::string::npos) << t.error().message;
}

TEST(OltSnmp, AgentGoingSilentMidWalkKeepsRowsRead) {
    // The scheme probe is 2 getnext calls, then 9 columns × 4 repetitions = 36 per GETBULK: the second
    // GETBULK never gets an answer.
    auto sim = start_sim({"--pon", "1/1/16", "--hang-after", "40"});
    ASSERT_TRUE(sim);
    ReaderOptions opts;
    opts.bulk_repetitions = 4;
    auto t = read_pon(v2c_target(*sim, std::chrono::milliseconds(300)), PonQuery{1, 1}, opts);
    ASSERT_TRUE(t.ok()) << t.error().message;
    ASSERT_TRUE(t->error.has_value());
    EXPECT_EQ(t->error->code, cpe::Errc::timeout);
    EXPECT_FALSE(t->complete());
    EXPECT_EQ(t->onus.size(), 4u);
    for (const auto& c : t->columns) EXPECT_EQ(c.outcome, ColumnOutcome::incomplete);
    EXPECT_TRUE(find_onu(*t, 4) && find_onu(*t, 4)->serial.has_value());
}

TEST(OltSnmp, ManyPonsAndOltsConcurrentlyOneDead) {
    auto a = start_sim({"--pon", "1/1/20", "--pon", "1/2/9", "--pon", "3/1/33"});
    auto b = start_sim({"--pon", "1/1/7"});
    ASSERT_TRUE(a && b);
    std::vector<Target> targets{v2c_target(*a), v2c_target(*b),
                                v2c_target(*b, std::chrono::milliseconds(200))};
    targets[2].port = 1;  // nothing listens there
    std::vector<ReadRequest> reqs{{0, {1, 1}}, {0, {1, 2}}, {0, {3, 1}},
                                  {1, {1, 1}}, {2, {1, 1}}, {0, {1, 200}}};
    ReaderOptions opts;
    opts.max_in_flight = 3;
    opts.max_in_flight_per_olt = 2;
    opts.bulk_repetitions = 5;
    auto results = read_pons(targets, reqs, opts);
    ASSERT_EQ(results.size(), reqs.size());
    const size_t expect[] = {20, 9, 33, 7};
    for (size_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().message;
        EXPECT_TRUE(results[i]->complete()) << i;
        EXPECT_EQ(results[i]->onus.size(), expect[i]) << i;
    }
    ASSERT_FALSE(results[4].ok());
    EXPECT_EQ(results[4].error().code, cpe::Errc::timeout);
    ASSERT_FALSE(results[5].ok());
    EXPECT_EQ(results[5].error().code, cpe::Errc::invalid_argument);
    EXPECT_NE(results[5].error().message.find("PON port 200"), std::string::npos);
}

TEST(OltSnmp, CliPrintsJsonTable) {
    auto sim = start_sim({"--pon", "1/5/6"});
    ASSERT_TRUE(sim);
    const std::string v3 =
        sim->write_secret("v3.conf", "# test user\nuser = " + sim->v3_user() +
                                         "\nauth = SHA\nauth_passphrase = " + sim->auth_pass() +
                                         "\npriv = AES\npriv_passphrase = " + sim->priv_pass() + "\n");
    std::string out;
    EXPECT_EQ(
        cpe::testkit::capture({CPE_OLT_READ, "--host", "127.0.0.1", "--port", std::to_string(sim->port()),
                               "--v3-file", v3, "--slot", "1", "--port-no", "5", "--json"},
                              out),
        0)
        << out;
    EXPECT_EQ(out.find(sim->auth_pass()), std::string::npos);
    auto parsed = cpe::json::parse(out, "cpe-olt-read output");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << out;
    const cJSON* table = cJSON_GetArrayItem(parsed->get(), 0);
    ASSERT_NE(table, nullptr);
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(table, "complete")));
    const cJSON* onus = cJSON_GetObjectItem(table, "onus");
    ASSERT_EQ(cJSON_GetArraySize(onus), 6);
    const cJSON* onu5 = cJSON_GetArrayItem(onus, 4);
    EXPECT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(onu5, "rx_dbm")));  // offline: null, never 0
    EXPECT_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(onu5, "offline_reason"), "text")->valuestring,
                 "deactivated");
    EXPECT_STREQ(cJSON_GetObjectItem(table, "index_scheme")->valuestring, "type2id");
}
