#include <gtest/gtest.h>

#include "tr181/instances.hpp"

using cpe::tr181::InstanceNumbers;

TEST(InstanceNumbers, StableAcrossDepartureAndReturn) {
    InstanceNumbers numbers;
    numbers.begin_refresh();
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:01"), 1u);
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:02"), 2u);
    numbers.begin_refresh();  // aa:01 left
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:02"), 2u);
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:03"), 3u);
    numbers.begin_refresh();  // aa:01 is back
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:01"), 1u);
    EXPECT_EQ(numbers.number("Device.Hosts.Host.", "aa:03"), 3u);
    // Tables are independent.
    EXPECT_EQ(numbers.number("Device.WiFi.AccessPoint.1.AssociatedDevice.", "aa:01"), 1u);
}

TEST(InstanceNumbers, BoundedAndNeverReused) {
    InstanceNumbers numbers(4, 64);
    numbers.begin_refresh();
    for (int i = 0; i < 4; ++i) numbers.number("T.", "k" + std::to_string(i));
    numbers.begin_refresh();
    // Six new keys arrive; old absent keys are forgotten oldest-first, present ones kept.
    for (int i = 4; i < 10; ++i)
        EXPECT_EQ(numbers.number("T.", "k" + std::to_string(i)), static_cast<uint32_t>(i + 1));
    EXPECT_EQ(numbers.key_count("T."), 6u);  // all six are present in this refresh: none evicted
    numbers.begin_refresh();
    numbers.number("T.", "k9");
    numbers.number("T.", "new");
    EXPECT_LE(numbers.key_count("T."), 4u);
    // A forgotten key comes back with a fresh number, never an old one.
    EXPECT_EQ(numbers.number("T.", "k0"), 12u);
}

TEST(InstanceNumbers, IdleTablesDropped) {
    InstanceNumbers numbers(16, 2);
    numbers.begin_refresh();
    numbers.number("Device.WiFi.MultiAP.APDevice.9.Radio.", "r");
    numbers.number("Device.Hosts.Host.", "h");
    for (int i = 0; i < 3; ++i) {
        numbers.begin_refresh();
        numbers.number("Device.Hosts.Host.", "h");
    }
    EXPECT_EQ(numbers.table_count(), 1u);
}

// The agent keeps the numbers in its state directory: a restart (a new InstanceNumbers loading what the old
// one saved) gives every key its old number, and a newcomer a number no key ever had.
TEST(InstanceNumbers, SurviveARestartThroughSaveAndLoad) {
    InstanceNumbers before;
    before.begin_refresh();
    before.number("Device.Hosts.Host.", "bb:02");
    before.number("Device.Hosts.Host.", "aa:01");
    before.number("Device.Hosts.Host.", "cc:03");
    before.begin_refresh();
    before.number("Device.Hosts.Host.", "dd:04");  // 4; bb:02 .. cc:03 absent now
    EXPECT_TRUE(before.changed());
    const std::string saved = before.save();
    EXPECT_FALSE(before.changed());

    InstanceNumbers after;
    ASSERT_TRUE(after.load(saved).ok());
    after.begin_refresh();
    // Asked in MAC order, as the builder does: without the saved state aa:01 would become 1 and bb:02 2.
    EXPECT_EQ(after.number("Device.Hosts.Host.", "aa:01"), 2u);
    EXPECT_EQ(after.number("Device.Hosts.Host.", "bb:02"), 1u);
    EXPECT_EQ(after.number("Device.Hosts.Host.", "dd:04"), 4u);
    EXPECT_EQ(after.number("Device.Hosts.Host.", "ee:05"), 5u);
    EXPECT_TRUE(after.changed());
}

TEST(InstanceNumbers, GarbledSavedStateIsAnErrorNamingTheLine) {
    const std::string good = "cpe-instance-numbers 1\nN\tT.\t3\nK\tT.\t2\tk\n";
    struct Case {
        std::string text, expect;
    } cases[] = {
        {"", "empty"},
        {"something else\n", "line 1"},
        {"cpe-instance-numbers 1\nK\tT.\tzero\tk\n", "line 2: not an instance number"},
        {"cpe-instance-numbers 1\nK\tT.\t0\tk\n", "line 2: not an instance number"},
        {"cpe-instance-numbers 1\nN\tT.\t3\nK\tT\t1\tk\n", "line 3: the table path must end with '.'"},
        {"cpe-instance-numbers 1\nX\tT.\t1\n", "line 2: expected"},
        {"cpe-instance-numbers 1\nK\tT.\t1\t\n", "line 2: empty key"},
    };
    for (const Case& c : cases) {
        InstanceNumbers n;
        n.begin_refresh();
        n.number("T.", "kept");
        auto st = n.load(c.text);
        ASSERT_FALSE(st.ok()) << c.text;
        EXPECT_NE(st.error().message.find(c.expect), std::string::npos) << st.error().message;
        EXPECT_EQ(n.number("T.", "kept"), 1u);  // the state before the failed load is untouched
    }
    InstanceNumbers n;
    ASSERT_TRUE(n.load(good).ok());
    EXPECT_EQ(n.number("T.", "k"), 2u);
    EXPECT_EQ(n.number("T.", "new"), 3u);
}
