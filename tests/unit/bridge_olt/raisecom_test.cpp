#include <gtest/gtest.h>

#include "raisecom.hpp"

using namespace cpe::bridge::olt;

TEST(RaisecomOid, ParsesAndFormats) {
    auto o = parse_oid(".1.3.6.1.4.1.8886.18.3.6.3.1.1.16");
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->size(), 14u);
    EXPECT_EQ(format_oid(*o), ".1.3.6.1.4.1.8886.18.3.6.3.1.1.16");
    EXPECT_TRUE(parse_oid("1.3.6").ok());
    EXPECT_EQ(parse_oid("4294967295")->front(), 4294967295u);
}

TEST(RaisecomOid, RejectsMalformedNamingWhere) {
    auto e = parse_oid(".1.3..6");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("byte 5"), std::string::npos) << e.error().message;
    EXPECT_FALSE(parse_oid("").ok());
    EXPECT_FALSE(parse_oid(".").ok());
    EXPECT_FALSE(parse_oid("1.3.").ok());
    EXPECT_FALSE(parse_oid("1.x").ok());
    EXPECT_FALSE(parse_oid("4294967296").ok());
    std::string long_oid;
    for (int i = 0; i < 129; ++i) long_oid += ".1";
    EXPECT_EQ(parse_oid(long_oid).error().code, cpe::Errc::too_large);
}

TEST(RaisecomTable, OneEntryPerColumnInOrder) {
    auto specs = column_specs();
    ASSERT_EQ(specs.size(), kColumnCount);
    for (size_t i = 0; i < specs.size(); ++i) {
        EXPECT_EQ(static_cast<size_t>(specs[i].column), i);
        EXPECT_FALSE(column_oid(specs[i].column).empty());
    }
    EXPECT_EQ(format_oid(column_oid(Column::onu_rx)), ".1.3.6.1.4.1.8886.18.3.6.3.1.1.16");
    EXPECT_EQ(format_oid(column_oid(Column::status)), ".1.3.6.1.4.1.8886.18.3.1.3.1.1.17");
}

TEST(RaisecomTable, EachColumnUsesItsTablesIndex) {
    // Issue 17 / tr181.md: the optical table has its own index; the ONU table and the OLT-side Rx use the ONU
    // id.
    for (Column c : {Column::onu_rx, Column::onu_tx, Column::temperature, Column::voltage})
        EXPECT_EQ(spec(c).table, IndexTable::optical) << column_key(c);
    for (Column c :
         {Column::serial, Column::status, Column::distance, Column::offline_reason, Column::olt_rx})
        EXPECT_EQ(spec(c).table, IndexTable::onu) << column_key(c);
    EXPECT_EQ(format_oid(column_oid(Column::voltage)), ".1.3.6.1.4.1.8886.18.3.6.3.1.1.19");
}

TEST(RaisecomIndex, OpticalIndexOfOnus1To99) {
    EXPECT_EQ(optical_index(1, 1, 1), 10101001u);
    EXPECT_EQ(optical_index(2, 16, 64), 2u * 10000000 + 16u * 100000 + 64u * 1000 + 1);
    EXPECT_EQ(optical_index(1, 1, 99), 10199001u);
}

TEST(RaisecomIndex, OpticalIndexOfOnus100To128UnderThe3Shl28Prefix) {
    EXPECT_EQ(optical_index(1, 1, 100), (3u << 28) + 10100001u);
    EXPECT_EQ(optical_index(1, 1, 128), (3u << 28) + 10128001u);
    EXPECT_EQ(optical_index(kMaxSlot, kMaxPort, 128),
              (3u << 28) + 99u * 10000000 + 99u * 100000 + 28u * 1000 + 1);
    // Never the next port's ONU 1..28 (what the single-layout reader reported as 101..128).
    EXPECT_NE(optical_index(1, 1, 101), optical_index(1, 2, 1));
}

TEST(RaisecomIndex, OnuTableIndexPerScheme) {
    EXPECT_EQ(onu_index(IndexScheme::type2id, 1, 1, 1), (1u << 28) | (1u << 23) | (1u << 16) | 1u);
    EXPECT_EQ(onu_index(IndexScheme::type2id, 3, 15, 128), (1u << 28) | (3u << 23) | (15u << 16) | 128u);
    EXPECT_EQ(onu_index(IndexScheme::legacy, 1, 1, 1), 10100001u);
    EXPECT_EQ(onu_index(IndexScheme::legacy, 2, 16, 128), 2u * 10000000 + 16u * 100000 + 128u);
}

TEST(RaisecomIndex, DecodeInvertsEncodeForEveryOnu) {
    for (int slot : {0, 1, 7, 31})
        for (int port : {0, 1, 16, 99})
            for (int onu = 1; onu <= kMaxOnu; ++onu) {
                auto o = decode_optical_index(optical_index(slot, port, onu));
                ASSERT_TRUE(o.has_value()) << slot << "/" << port << "/" << onu;
                EXPECT_EQ(o->slot, slot);
                EXPECT_EQ(o->port, port);
                EXPECT_EQ(o->onu, onu);
                for (IndexScheme s : {IndexScheme::type2id, IndexScheme::legacy}) {
                    auto a = decode_onu_index(s, onu_index(s, slot, port, onu));
                    ASSERT_TRUE(a.has_value());
                    EXPECT_EQ(a->slot, slot);
                    EXPECT_EQ(a->port, port);
                    EXPECT_EQ(a->onu, onu);
                    EXPECT_EQ(
                        onu_in_pon(IndexTable::onu, s, onu_index(s, slot, port, onu), slot, port, kMaxOnu),
                        onu);
                }
                EXPECT_EQ(onu_in_pon(IndexTable::optical, IndexScheme::type2id,
                                     optical_index(slot, port, onu), slot, port, kMaxOnu),
                          onu);
            }
    EXPECT_FALSE(decode_optical_index(10101002).has_value());                // not onu·1000 + 1
    EXPECT_FALSE(decode_optical_index(10100001).has_value());                // ONU 0
    EXPECT_FALSE(decode_optical_index((3u << 28) + 10129001u).has_value());  // "ONU 129"
    EXPECT_FALSE(decode_optical_index(0).has_value());
    EXPECT_FALSE(decode_optical_index(0xFFFFFFFFull * 4).has_value());
    EXPECT_FALSE(decode_onu_index(IndexScheme::type2id, 10100001u).has_value());  // no (1<<28) tag
    EXPECT_FALSE(decode_onu_index(IndexScheme::type2id, (1u << 28) | (1u << 16)).has_value());  // ONU 0
    EXPECT_FALSE(decode_onu_index(IndexScheme::legacy, 10100129u).has_value());                 // ONU 129
}

TEST(RaisecomIndex, OnuInPonRejectsOtherRows) {
    const auto opt = IndexTable::optical;
    const auto t2 = IndexScheme::type2id;
    EXPECT_FALSE(onu_in_pon(opt, t2, optical_index(1, 1, 5) + 1, 1, 1, 128).has_value());
    EXPECT_FALSE(onu_in_pon(opt, t2, optical_index(1, 0, 5), 1, 1, 128).has_value());  // the port before
    EXPECT_FALSE(onu_in_pon(opt, t2, optical_index(1, 1, 64), 1, 1, 63).has_value());  // beyond max_onu
    EXPECT_EQ(onu_in_pon(opt, t2, optical_index(1, 2, 3), 1, 1, 128),
              std::nullopt);  // next port's ONU 3, not 103
    EXPECT_FALSE(onu_in_pon(IndexTable::onu, t2, onu_index(t2, 1, 2, 3), 1, 1, 128).has_value());
    EXPECT_FALSE(
        onu_in_pon(IndexTable::onu, t2, onu_index(IndexScheme::legacy, 1, 1, 3), 1, 1, 128).has_value());
}

TEST(RaisecomIndex, PonRangesPerTable) {
    auto r = pon_ranges(IndexTable::optical, IndexScheme::type2id, 1, 1, 128);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].first, optical_index(1, 1, 1));
    EXPECT_EQ(r[0].last, optical_index(1, 1, 99));
    EXPECT_EQ(r[1].first, optical_index(1, 1, 100));
    EXPECT_EQ(r[1].last, optical_index(1, 1, 128));
    EXPECT_EQ(pon_ranges(IndexTable::optical, IndexScheme::type2id, 1, 1, 64).size(), 1u);
    auto o = pon_ranges(IndexTable::onu, IndexScheme::type2id, 1, 1, 128);
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0].first, onu_index(IndexScheme::type2id, 1, 1, 1));
    EXPECT_EQ(o[0].last, onu_index(IndexScheme::type2id, 1, 1, 128));
}

TEST(RaisecomIndex, ValidateNamesTheField) {
    EXPECT_TRUE(validate_pon(1, 1, 64).ok());
    EXPECT_TRUE(validate_pon(1, 1, 128).ok());
    auto e = validate_pon(1, 100, 64);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("PON port 100"), std::string::npos);
    EXPECT_NE(validate_pon(-1, 1, 1).error().message.find("slot -1"), std::string::npos);
    EXPECT_NE(validate_pon(1, 1, 129).error().message.find("max ONU 129"), std::string::npos);
    EXPECT_FALSE(validate_pon(1, 1, 0).ok());
    EXPECT_TRUE(validate_pon(40, 1, 8, IndexScheme::legacy).ok());
    auto t = validate_pon(40, 1, 8, IndexScheme::type2id);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("slot 40"), std::string::npos);
    EXPECT_NE(t.error().message.find("type2id"), std::string::npos);
}

TEST(RaisecomIndex, SchemeFromFirmware) {
    EXPECT_EQ(scheme_from_firmware("auto").value(), std::nullopt);
    EXPECT_EQ(scheme_from_firmware("").value(), std::nullopt);
    EXPECT_EQ(scheme_from_firmware("3.1.12").value(), IndexScheme::type2id);
    EXPECT_EQ(scheme_from_firmware("2.x").value(), IndexScheme::type2id);
    EXPECT_EQ(scheme_from_firmware("V2").value(), IndexScheme::type2id);
    EXPECT_EQ(scheme_from_firmware("1.5").value(), IndexScheme::legacy);
    EXPECT_EQ(scheme_from_firmware("legacy").value(), IndexScheme::legacy);
    EXPECT_EQ(scheme_from_firmware("type2id").value(), IndexScheme::type2id);
    auto e = scheme_from_firmware("newest");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("'newest'"), std::string::npos);
    EXPECT_FALSE(scheme_from_firmware("3a").ok());
}

TEST(RaisecomConvert, DbmIsSigned16Bit) {
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(5000), -20.0);
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(16000), 2.0);
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(15000), 0.0);  // a real 0 dBm is not "offline"
    EXPECT_FALSE(dbm_from_15000_500(0).has_value());
    // −31 dBm is raw −500, sent as 65036: read unsigned it was +100 dBm.
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(65036), -31.0);
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(-500), -31.0);
    EXPECT_FALSE(dbm_from_15000_500(65536).has_value());
    EXPECT_FALSE(dbm_from_15000_500(-40000).has_value());
    EXPECT_DOUBLE_EQ(*dbm_from_tenths(-235), -23.5);
    EXPECT_FALSE(dbm_from_tenths(0).has_value());
}

TEST(RaisecomConvert, TemperatureIsRawOver256Signed) {
    EXPECT_DOUBLE_EQ(*celsius_from_256(11520), 45.0);  // not 11,520 °C
    EXPECT_DOUBLE_EQ(*celsius_from_256(11648), 45.5);
    EXPECT_DOUBLE_EQ(*celsius_from_256(65536 - 1280), -5.0);
    EXPECT_DOUBLE_EQ(*celsius_from_256(-1280), -5.0);
    EXPECT_FALSE(celsius_from_256(70000).has_value());
}

TEST(RaisecomConvert, VoltageIsRawTimes002) {
    EXPECT_NEAR(*volts_from_002(165), 3.3, 1e-12);
    EXPECT_FALSE(volts_from_002(-1).has_value());
}

TEST(RaisecomConvert, StatusHasPending) {
    EXPECT_EQ(status_from_code(1), OnuStatus::online);
    EXPECT_EQ(status_from_code(2), OnuStatus::pending);
    EXPECT_EQ(status_from_code(3), OnuStatus::offline);
    EXPECT_FALSE(status_from_code(0).has_value());
    EXPECT_FALSE(status_from_code(4).has_value());
    EXPECT_STREQ(status_name(OnuStatus::pending), "pending");
}

TEST(RaisecomConvert, OfflineCausesInWordsACsrCanShow) {
    EXPECT_FALSE(offline_cause(0).has_value());
    EXPECT_STREQ(offline_cause(1)->word, "unknown");
    EXPECT_STREQ(offline_cause(2)->word, "deactivated");  // CLI deactivation, not LOS
    EXPECT_STREQ(offline_cause(3)->word, "deregistered");
    EXPECT_STREQ(offline_cause(4)->word, "alarm");
    EXPECT_STREQ(offline_cause(6)->word, "power off");
    EXPECT_STREQ(offline_cause(12)->word, "fibre cut");
    EXPECT_NE(std::string(offline_cause(12)->detail).find("backbone"), std::string::npos);
    EXPECT_STREQ(offline_cause(13)->word, "fibre cut");
    EXPECT_NE(std::string(offline_cause(13)->detail).find("branch"), std::string::npos);
    for (int64_t code : {1, 2, 3, 4, 6, 12, 13}) EXPECT_TRUE(offline_cause(code)->sourced) << code;
    for (int64_t code : {5, 7, 24, 28, 29, -1}) {
        ASSERT_TRUE(offline_cause(code).has_value());
        EXPECT_STREQ(offline_cause(code)->word, "other") << code;
        EXPECT_FALSE(offline_cause(code)->sourced) << code;
    }
}

TEST(RaisecomConvert, Serial) {
    EXPECT_EQ(serial_from_bytes("RCMG0101A001"), "RCMG0101A001");
    EXPECT_EQ(serial_from_bytes(std::string("RCMG\x01\x02\xab\xff", 8)), "RCMG0102ABFF");
    EXPECT_EQ(serial_from_bytes(std::string("\x00\x01", 2)), "0001");
    EXPECT_FALSE(serial_from_bytes("").has_value());
}
