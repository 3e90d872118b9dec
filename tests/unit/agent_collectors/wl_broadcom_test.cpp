#include "collectors/wl_broadcom.hpp"

#include <gtest/gtest.h>

namespace cpe::agent {
namespace {

MacAddress mac(const char* text) {
    return MacAddress::parse(text).value();
}

// Field names as in public `wl sta_info` captures (older SDK: data bytes, per-antenna rssi).
constexpr const char* kOldSdk =
    " STA 3C:06:30:2D:42:FB:\n"
    "\t rateset [ 1 2 5.5 6 9 11 12 18 24 36 48 54 ]\n"
    "\t idle 21 seconds\n"
    "\t in network 14891407 seconds\n"
    "\t flags 0x2e13b: BRCM WME PS N_CAP AMPDU MIMO-PS\n"
    "\t HT caps 0x100:  STBC-Rx\n"
    "\t tx data pkts: 28575451\n"
    "\t tx data bytes: 21786367231\n"
    "\t tx failures: 10038\n"
    "\t rx data pkts: 24295358\n"
    "\t rx data bytes: 10566915366\n"
    "\t rate of last tx pkt: 1000 kbps\n"
    "\t rate of last rx pkt: 65000 kbps\n"
    "\t per antenna rssi of last rx data frame: -29 -31 0 0\n"
    "\t per antenna average rssi of rx data frames: -27 -28 0 0\n"
    "\t per antenna noise floor: -84 -77 0 0\n";

// Newer SDK: totals and smoothed rssi present, HE capable.
constexpr const char* kNewSdk =
    " STA A4:5E:60:11:22:33:\n"
    "\t aid:2\n"
    "\t idle 2 seconds\n"
    "\t in network 805 seconds\n"
    "\t state: AUTHENTICATED ASSOCIATED AUTHORIZED\n"
    "\t flags 0x11e03b: BRCM WME N_CAP VHT_CAP HE_CAP AMPDU AMSDU\n"
    "\t tx total pkts: 67694\n"
    "\t tx total bytes: 54545803\n"
    "\t tx data pkts: 67000\n"
    "\t tx data bytes: 54000000\n"
    "\t rx data pkts: 10250\n"
    "\t rx data bytes: 2396757\n"
    "\t rate of last tx pkt: 1200950 kbps\n"
    "\t rate of last rx pkt: 864800 kbps\n"
    "\t smoothed rssi: -52\n"
    "\t per antenna average rssi of rx data frames: -50 -55 0 0\n"
    "\t per antenna noise floor: -91 -92 0 0\n";

TEST(WlAssoclist, ReadsMacsKeepingThePrintedForm) {
    ParseNotes notes;
    auto list = parse_wl_assoclist("assoclist 3C:06:30:2D:42:FB\nassoclist A4:5E:60:11:22:33\n\n", notes);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].printed, "3C:06:30:2D:42:FB");
    EXPECT_EQ(list[0].mac, mac("3c:06:30:2d:42:fb"));
    EXPECT_EQ(list[1].mac, mac("a4:5e:60:11:22:33"));
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(WlAssoclist, SkipsBadLinesAndDuplicates) {
    ParseNotes notes;
    auto list = parse_wl_assoclist(
        "assoclist 3C:06:30:2D:42:FB\nassoclist nonsense\nwl: wl driver adapter not found\n"
        "assoclist 3C:06:30:2D:42:FB\n3C:06:30:2D:42:FC\n",
        notes);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1].mac, mac("3c:06:30:2d:42:fc"));
    EXPECT_EQ(notes.skipped, 2u);
}

TEST(WlAssoclist, StopsAtTheStationLimit) {
    std::string text;
    for (size_t i = 0; i < kWlMaxStations + 10; ++i) {
        char line[64];
        snprintf(line, sizeof line, "assoclist 02:00:00:00:%02zx:%02zx\n", i >> 8, i & 0xff);
        text += line;
    }
    ParseNotes notes;
    EXPECT_EQ(parse_wl_assoclist(text, notes).size(), kWlMaxStations);
    EXPECT_EQ(notes.skipped, 1u);
}

TEST(WlStaInfo, OldSdkFields) {
    ParseNotes notes;
    Station s = parse_wl_sta_info(kOldSdk, mac("3c:06:30:2d:42:fb"), "eth1", notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(s.interface, "eth1");
    EXPECT_EQ(s.inactive_ms, 21000u);
    EXPECT_EQ(s.connected_s, 14891407u);
    EXPECT_EQ(s.tx_bytes, 21786367231u);
    EXPECT_EQ(s.tx_packets, 28575451u);
    EXPECT_EQ(s.rx_bytes, 10566915366u);
    EXPECT_EQ(s.rx_packets, 24295358u);
    EXPECT_EQ(s.downlink_kbps, 1000u);
    EXPECT_EQ(s.uplink_kbps, 65000u);
    EXPECT_EQ(s.signal_dbm, -28);  // mean of -27 and -28, rounded away from zero
    EXPECT_EQ(s.noise_dbm, -81);   // mean of -84 and -77 (-80.5), rounded away from zero
    EXPECT_EQ(s.standard, "n");
}

TEST(WlStaInfo, NewSdkPrefersTotalsAndSmoothedRssi) {
    ParseNotes notes;
    Station s = parse_wl_sta_info(kNewSdk, mac("a4:5e:60:11:22:33"), "wl0", notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(s.tx_bytes, 54545803u);
    EXPECT_EQ(s.tx_packets, 67694u);
    EXPECT_EQ(s.signal_dbm, -52);
    EXPECT_EQ(s.noise_dbm, -92);  // mean of -91 and -92 (-91.5)
    EXPECT_EQ(s.downlink_kbps, 1200950u);
    EXPECT_EQ(s.standard, "ax");
}

TEST(WlStaInfo, OutputForAnotherStationIsNoted) {
    ParseNotes notes;
    Station s = parse_wl_sta_info(kNewSdk, mac("3c:06:30:2d:42:fb"), "wl0", notes);
    EXPECT_EQ(s.mac, mac("3c:06:30:2d:42:fb"));
    EXPECT_EQ(notes.skipped, 1u);
}

TEST(WlStaInfo, GarbageAndUnknownUnits) {
    const char* text =
        " STA A4:5E:60:11:22:33:\n"
        "\t idle many seconds\n"
        "\t rate of last tx pkt: 866 Mbps\n"
        "\t tx total bytes: -5\n"
        "\t per antenna noise floor: -91 loud 0 0\n"
        "\t in network 4294967296 seconds\n";
    ParseNotes notes;
    Station s = parse_wl_sta_info(text, mac("a4:5e:60:11:22:33"), "wl0", notes);
    EXPECT_FALSE(s.inactive_ms.has_value());
    EXPECT_FALSE(s.downlink_kbps.has_value());
    EXPECT_FALSE(s.tx_bytes.has_value());
    EXPECT_FALSE(s.noise_dbm.has_value());
    EXPECT_FALSE(s.connected_s.has_value());
    EXPECT_EQ(notes.skipped, 5u);
}

}  // namespace
}  // namespace cpe::agent
