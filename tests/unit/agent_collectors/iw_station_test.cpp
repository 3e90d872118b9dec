#include "collectors/iw_station.hpp"

#include <gtest/gtest.h>

namespace cpe::agent {
namespace {

// Shaped like real `iw dev <if> station dump` output (iw station.c: tab after the colon, signal with chains).
constexpr const char* kTwoStations =
    "Station 3c:06:30:2d:42:fb (on rai0)\n"
    "\tinactive time:\t340 ms\n"
    "\trx bytes:\t2396757\n"
    "\trx packets:\t10250\n"
    "\ttx bytes:\t54545803\n"
    "\ttx packets:\t67694\n"
    "\ttx retries:\t12\n"
    "\ttx failed:\t0\n"
    "\tsignal:  \t-52 [-54, -55] dBm\n"
    "\tsignal avg:\t-51 [-53, -54] dBm\n"
    "\ttx bitrate:\t1200.9 MBit/s 80MHz HE-MCS 11 HE-NSS 2 HE-GI 0 HE-DCM 0\n"
    "\trx bitrate:\t864.8 MBit/s 80MHz HE-MCS 8 HE-NSS 2 HE-GI 0 HE-DCM 0\n"
    "\tauthorized:\tyes\n"
    "\tconnected time:\t805 seconds\n"
    "Station a4:5e:60:11:22:33 (on rai0)\n"
    "\tinactive time:\t10 ms\n"
    "\tsignal:  \t-71 dBm\n"
    "\ttx bitrate:\t144.4 MBit/s MCS 15 short GI\n"
    "\trx bitrate:\t6.0 MBit/s\n"
    "\tconnected time:\t12 seconds\n";

TEST(IwStation, ParsesEveryFieldOfTwoStations) {
    ParseNotes notes;
    auto stations = parse_iw_station_dump(kTwoStations, "rai0", notes);
    ASSERT_EQ(stations.size(), 2u);
    EXPECT_EQ(notes.skipped, 0u);
    const Station& a = stations[0];
    EXPECT_EQ(a.mac.str(), "3c:06:30:2d:42:fb");
    EXPECT_EQ(a.interface, "rai0");
    EXPECT_EQ(a.inactive_ms, 340u);
    EXPECT_EQ(a.rx_bytes, 2396757u);
    EXPECT_EQ(a.rx_packets, 10250u);
    EXPECT_EQ(a.tx_bytes, 54545803u);
    EXPECT_EQ(a.tx_packets, 67694u);
    EXPECT_EQ(a.signal_dbm, -51);  // "signal avg" (TR-181 SignalStrength is an average), not the last frame
    EXPECT_FALSE(a.noise_dbm.has_value());
    EXPECT_EQ(a.downlink_kbps, 1200900u);
    EXPECT_EQ(a.uplink_kbps, 864800u);
    EXPECT_EQ(a.connected_s, 805u);
    EXPECT_EQ(a.standard, "ax");
    const Station& b = stations[1];
    EXPECT_EQ(b.mac.str(), "a4:5e:60:11:22:33");
    EXPECT_EQ(b.signal_dbm, -71);
    EXPECT_EQ(b.downlink_kbps, 144400u);
    EXPECT_EQ(b.uplink_kbps, 6000u);
    EXPECT_EQ(b.standard, "n");
    EXPECT_FALSE(b.rx_bytes.has_value());
}

TEST(IwStation, EmptyOutputMeansNoStations) {
    ParseNotes notes;
    EXPECT_TRUE(parse_iw_station_dump("", "ra0", notes).empty());
    EXPECT_TRUE(parse_iw_station_dump("\n\n", "ra0", notes).empty());
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(IwStation, BadMacSkipsOnlyThatStation) {
    std::string text = std::string("Station zz:06:30:2d:42:fb (on ra0)\n\tsignal:\t-40 dBm\n") + kTwoStations;
    ParseNotes notes;
    auto stations = parse_iw_station_dump(text, "ra0", notes);
    ASSERT_EQ(stations.size(), 2u);
    EXPECT_EQ(notes.skipped, 1u);
    ASSERT_FALSE(notes.messages.empty());
    EXPECT_NE(notes.messages[0].find("invalid MAC"), std::string::npos);
    EXPECT_EQ(stations[0].signal_dbm, -51);  // the bad block's signal did not leak into the next station
}

TEST(IwStation, GarbageValuesAreAbsentAndNoted) {
    const char* text =
        "Station 3c:06:30:2d:42:fb (on ra0)\n"
        "\trx bytes:\t99999999999999999999999\n"  // overflows uint64
        "\tsignal:  \tstrong dBm\n"
        "\ttx bitrate:\t-5.0 MBit/s\n"
        "\trx bitrate:\t9999999999.0 MBit/s\n"  // beyond uint32 kbps
        "\tinactive time:\t12 ms\n";
    ParseNotes notes;
    auto stations = parse_iw_station_dump(text, "ra0", notes);
    ASSERT_EQ(stations.size(), 1u);
    EXPECT_FALSE(stations[0].rx_bytes.has_value());
    EXPECT_FALSE(stations[0].signal_dbm.has_value());
    EXPECT_FALSE(stations[0].downlink_kbps.has_value());
    EXPECT_FALSE(stations[0].uplink_kbps.has_value());
    EXPECT_EQ(stations[0].inactive_ms, 12u);
    EXPECT_EQ(notes.skipped, 4u);
}

TEST(IwStation, TruncatedInputKeepsWhatWasRead) {
    std::string text(kTwoStations);
    text.resize(text.find("tx bitrate") + 14);  // cut in the middle of the first station's tx bitrate value
    ParseNotes notes;
    auto stations = parse_iw_station_dump(text, "rai0", notes);
    ASSERT_EQ(stations.size(), 1u);
    EXPECT_EQ(stations[0].signal_dbm, -51);
    EXPECT_EQ(stations[0].tx_bytes, 54545803u);
    EXPECT_FALSE(stations[0].downlink_kbps.has_value());  // "12" without its MBit/s unit is not a rate
}

TEST(IwStation, StandardTakesTheNewestGeneration) {
    const char* text =
        "Station 3c:06:30:2d:42:fb (on ra0)\n"
        "\ttx bitrate:\t866.7 MBit/s VHT-MCS 9 80MHz short GI VHT-NSS 2\n"
        "\trx bitrate:\t2882.4 MBit/s 160MHz EHT-MCS 13 EHT-NSS 2 EHT-GI 0\n";
    ParseNotes notes;
    auto stations = parse_iw_station_dump(text, "ra0", notes);
    ASSERT_EQ(stations.size(), 1u);
    EXPECT_EQ(stations[0].standard, "be");
    EXPECT_EQ(stations[0].downlink_kbps, 866700u);
}

TEST(IwStation, TextBeforeTheFirstStationIsNoted) {
    ParseNotes notes;
    auto stations = parse_iw_station_dump("command failed: No such device (-19)\n", "ra0", notes);
    EXPECT_TRUE(stations.empty());
    EXPECT_EQ(notes.skipped, 1u);
}

}  // namespace
}  // namespace cpe::agent
