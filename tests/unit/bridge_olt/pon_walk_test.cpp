#include <gtest/gtest.h>

#include <map>

#include "pon_walk.hpp"

using namespace cpe::bridge::olt;

namespace {

// A GETBULK agent over an in-memory MIB, as RFC 3416 §4.2.3 describes: for each repetition, the next
// OID after each varbind's name of the previous round (endOfMibView past the end).
struct FakeAgent {
    std::map<Oid, VarBind> mib;

    void put(Column c, int slot, int port, int onu, int64_t value) {
        Oid name = column_oid(c);
        name.push_back(encode_index(slot, port, onu));
        VarBind vb;
        vb.name = name;
        vb.type = VarType::integer;
        vb.integer = value;
        mib[name] = vb;
    }
    void put_text(Column c, int slot, int port, int onu, std::string text) {
        Oid name = column_oid(c);
        name.push_back(encode_index(slot, port, onu));
        VarBind vb;
        vb.name = name;
        vb.type = VarType::octets;
        vb.bytes = std::move(text);
        mib[name] = vb;
    }
    void put_onu(int slot, int port, int onu, bool online) {
        put_text(Column::serial, slot, port, onu, "RCMG" + std::to_string(1000 + onu));
        put(Column::status, slot, port, onu, online ? 1 : 3);
        put(Column::onu_rx, slot, port, onu, online ? 5000 : 0);        // -20 dBm
        put(Column::onu_tx, slot, port, onu, online ? 16000 : 0);       // +2 dBm
        put(Column::temperature, slot, port, onu, online ? 41 : 0);
        put(Column::olt_rx, slot, port, onu, online ? -215 : 0);        // -21.5 dBm
        put(Column::distance, slot, port, onu, online ? 1200 + onu : 0);
        put(Column::offline_reason, slot, port, onu, online ? 0 : 2);
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
    EXPECT_EQ(r.serial, "RCMG1001");
    EXPECT_EQ(r.status, OnuStatus::online);
    EXPECT_DOUBLE_EQ(*r.rx_dbm, -20.0);
    EXPECT_DOUBLE_EQ(*r.tx_dbm, 2.0);
    EXPECT_DOUBLE_EQ(*r.temperature_c, 41.0);
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
    EXPECT_FALSE(r.rx_dbm || r.tx_dbm || r.temperature_c || r.olt_rx_dbm || r.distance_m);
    ASSERT_TRUE(r.offline_reason.has_value());
    EXPECT_EQ(r.offline_reason->code, 2);
    EXPECT_EQ(r.offline_reason->text, "LOS");
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
    Oid gone = column_oid(Column::distance);
    gone.push_back(encode_index(1, 1, 3));
    agent.mib.erase(gone);
    PonTable t = walk_all(agent, PonQuery{1, 1}, 2);
    EXPECT_EQ(t.column(Column::distance).outcome, ColumnOutcome::complete);
    EXPECT_EQ(t.column(Column::distance).rows, 4u);
    EXPECT_EQ(t.onus[2].missing, std::vector<Column>{Column::distance});
    EXPECT_FALSE(t.onus[2].distance_m.has_value());
    EXPECT_TRUE(t.onus[1].missing.empty());
}

TEST(PonWalk, NoSuchObjectMarksColumnAbsent) {
    PonWalk walk("olt", PonQuery{1, 1}, 1);
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
    PonWalk walk("olt", PonQuery{1, 1}, 3);
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
    PonWalk walk("olt", PonQuery{1, 1}, 4);
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
    PonWalk walk("olt", PonQuery{1, 1}, 1);
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
    PonWalk walk("olt", PonQuery{1, 1}, 16);
    auto first = walk.next_request();
    walk.on_error_status(1, 0);
    EXPECT_FALSE(walk.done());
    auto second = walk.next_request();
    EXPECT_EQ(second.bulk_repetitions, 8);
    EXPECT_EQ(second.oids, first.oids);
}

TEST(PonWalk, OtherErrorStatusEndsTheWalkNamingTheColumn) {
    PonWalk walk("olt", PonQuery{1, 1}, 16);
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
    PonWalk walk("olt", PonQuery{1, 1}, 4);
    VarBind vb;
    vb.name = column_oid(Column::serial);
    vb.name.push_back(encode_index(1, 1, 1));
    vb.type = VarType::octets;
    walk.on_response(std::vector<VarBind>{vb});
    EXPECT_FALSE(walk.any_cell());
    EXPECT_FALSE(walk.done());
}

TEST(PonWalk, OnusAbove99WarnOnce) {
    FakeAgent agent;
    agent.put_onu(1, 1, 100, true);
    agent.put_onu(1, 1, 101, true);
    PonTable t = walk_all(agent, PonQuery{1, 1, kMaxOnu});
    EXPECT_EQ(t.onus.size(), 2u);
    ASSERT_EQ(t.warnings.size(), 1u);
    PonTable d = walk_all(agent, PonQuery{1, 1});  // default: stops at 99
    EXPECT_TRUE(d.onus.empty());
}
