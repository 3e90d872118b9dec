#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <string>

#include "diag/history.hpp"

using namespace cpe::hub::diag;

namespace {
struct TempDb {
    std::string path;
    TempDb() {
        char tmpl[] = "/tmp/hub_diag_history_XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd >= 0) close(fd);
        path = tmpl;
    }
    ~TempDb() {
        for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
    }
};
}  // namespace

TEST(OpticalHistory, BoundedPerDeviceAndThrottled) {
    TempDb db;
    auto h = OpticalHistory::open(db.path, /*keep=*/5, /*min_interval_ms=*/1000);
    ASSERT_TRUE(h.ok()) << h.error().message;
    for (int i = 0; i < 8; ++i) {
        auto added = h->add("dev-a", i * 1000, -20.0 - i, std::nullopt, "agent");
        ASSERT_TRUE(added.ok()) << added.error().message;
        EXPECT_TRUE(*added);
    }
    EXPECT_FALSE(*h->add("dev-a", 7500, -30, -1.0, "agent"));  // closer than min_interval to the last one
    ASSERT_TRUE(h->add("dev-b", 0, -10, 2.0, "genieacs").ok());

    auto a = h->recent("dev-a", 100);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->size(), 5u);  // bounded
    EXPECT_EQ(a->front().time_ms, 3000);
    EXPECT_EQ(a->back().time_ms, 7000);
    EXPECT_DOUBLE_EQ(a->back().rx_dbm, -27.0);
    auto b = h->recent("dev-b", 100);
    ASSERT_EQ(b->size(), 1u);
    EXPECT_EQ(h->recent("dev-a", 2)->size(), 2u);

    // Survives a reopen (same file as the hub's store).
    auto again = OpticalHistory::open(db.path, 5, 1000);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->recent("dev-a", 100)->size(), 5u);
    // The trend from the stored readings: −1 dB per second is degrading.
    EXPECT_EQ(trend_of(*again->recent("dev-a", 100), OpticalThresholds{}).direction, "degrading");
}

TEST(OpticalHistory, OpenFailsWithTheFileNamed) {
    auto h = OpticalHistory::open("/nonexistent-dir/x/hub.db");
    ASSERT_FALSE(h.ok());
    EXPECT_NE(h.error().message.find("/nonexistent-dir/x/hub.db"), std::string::npos) << h.error().message;
}
