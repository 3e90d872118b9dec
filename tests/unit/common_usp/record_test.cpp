#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "usp/error_codes.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

namespace cpe::usp {
namespace {

TEST(UspRecord, NoSessionContextRoundTrip) {
    std::vector<uint8_t> msg = {0x0a, 0x02, 0x08,
                                0x01, 0x00, 0xff};  // any bytes: the record does not look inside
    Bytes bytes = encode_no_session_record("proto::controller", "os::00D09E-123", msg);
    auto rec = decode_record(bytes);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_EQ(rec->version(), kRecordVersion);
    EXPECT_EQ(rec->to_id(), "proto::controller");
    EXPECT_EQ(rec->from_id(), "os::00D09E-123");
    EXPECT_EQ(rec->type(), RecordType::no_session_context);
    EXPECT_TRUE(rec->plaintext());
    auto payload = rec->payload();
    ASSERT_TRUE(payload.ok()) << payload.error().message;
    EXPECT_EQ(std::vector<uint8_t>(payload->begin(), payload->end()), msg);
}

TEST(UspRecord, ConnectRecordsRoundTrip) {
    auto ws = decode_record(encode_websocket_connect_record("to", "from", "1.4"));
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    EXPECT_EQ(ws->type(), RecordType::websocket_connect);
    EXPECT_EQ(ws->version(), "1.4");
    EXPECT_EQ(ws->payload().error().code, Errc::unsupported);

    auto mqtt = decode_record(encode_mqtt_connect_record("to", "from", MqttVersion::v5, "usp/agent/os::x"));
    ASSERT_TRUE(mqtt.ok()) << mqtt.error().message;
    EXPECT_EQ(mqtt->type(), RecordType::mqtt_connect);
    EXPECT_EQ(mqtt->mqtt_version(), MqttVersion::v5);
    EXPECT_EQ(mqtt->mqtt_subscribed_topic(), "usp/agent/os::x");

    auto uds = decode_record(encode_uds_connect_record("to", "from"));
    ASSERT_TRUE(uds.ok()) << uds.error().message;
    EXPECT_EQ(uds->type(), RecordType::uds_connect);
}

TEST(UspRecord, DisconnectRoundTrip) {
    auto rec = decode_record(encode_disconnect_record("a", "b", "shutting down", err::internal_error));
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_EQ(rec->type(), RecordType::disconnect);
    EXPECT_EQ(rec->disconnect_reason(), "shutting down");
    EXPECT_EQ(rec->disconnect_reason_code(), 7003u);
    EXPECT_EQ(rec->mqtt_subscribed_topic(), "");
}

// Hand-computed bytes: a wrong field number or type in usp-record-1-4.proto changes them.
TEST(UspRecord, DisconnectWireBytes) {
    Bytes bytes = encode_disconnect_record("a", "b", "bye", 7003, "1.3");
    const Bytes want = {
        0x0a, 0x03, '1',  '.', '3',  // version = 1
        0x12, 0x01, 'a',             // to_id = 2
        0x1a, 0x01, 'b',             // from_id = 3
        0x62, 0x0a,                  // disconnect = 12, 10 bytes
        0x0a, 0x03, 'b',  'y', 'e',  //   reason = 1
        0x15, 0x5b, 0x1b, 0,   0,    //   reason_code = 2, fixed32 7003
    };
    EXPECT_EQ(bytes, want);
}

TEST(UspRecord, NoSessionAndWebSocketWireBytes) {
    const std::vector<uint8_t> msg = {0xaa, 0xbb};
    EXPECT_EQ(encode_no_session_record("", "", msg, "1.3"),
              (Bytes{0x0a, 0x03, '1', '.', '3', 0x3a, 0x04, 0x12, 0x02, 0xaa, 0xbb}));  // 7 { payload = 2 }
    EXPECT_EQ(encode_websocket_connect_record("", "", "1.3"), (Bytes{0x0a, 0x03, '1', '.', '3', 0x4a, 0x00}));
    EXPECT_EQ(encode_mqtt_connect_record("", "", MqttVersion::v5, "t", "1.3"),
              (Bytes{0x0a, 0x03, '1', '.', '3', 0x52, 0x05, 0x08, 0x01, 0x12, 0x01, 't'}));
}

// A Record → Msg → GetResp with two requested paths, the way the hub receives an agent's answer.
TEST(UspRecord, CarriesMsgCarryingGetRespWithTwoPaths) {
    GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.",
         0,
         "",
         {{"Device.DeviceInfo.", {{"SerialNumber", "ABC123"}, {"SoftwareVersion", "1.2.3"}}}}});
    resp.req_path_results.push_back(
        {"Device.Nope.", err::invalid_path, "Device.Nope. is not in the model", {}});
    Bytes record = encode_no_session_record("proto::hub", "os::00D09E-ABC123", encode_msg("get-42", resp));

    auto rec = decode_record(record);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    auto payload = rec->payload();
    ASSERT_TRUE(payload.ok()) << payload.error().message;
    auto msg = decode_msg(*payload);
    ASSERT_TRUE(msg.ok()) << msg.error().message;
    EXPECT_EQ(msg->msg_id(), "get-42");
    EXPECT_EQ(msg->type(), MsgType::get_resp);
    EXPECT_TRUE(msg->is_response());
    auto got = msg->get_resp();
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(got->req_path_results.size(), 2u);
    EXPECT_EQ(got->req_path_results[0].resolved_path_results.at(0).result_params.at("SerialNumber"),
              "ABC123");
    EXPECT_EQ(got->req_path_results[1].err_code, 7026u);
    EXPECT_EQ(*got, resp);
}

TEST(UspRecordErrors, EveryTruncationFails) {
    Bytes full = encode_no_session_record("proto::hub", "os::x", encode_msg("1", Get{{"Device."}, 0}));
    for (size_t n = 0; n < full.size(); ++n) {
        auto rec = decode_record(std::span<const uint8_t>(full.data(), n));
        ASSERT_FALSE(rec.ok()) << "prefix of " << n << " bytes decoded";
        EXPECT_EQ(rec.error().code, Errc::parse_error) << rec.error().message;
    }
}

TEST(UspRecordErrors, TruncatedPayloadNamesFieldAndOffset) {
    const Bytes bad = {0x0a, 0x01, 'v', 0x3a, 0x0a,
                       0x12, 0x08, 1,   2};  // no_session_context says 10 bytes, 4 follow
    auto rec = decode_record(bad);
    ASSERT_FALSE(rec.ok());
    EXPECT_EQ(rec.error().code, Errc::parse_error);
    EXPECT_EQ(rec.error().message,
              "USP record: protobuf decode failed at byte 3: field no_session_context declares 10 bytes but "
              "4 remain");
}

TEST(UspRecordErrors, NestedFaultNamesPath) {
    const Bytes bad = {0x3a, 0x04, 0x12, 0x08, 1, 2};  // payload inside no_session_context overruns it
    auto rec = decode_record(bad);
    ASSERT_FALSE(rec.ok());
    EXPECT_EQ(rec.error().message,
              "USP record: protobuf decode failed at byte 2 (no_session_context): field payload declares 8 "
              "bytes but 2 "
              "remain");
}

TEST(UspRecordErrors, WrongWireTypeIsNamed) {
    const Bytes bad = {0x08, 0x01};  // version (a string) sent as a varint
    auto rec = decode_record(bad);
    ASSERT_FALSE(rec.ok());
    EXPECT_NE(rec.error().message.find("field version has wire type 0, expected 2"), std::string::npos)
        << rec.error().message;
}

TEST(UspRecordErrors, GarbageFails) {
    const Bytes garbage = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    auto rec = decode_record(garbage);
    ASSERT_FALSE(rec.ok());
    EXPECT_EQ(rec.error().code, Errc::parse_error);
    EXPECT_NE(rec.error().message.find("at byte 0"), std::string::npos) << rec.error().message;
}

TEST(UspRecordErrors, NoRecordTypeIsNoPayload) {
    const Bytes bytes = {0x0a, 0x03, '1', '.', '3', 0x1a, 0x01, 'x'};
    auto rec = decode_record(bytes);
    ASSERT_FALSE(rec.ok());
    EXPECT_EQ(rec.error().message, "USP record from 'x': record has no payload (no record_type set)");
}

TEST(UspRecordErrors, SessionContextIsDecodedButItsPayloadUnsupported) {
    const Bytes bytes = {0x0a, 0x03, '1',  '.',  '3',  0x1a,
                         0x01, 'x',  0x42, 0x02, 0x08, 0x05};  // session_id = 5
    auto rec = decode_record(bytes);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_EQ(rec->type(), RecordType::session_context);
    auto payload = rec->payload();
    ASSERT_FALSE(payload.ok());
    EXPECT_EQ(payload.error().code, Errc::unsupported);
    EXPECT_NE(payload.error().message.find("unsupported record type session_context"), std::string::npos)
        << payload.error().message;
}

TEST(UspRecordErrors, EmptyNoSessionPayload) {
    auto rec = decode_record(encode_no_session_record("a", "b", {}));
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    auto payload = rec->payload();
    ASSERT_FALSE(payload.ok());
    EXPECT_EQ(payload.error().code, Errc::parse_error);
    EXPECT_NE(payload.error().message.find("no_session_context record has no payload"), std::string::npos);
}

TEST(UspRecordErrors, OversizedRejectedBeforeUnpacking) {
    Bytes big = encode_no_session_record("a", "b", Bytes(300, 0x41));
    auto small_limit = decode_record(big, DecodeLimits{100});
    ASSERT_FALSE(small_limit.ok());
    EXPECT_EQ(small_limit.error().code, Errc::too_large);
    EXPECT_NE(small_limit.error().message.find("exceeds the 100-byte limit"), std::string::npos);
    EXPECT_TRUE(decode_record(big, DecodeLimits{big.size()}).ok());

    Bytes over_default((size_t{1} << 20) + 1, 0);
    auto rec = decode_record(over_default);
    ASSERT_FALSE(rec.ok());
    EXPECT_EQ(rec.error().code, Errc::too_large);
}

TEST(UspErrorCodes, Names) {
    EXPECT_STREQ(err::name(err::object_does_not_exist), "object does not exist");
    EXPECT_STREQ(err::name(7026), "invalid path");
    EXPECT_STREQ(err::name(7850), "vendor specific");
    EXPECT_STREQ(err::name(42), "unknown");
    EXPECT_EQ(err::message_failed, 7000u);
    EXPECT_EQ(err::request_denied, 7002u);
    EXPECT_EQ(err::resources_exceeded, 7005u);
}

}  // namespace
}  // namespace cpe::usp
