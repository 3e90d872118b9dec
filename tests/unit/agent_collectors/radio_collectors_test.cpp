// Collector-level tests: spec validation, sources read through the real fixture reader (a temp-dir rootfs),
// the real live reader running a real process, and a fake reader where failures must be injected.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "collectors/econet_pon.hpp"
#include "collectors/iw_station.hpp"
#include "collectors/mesh.hpp"
#include "collectors/realtek_pon.hpp"
#include "collectors/realtek_wlan.hpp"
#include "collectors/wl_broadcom.hpp"
#include "json/json.hpp"
#include "log/log.hpp"

namespace cpe::agent {
namespace {

namespace fs = std::filesystem;

constexpr const char* kWhere = "profile.sources[3]";

json::Ptr spec(const char* text) {
    return std::move(json::parse(text, "test spec").value());
}

std::unique_ptr<Collector> make(CollectorFactory factory, const char* text) {
    auto collector = factory(spec(text).get(), kWhere);
    EXPECT_TRUE(collector.ok()) << collector.error().message;
    return collector.ok() ? std::move(collector.value()) : nullptr;
}

std::string spec_error(CollectorFactory factory, const char* text) {
    auto collector = factory(spec(text).get(), kWhere);
    EXPECT_FALSE(collector.ok());
    if (collector.ok()) return {};
    EXPECT_EQ(collector.error().code, Errc::invalid_argument);
    return collector.error().message;
}

// A throw-away rootfs for make_fixture_reader.
class TempRoot {
  public:
    TempRoot() {
        std::string pattern = (fs::temp_directory_path() / "agent_radio_XXXXXX").string();
        if (!mkdtemp(pattern.data())) std::abort();
        root_ = pattern;
    }
    ~TempRoot() {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    void write(const std::string& rel, const std::string& text) const {
        fs::path path = root_ / rel;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
    }
    std::string path() const { return root_.string(); }

  private:
    fs::path root_;
};

// For failures the fixture reader cannot produce on demand (a command failing for one argument only).
class FakeReader final : public SourceReader {
  public:
    std::map<std::string, std::string> files;
    std::map<std::string, Result<std::string>> commands;  // by captured_name(argv)
    std::vector<std::string> ran;

    Result<std::string> read_file(const std::string& path, size_t max_bytes) override {
        auto it = files.find(path);
        if (it == files.end()) return make_error(Errc::not_found, path + ": no such file");
        if (it->second.size() > max_bytes) return make_error(Errc::too_large, path + ": too large");
        return it->second;
    }
    Result<std::vector<std::string>> list_dir(const std::string& path) override {
        return make_error(Errc::not_found, path + ": no such directory");
    }
    Result<std::string> run(const std::vector<std::string>& argv, int, size_t) override {
        ran.push_back(captured_name(argv));
        auto it = commands.find(ran.back());
        if (it == commands.end()) return make_error(Errc::not_found, ran.back() + ": not found");
        return it->second;
    }
};

// Captures log lines so tests can see a collector's notes.
struct LogCapture {
    std::vector<std::string> lines;
    LogCapture() {
        log::set_sink([](log::Level, const char* line,
                         void* user) { static_cast<LogCapture*>(user)->lines.push_back(line); },
                      this);
    }
    ~LogCapture() { log::set_sink(nullptr, nullptr); }
    bool contains(const std::string& text) const {
        for (const std::string& l : lines)
            if (l.find(text) != std::string::npos) return true;
        return false;
    }
};

TEST(RadioSpecs, ErrorsNameTheOffendingKey) {
    EXPECT_EQ(spec_error(make_iw_station_collector, R"({"collector":"iw_station"})"),
              "profile.sources[3].interface: missing");
    EXPECT_NE(spec_error(make_iw_station_collector, R"({"interface":"ra0;rm -rf /"})")
                  .find("profile.sources[3].interface: 'ra0;rm -rf /' is not an interface name"),
              std::string::npos);
    EXPECT_NE(spec_error(make_iw_station_collector, R"({"interface":"ra0","command":[]})")
                  .find("profile.sources[3].command"),
              std::string::npos);
    EXPECT_NE(spec_error(make_iw_station_collector, R"({"interface":"ra0","command":["iw", 3]})")
                  .find("profile.sources[3].command[1]"),
              std::string::npos);
    EXPECT_NE(spec_error(make_wl_broadcom_collector, R"({"interface":"wl0","tol":"wl"})")
                  .find("profile.sources[3].tol: unknown option"),
              std::string::npos);
    EXPECT_NE(spec_error(make_realtek_wlan_collector, R"({"interface":"wlan0","file":7})")
                  .find("profile.sources[3].file: must be a string"),
              std::string::npos);
    EXPECT_NE(
        spec_error(make_mesh_collector, R"({"file":""})").find("profile.sources[3].file: must not be empty"),
        std::string::npos);
    EXPECT_NE(spec_error(make_econet_pon_collector, R"({"los_active_value":0.5})")
                  .find("profile.sources[3].los_active_value"),
              std::string::npos);
    EXPECT_NE(
        spec_error(make_econet_pon_collector, R"({"bias_lsb_ma":-1})").find("profile.sources[3].bias_lsb_ma"),
        std::string::npos);
    EXPECT_NE(spec_error(make_realtek_pon_collector, R"({"state_command":"diag"})")
                  .find("profile.sources[3].state_command"),
              std::string::npos);
    EXPECT_NE(spec_error(make_mesh_collector, R"([1])").find("profile.sources[3]: must be an object"),
              std::string::npos);
}

TEST(RadioSpecs, TypesAreTheProfileNames) {
    EXPECT_STREQ(make(make_iw_station_collector, R"({"interface":"ra0"})")->type(), "iw_station");
    EXPECT_STREQ(make(make_wl_broadcom_collector, R"({"interface":"wl0"})")->type(), "wl_broadcom");
    EXPECT_STREQ(make(make_realtek_wlan_collector, R"({"interface":"wlan0"})")->type(), "realtek_wlan");
    EXPECT_STREQ(make(make_mesh_collector, R"({"collector":"mesh"})")->type(), "mesh");
    EXPECT_STREQ(make(make_econet_pon_collector, R"({})")->type(), "econet_pon");
    EXPECT_STREQ(make(make_realtek_pon_collector, R"({})")->type(), "realtek_pon");
}

TEST(IwStationCollector, ReadsTheCapturedCommandAndAppends) {
    TempRoot root;
    root.write("captured/iw_dev_ra0_station_dump.out",
               "Station 3c:06:30:2d:42:fb (on ra0)\n\tsignal:  \t-60 dBm\n\tconnected time:\t5 seconds\n");
    auto reader = make_fixture_reader(root.path());
    auto collector = make(make_iw_station_collector, R"({"collector":"iw_station","interface":"ra0"})");
    BoardData data;
    data.stations.emplace_back();  // another collector's station stays
    ASSERT_TRUE(collector->collect(*reader, data).ok());
    ASSERT_EQ(data.stations.size(), 2u);
    EXPECT_EQ(data.stations[1].interface, "ra0");
    EXPECT_EQ(data.stations[1].signal_dbm, -60);
    EXPECT_EQ(data.stations[1].connected_s, 5u);
}

TEST(IwStationCollector, MissingCaptureIsAnErrorAndLeavesDataUntouched) {
    TempRoot root;
    auto reader = make_fixture_reader(root.path());
    auto collector = make(make_iw_station_collector, R"({"interface":"rai0"})");
    BoardData data;
    auto status = collector->collect(*reader, data);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::not_found);
    EXPECT_NE(status.error().message.find("iw_station rai0"), std::string::npos);
    EXPECT_TRUE(data.stations.empty());
}

TEST(IwStationCollector, RunsARealProcessThroughTheLiveReader) {
    // The command option lets the profile name any argv; printf stands in for iw and prints a dump.
    auto collector =
        make(make_iw_station_collector,
             R"j({"interface":"ra0","command":["printf","%s\n%s\n","Station 02:11:22:33:44:55 (on ra0)",
                              "\ttx bitrate:\t390.0 MBit/s VHT-MCS 9 VHT-NSS 1"]})j");
    auto reader = make_live_reader();
    BoardData data;
    auto status = collector->collect(*reader, data);
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_EQ(data.stations.size(), 1u);
    EXPECT_EQ(data.stations[0].mac.str(), "02:11:22:33:44:55");
    EXPECT_EQ(data.stations[0].downlink_kbps, 390000u);
    EXPECT_EQ(data.stations[0].standard, "ac");
}

TEST(WlBroadcomCollector, QueriesEachStationByItsPrintedMac) {
    TempRoot root;
    root.write("captured/wl_-i_wl0_assoclist.out",
               "assoclist 3C:06:30:2D:42:FB\nassoclist A4:5E:60:11:22:33\n");
    root.write("captured/wl_-i_wl0_sta_info_3C:06:30:2D:42:FB.out",
               " STA 3C:06:30:2D:42:FB:\n\t idle 3 seconds\n\t smoothed rssi: -48\n");
    root.write("captured/wl_-i_wl0_sta_info_A4:5E:60:11:22:33.out",
               " STA A4:5E:60:11:22:33:\n\t in network 60 seconds\n\t flags 0x1: N_CAP VHT_CAP\n");
    auto reader = make_fixture_reader(root.path());
    auto collector = make(make_wl_broadcom_collector, R"({"interface":"wl0"})");
    BoardData data;
    ASSERT_TRUE(collector->collect(*reader, data).ok());
    ASSERT_EQ(data.stations.size(), 2u);
    EXPECT_EQ(data.stations[0].inactive_ms, 3000u);
    EXPECT_EQ(data.stations[0].signal_dbm, -48);
    EXPECT_EQ(data.stations[1].connected_s, 60u);
    EXPECT_EQ(data.stations[1].standard, "ac");
}

TEST(WlBroadcomCollector, AFailingStaInfoKeepsTheAssociatedStation) {
    FakeReader reader;
    reader.commands.emplace("wlx_-i_eth6_assoclist.out", std::string("assoclist 3C:06:30:2D:42:FB\n"));
    reader.commands.emplace("wlx_-i_eth6_sta_info_3C:06:30:2D:42:FB.out",
                            make_error(Errc::timeout, "wlx: did not exit within 3000 ms"));
    auto collector = make(make_wl_broadcom_collector, R"({"interface":"eth6","tool":"wlx"})");
    LogCapture log;
    BoardData data;
    ASSERT_TRUE(collector->collect(reader, data).ok());
    ASSERT_EQ(data.stations.size(), 1u);
    EXPECT_EQ(data.stations[0].mac.str(), "3c:06:30:2d:42:fb");
    EXPECT_FALSE(data.stations[0].signal_dbm.has_value());
    EXPECT_TRUE(log.contains("did not exit"));
    EXPECT_EQ(reader.ran.size(), 2u);
}

TEST(WlBroadcomCollector, FailingAssoclistIsAnError) {
    FakeReader reader;
    reader.commands.emplace("wl_-i_wl1_assoclist.out",
                            make_error(Errc::io_error, "wl: exited with status 1"));
    auto collector = make(make_wl_broadcom_collector, R"({"interface":"wl1"})");
    BoardData data;
    auto status = collector->collect(reader, data);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("wl_broadcom wl1 assoclist"), std::string::npos);
}

TEST(RealtekWlanCollector, DefaultFileIsProcOfTheInterface) {
    TempRoot root;
    root.write("proc/wlan1/sta_info",
               "-- STA info table -- (active: 1)\n 1: stat_info...\n    hwaddr: 3c06302d42fb\n    rssi: 70 "
               "(70 68)\n");
    auto reader = make_fixture_reader(root.path());
    auto collector = make(make_realtek_wlan_collector, R"({"interface":"wlan1"})");
    BoardData data;
    ASSERT_TRUE(collector->collect(*reader, data).ok());
    ASSERT_EQ(data.stations.size(), 1u);
    EXPECT_EQ(data.stations[0].signal_dbm, -30);
    EXPECT_EQ(data.stations[0].interface, "wlan1");
}

TEST(MeshCollector, ReadsTheFileAndRejectsBrokenJson) {
    TempRoot root;
    root.write("tmp/cpe-mesh.json", R"({"devices":[{"id":"1c:61:b4:fb:2a:c8","role":"controller"}]})");
    root.write("var/mesh-broken.json", R"({"devices":[{"id":"1c:61:b4:fb:2a:c8")");
    auto reader = make_fixture_reader(root.path());
    BoardData data;
    ASSERT_TRUE(make(make_mesh_collector, R"({})")->collect(*reader, data).ok());
    ASSERT_EQ(data.mesh.size(), 1u);
    EXPECT_EQ(data.mesh[0].role, "controller");
    BoardData untouched;
    auto status =
        make(make_mesh_collector, R"({"file":"/var/mesh-broken.json"})")->collect(*reader, untouched);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::parse_error);
    EXPECT_NE(status.error().message.find("/var/mesh-broken.json"), std::string::npos);
    EXPECT_TRUE(untouched.mesh.empty());
}

TEST(EconetPonCollector, InfoAndLos) {
    TempRoot root;
    root.write("proc/pon_phy/info", "PonType: GPON\nTxPower: 14880\nRxPower: 0x15f8\nTemperature: 12251\n");
    root.write("proc/tc3162/los_status", "0\n");
    auto reader = make_fixture_reader(root.path());
    BoardData data;
    ASSERT_TRUE(make(make_econet_pon_collector, R"({"dir":"/proc/pon_phy/"})")->collect(*reader, data).ok());
    ASSERT_TRUE(data.optical.has_value());
    EXPECT_EQ(data.optical->pon_type, "GPON");
    EXPECT_EQ(data.optical->los, false);
    ASSERT_TRUE(data.optical->rx_dbm.has_value());
    EXPECT_NEAR(*data.optical->rx_dbm, -2.4995, 1e-3);
}

TEST(EconetPonCollector, RssiFileAloneIsEnoughAndPolarityDoubtIsLogged) {
    TempRoot root;
    root.write("proc/pon_phy/RSSICurrent", "0x0064\n");  // 100 × 0.1 µW = 10 µW = −20 dBm
    root.write("proc/tc3162/los_status", "1\n");
    auto reader = make_fixture_reader(root.path());
    LogCapture log;
    BoardData data;
    ASSERT_TRUE(make(make_econet_pon_collector, R"({})")->collect(*reader, data).ok());
    ASSERT_TRUE(data.optical && data.optical->rx_dbm);
    EXPECT_NEAR(*data.optical->rx_dbm, -20.0, 1e-9);
    EXPECT_EQ(data.optical->los, true);
    EXPECT_TRUE(log.contains("check los_active_value"));
}

TEST(EconetPonCollector, NoSourceIsAnError) {
    TempRoot root;
    auto reader = make_fixture_reader(root.path());
    BoardData data;
    auto status = make(make_econet_pon_collector, R"({})")->collect(*reader, data);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("econet_pon"), std::string::npos);
    EXPECT_FALSE(data.optical.has_value());
}

TEST(RealtekPonCollector, ReadsAllSixCaptures) {
    TempRoot root;
    root.write("captured/diag_pon_get_transceiver_rx-power.out", "Rx Power: -19.5 dBm\n");
    root.write("captured/diag_pon_get_transceiver_tx-power.out", "Tx Power: 2.3 dBm\n");
    root.write("captured/diag_pon_get_transceiver_temperature.out", "Temperature: 41.0 C\n");
    root.write("captured/diag_pon_get_transceiver_voltage.out", "Voltage: 3.28 V\n");
    root.write("captured/diag_pon_get_transceiver_bias-current.out", "Bias Current: 9.8 mA\n");
    root.write("captured/diag_gpon_get_onu-state.out", "ONU state: Operation State(O5)\n");
    auto reader = make_fixture_reader(root.path());
    BoardData data;
    ASSERT_TRUE(make(make_realtek_pon_collector, R"({})")->collect(*reader, data).ok());
    ASSERT_TRUE(data.optical.has_value());
    const OpticalReading& r = *data.optical;
    EXPECT_EQ(r.rx_dbm, -19.5);
    EXPECT_EQ(r.tx_dbm, 2.3);
    EXPECT_EQ(r.temperature_c, 41.0);
    EXPECT_EQ(r.voltage_v, 3.28);
    EXPECT_EQ(r.bias_ma, 9.8);
    EXPECT_EQ(r.onu_state, "O5");
    EXPECT_EQ(r.pon_type, "GPON");
    EXPECT_FALSE(r.los.has_value());
}

TEST(RealtekPonCollector, PartialFailureKeepsTheRestAndTotalFailureIsAnError) {
    FakeReader reader;
    reader.commands.emplace("diag_pon_get_transceiver_rx-power.out", std::string("Rx Power: -inf dBm\n"));
    BoardData data;
    data.optical.emplace();
    data.optical->gpon_serial = "TPLGC4160688";  // set by another collector: kept
    ASSERT_TRUE(make(make_realtek_pon_collector, R"({})")->collect(reader, data).ok());
    EXPECT_EQ(reader.ran.size(), 6u);
    ASSERT_TRUE(data.optical.has_value());
    EXPECT_EQ(data.optical->los, true);
    EXPECT_FALSE(data.optical->rx_dbm.has_value());
    EXPECT_EQ(data.optical->gpon_serial, "TPLGC4160688");

    FakeReader empty;
    BoardData untouched;
    auto status = make(make_realtek_pon_collector, R"({})")->collect(empty, untouched);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::unavailable);
    EXPECT_FALSE(untouched.optical.has_value());
}

}  // namespace
}  // namespace cpe::agent
