#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "usp/error_codes.hpp"
#include "usp/msg.hpp"

namespace cpe::usp {
namespace {

// Encodes, decodes, checks header and returns the decoded Msg for the typed accessor.
Msg round_trip(const Bytes& bytes, std::string_view id, MsgType type) {
    auto msg = decode_msg(bytes);
    EXPECT_TRUE(msg.ok()) << msg.error().message;
    if (!msg.ok()) std::abort();
    EXPECT_EQ(msg->msg_id(), id);
    EXPECT_EQ(msg->type(), type) << msg_type_name(msg->type());
    return std::move(msg).value();
}

template <typename T, typename Get>
void expect_round_trip(const T& value, MsgType type, Get accessor) {
    Msg msg = round_trip(encode_msg("id-1", value), "id-1", type);
    auto got = (msg.*accessor)();
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, value);
}

TEST(UspMsg, Get) {
    expect_round_trip(Get{{"Device.DeviceInfo.", "Device.WiFi.SSID.*.SSID"}, 2}, MsgType::get, &Msg::get);
}

TEST(UspMsg, GetResp) {
    GetResp v;
    v.req_path_results = {
        {"Device.WiFi.SSID.*.SSID",
         0,
         "",
         {{"Device.WiFi.SSID.1.", {{"SSID", "home"}}}, {"Device.WiFi.SSID.2.", {{"SSID", ""}}}}},
        {"Device.Bogus.", err::invalid_path, "no such object", {}},
    };
    expect_round_trip(v, MsgType::get_resp, &Msg::get_resp);
}

TEST(UspMsg, GetInstancesAndResp) {
    expect_round_trip(GetInstances{{"Device.IP.Interface."}, true}, MsgType::get_instances,
                      &Msg::get_instances);
    GetInstancesResp v;
    v.req_path_results = {{"Device.IP.Interface.",
                           0,
                           "",
                           {{"Device.IP.Interface.1.", {{"Alias", "cpe-wan"}, {"Name", "wan"}}},
                            {"Device.IP.Interface.2.", {{"Alias", "cpe-lan"}}}}}};
    expect_round_trip(v, MsgType::get_instances_resp, &Msg::get_instances_resp);
}

TEST(UspMsg, GetSupportedDMAndResp) {
    expect_round_trip(GetSupportedDM{{"Device."}, false, true, true, true, true}, MsgType::get_supported_dm,
                      &Msg::get_supported_dm);
    using R = GetSupportedDMResp;
    R::SupportedObject obj;
    obj.supported_obj_path = "Device.IP.Interface.{i}.";
    obj.access = R::ObjAccess::add_delete;
    obj.is_multi_instance = true;
    obj.supported_params = {
        {"Enable", R::ParamAccess::read_write, R::ValueType::boolean, R::ValueChange::allowed},
        {"Stats.BytesSent", R::ParamAccess::read_only, R::ValueType::unsigned_long,
         R::ValueChange::will_ignore}};
    obj.supported_commands = {{"Reset()", {}, {"Status"}, R::CmdType::sync},
                              {"IPv6Ping()", {"Host", "Count"}, {"Result"}, R::CmdType::async}};
    obj.supported_events = {{"LinkDown!", {"Reason"}}};
    obj.divergent_paths = {"Device.IP.Interface.3."};
    obj.unique_key_sets = {{"Alias"}, {"Name"}};
    R v;
    v.req_obj_results = {{"Device.IP.", 0, "", "urn:broadband-forum-org:tr-181-2-16-0-root", {obj}},
                         {"Device.Nope.", err::invalid_path, "not supported", "", {}}};
    expect_round_trip(v, MsgType::get_supported_dm_resp, &Msg::get_supported_dm_resp);
}

TEST(UspMsg, GetSupportedProtocolAndResp) {
    expect_round_trip(GetSupportedProtocol{"1.0,1.3"}, MsgType::get_supported_proto,
                      &Msg::get_supported_protocol);
    expect_round_trip(GetSupportedProtocolResp{"1.3"}, MsgType::get_supported_proto_resp,
                      &Msg::get_supported_protocol_resp);
}

TEST(UspMsg, SetAndResp) {
    Set set{true, {{"Device.WiFi.SSID.1.", {{"SSID", "guest", true}, {"Enable", "false", false}}}}};
    expect_round_trip(set, MsgType::set, &Msg::set);

    SetResp v;
    v.updated_obj_results.push_back(
        {"Device.WiFi.SSID.1.", SetResp::Success{{{"Device.WiFi.SSID.1.",
                                                   {{"Enable", err::invalid_value, "not a boolean"}},
                                                   {{"SSID", "guest"}}}}}});
    v.updated_obj_results.push_back(
        {"Device.WiFi.SSID.9.",
         SetResp::Failure{err::object_does_not_exist,
                          "no instance 9",
                          {{"Device.WiFi.SSID.9.", {{"SSID", err::object_does_not_exist, "gone"}}}}}});
    expect_round_trip(v, MsgType::set_resp, &Msg::set_resp);
}

TEST(UspMsg, AddAndResp) {
    expect_round_trip(Add{false, {{"Device.NAT.PortMapping.", {{"ExternalPort", "8080", true}}}}},
                      MsgType::add, &Msg::add);
    AddResp v;
    v.created_obj_results = {
        {"Device.NAT.PortMapping.",
         AddResp::Success{
             "Device.NAT.PortMapping.3.", {{"Description", 7012, "too long"}}, {{"Alias", "cpe-3"}}}},
        {"Device.DeviceInfo.", OperFailure{err::object_not_a_table, "not a table"}},
    };
    expect_round_trip(v, MsgType::add_resp, &Msg::add_resp);
}

TEST(UspMsg, DeleteAndResp) {
    expect_round_trip(Delete{true, {"Device.NAT.PortMapping.3.", "Device.NAT.PortMapping.4."}},
                      MsgType::delete_, &Msg::delete_);
    DeleteResp v;
    v.deleted_obj_results = {
        {"Device.NAT.PortMapping.*.",
         DeleteResp::Success{{"Device.NAT.PortMapping.3."},
                             {{"Device.NAT.PortMapping.4.", err::object_not_deletable, "busy"}}}},
        {"Device.NAT.PortMapping.9.", OperFailure{err::object_does_not_exist, "no 9"}},
    };
    expect_round_trip(v, MsgType::delete_resp, &Msg::delete_resp);
}

TEST(UspMsg, OperateAndResp) {
    expect_round_trip(
        Operate{"Device.IP.Diagnostics.IPPing()", "key-1", true, {{"Host", "8.8.8.8"}, {"Count", "3"}}},
        MsgType::operate, &Msg::operate);
    OperateResp v;
    v.operation_results = {
        {"Device.Reboot()", OutputArgs{}},
        {"Device.IP.Diagnostics.IPPing()", OperateResp::ReqObjPath{"Device.LocalAgent.Request.4."}},
        {"Device.SelfTestDiagnostics()", OutputArgs{{{"Status", "Complete"}, {"Results", "ok"}}}},
        {"Device.FactoryReset()", CommandFailure{err::command_failure, "refused"}},
    };
    expect_round_trip(v, MsgType::operate_resp, &Msg::operate_resp);
}

TEST(UspMsg, NotifyEveryKind) {
    std::vector<Notify> all = {
        {"boot", true,
         Notify::Event{"Device.",
                       "Boot!",
                       {{"Cause", "LocalReboot"},
                        {"CommandKey", ""},
                        {"FirmwareUpdated", "false"},
                        {"ParameterMap", "{}"}}}},
        {"vc", false, Notify::ValueChange{"Device.WiFi.SSID.1.SSID", "home"}},
        {"oc", true, Notify::ObjectCreation{"Device.Hosts.Host.7.", {{"PhysAddress", "00:11:22:33:44:55"}}}},
        {"od", false, Notify::ObjectDeletion{"Device.Hosts.Host.7."}},
        {"done", true, Notify::OperationComplete{"Device.", "Reboot()", "k", OutputArgs{{{"a", "b"}}}}},
        {"fail", true, Notify::OperationComplete{"Device.", "Reboot()", "k", CommandFailure{7022, "no"}}},
        {"", true, Notify::OnBoardRequest{"00D09E", "FTTH-ONT", "ABC123", "1.3"}},
    };
    for (const Notify& n : all) expect_round_trip(n, MsgType::notify, &Msg::notify);
    expect_round_trip(NotifyResp{"boot"}, MsgType::notify_resp, &Msg::notify_resp);
}

TEST(UspMsg, ErrorWithParamErrors) {
    ErrorMsg v{
        err::invalid_arguments, "bad set", {{"Device.WiFi.SSID.1.SSID", err::invalid_value, "too long"}}};
    Msg msg = round_trip(encode_msg("e1", v), "e1", MsgType::error);
    EXPECT_TRUE(msg.is_error());
    auto got = msg.error();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, v);

    auto simple = decode_msg(encode_error("req-9", err::message_not_supported, "no Register here"));
    ASSERT_TRUE(simple.ok());
    EXPECT_EQ(simple->error()->err_code, 7001u);
    EXPECT_EQ(simple->msg_id(), "req-9");
}

// Hand-computed bytes of Msg{header{msg_id "1", GET}, body{request{get{param_paths "Device.", max_depth
// 2}}}}.
TEST(UspMsg, GetWireBytes) {
    const Bytes want = {
        0x0a, 0x05, 0x0a, 0x01, '1',  0x10, 0x01,            // header = 1 { msg_id = 1, msg_type = 2: GET }
        0x12, 0x12,                                          // body = 2
        0x0a, 0x10,                                          //   request = 1
        0x0a, 0x0e,                                          //     get = 1
        0x0a, 0x07, 'D',  'e',  'v',  'i',  'c',  'e', '.',  // param_paths = 1
        0x15, 0x02, 0x00, 0x00, 0x00,                        //       max_depth = 2, fixed32
    };
    EXPECT_EQ(encode_msg("1", Get{{"Device."}, 2}), want);
}

// Field numbers deep in the response side:
// GetResp.req_path_results(1).resolved_path_results(4).result_params(2).
TEST(UspMsg, GetRespWireBytes) {
    GetResp v;
    v.req_path_results = {{"", 0, "", {{"", {{"k", "v"}}}}}};
    const Bytes want = {
        0x0a, 0x05, 0x0a, 0x01, 'r', 0x10, 0x02,       // header { "r", GET_RESP }
        0x12, 0x10, 0x12, 0x0e,                        // body = 2 { response = 2
        0x0a, 0x0c, 0x0a, 0x0a,                        //   get_resp = 1 { req_path_results = 1
        0x22, 0x08,                                    //     resolved_path_results = 4
        0x12, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v',  // result_params = 2 { key = 1, value = 2 }
    };
    EXPECT_EQ(encode_msg("r", v), want);
}

// Hand-computed Boot! event: Notify sits at Request field 8, the event at Notify field 3.
TEST(UspMsg, NotifyEventWireBytes) {
    Notify boot{"s", true, Notify::Event{"Device.", "Boot!", {{"Cause", "x"}}}};
    const Bytes want = {
        0x0a, 0x05, 0x0a, 0x01, 'n', 0x10, 0x03,                             // header { "n", NOTIFY }
        0x12, 0x27, 0x0a, 0x25,                                              // body = 2 { request = 1
        0x42, 0x23,                                                          //   notify = 8
        0x0a, 0x01, 's',                                                     //     subscription_id = 1
        0x10, 0x01,                                                          //     send_resp = 2
        0x1a, 0x1c,                                                          //     event = 3
        0x0a, 0x07, 'D',  'e',  'v', 'i',  'c',  'e', '.',                   // obj_path = 1
        0x12, 0x05, 'B',  'o',  'o', 't',  '!',                              //       event_name = 2
        0x1a, 0x0a, 0x0a, 0x05, 'C', 'a',  'u',  's', 'e', 0x12, 0x01, 'x',  // params = 3
    };
    EXPECT_EQ(encode_msg("n", boot), want);
}

// Reads one length-delimited field at `pos` (tag and length as single-byte varints in these small
// messages) and returns {tag, offset of its contents}.
std::pair<uint8_t, size_t> field_at(const Bytes& b, size_t pos) {
    return {b.at(pos), pos + 2};
}

// The Body / Request / Response oneof numbers of every kind, and the header's msg_type value.
TEST(UspMsg, EveryKindsBodyTags) {
    struct Case {
        Bytes bytes;
        uint8_t body_tag;  // 0x0a request, 0x12 response, 0x1a error
        uint8_t kind_tag;  // (field << 3) | 2 inside Request/Response; 0 for Error
        uint8_t msg_type;
    };
    const std::vector<Case> cases = {
        {encode_msg("i", Get{{"a"}, 0}), 0x0a, 0x0a, 1},
        {encode_msg("i", GetSupportedDM{{"a"}}), 0x0a, 0x12, 12},
        {encode_msg("i", GetInstances{{"a"}, false}), 0x0a, 0x1a, 14},
        {encode_msg("i", Set{false, {{"a", {}}}}), 0x0a, 0x22, 4},
        {encode_msg("i", Add{false, {{"a", {}}}}), 0x0a, 0x2a, 8},
        {encode_msg("i", Delete{false, {"a"}}), 0x0a, 0x32, 10},
        {encode_msg("i", Operate{"a", "", false, {}}), 0x0a, 0x3a, 6},
        {encode_msg("i", Notify{"a", false, Notify::ObjectDeletion{"b"}}), 0x0a, 0x42, 3},
        {encode_msg("i", GetSupportedProtocol{"1.3"}), 0x0a, 0x4a, 17},
        {encode_msg("i", GetResp{{{"a", 0, "", {}}}}), 0x12, 0x0a, 2},
        {encode_msg("i", GetSupportedDMResp{{{"a", 0, "", "", {}}}}), 0x12, 0x12, 13},
        {encode_msg("i", GetInstancesResp{{{"a", 0, "", {}}}}), 0x12, 0x1a, 15},
        {encode_msg("i", SetResp{{{"a", SetResp::Success{}}}}), 0x12, 0x22, 5},
        {encode_msg("i", AddResp{{{"a", OperFailure{}}}}), 0x12, 0x2a, 9},
        {encode_msg("i", DeleteResp{{{"a", OperFailure{}}}}), 0x12, 0x32, 11},
        {encode_msg("i", OperateResp{{{"a", OutputArgs{}}}}), 0x12, 0x3a, 7},
        {encode_msg("i", NotifyResp{"a"}), 0x12, 0x42, 16},
        {encode_msg("i", GetSupportedProtocolResp{"1.3"}), 0x12, 0x4a, 18},
        {encode_msg("i", ErrorMsg{7000, "a", {}}), 0x1a, 0, 0},
    };
    for (const Case& c : cases) {
        // header { 0x0a 0x01 'i' [0x10 type] }
        size_t header_len = c.bytes.at(1);
        if (c.msg_type != 0) {
            ASSERT_EQ(header_len, 5u);
            EXPECT_EQ(c.bytes.at(5), 0x10);
            EXPECT_EQ(c.bytes.at(6), c.msg_type);
        } else {
            EXPECT_EQ(header_len, 3u);  // ERROR = 0 is the proto3 default: not written
        }
        auto [body_tag, body] = field_at(c.bytes, 2 + header_len);
        EXPECT_EQ(body_tag, 0x12) << int(c.msg_type);  // Msg.body = 2
        auto [kind_tag, kind] = field_at(c.bytes, body);
        EXPECT_EQ(kind_tag, c.body_tag) << int(c.msg_type);
        if (c.kind_tag != 0) {
            EXPECT_EQ(field_at(c.bytes, kind).first, c.kind_tag) << int(c.msg_type);
        }
    }
}

TEST(UspMsgErrors, AccessorOfOtherKindNamesBoth) {
    auto msg = decode_msg(encode_msg("m1", Get{{"Device."}, 0}));
    ASSERT_TRUE(msg.ok());
    auto wrong = msg->set();
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, Errc::invalid_argument);
    EXPECT_EQ(wrong.error().message, "USP msg 'm1': body is GET, not SET");
    EXPECT_FALSE(msg->error().ok());
}

TEST(UspMsgErrors, MsgTypeMustMatchBody) {
    Bytes bytes = encode_msg("m2", Get{{"Device."}, 0});
    ASSERT_EQ(bytes[6], 0x10);  // header { msg_id "m2", msg_type = 2 } — the value follows this tag
    bytes[7] = 0x04;            // GET → SET; the body is still a get
    auto msg = decode_msg(bytes);
    ASSERT_FALSE(msg.ok());
    EXPECT_EQ(msg.error().code, Errc::parse_error);
    EXPECT_EQ(msg.error().message, "USP msg 'm2': msg_type SET does not match the body (GET)");
}

TEST(UspMsgErrors, MissingHeaderOrBody) {
    auto empty = decode_msg(std::span<const uint8_t>());
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message, "USP msg: no header");

    const Bytes header_only = {0x0a, 0x03, 0x0a, 0x01, 'h'};
    auto no_body = decode_msg(header_only);
    ASSERT_FALSE(no_body.ok());
    EXPECT_EQ(no_body.error().message, "USP msg 'h': no body");

    const Bytes empty_request = {0x0a, 0x05, 0x0a, 0x01, 'h', 0x10, 0x01, 0x12, 0x02, 0x0a, 0x00};
    auto no_kind = decode_msg(empty_request);
    ASSERT_FALSE(no_kind.ok());
    EXPECT_EQ(no_kind.error().message, "USP msg 'h': body.request has no request type set");
}

TEST(UspMsgErrors, MissingOperStatusIsNamed) {
    // set_resp { updated_obj_results { requested_path "A" } } — no oper_status
    const Bytes bytes = {0x0a, 0x05, 0x0a, 0x01, 'x',  0x10, 0x05, 0x12, 0x09,
                         0x12, 0x07, 0x22, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'A'};
    auto msg = decode_msg(bytes);
    ASSERT_TRUE(msg.ok()) << msg.error().message;
    auto resp = msg->set_resp();
    ASSERT_FALSE(resp.ok());
    EXPECT_EQ(resp.error().code, Errc::parse_error);
    EXPECT_EQ(resp.error().message, "USP msg 'x': set_resp.updated_obj_results[0]: no oper_status");
}

TEST(UspMsgErrors, TruncatedNestedStringNamesPath) {
    Bytes bytes = encode_msg("1", Get{{"Device."}, 2});
    bytes.resize(bytes.size() - 8);  // cut inside param_paths
    auto msg = decode_msg(bytes);
    ASSERT_FALSE(msg.ok());
    EXPECT_EQ(msg.error().code, Errc::parse_error);
    EXPECT_NE(msg.error().message.find("protobuf decode failed at byte"), std::string::npos)
        << msg.error().message;
}

TEST(UspMsgErrors, EveryTruncationFailsOrDecodesSmaller) {
    // A protobuf prefix that ends on a field boundary is itself valid, so truncation must never crash and
    // must never report the full content.
    GetResp v;
    v.req_path_results = {{"Device.A.", 0, "", {{"Device.A.", {{"X", "1"}, {"Y", "2"}}}}},
                          {"Device.B.", 7026, "no", {}}};
    Bytes full = encode_msg("t", v);
    for (size_t n = 0; n < full.size(); ++n) {
        auto msg = decode_msg(std::span<const uint8_t>(full.data(), n));
        if (!msg.ok()) continue;
        auto got = msg->get_resp();
        if (got.ok()) {
            EXPECT_NE(*got, v) << n;
        }
    }
}

TEST(UspMsgErrors, Oversized) {
    Bytes bytes = encode_msg("big", Get{{std::string(500, 'x')}, 0});
    auto msg = decode_msg(bytes, DecodeLimits{256});
    ASSERT_FALSE(msg.ok());
    EXPECT_EQ(msg.error().code, Errc::too_large);
    EXPECT_EQ(msg.error().message,
              "USP msg: " + std::to_string(bytes.size()) + " bytes exceeds the 256-byte limit");
}

TEST(UspMsgType, Names) {
    EXPECT_STREQ(msg_type_name(MsgType::get_supported_dm_resp), "GET_SUPPORTED_DM_RESP");
    EXPECT_STREQ(msg_type_name(MsgType::deregister_resp), "DEREGISTER_RESP");
    EXPECT_STREQ(msg_type_name(static_cast<MsgType>(99)), "UNKNOWN");
}

}  // namespace
}  // namespace cpe::usp
