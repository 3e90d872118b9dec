#include "collectors/bridge_fdb.hpp"

#include <gtest/gtest.h>

#include "collectors/registry.hpp"
#include "json/json.hpp"

namespace cpe::agent {
namespace {

// iproute2 `bridge fdb show br br-lan` (bridge/fdb.c): learned entries carry "master <br>"; the bridge's own
// addresses "permanent"; a port's own multicast filter entries "self" without master.
constexpr const char* kBridgeFdb =
    "bc:14:85:9f:b9:17 dev phy1-ap0 master br-lan\n"
    "00:11:32:6e:8d:1d dev lan2 vlan 1 master br-lan\n"
    "00:11:32:6e:8d:1d dev lan2 master br-lan\n"
    "e8:9f:80:2c:4d:11 dev lan1 vlan 1 master br-lan permanent\n"
    "33:33:00:00:00:01 dev lan1 self permanent\n"
    "aa:bb:cc:dd:ee:ff dev lan3 master br-guest\n"
    "zz:bb dev lan1 master br-lan\n"
    "01:00:5e:00:00:01 dev lan1 master br-lan\n";

TEST(BridgeFdb, LearnedEntriesOfThisBridgeOnly) {
    ParseNotes notes;
    auto list = parse_bridge_fdb(kBridgeFdb, "br-lan", notes);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].mac.str(), "bc:14:85:9f:b9:17");
    EXPECT_EQ(list[0].port, "phy1-ap0");
    EXPECT_EQ(list[1].port, "lan2");  // once, though listed per VLAN
    EXPECT_EQ(notes.skipped, 1u);     // the line without a MAC
}

// bridge-utils / BusyBox `brctl showmacs br0`, ports numbered as in brif/<port>/port_no.
constexpr const char* kShowmacs =
    "port no\tmac addr\t\tis local?\tageing timer\n"
    "  1\t1c:61:b4:3e:91:d4\tyes\t\t   0.00\n"
    "  1\t70:9e:29:99:b2:a6\tno\t\t 165.53\n"
    "  7\t1c:61:b4:52:11:e6\tno\t\t  12.10\n"
    "  9\t00:11:22:33:44:55\tno\t\t   1.00\n"
    "  x\t00:11:22:33:44:66\tno\t\t   1.00\n";

TEST(BrctlShowmacs, PortNumbersBecomeNames) {
    ParseNotes notes;
    auto list = parse_brctl_showmacs(kShowmacs, {{1, "eth0.1"}, {7, "rai1"}}, notes);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].port, "eth0.1");
    EXPECT_EQ(list[0].mac.str(), "70:9e:29:99:b2:a6");
    EXPECT_EQ(list[1].port, "rai1");
    EXPECT_EQ(notes.skipped, 2u);  // port 9 not in brif, "x" not a port
}

TEST(BridgeFdb, GarbageIsNotedNeverKept) {
    for (const std::string& text :
         {std::string("\n\n"), std::string("hello world\n"), std::string(100000, 'A')}) {
        ParseNotes a, b;
        EXPECT_TRUE(parse_bridge_fdb(text, "br0", a).empty());
        EXPECT_TRUE(parse_brctl_showmacs(text, {{1, "eth0"}}, b).empty());
    }
}

TEST(BridgeFdb, EntriesAreBounded) {
    std::string text;
    for (int i = 0; i < 1100; ++i) {
        char line[64];
        snprintf(line, sizeof line, "02:00:00:00:%02x:%02x dev lan1 master br0\n", i / 256, i % 256);
        text += line;
    }
    ParseNotes notes;
    EXPECT_EQ(parse_bridge_fdb(text, "br0", notes).size(), 1024u);
    EXPECT_EQ(notes.skipped, 1u);
}

TEST(BridgeFdb, SpecErrorsNameTheKey) {
    auto factory = find_collector_factory("bridge_fdb");
    ASSERT_TRUE(factory);
    auto no_bridge = json::parse(R"({"collector":"bridge_fdb"})", "t");
    auto r = factory(no_bridge->get(), "profile.sources[4]");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("profile.sources[4]"), std::string::npos) << r.error().message;
    auto stray = json::parse(R"({"collector":"bridge_fdb","bridge":"br0","file":"/x"})", "t");
    auto s = factory(stray->get(), "profile.sources[4]");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("file"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace cpe::agent
