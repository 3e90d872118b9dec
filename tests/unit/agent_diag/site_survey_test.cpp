// The site survey (agent/diag/site_survey.*): each radio family's parser on its format, and the command on
// the boards' fixtures (XX230v and generic OpenWrt: iw scan dumps; HT803G: Realtek SS_Result).
#include <gtest/gtest.h>

#include <atomic>

#include "diag/site_survey.hpp"

using namespace cpe::agent::diag;
namespace usp = cpe::agent::usp;

namespace {

const std::string kBoards = std::string(CPE_SOURCE_DIR) + "/boards/";

usp::Args survey(const std::string& board, std::vector<SurveyRadio> radios) {
    auto spec = neighboring_wifi_command(std::move(radios), kBoards + board + "/fixtures/rootfs");
    usp::Args none;
    EXPECT_FALSE(usp::validate_args(spec, none));
    std::atomic<bool> cancelled{false};
    usp::RunContext ctx{none, cancelled, std::chrono::steady_clock::now() + std::chrono::seconds(30)};
    return spec.run(ctx);
}

TEST(SiteSurvey, IwScanOnTheXx230vFixture) {
    auto out =
        survey("tplink-xx230v", {{"ra0", "2.4GHz", RadioFamily::iw}, {"rai0", "5GHz", RadioFamily::iw}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["ResultNumberOfEntries"], "6");
    EXPECT_EQ(out["Result.1.Radio"], "Device.WiFi.Radio.1.");
    EXPECT_EQ(out["Result.1.SSID"], "Bbox-5E2210");
    EXPECT_EQ(out["Result.1.BSSID"], "a0:ab:1b:5e:22:10");
    EXPECT_EQ(out["Result.1.Channel"], "6");
    EXPECT_EQ(out["Result.1.SignalStrength"], "-48");
    EXPECT_EQ(out["Result.1.SecurityModeEnabled"], "WPA2-Personal");
    EXPECT_EQ(out["Result.1.EncryptionMode"], "AES");
    EXPECT_EQ(out["Result.1.OperatingFrequencyBand"], "2.4GHz");
    EXPECT_EQ(out["Result.1.OperatingChannelBandwidth"], "20MHz");
    EXPECT_EQ(out["Result.1.OperatingStandards"], "b,g,n");
    EXPECT_EQ(out["Result.2.SecurityModeEnabled"], "WPA-WPA2-Personal");
    EXPECT_EQ(out["Result.2.EncryptionMode"], "TKIP,AES");
    EXPECT_EQ(out["Result.2.OperatingChannelBandwidth"], "40MHz");
    EXPECT_EQ(out["Result.3.SecurityModeEnabled"], "WPA3-Personal-Transition");
    EXPECT_EQ(out["Result.3.OperatingStandards"], "b,g,n,ax");
    EXPECT_EQ(out["Result.4.SecurityModeEnabled"], "None");
    EXPECT_EQ(out["Result.4.EncryptionMode"], "");
    EXPECT_EQ(out["Result.5.Radio"], "Device.WiFi.Radio.2.");
    EXPECT_EQ(out["Result.5.Channel"], "36");
    EXPECT_EQ(out["Result.5.OperatingFrequencyBand"], "5GHz");
    EXPECT_EQ(out["Result.5.OperatingChannelBandwidth"], "80MHz");
    EXPECT_EQ(out["Result.5.OperatingStandards"], "a,n,ac,ax");
    EXPECT_EQ(out.count("Result.1.Noise"), 0u);  // iw's scan does not give it
}

TEST(SiteSurvey, RealtekOnTheHt803gFixture) {
    auto out = survey("raisecom-ht803g",
                      {{"wlan0", "2.4GHz", RadioFamily::realtek}, {"wlan1", "5GHz", RadioFamily::realtek}});
    EXPECT_EQ(out["Status"], "Complete");
    EXPECT_EQ(out["ResultNumberOfEntries"], "6");
    EXPECT_EQ(out["Result.3.SSID"], "Maison Dupont");  // an SSID with a space
    EXPECT_EQ(out["Result.3.BSSID"], "3c:84:6a:00:11:22");
    EXPECT_EQ(out["Result.2.SecurityModeEnabled"], "WPA-WPA2-Personal");
    EXPECT_EQ(out["Result.4.SecurityModeEnabled"], "None");
    EXPECT_EQ(out["Result.6.SecurityModeEnabled"], "WPA3-Personal");
    EXPECT_EQ(out["Result.6.Channel"], "100");
    EXPECT_EQ(out["Result.6.SignalStrength"], "-77");
    EXPECT_EQ(out["Result.6.OperatingChannelBandwidth"], "Auto");  // the file does not say
}

TEST(SiteSurvey, NoRadioAnswersIsAnError) {
    auto out = survey("tplink-xx230v", {{"nosuch0", "2.4GHz", RadioFamily::iw}});
    EXPECT_EQ(out["Status"], "Error");
    EXPECT_EQ(out["ResultNumberOfEntries"], "0");
}

// wl scanresults as wlu.c's dump_bss_info prints it (two networks; noise and chanspec given).
TEST(SiteSurvey, BroadcomScanresults) {
    const char* text =
        "SSID: \"Bbox-5E2210\"\n"
        "Mode: Managed\tRSSI: -45 dBm\tSNR: 47 dB\tnoise: -92 dBm\tFlags: RSSI on-channel \tChannel: 6\n"
        "BSSID: A0:AB:1B:5E:22:10\tCapability: ESS Privacy ShortSlot \n"
        "Supported Rates: [ 1(b) 2(b) 5.5(b) 6 9 11(b) 12 18 24 36 48 54 ]\n"
        "RSN:\n"
        "\tmulticast cipher: AES-CCMP\n"
        "\tunicast ciphers(1): AES-CCMP \n"
        "\tAKM Suites(1): WPA2-PSK \n"
        "\tCapabilities(0x000c): No Pre-Auth, Pairwise, 16 GTKSA Replays\n"
        "HT Capable:\n"
        "\tChanspec: 2.4GHz channel 6 20MHz (0x1006)\n"
        "\tPrimary channel: 6\n"
        "\n"
        "SSID: \"Open\"\n"
        "Mode: Managed\tRSSI: -71 dBm\tSNR: 20 dB\tnoise: -91 dBm\tChannel: 36/80\n"
        "BSSID: 00:11:22:33:44:55\tCapability: ESS ShortSlot \n"
        "VHT Capable:\n"
        "\tChanspec: 5GHz channel 42 80MHz (0xe02a)\n"
        "\tPrimary channel: 36\n";
    auto n = parse_wl_scanresults(text);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[0].bssid, "a0:ab:1b:5e:22:10");
    EXPECT_EQ(n[0].signal_dbm, -45);
    EXPECT_EQ(n[0].noise_dbm, -92);
    EXPECT_EQ(n[0].security, "WPA2-Personal");
    EXPECT_EQ(n[0].encryption, "AES");
    EXPECT_EQ(n[0].band, "2.4GHz");
    EXPECT_EQ(n[0].bandwidth, "20MHz");
    EXPECT_EQ(n[1].security, "None");
    EXPECT_EQ(n[1].channel, 36u);
    EXPECT_EQ(n[1].band, "5GHz");
    EXPECT_EQ(n[1].bandwidth, "80MHz");
}

TEST(SiteSurvey, ChannelsFromFrequencies) {
    std::string band;
    EXPECT_EQ(channel_of(2412, &band), 1u);
    EXPECT_EQ(band, "2.4GHz");
    EXPECT_EQ(channel_of(2484, &band), 14u);
    EXPECT_EQ(channel_of(5745, &band), 149u);
    EXPECT_EQ(band, "5GHz");
    EXPECT_EQ(channel_of(5955, &band), 1u);
    EXPECT_EQ(band, "6GHz");
    EXPECT_EQ(channel_of(1000, &band), 0u);
    EXPECT_EQ(band, "");
}

TEST(SiteSurvey, GarbageGivesNothing) {
    EXPECT_TRUE(parse_iw_scan("BSS zz:zz(on x)\n\tfreq: abc\n").empty());
    EXPECT_TRUE(parse_wl_scanresults("Mode: x\nBSSID: nope\n").empty());
    EXPECT_TRUE(parse_realtek_ss_result("no networks\n aa:bb:cc:dd:ee:ff\n").empty());
}

}  // namespace
