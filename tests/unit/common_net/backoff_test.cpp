#include "net/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

using cpe::net::Backoff;

namespace {
// Always the top of the range: the delay equals the ceiling, so the ceiling sequence is visible.
uint64_t top(uint64_t upper) {
    return upper;
}
}  // namespace

TEST(Backoff, CeilingDoublesUpToTheCap) {
    Backoff b({.base_ms = 100, .cap_ms = 1000, .min_ms = 0}, top);
    std::vector<uint64_t> got;
    for (int i = 0; i < 7; ++i) got.push_back(b.next_ms());
    EXPECT_EQ(got, (std::vector<uint64_t>{100, 200, 400, 800, 1000, 1000, 1000}));
    EXPECT_EQ(b.failures(), 7u);
}

TEST(Backoff, ResetStartsOverAtBase) {
    Backoff b({.base_ms = 50, .cap_ms = 10000, .min_ms = 0}, top);
    b.next_ms();
    b.next_ms();
    EXPECT_EQ(b.ceiling_ms(), 200u);
    b.reset();
    EXPECT_EQ(b.failures(), 0u);
    EXPECT_EQ(b.next_ms(), 50u);
}

TEST(Backoff, FullJitterDrawsFromZeroToCeiling) {
    std::vector<uint64_t> uppers;
    Backoff b({.base_ms = 10, .cap_ms = 80, .min_ms = 0}, [&](uint64_t upper) {
        uppers.push_back(upper);
        return uint64_t{0};  // the bottom of the range
    });
    for (int i = 0; i < 5; ++i) EXPECT_EQ(b.next_ms(), 0u);
    EXPECT_EQ(uppers, (std::vector<uint64_t>{10, 20, 40, 80, 80}));
}

TEST(Backoff, MinimumIsAFloor) {
    Backoff b({.base_ms = 100, .cap_ms = 1000, .min_ms = 30}, [](uint64_t) { return uint64_t{0}; });
    EXPECT_EQ(b.next_ms(), 30u);
}

TEST(Backoff, RandomSourceCannotExceedTheCeiling) {
    Backoff b({.base_ms = 100, .cap_ms = 400, .min_ms = 0}, [](uint64_t upper) { return upper * 10; });
    EXPECT_EQ(b.next_ms(), 100u);
    EXPECT_EQ(b.next_ms(), 200u);
}

TEST(Backoff, HugeCapDoesNotOverflow) {
    Backoff b({.base_ms = 1, .cap_ms = UINT64_MAX, .min_ms = 0}, top);
    uint64_t last = 0;
    for (int i = 0; i < 80; ++i) {
        uint64_t d = b.next_ms();
        EXPECT_GE(d, last) << "attempt " << i;
        last = d;
    }
    EXPECT_EQ(last, UINT64_MAX);
}

TEST(Backoff, DefaultRandomStaysInRange) {
    Backoff b({.base_ms = 100, .cap_ms = 800, .min_ms = 0});
    for (int i = 0; i < 200; ++i) {
        uint64_t ceiling = b.ceiling_ms();
        EXPECT_LE(b.next_ms(), ceiling);
    }
}
