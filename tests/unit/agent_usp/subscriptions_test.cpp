// Subscriptions compare successive model refreshes of a writable fixture copy: hosts joining or leaving
// (ARP entries added or removed) become ObjectCreation/ObjectDeletion, a new optical level a ValueChange.
// Boot!, Periodic! and the outbox's retry-until-NotifyResp are checked here too.
#include "usp/error_codes.hpp"
#include "usp_test_util.hpp"

using namespace cpe::agent;
using namespace cpe::agent::usp;
using namespace cpe::agent::usp::test;
namespace u = cpe::usp;

namespace {

class SubscriptionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto b = Board::open(kBoard, fixture.root());
        ASSERT_TRUE(b) << b.error().message;
        board = std::move(*b);
        agent = std::make_unique<UspAgent>(device_schema(), kAgentId, kController);
        agent->update_model(board->refresh(kNow));
        agent->take_due_records();
    }
    void subscribe(const std::string& id, const std::string& type, const std::string& refs,
                   bool retry = false) {
        u::Add add;
        add.create_objs = {{"Device.LocalAgent.Subscription.",
                            {{"ID", id, true},
                             {"NotifType", type, true},
                             {"ReferenceList", refs, true},
                             {"NotifRetry", retry ? "true" : "false", true},
                             {"Enable", "true", true}}}};
        auto m = round_trip(*agent, add);
        ASSERT_EQ(m.type(), u::MsgType::add_resp);
    }
    void refresh() { agent->update_model(board->refresh(kNow)); }
    std::string host_path(const std::string& mac) {
        for (const auto& [n, host] :
             board->model().root().find_child("Hosts")->find_table("Host")->instances())
            if (host.param("PhysAddress")->to_string() == mac)
                return "Device.Hosts.Host." + std::to_string(n) + ".";
        return "";
    }

    FixtureCopy fixture;
    std::unique_ptr<Board> board;
    std::unique_ptr<UspAgent> agent;
};

TEST_F(SubscriptionsTest, HostLeavesAndJoins) {
    subscribe("gone", "ObjectDeletion", "Device.Hosts.Host.");
    subscribe("new", "ObjectCreation", "Device.Hosts.Host.");
    refresh();
    EXPECT_TRUE(drain_notifications(*agent).empty()) << "nothing changed yet";

    // 00:11:32:6a:83:4d is only in ARP (a static address): dropping its line removes the host
    const std::string leaving = "00:11:32:6a:83:4d";
    const std::string leaving_path = host_path(leaving);
    ASSERT_FALSE(leaving_path.empty());
    std::string arp = fixture.read("proc/net/arp");
    const size_t at = arp.find(leaving);
    ASSERT_NE(at, std::string::npos);
    const size_t line_start = arp.rfind('\n', at) + 1;
    arp.erase(line_start, arp.find('\n', at) + 1 - line_start);
    arp += "192.168.1.77     0x1         0x2         02:aa:bb:cc:dd:ee     *        br0\n";
    fixture.write("proc/net/arp", arp);
    refresh();

    auto notes = drain_notifications(*agent);
    ASSERT_EQ(notes.size(), 2u);
    const u::Notify* deletion = nullptr;
    const u::Notify* creation = nullptr;
    for (const auto& n : notes) (n.subscription_id == "gone" ? deletion : creation) = &n;
    ASSERT_NE(deletion, nullptr);
    ASSERT_NE(creation, nullptr);
    EXPECT_EQ(std::get<u::Notify::ObjectDeletion>(deletion->notification).obj_path, leaving_path);
    const auto& created = std::get<u::Notify::ObjectCreation>(creation->notification);
    EXPECT_EQ(created.obj_path, host_path("02:aa:bb:cc:dd:ee"));
    EXPECT_EQ(created.unique_keys, (u::StrMap{{"PhysAddress", "02:aa:bb:cc:dd:ee"}}));
    EXPECT_FALSE(creation->send_resp);

    refresh();
    EXPECT_TRUE(drain_notifications(*agent).empty()) << "a change is reported once";
}

TEST_F(SubscriptionsTest, OpticalValueChange) {
    subscribe("rx", "ValueChange", "Device.Optical.Interface.1.OpticalSignalLevel", true);
    refresh();
    EXPECT_TRUE(drain_notifications(*agent).empty());
    const std::string before = board->model()
                                   .root()
                                   .find_child("Optical")
                                   ->find_table("Interface")
                                   ->find(1)
                                   ->param("OpticalSignalLevel")
                                   ->to_string();
    std::string info = fixture.read("proc/pon_phy/info");
    const size_t rx = info.find("RxPower: 0x007e");
    ASSERT_NE(rx, std::string::npos);
    info.replace(rx, 15, "RxPower: 0x0040");
    fixture.write("proc/pon_phy/info", info);
    fixture.write("proc/pon_phy/RSSICurrent", "0x40\n");
    refresh();
    const std::string after = board->model()
                                  .root()
                                  .find_child("Optical")
                                  ->find_table("Interface")
                                  ->find(1)
                                  ->param("OpticalSignalLevel")
                                  ->to_string();
    ASSERT_NE(before, after) << "the fixture edit should move the optical level";
    std::vector<std::string> ids;
    auto notes = drain_notifications(*agent, &ids);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].subscription_id, "rx");
    EXPECT_TRUE(notes[0].send_resp);  // NotifRetry
    const auto& vc = std::get<u::Notify::ValueChange>(notes[0].notification);
    EXPECT_EQ(vc.param_path, "Device.Optical.Interface.1.OpticalSignalLevel");
    EXPECT_EQ(vc.param_value, after);

    // unacknowledged: due again on the next connection, gone after the NotifyResp
    EXPECT_TRUE(drain_notifications(*agent).empty());
    agent->connection_up();
    EXPECT_EQ(drain_notifications(*agent).size(), 1u);
    agent->handle_msg(u::encode_msg(ids[0], u::NotifyResp{"rx"}), kController);
    agent->connection_up();
    EXPECT_TRUE(drain_notifications(*agent).empty());
    EXPECT_EQ(agent->outbox_size(), 0u);
}

TEST_F(SubscriptionsTest, ActiveFlagsOfAllHosts) {
    subscribe("active", "ValueChange", "Device.Hosts.Host.*.Active");
    // the host only in ARP becomes incomplete (flags 0x0): no longer active, or gone
    std::string arp = fixture.read("proc/net/arp");
    const std::string mac = "00:11:32:34:f5:3c";  // in the leases too, so it stays a host
    const size_t at = arp.find(mac);
    ASSERT_NE(at, std::string::npos);
    const size_t flags = arp.rfind("0x2", at);
    arp.replace(flags, 3, "0x0");
    fixture.write("proc/net/arp", arp);
    refresh();
    auto notes = drain_notifications(*agent);
    ASSERT_EQ(notes.size(), 1u);
    const auto& vc = std::get<u::Notify::ValueChange>(notes[0].notification);
    EXPECT_EQ(vc.param_path, host_path(mac) + "Active");
    EXPECT_EQ(vc.param_value, "false");
}

TEST_F(SubscriptionsTest, BootAndPeriodic) {
    BootInfo info;
    info.cause = "RemoteReboot";
    info.command_key = "k-9";
    agent->queue_boot(info);
    std::vector<std::string> ids;
    auto notes = drain_notifications(*agent, &ids);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].subscription_id, "boot");
    EXPECT_TRUE(notes[0].send_resp);
    const auto& ev = std::get<u::Notify::Event>(notes[0].notification);
    EXPECT_EQ(ev.obj_path, "Device.");
    EXPECT_EQ(ev.event_name, "Boot!");
    EXPECT_EQ(ev.params.at("Cause"), "RemoteReboot");
    EXPECT_EQ(ev.params.at("CommandKey"), "k-9");
    EXPECT_EQ(ev.params.at("FirmwareUpdated"), "false");
    EXPECT_EQ(ev.params.count("ParameterMap"), 1u);
    EXPECT_EQ(agent->unacknowledged(), 1u);

    agent->periodic();
    EXPECT_TRUE(drain_notifications(*agent).empty()) << "no Periodic! subscription yet";
    subscribe("tick", "Event", "Device.LocalAgent.Periodic!");
    agent->periodic();
    auto ticks = drain_notifications(*agent);
    ASSERT_EQ(ticks.size(), 1u);
    EXPECT_EQ(std::get<u::Notify::Event>(ticks[0].notification).event_name, "Periodic!");
    EXPECT_EQ(agent->unacknowledged(), 1u) << "Boot! still waits for its NotifyResp";
}

TEST_F(SubscriptionsTest, OutboxIsBounded) {
    subscribe("tick", "Event", "Device.LocalAgent.Periodic!", true);
    for (int i = 0; i < 200; ++i) agent->periodic();
    EXPECT_EQ(agent->outbox_size(), Limits{}.max_outbox);
    EXPECT_EQ(agent->dropped_notifications(), 200u - Limits{}.max_outbox);
}

}  // namespace
