#include "collectors/realtek_wlan.hpp"

#include <gtest/gtest.h>

namespace cpe::agent {
namespace {

// Layout of the rtl8192cd driver's /proc/<if>/sta_info (8192cd_proc.c dump_one_stainfo).
constexpr const char* kTwoStations =
    "-- STA info table -- (active: 2)\n"
    " 1: stat_info...\n"
    "    state: 20b\n"
    "    AuthAlgrthm: 0\n"
    "    ieee8021x_ctrlport: 1\n"
    "    hwaddr: 3c06302d42fb\n"
    "    bssrateset: 0c12182430486c\n"
    "    aid: 1\n"
    "    tx_bytes: 54545803\n"
    "    rx_bytes: 2396757\n"
    "    tx_pkts: 67694\n"
    "    rx_pkts: 10250\n"
    "    tx_fail: 0\n"
    "    rssi: 58 (58 55)\n"
    "    expired_time: 29800\n"
    "    sleep: no\n"
    "    current_tx_rate: MCS7 72.2\n"
    "    current_rx_rate: 54\n"
    "    rx_bw: 20M\n"
    "    hp_level: 0\n"
    "    Chip Vendor: --\n"
    "    link_time: 1 day 2 hr 13 min 25 sec \n"
    "    ht_cap: none\n"
    "\n"
    " 2: stat_info...\n"
    "    state: 20b\n"
    "    hwaddr: a45e60112233\n"
    "    rssi: 31 (31 29)\n"
    "    current_tx_rate: VHT NSS2-MCS9 866.7\n"
    "    current_rx_rate: MCS15 130\n"
    "    link_time: 42 sec \n"
    "\n";

TEST(RealtekWlan, ParsesBothStations) {
    ParseNotes notes;
    auto stations = parse_realtek_sta_info(kTwoStations, "wlan0", notes);
    ASSERT_EQ(stations.size(), 2u);
    EXPECT_EQ(notes.skipped, 0u);
    const Station& a = stations[0];
    EXPECT_EQ(a.mac.str(), "3c:06:30:2d:42:fb");
    EXPECT_EQ(a.interface, "wlan0");
    EXPECT_EQ(a.tx_bytes, 54545803u);
    EXPECT_EQ(a.rx_bytes, 2396757u);
    EXPECT_EQ(a.tx_packets, 67694u);
    EXPECT_EQ(a.rx_packets, 10250u);
    EXPECT_EQ(a.signal_dbm, -42);  // 58 % → 58 − 100 dBm
    EXPECT_EQ(a.downlink_kbps, 72200u);
    EXPECT_EQ(a.uplink_kbps, 54000u);
    EXPECT_EQ(a.connected_s, 86400u + 2 * 3600 + 13 * 60 + 25);
    EXPECT_EQ(a.standard, "n");
    EXPECT_FALSE(a.inactive_ms.has_value());
    const Station& b = stations[1];
    EXPECT_EQ(b.signal_dbm, -69);
    EXPECT_EQ(b.downlink_kbps, 866700u);
    EXPECT_EQ(b.uplink_kbps, 130000u);
    EXPECT_EQ(b.connected_s, 42u);
    EXPECT_EQ(b.standard, "ac");
}

TEST(RealtekWlan, NoStations) {
    ParseNotes notes;
    EXPECT_TRUE(parse_realtek_sta_info("-- STA info table -- (active: 0)\n", "wlan0", notes).empty());
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(RealtekWlan, BlockWithoutValidHwaddrIsSkipped) {
    std::string text = std::string(" 7: stat_info...\n    hwaddr: 3c06302d42\n    rssi: 50\n") + kTwoStations;
    ParseNotes notes;
    auto stations = parse_realtek_sta_info(text, "wlan0", notes);
    ASSERT_EQ(stations.size(), 2u);
    EXPECT_EQ(notes.skipped, 2u);  // the invalid hwaddr, then the block dropped for lacking one
    EXPECT_EQ(stations[0].signal_dbm, -42);
}

TEST(RealtekWlan, BadValuesAreAbsentAndNoted) {
    const char* text =
        " 1: stat_info...\n"
        "    hwaddr: 3c06302d42fb\n"
        "    rssi: 140\n"
        "    tx_bytes: lots\n"
        "    link_time: 3 fortnights\n"
        "    current_tx_rate: MCS\n";
    ParseNotes notes;
    auto stations = parse_realtek_sta_info(text, "wlan0", notes);
    ASSERT_EQ(stations.size(), 1u);
    EXPECT_FALSE(stations[0].signal_dbm.has_value());
    EXPECT_FALSE(stations[0].tx_bytes.has_value());
    EXPECT_FALSE(stations[0].connected_s.has_value());
    EXPECT_FALSE(stations[0].downlink_kbps.has_value());
    EXPECT_EQ(notes.skipped, 4u);
}

TEST(RealtekWlan, TruncatedLastBlockKeepsItsMac) {
    std::string text(kTwoStations);
    text.resize(text.find("    rssi: 31"));
    ParseNotes notes;
    auto stations = parse_realtek_sta_info(text, "wlan0", notes);
    ASSERT_EQ(stations.size(), 2u);
    EXPECT_EQ(stations[1].mac.str(), "a4:5e:60:11:22:33");
    EXPECT_FALSE(stations[1].signal_dbm.has_value());
}

}  // namespace
}  // namespace cpe::agent
