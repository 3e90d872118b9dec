#include <gtest/gtest.h>

#include <cmath>

#include "collectors/econet_pon.hpp"
#include "collectors/realtek_pon.hpp"

namespace cpe::agent {
namespace {

// Raw values are those of the real XX230v dump (X_TP_GPON_Config: RXPower 5624, TXPower 14880,
// TransceiverTemperature 12251), in the SFF-8472 units docs/sources-radio.md §5 defines.
constexpr const char* kInfo =
    "PonType: GPON\n"
    "OnuState: O5\n"
    "GponSn: TPLGC4160688\n"
    "Temperature: 0x2fdb\n"
    "Voltage: 0x80d4\n"
    "BiasCurrent: 0x1f3c\n"
    "TxPower: 0x3a20\n"
    "RxPower = 5624\n";

TEST(EconetPon, InfoInSff8472Units) {
    ParseNotes notes;
    OpticalReading r;
    parse_econet_pon_info(kInfo, EconetPonOptions{}, r, notes);
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(r.pon_type, "GPON");
    EXPECT_EQ(r.onu_state, "O5");
    EXPECT_EQ(r.gpon_serial, "TPLGC4160688");
    ASSERT_TRUE(r.temperature_c && r.voltage_v && r.bias_ma && r.tx_dbm && r.rx_dbm);
    EXPECT_NEAR(*r.temperature_c, 12251 / 256.0, 1e-9);
    EXPECT_NEAR(*r.voltage_v, 3.298, 1e-9);
    EXPECT_NEAR(*r.bias_ma, 7996 * 0.002, 1e-9);
    EXPECT_NEAR(*r.tx_dbm, 10 * std::log10(1.488), 1e-9);
    EXPECT_NEAR(*r.rx_dbm, 10 * std::log10(0.5624), 1e-9);
}

TEST(EconetPon, NegativeTemperatureAndCustomScales) {
    ParseNotes notes;
    OpticalReading r;
    EconetPonOptions options;
    options.voltage_lsb_v = 0.001;  // a firmware reporting mV, like TP-Link's SupplyVottage 3298
    parse_econet_pon_info("temperature: 0xff00\nvoltage: 3298\nOnuState: 1\n", options, r, notes);
    EXPECT_EQ(r.temperature_c, -1.0);
    ASSERT_TRUE(r.voltage_v.has_value());
    EXPECT_NEAR(*r.voltage_v, 3.298, 1e-9);
    EXPECT_EQ(r.onu_state, "O1");
}

TEST(EconetPon, NoLightAndGarbage) {
    ParseNotes notes;
    OpticalReading r;
    parse_econet_pon_info("RxPower: 0\nTxPower: 0xzz\nTemperature: 0x10000\nOnuState: running\n",
                          EconetPonOptions{}, r, notes);
    EXPECT_FALSE(r.rx_dbm.has_value());  // 0 µW: no dBm exists
    EXPECT_FALSE(r.tx_dbm.has_value());
    EXPECT_FALSE(r.temperature_c.has_value());
    EXPECT_EQ(r.onu_state, "");
    EXPECT_EQ(notes.skipped, 3u);
}

TEST(EconetPon, RssiFile) {
    ParseNotes notes;
    auto dbm = parse_econet_rssi("0x15f8\n", notes);
    ASSERT_TRUE(dbm.has_value());
    EXPECT_NEAR(*dbm, 10 * std::log10(0.5624), 1e-9);
    EXPECT_FALSE(parse_econet_rssi("", notes).has_value());
    EXPECT_FALSE(parse_econet_rssi("0x", notes).has_value());
    EXPECT_FALSE(parse_econet_rssi("0x123456789abcdef01", notes).has_value());
    EXPECT_EQ(notes.skipped, 3u);
}

TEST(EconetPon, LosPolarityFollowsTheOption) {
    ParseNotes notes;
    EconetPonOptions active_high;
    EconetPonOptions active_low;
    active_low.los_active_value = 0;
    EXPECT_EQ(parse_econet_los("1\n", active_high, notes), true);
    EXPECT_EQ(parse_econet_los("0\n", active_high, notes), false);
    EXPECT_EQ(parse_econet_los("1\n", active_low, notes), false);
    EXPECT_EQ(parse_econet_los("0\n", active_low, notes), true);
    EXPECT_FALSE(parse_econet_los("los\n", active_high, notes).has_value());
    EXPECT_EQ(notes.skipped, 1u);
}

TEST(RealtekPon, TransceiverLines) {
    ParseNotes notes;
    EXPECT_EQ(parse_realtek_transceiver("Rx Power: -21.3 dBm\n", RealtekQuantity::rx_power, notes), -21.3);
    EXPECT_EQ(parse_realtek_transceiver("RTK.0> pon get transceiver tx-power\nTx Power: 2.1 dBm\nRTK.0> ",
                                        RealtekQuantity::tx_power, notes),
              2.1);
    EXPECT_EQ(parse_realtek_transceiver("Temperature: 45.2 C\n", RealtekQuantity::temperature, notes), 45.2);
    EXPECT_EQ(parse_realtek_transceiver("Voltage: 3.3 V\n", RealtekQuantity::voltage, notes), 3.3);
    auto mv = parse_realtek_transceiver("Voltage: 3300 mV\n", RealtekQuantity::voltage, notes);
    ASSERT_TRUE(mv.has_value());
    EXPECT_NEAR(*mv, 3.3, 1e-9);
    EXPECT_EQ(parse_realtek_transceiver("Bias Current: 12.5 mA\n", RealtekQuantity::bias_current, notes),
              12.5);
    EXPECT_EQ(parse_realtek_transceiver("bias current:12\n", RealtekQuantity::bias_current, notes), 12.0);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(RealtekPon, NoLightSetsTheFlagNotAValue) {
    ParseNotes notes;
    bool no_light = false;
    EXPECT_FALSE(
        parse_realtek_transceiver("Rx Power: -inf dBm\n", RealtekQuantity::rx_power, notes, &no_light));
    EXPECT_TRUE(no_light);
    no_light = false;
    EXPECT_FALSE(
        parse_realtek_transceiver("Rx Power: -70.0 dBm\n", RealtekQuantity::rx_power, notes, &no_light));
    EXPECT_TRUE(no_light);
    no_light = false;
    EXPECT_TRUE(
        parse_realtek_transceiver("Rx Power: -27.9 dBm\n", RealtekQuantity::rx_power, notes, &no_light));
    EXPECT_FALSE(no_light);
    EXPECT_EQ(notes.skipped, 0u);
}

TEST(RealtekPon, GarbageIsAbsentAndNoted) {
    ParseNotes notes;
    EXPECT_FALSE(parse_realtek_transceiver("", RealtekQuantity::rx_power, notes));
    EXPECT_FALSE(parse_realtek_transceiver("Tx Power: n/a\n", RealtekQuantity::tx_power, notes));
    EXPECT_FALSE(parse_realtek_transceiver("Temperature: 45 F\n", RealtekQuantity::temperature, notes));
    EXPECT_FALSE(parse_realtek_transceiver("Voltage: 1e308 V\n", RealtekQuantity::voltage, notes));
    EXPECT_FALSE(parse_realtek_transceiver("Bias Current: 99999999999999999999 mA\n",
                                           RealtekQuantity::bias_current, notes));
    EXPECT_EQ(notes.skipped, 5u);
}

TEST(RealtekPon, OnuState) {
    ParseNotes notes;
    EXPECT_EQ(parse_realtek_onu_state("ONU state: Operation State(O5)\n", notes), "O5");
    EXPECT_EQ(parse_realtek_onu_state("ONU state: Operation State:Associated(O5.1)\n", notes), "O5");
    EXPECT_EQ(
        parse_realtek_onu_state("RTK.0> gpon get onu-state\nONU state: Initial State(O1)\nRTK.0> ", notes),
        "O1");
    EXPECT_EQ(parse_realtek_onu_state("O7\n", notes), "O7");
    EXPECT_EQ(notes.skipped, 0u);
    EXPECT_EQ(parse_realtek_onu_state("ONU state: unknown\n", notes), "");
    EXPECT_EQ(parse_realtek_onu_state("ONU state: O0\n", notes), "");
    EXPECT_EQ(notes.skipped, 2u);
}

}  // namespace
}  // namespace cpe::agent
