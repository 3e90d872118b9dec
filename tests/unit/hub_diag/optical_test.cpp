#include <gtest/gtest.h>

#include "diag/optical.hpp"

using namespace cpe::hub::diag;

TEST(OpticalGrade, DefaultClassBPlusWindowWithWarningBand) {
    OpticalThresholds t;
    EXPECT_EQ(grade_rx(-7.9, t), Grade::too_high);
    EXPECT_EQ(grade_rx(-8.0, t), Grade::good);
    EXPECT_EQ(grade_rx(-19.0, t), Grade::good);
    EXPECT_EQ(grade_rx(-25.0, t), Grade::good);
    EXPECT_EQ(grade_rx(-25.1, t), Grade::warning);
    EXPECT_EQ(grade_rx(-27.0, t), Grade::warning);
    EXPECT_EQ(grade_rx(-27.1, t), Grade::critical);
    EXPECT_EQ(grade_rx(-40.0, t), Grade::no_signal);
    EXPECT_EQ(grade_rx(std::nullopt, t), Grade::unknown);
    EXPECT_EQ(grade_rx(std::numeric_limits<double>::quiet_NaN(), t), Grade::unknown);
}

TEST(OpticalGrade, ConfigurableThresholds) {
    OpticalThresholds t;
    t.good_min_dbm = -18;  // Flashman-style: good ≥ −18, weak ≥ −23
    t.warning_min_dbm = -23;
    t.too_high_above_dbm = 3;
    EXPECT_EQ(grade_rx(-20.0, t), Grade::warning);
    EXPECT_EQ(grade_rx(-24.0, t), Grade::critical);
    EXPECT_EQ(grade_rx(-5.0, t), Grade::good);
    EXPECT_STREQ(grade_name(grade_rx(-5.0, t)), "good");
}

TEST(OpticalTrend, SlopeOverTheNewestReadings) {
    OpticalThresholds t;
    t.trend_readings = 4;
    const int64_t day = 86400000;
    // Old readings that would flatten the slope are outside the window of 4.
    std::vector<Reading> r = {{0, -30},        {1 * day, -10},  {10 * day, -20},
                              {11 * day, -21}, {12 * day, -22}, {13 * day, -23}};
    Trend tr = trend_of(r, t);
    EXPECT_EQ(tr.readings, 4u);
    ASSERT_TRUE(tr.slope_db_per_day);
    EXPECT_NEAR(*tr.slope_db_per_day, -1.0, 1e-9);
    EXPECT_EQ(tr.direction, "degrading");

    std::vector<Reading> up = {{0, -24}, {day, -23}, {2 * day, -22}};
    EXPECT_EQ(trend_of(up, t).direction, "improving");
    std::vector<Reading> flat = {{2 * day, -20.05}, {0, -20}, {day, -20.1}};  // order does not matter
    EXPECT_EQ(trend_of(flat, t).direction, "stable");
}

TEST(OpticalTrend, TooFewOrSimultaneousReadingsGiveUnknown) {
    OpticalThresholds t;
    EXPECT_EQ(trend_of({}, t).direction, "unknown");
    EXPECT_EQ(trend_of({{0, -20}, {1000, -21}}, t).direction, "unknown");
    Trend same = trend_of({{5, -20}, {5, -21}, {5, -22}}, t);
    EXPECT_EQ(same.direction, "unknown");
    EXPECT_FALSE(same.slope_db_per_day);
}

TEST(OpticalUnits, Dbm1000AndTenths) {
    EXPECT_DOUBLE_EQ(*dbm_from_dbm1000("-18996"), -18.996);
    EXPECT_DOUBLE_EQ(*dbm_from_tenths("-215"), -21.5);
    EXPECT_FALSE(dbm_from_dbm1000(""));
    EXPECT_FALSE(dbm_from_dbm1000("12x"));
    EXPECT_FALSE(dbm_from_tenths("nan"));
}
