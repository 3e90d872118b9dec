#include <gtest/gtest.h>

#include "sources/circuit_breaker.hpp"

namespace cpe::hub::sources {
namespace {

TEST(CircuitBreaker, OpensHalfOpensAndCloses) {
    int64_t now = 0;
    CircuitBreaker b({.failure_threshold = 3, .cool_down_ms = 1000}, [&] { return now; });
    EXPECT_TRUE(b.allow());
    b.record_failure("a");
    b.record_failure("b");
    b.record_success();
    b.record_failure("c");
    b.record_failure("d");
    EXPECT_EQ(b.state(), BreakerState::closed);
    b.record_failure("e");
    EXPECT_EQ(b.state(), BreakerState::open);
    EXPECT_FALSE(b.allow());
    now = 999;
    EXPECT_FALSE(b.allow());
    EXPECT_EQ(b.snapshot().retry_in_ms, 1);
    EXPECT_NE(b.refusal_message().find("last: e"), std::string::npos);
    now = 1000;
    EXPECT_TRUE(b.allow());  // the probe
    EXPECT_EQ(b.state(), BreakerState::half_open);
    EXPECT_FALSE(b.allow());  // only one probe
    b.record_failure("probe");
    EXPECT_EQ(b.state(), BreakerState::open);
    now = 2000;
    EXPECT_TRUE(b.allow());
    b.record_success();
    EXPECT_EQ(b.state(), BreakerState::closed);
    EXPECT_TRUE(b.allow());
    EXPECT_EQ(b.snapshot().rejected, 3u);
    EXPECT_EQ(b.snapshot().total_failures, 6u);
}

}  // namespace
}  // namespace cpe::hub::sources
