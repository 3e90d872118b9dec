#include "collectors/wifi_info.hpp"

#include <gtest/gtest.h>

#include "collectors/iw_station.hpp"

namespace cpe::agent {
namespace {

// Shaped like real `iw dev <if> info` output (iw interface.c print_iface_handler; a leading "phy#" header and
// a second interface, as `iw dev` without a name prints).
constexpr const char* kInfo =
    "phy#1\n"
    "Interface rai1\n"
    "\tifindex 11\n"
    "\tssid Backhaul\n"
    "\ttype AP\n"
    "Interface rai0\n"
    "\tifindex 10\n"
    "\twdev 0x3\n"
    "\taddr 1c:61:b4:3e:91:d6\n"
    "\tssid Chez Nous\\x5c5G\n"
    "\ttype AP\n"
    "\twiphy 1\n"
    "\tchannel 153 (5765 MHz), width: 80 MHz, center1: 5775 MHz\n"
    "\ttxpower 20.00 dBm\n";

TEST(IwInfo, ReadsSsidAndChannelOfItsInterface) {
    ParseNotes notes;
    auto info = parse_iw_info(kInfo, "rai0", notes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->ssid, "Chez Nous\\5G");  // inner space kept, "\x5c" decoded
    EXPECT_EQ(info->type, "AP");
    EXPECT_EQ(info->channel, 153);
    EXPECT_EQ(info->frequency_mhz, 5765);
    EXPECT_EQ(info->width_mhz, 80);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(IwInfo, EscapedEdgesAndBadEscapes) {
    ParseNotes notes;
    auto info = parse_iw_info("Interface wlan0\n\tssid \\x20padded\\x20\n", "wlan0", notes);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->ssid, " padded ");
    ParseNotes bad_notes;
    auto bad = parse_iw_info("Interface wlan0\n\tssid broken\\x2\n\tchannel 0 (0 MHz)\n", "wlan0", bad_notes);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->ssid, "");
    EXPECT_FALSE(bad->channel);
    EXPECT_EQ(bad_notes.skipped, 2u);
    ParseNotes long_notes;
    auto too_long =
        parse_iw_info("Interface wlan0\n\tssid " + std::string(33, 'x') + "\n", "wlan0", long_notes);
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->ssid, "");
    EXPECT_EQ(long_notes.skipped, 1u);
}

TEST(IwInfo, NoBlockForTheInterfaceIsNoResult) {
    for (const std::string& text : {std::string(""), std::string("garbage\n"),
                                    std::string("Interface ra0\n\tssid x\n"), std::string(100000, 'A')}) {
        ParseNotes notes;
        EXPECT_FALSE(parse_iw_info(text, "rai0", notes)) << text.substr(0, 40);
        EXPECT_GE(notes.skipped, 1u);
    }
}

// iw station dump: SignalStrength is the "signal avg" iw prints (TR-181: an average), plus authentication
// state and retransmissions.
TEST(IwStation, SignalAverageAuthenticationAndRetries) {
    ParseNotes notes;
    auto list = parse_iw_station_dump(
        "Station 3c:06:30:2d:42:fb (on rai0)\n"
        "\ttx retries:\t12\n"
        "\ttx failed:\t3\n"
        "\tsignal:  \t-52 [-54, -55] dBm\n"
        "\tsignal avg:\t-49 [-53, -54] dBm\n"
        "\tauthenticated:\tyes\n"
        "Station a4:5e:60:11:22:33 (on rai0)\n"
        "\tsignal avg:\t-60 dBm\n"
        "\tsignal:  \t-71 dBm\n"
        "\tauthenticated:\tno\n",
        "rai0", notes);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].signal_dbm, -49);
    EXPECT_EQ(list[0].tx_retries, 12u);
    EXPECT_EQ(list[0].tx_failed, 3u);
    EXPECT_EQ(list[0].authenticated, true);
    EXPECT_EQ(list[1].signal_dbm, -60);  // the average wins whichever line comes first
    EXPECT_EQ(list[1].authenticated, false);
}

}  // namespace
}  // namespace cpe::agent
