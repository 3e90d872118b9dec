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

TEST(RaisecomIndex, EncodesTheDocumentedForm) {
    EXPECT_EQ(encode_index(1, 1, 1), 10101001u);
    EXPECT_EQ(encode_index(2, 16, 64), 2u * 10000000 + 16u * 100000 + 64u * 1000 + 1);
    EXPECT_EQ(encode_index(0, 0, 0), 1u);
    EXPECT_EQ(encode_index(kMaxSlot, kMaxPort, kMaxOnu), 99u * 10000000 + 99u * 100000 + 128u * 1000 + 1);
}

TEST(RaisecomIndex, DecodeInvertsEncode) {
    for (int slot : {0, 1, 7, 99})
        for (int port : {0, 1, 16, 99})
            for (int onu : {1, 2, 50, 99}) {
                auto a = decode_index(encode_index(slot, port, onu));
                ASSERT_TRUE(a.has_value());
                EXPECT_EQ(a->slot, slot);
                EXPECT_EQ(a->port, port);
                EXPECT_EQ(a->onu, onu);
                EXPECT_EQ(onu_in_pon(encode_index(slot, port, onu), slot, port, kDefaultMaxOnu), onu);
            }
    EXPECT_FALSE(decode_index(10101002).has_value());  // not onu·1000 + 1
    EXPECT_FALSE(decode_index(0).has_value());
    EXPECT_FALSE(decode_index(0xFFFFFFFFull * 4).has_value());
}

TEST(RaisecomIndex, OnuInPonRejectsOtherRows) {
    EXPECT_FALSE(onu_in_pon(encode_index(1, 1, 0), 1, 1, 99).has_value());   // ONU 0
    EXPECT_FALSE(onu_in_pon(encode_index(1, 1, 5) + 1, 1, 1, 99).has_value());
    EXPECT_FALSE(onu_in_pon(encode_index(1, 0, 5), 1, 1, 99).has_value());   // the port before
    EXPECT_FALSE(onu_in_pon(encode_index(1, 1, 64), 1, 1, 63).has_value());  // beyond max_onu
    EXPECT_EQ(onu_in_pon(encode_index(1, 2, 3), 1, 1, 128), 103);           // the documented ambiguity
}

TEST(RaisecomIndex, DefaultMaxOnuIsTheUnambiguousOne) {
    EXPECT_EQ(max_unambiguous_onu(), 99);
    EXPECT_EQ(kDefaultMaxOnu, max_unambiguous_onu());
}

TEST(RaisecomIndex, ValidateNamesTheField) {
    EXPECT_TRUE(validate_pon(1, 1, 64).ok());
    auto e = validate_pon(1, 100, 64);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("PON port 100"), std::string::npos);
    EXPECT_NE(validate_pon(-1, 1, 1).error().message.find("slot -1"), std::string::npos);
    EXPECT_NE(validate_pon(1, 1, 129).error().message.find("max ONU 129"), std::string::npos);
    EXPECT_FALSE(validate_pon(1, 1, 0).ok());
}

TEST(RaisecomConvert, Dbm) {
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(5000), -20.0);
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(16000), 2.0);
    EXPECT_DOUBLE_EQ(*dbm_from_15000_500(15000), 0.0);  // a real 0 dBm is not "offline"
    EXPECT_FALSE(dbm_from_15000_500(0).has_value());
    EXPECT_DOUBLE_EQ(*dbm_from_tenths(-235), -23.5);
    EXPECT_FALSE(dbm_from_tenths(0).has_value());
}

TEST(RaisecomConvert, StatusAndReason) {
    EXPECT_EQ(status_from_code(1), OnuStatus::online);
    EXPECT_EQ(status_from_code(3), OnuStatus::offline);
    EXPECT_FALSE(status_from_code(2).has_value());
    EXPECT_STREQ(offline_reason_text(2), "LOS");
    EXPECT_STREQ(offline_reason_text(6), "dying gasp");
    EXPECT_STREQ(offline_reason_text(9), "unknown");
    EXPECT_EQ(offline_reason_text(0), nullptr);
}

TEST(RaisecomConvert, Serial) {
    EXPECT_EQ(serial_from_bytes("RCMG0101A001"), "RCMG0101A001");
    EXPECT_EQ(serial_from_bytes(std::string("RCMG\x01\x02\xab\xff", 8)), "RCMG0102ABFF");
    EXPECT_EQ(serial_from_bytes(std::string("\x00\x01", 2)), "0001");
    EXPECT_FALSE(serial_from_bytes("").has_value());
}
