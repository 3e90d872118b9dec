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
    for (int i = 4; i < 10; ++i) EXPECT_EQ(numbers.number("T.", "k" + std::to_string(i)), static_cast<uint32_t>(i + 1));
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
