#include <gtest/gtest.h>

#include <map>

#include "pon_walk.hpp"

using namespace cpe::bridge::olt;

namespace {

// A GETBULK agent over an in-memory MIB, as RFC 3416 §4.2.3 describes: for each repetition, the next
// OID after each varbind's name of the previous round (endOfMibView past the end).
struct FakeAgent {
    std::map<Oid, VarBind> mib;
    IndexScheme scheme = IndexScheme::type2id;

    Oid row(Column c, int slot, int port, int onu) const {
        Oid name = column_oid(c);
        name.push_back(row_index(spec(c).table, scheme, slot, port, onu));
        return name;
    }
    void put(Column c, int slot, int port, int onu, int64_t value) {
        VarBind vb;
        vb.name = row(c, slot, port, onu);
        vb.type = VarType::integer;
        vb.integer = value;
        mib[vb.name] = vb;
    }
    void put_text(Column c, int slot, int port, int onu, std::string text) {
        VarBind vb;
        vb.name = row(c, slot, port, onu);
        vb.type = VarType::octets;
        vb.bytes = std::move(text);
        mib[vb.name] = vb;
    }
    // status 1 online, 2 pending, 3 offline; reason: the last down cause (stale when online)
    void put_onu(int slot, int port, int onu, bool online, int status = 0, int64_t reason = -1) {
        if (status == 0) status = online ? 1 : 3;
        if (reason < 0) reason = online ? 0 : 2;
        put_text(Column::serial, slot, port, onu, "RCMG" + std::to_string(1000 * port + onu));
        put(Column::status, slot, port, onu, status);
        put(Column::onu_rx, slot, port, onu, online ? 5000 - 10 * port : 0);  // -20 dBm (port 0)
        put(Column::onu_tx, slot, port, onu, online ? 16000 : 0);             // +2 dBm
        put(Column::temperature, slot, port, onu, online ? 41 * 256 : 0);     // 41 °C
        put(Column::voltage, slot, port, onu, online ? 165 : 0);              // 3.3 V
        put(Column::olt_rx, slot, port, onu, online ? -215 : 0);              // -21.5 dBm
        put(Column::distance, slot, port, onu, online ? 1200 + onu : 0);
        put(Column::offline_reason, slot, port, onu, reason);
    }

    std::vector<VarBind> getbulk(const PonWalk::Request& req) const {
        std::vector<VarBind> out;
        std::vector<Oid> cur = req.oids;
        for (int r = 0; r < req.bulk_repetitions; ++r) {
            for (auto& name : cur) {
                auto it = mib.upper_bound(name);
                VarBind vb;
                if (it == mib.end()) {
                    vb.name = name;
                    vb.type = VarType::end_of_mib_view;
                } else {
                    vb = it->second;
                    name = it->first;
                }
                out.push_back(vb);
            }
        }
        return out;
    }
};

PonQuery configured(int slot, int port, int max_onu = kMaxOnu) {
    return PonQuery{slot, port, max_onu, IndexScheme::type2id};
}

PonTable walk_all(const FakeAgent& agent, PonQuery q, int reps = 4) {
    PonWalk walk("olt", q, reps);
    for (int guard = 0; !walk.done() && guard < 1000; ++guard) {
        auto req = walk.next_request();
        auto vbs = agent.getbulk(req);
        walk.on_response(vbs);
    }
    EXPECT_TRUE(walk.done());
    return walk.finish();
}

}  // namespace

TEST(PonWalk, FullPonWithNeighboursIsCompleteAndConverted) {
    FakeAgent agent;
    for (int onu = 1; onu <= 10; ++onu) agent.put_onu(1, 2, onu, onu != 4);
    for (int onu = 1; onu <= 3; ++onu) agent.put_onu(1, 1, onu, true);  // port before: not ours
    for (int onu = 1; onu <= 3; ++onu) agent.put_onu(1, 3, onu, true);  // port after: not ours
    PonTable t = walk_all(agent, PonQuery{1, 2});
    EXPECT_TRUE(t.complete());
    ASSERT_EQ(t.onus.size(), 10u);
    const OnuRow& r = t.onus[0];
    EXPECT_EQ(r.onu, 1);
    EXPECT_EQ(r.serial, "RCMG2001");
    EXPECT_EQ(r.status, OnuStatus::online);
    EXPECT_DOUBLE_EQ(*r.rx_dbm, -20.04);
    EXPECT_DOUBLE_EQ(*r.tx_dbm, 2.0);
    EXPECT_DOUBLE_EQ(*r.temperature_c, 41.0);
    EXPECT_NEAR(*r.voltage_v, 3.3, 1e-12);
    EXPECT_DOUBLE_EQ(*r.olt_rx_dbm, -21.5);
    EXPECT_EQ(r.distance_m, 1201);
    EXPECT_FALSE(r.offline_reason.has_value());
    EXPECT_TRUE(r.missing.empty());
    for (const auto& c : t.columns) EXPECT_EQ(c.rows, 10u);
}

TEST(PonWalk, OfflineOnuValuesAreAbsentNotZeroAndNotMissing) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, false);
    PonTable t = walk_all(agent, PonQuery{1, 1});
    ASSERT_EQ(t.onus.size(), 1u);
    const OnuRow& r = t.onus[0];
    EXPECT_EQ(r.status, OnuStatus::offline);
    EXPECT_FALSE(r.rx_dbm || r.tx_dbm || r.temperature_c || r.voltage_v || r.olt_rx_dbm || r.distance_m);
    ASSERT_TRUE(r.offline_reason.has_value());
    EXPECT_EQ(r.offline_reason->code, 2);
    EXPECT_EQ(r.offline_reason->text, "deactivated");
    EXPECT_TRUE(r.missing.empty());
}

TEST(PonWalk, OnlineZeroTemperatureIsAValue) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    agent.put(Column::temperature, 1, 1, 1, 0);
    PonTable t = walk_all(agent, PonQuery{1, 1});
    ASSERT_TRUE(t.onus[0].temperature_c.has_value());
    EXPECT_EQ(*t.onus[0].temperature_c, 0.0);
}

TEST(PonWalk, MissingColumnIsAbsentAndListedPerRow) {
    FakeAgent agent;
    for (int onu = 1; onu <= 5; ++onu) agent.put_onu(1, 1, onu, true);
    for (auto it = agent.mib.begin(); it != agent.mib.end();) {
        const Oid& t = column_oid(Column::temperature);
        it = std::equal(t.begin(), t.end(), it->first.begin()) ? agent.mib.erase(it) : std::next(it);
    }
    PonTable t = walk_all(agent, PonQuery{1, 1});
    EXPECT_FALSE(t.complete());
    EXPECT_FALSE(t.error.has_value());
    EXPECT_EQ(t.column(Column::temperature).outcome, ColumnOutcome::absent);
    EXPECT_EQ(t.column(Column::serial).outcome, ColumnOutcome::complete);
    for (const auto& r : t.onus) EXPECT_EQ(r.missing, std::vector<Column>{Column::temperature});
}

TEST(PonWalk, MissingRowInOneColumn) {
    FakeAgent agent;
    for (int onu = 1; onu <= 5; ++onu) agent.put_onu(1, 1, onu, true);
    agent.mib.erase(agent.row(Column::distance, 1, 1, 3));
    PonTable t = walk_all(agent, PonQuery{1, 1}, 2);
    EXPECT_EQ(t.column(Column::distance).outcome, ColumnOutcome::complete);
    EXPECT_EQ(t.column(Column::distance).rows, 4u);
    EXPECT_EQ(t.onus[2].missing, std::vector<Column>{Column::distance});
    EXPECT_FALSE(t.onus[2].distance_m.has_value());
    EXPECT_TRUE(t.onus[1].missing.empty());
}

TEST(PonWalk, NoSuchObjectMarksColumnAbsent) {
    PonWalk walk("olt", configured(1, 1), 1);
    auto req = walk.next_request();
    std::vector<VarBind> vbs(req.oids.size());
    for (size_t i = 0; i < vbs.size(); ++i) {
        vbs[i].name = req.oids[i];
        vbs[i].type = VarType::no_such_object;
    }
    walk.on_response(vbs);
    EXPECT_TRUE(walk.done());
    PonTable t = walk.finish();
    for (const auto& c : t.columns) {
        EXPECT_EQ(c.outcome, ColumnOutcome::absent);
        EXPECT_EQ(c.detail, "noSuchObject");
    }
    EXPECT_TRUE(t.onus.empty());
}

TEST(PonWalk, TimeoutMidWalkKeepsRowsAndMarksIncomplete) {
    FakeAgent agent;
    for (int onu = 1; onu <= 9; ++onu) agent.put_onu(1, 1, onu, true);
    PonWalk walk("olt", configured(1, 1), 3);
    walk.on_response(agent.getbulk(walk.next_request()));
    ASSERT_FALSE(walk.done());
    (void)walk.next_request();
    walk.on_failure(cpe::make_error(cpe::Errc::timeout, "olt: no answer"));
    EXPECT_TRUE(walk.done());
    EXPECT_TRUE(walk.any_cell());
    PonTable t = walk.finish();
    ASSERT_TRUE(t.error.has_value());
    EXPECT_EQ(t.error->code, cpe::Errc::timeout);
    EXPECT_EQ(t.onus.size(), 3u);
    for (const auto& c : t.columns) {
        EXPECT_EQ(c.outcome, ColumnOutcome::incomplete);
        EXPECT_EQ(c.detail, "olt: no answer");
    }
}

TEST(PonWalk, TruncatedResponseContinues) {
    FakeAgent agent;
    for (int onu = 1; onu <= 4; ++onu) agent.put_onu(1, 1, onu, true);
    PonWalk walk("olt", configured(1, 1), 4);
    for (int guard = 0; !walk.done() && guard < 200; ++guard) {
        auto vbs = agent.getbulk(walk.next_request());
        vbs.resize(std::min<size_t>(vbs.size(), 3));  // the agent cut its answer short
        walk.on_response(vbs);
    }
    PonTable t = walk.finish();
    EXPECT_TRUE(t.complete());
    EXPECT_EQ(t.onus.size(), 4u);
}

TEST(PonWalk, NonIncreasingOidStopsThatColumn) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    PonWalk walk("olt", configured(1, 1), 1);
    auto req = walk.next_request();
    auto vbs = agent.getbulk(req);
    walk.on_response(vbs);
    req = walk.next_request();
    walk.on_response(vbs);  // the same OIDs again: a looping agent
    EXPECT_TRUE(walk.done());
    PonTable t = walk.finish();
    EXPECT_EQ(t.column(Column::serial).outcome, ColumnOutcome::incomplete);
    EXPECT_NE(t.column(Column::serial).detail.find("not increasing"), std::string::npos);
    EXPECT_EQ(t.onus.size(), 1u);
}

TEST(PonWalk, TooBigHalvesRepetitionsAndRetries) {
    PonWalk walk("olt", configured(1, 1), 16);
    auto first = walk.next_request();
    walk.on_error_status(1, 0);
    EXPECT_FALSE(walk.done());
    auto second = walk.next_request();
    EXPECT_EQ(second.bulk_repetitions, 8);
    EXPECT_EQ(second.oids, first.oids);
}

TEST(PonWalk, OtherErrorStatusEndsTheWalkNamingTheColumn) {
    PonWalk walk("olt", configured(1, 1), 16);
    (void)walk.next_request();
    walk.on_error_status(5, 3);
    EXPECT_TRUE(walk.done());
    PonTable t = walk.finish();
    ASSERT_TRUE(t.error.has_value());
    EXPECT_NE(t.error->message.find("genErr"), std::string::npos);
    EXPECT_NE(t.error->message.find(column_key(Column::onu_rx)), std::string::npos) << t.error->message;
}

TEST(PonWalk, WrongTypeIsMissingWithAProblem) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    agent.put_text(Column::onu_rx, 1, 1, 1, "-20");
    agent.put(Column::serial, 1, 1, 1, 7);
    PonTable t = walk_all(agent, PonQuery{1, 1});
    const OnuRow& r = t.onus[0];
    EXPECT_FALSE(r.rx_dbm.has_value());
    EXPECT_FALSE(r.serial.has_value());
    EXPECT_EQ(r.missing, (std::vector<Column>{Column::serial, Column::onu_rx}));
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_NE(r.problems[1].find("rx_dbm: expected INTEGER, got OCTET STRING"), std::string::npos);
}

TEST(PonWalk, UnknownStatusCodeIsAProblem) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    agent.put(Column::status, 1, 1, 1, 7);
    PonTable t = walk_all(agent, PonQuery{1, 1});
    EXPECT_FALSE(t.onus[0].status.has_value());
    EXPECT_EQ(t.onus[0].problems, std::vector<std::string>{"status: unknown code 7"});
}

TEST(PonWalk, StrayAnswerWithoutRequestIsIgnored) {
    PonWalk walk("olt", configured(1, 1), 4);
    VarBind vb;
    vb.name = column_oid(Column::serial);
    vb.name.push_back(onu_index(IndexScheme::type2id, 1, 1, 1));
    vb.type = VarType::octets;
    walk.on_response(std::vector<VarBind>{vb});
    EXPECT_FALSE(walk.any_cell());
    EXPECT_FALSE(walk.done());
}

TEST(PonWalk, StrayAnswerBeforeTheProbeIsIgnored) {
    PonWalk walk("olt", PonQuery{1, 1}, 4);
    VarBind vb;
    vb.name = column_oid(Column::status);
    vb.name.push_back(onu_index(IndexScheme::legacy, 1, 1, 1));
    vb.type = VarType::integer;
    walk.on_response(std::vector<VarBind>{vb});
    EXPECT_FALSE(walk.done());
    auto probe = walk.next_request();
    EXPECT_EQ(probe.bulk_repetitions, 1);
    EXPECT_EQ(probe.oids.size(), 2u);
}

// A full GPON of 128 with its neighbour port full too: every ONU of ours, none of the next port's, each table
// walked over its own index range(s) and joined by ONU number.
void check_full_pon(IndexScheme scheme, std::optional<IndexScheme> configured_scheme) {
    FakeAgent agent;
    agent.scheme = scheme;
    for (int onu = 1; onu <= kMaxOnu; ++onu) {
        agent.put_onu(1, 1, onu, true);
        agent.put_onu(1, 2, onu, true);
    }
    PonTable t = walk_all(agent, PonQuery{1, 1, kMaxOnu, configured_scheme}, 16);
    EXPECT_TRUE(t.complete());
    EXPECT_TRUE(t.warnings.empty());
    EXPECT_EQ(t.scheme, scheme);
    EXPECT_EQ(t.scheme_detected, !configured_scheme);
    ASSERT_EQ(t.onus.size(), 128u);
    for (const auto& c : t.columns) EXPECT_EQ(c.rows, 128u);
    for (const OnuRow& r : t.onus) {
        SCOPED_TRACE(r.onu);
        EXPECT_TRUE(r.missing.empty());
        EXPECT_EQ(r.serial, "RCMG" + std::to_string(1000 + r.onu));  // port 1's, never port 2's
        EXPECT_EQ(r.status, OnuStatus::online);
        EXPECT_DOUBLE_EQ(*r.rx_dbm, -20.02);  // port 2's read -20.04
        EXPECT_EQ(r.distance_m, 1200 + r.onu);
    }
}

TEST(PonWalk, FullGponType2idConfigured) {
    check_full_pon(IndexScheme::type2id, IndexScheme::type2id);
}
TEST(PonWalk, FullGponType2idDetected) {
    check_full_pon(IndexScheme::type2id, std::nullopt);
}
TEST(PonWalk, FullGponLegacyConfigured) {
    check_full_pon(IndexScheme::legacy, IndexScheme::legacy);
}
TEST(PonWalk, FullGponLegacyDetected) {
    check_full_pon(IndexScheme::legacy, std::nullopt);
}

TEST(PonWalk, OnusAbove99AreNotTheNextPortsAndNeedNoWarning) {
    FakeAgent agent;
    agent.put_onu(1, 1, 100, true);
    agent.put_onu(1, 1, 101, true);
    agent.put_onu(1, 2, 1, true);  // its optical index is the one the old reader took for 1/1 ONU 101
    PonTable t = walk_all(agent, configured(1, 1));
    ASSERT_EQ(t.onus.size(), 2u);
    EXPECT_EQ(t.onus[0].onu, 100);
    EXPECT_EQ(t.onus[1].onu, 101);
    EXPECT_DOUBLE_EQ(*t.onus[1].rx_dbm, -20.02);
    EXPECT_TRUE(t.warnings.empty());
    PonTable d = walk_all(agent, configured(1, 1, 99));
    EXPECT_TRUE(d.onus.empty());
}

TEST(PonWalk, ConfiguredSchemeThatIsWrongLeavesTheOnuTableAbsent) {
    FakeAgent agent;
    agent.scheme = IndexScheme::legacy;
    for (int onu = 1; onu <= 4; ++onu) agent.put_onu(1, 1, onu, true);
    PonTable t = walk_all(agent, configured(1, 1));
    EXPECT_EQ(t.column(Column::onu_rx).outcome, ColumnOutcome::complete);
    EXPECT_EQ(t.column(Column::serial).outcome, ColumnOutcome::absent);
    EXPECT_EQ(t.column(Column::status).rows, 0u);
}

TEST(PonWalk, ProbeFindingNeitherSchemeWarnsAndReadsType2id) {
    FakeAgent agent;
    agent.put(Column::onu_rx, 1, 1, 1, 5000);  // only the optical table
    PonTable t = walk_all(agent, PonQuery{1, 1});
    EXPECT_EQ(t.scheme, IndexScheme::type2id);
    EXPECT_FALSE(t.scheme_detected);
    ASSERT_EQ(t.warnings.size(), 1u);
    EXPECT_NE(t.warnings[0].find("either index scheme"), std::string::npos);
    ASSERT_EQ(t.onus.size(), 1u);
}

TEST(PonWalk, SlotsBeyondType2idAreReadAsLegacyWithoutAProbe) {
    FakeAgent agent;
    agent.scheme = IndexScheme::legacy;
    agent.put_onu(40, 1, 1, true);
    PonWalk walk("olt", PonQuery{40, 1}, 4);
    EXPECT_EQ(walk.next_request().oids.size(), kColumnCount);  // no probe
}

TEST(PonWalk, SignedLevelsAndTemperature) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    agent.put(Column::onu_rx, 1, 1, 1, 65036);              // -31 dBm as its unsigned 16-bit pattern
    agent.put(Column::onu_tx, 1, 1, 1, -500);               // the same, sent signed
    agent.put(Column::temperature, 1, 1, 1, 65536 - 1408);  // -5.5 °C
    PonTable t = walk_all(agent, configured(1, 1));
    const OnuRow& r = t.onus[0];
    EXPECT_DOUBLE_EQ(*r.rx_dbm, -31.0);
    EXPECT_DOUBLE_EQ(*r.tx_dbm, -31.0);
    EXPECT_DOUBLE_EQ(*r.temperature_c, -5.5);
}

TEST(PonWalk, RawOutside16BitsIsAProblem) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true);
    agent.put(Column::onu_rx, 1, 1, 1, 70000);
    PonTable t = walk_all(agent, configured(1, 1));
    EXPECT_FALSE(t.onus[0].rx_dbm.has_value());
    EXPECT_EQ(t.onus[0].missing, std::vector<Column>{Column::onu_rx});
    ASSERT_EQ(t.onus[0].problems.size(), 1u);
    EXPECT_NE(t.onus[0].problems[0].find("16 bits"), std::string::npos);
}

TEST(PonWalk, CauseOnlyForOnusNotOnline) {
    FakeAgent agent;
    agent.put_onu(1, 1, 1, true, 1, 6);    // online, stale "dying gasp": no cause shown
    agent.put_onu(1, 1, 2, false, 2, 13);  // pending after a branch fibre cut
    agent.put_onu(1, 1, 3, false, 3, 6);   // offline: power off
    agent.put_onu(1, 1, 4, false, 3, 24);  // offline, a code our sources do not name
    PonTable t = walk_all(agent, configured(1, 1));
    ASSERT_EQ(t.onus.size(), 4u);
    EXPECT_EQ(t.onus[0].status, OnuStatus::online);
    EXPECT_FALSE(t.onus[0].offline_reason.has_value());
    EXPECT_EQ(t.onus[1].status, OnuStatus::pending);
    ASSERT_TRUE(t.onus[1].offline_reason.has_value());
    EXPECT_EQ(t.onus[1].offline_reason->text, "fibre cut");
    EXPECT_FALSE(t.onus[1].rx_dbm.has_value());
    EXPECT_TRUE(t.onus[1].missing.empty());
    EXPECT_EQ(t.onus[2].offline_reason->text, "power off");
    EXPECT_EQ(t.onus[3].offline_reason->text, "other");
    EXPECT_FALSE(t.onus[3].offline_reason->sourced);
}

TEST(PonWalk, RowsOfOtherPonsBetweenRangesAreSkippedNotWalked) {
    // Between 1/1's optical range of ONUs 1..99 and its range of 100..128 lie every other PON's ONUs 1..99.
    FakeAgent agent;
    agent.put_onu(1, 1, 99, true);
    agent.put_onu(1, 1, 100, true);
    for (int port = 2; port <= 40; ++port)
        for (int onu = 1; onu <= 64; ++onu) agent.put(Column::onu_rx, 1, port, onu, 5000);
    PonWalk walk("olt", configured(1, 1), 16);
    size_t requests = 0;
    for (; !walk.done() && requests < 1000; ++requests) walk.on_response(agent.getbulk(walk.next_request()));
    PonTable t = walk.finish();
    EXPECT_TRUE(t.complete());
    ASSERT_EQ(t.onus.size(), 2u);
    EXPECT_EQ(t.onus[1].onu, 100);
    EXPECT_LE(requests, 4u);  // 39·64 other rows would take > 150 requests of 16 to walk through
}

TEST(PonWalk, InvalidQueryIsADoneWalkWithTheError) {
    PonWalk walk("olt", PonQuery{40, 1, 8, IndexScheme::type2id}, 4);
    EXPECT_TRUE(walk.done());
    PonTable t = walk.finish();
    ASSERT_TRUE(t.error.has_value());
    EXPECT_NE(t.error->message.find("slot 40"), std::string::npos);
    EXPECT_TRUE(PonWalk("olt", PonQuery{1, 1, 0}, 4).done());
}
