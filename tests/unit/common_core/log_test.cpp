#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log/log.hpp"

namespace {
std::vector<std::string> g_lines;
void capture(cpe::log::Level, const char* line, void*) {
    g_lines.emplace_back(line);
}
}  // namespace

TEST(Log, RateLimitCountsDroppedLines) {
    cpe::log::RateLimit limit(2, 10);
    unsigned suppressed = 0;
    EXPECT_TRUE(limit.allow(100, suppressed));
    EXPECT_TRUE(limit.allow(101, suppressed));
    EXPECT_FALSE(limit.allow(102, suppressed));
    EXPECT_FALSE(limit.allow(103, suppressed));
    EXPECT_TRUE(limit.allow(111, suppressed));
    EXPECT_EQ(suppressed, 2u);
}

TEST(Log, LinesAreSingleAndBounded) {
    g_lines.clear();
    cpe::log::set_sink(capture, nullptr);
    LOG_WARN("test", "a\nb %s", std::string(2000, 'x').c_str());
    cpe::log::set_sink(nullptr, nullptr);
    ASSERT_EQ(g_lines.size(), 1u);
    EXPECT_LT(g_lines[0].size(), 512u);
    EXPECT_EQ(g_lines[0].find('\n'), std::string::npos);
    EXPECT_NE(g_lines[0].find("WARN test: a b xxx"), std::string::npos);
}

TEST(Log, LevelFilters) {
    g_lines.clear();
    cpe::log::set_sink(capture, nullptr);
    cpe::log::set_level(cpe::log::Level::error);
    LOG_INFO("test", "hidden");
    LOG_ERROR("test", "shown");
    cpe::log::set_level(cpe::log::Level::info);
    cpe::log::set_sink(nullptr, nullptr);
    ASSERT_EQ(g_lines.size(), 1u);
    EXPECT_NE(g_lines[0].find("shown"), std::string::npos);
}
