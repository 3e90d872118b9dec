// HTTP parameters and bodies → USP requests; errors name the parameter.
#include <gtest/gtest.h>

#include "app/usp_params.hpp"
#include "controller/controller.hpp"

using namespace cpe;
using namespace cpe::hub::app;

TEST(HubUspParams, GetQuery) {
    auto g = parse_get_query(
        {{"path", "Device.DeviceInfo."}, {"path", "Device.Hosts.Host.*.HostName"}, {"max_depth", "2"}});
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->param_paths,
              (std::vector<std::string>{"Device.DeviceInfo.", "Device.Hosts.Host.*.HostName"}));
    EXPECT_EQ(g->max_depth, 2u);
    EXPECT_EQ(parse_get_query({}).error().message,
              "missing query parameter 'path' (e.g. ?path=Device.DeviceInfo.)");
    EXPECT_EQ(parse_get_query({{"path", "Device."}, {"max_depth", "-1"}}).error().message,
              "query parameter 'max_depth': '-1' is not an integer in 0..4294967295");
    EXPECT_EQ(parse_get_query({{"path", "Device."}, {"max_depth", "4294967296"}}).error().message,
              "query parameter 'max_depth': '4294967296' is not an integer in 0..4294967295");
    EXPECT_EQ(parse_get_query({{"path", "InternetGatewayDevice."}}).error().message,
              "path: 'InternetGatewayDevice.' does not start with 'Device.'");
    EXPECT_EQ(parse_get_query({{"path", std::string("Device.\x01")}}).error().message,
              "path: control character at byte 7");
    EXPECT_EQ(parse_get_query({{"path", "Device."}, {"depth", "1"}}).error().message,
              "unknown query parameter 'depth' (expected path, max_depth)");
    net::HeaderList many;
    for (int i = 0; i < 65; ++i) many.push_back({"path", "Device."});
    EXPECT_EQ(parse_get_query(many).error().message, "too many 'path' parameters (at most 64)");
}

TEST(HubUspParams, InstancesAndSupported) {
    auto gi = parse_instances_query({{"path", "Device.Hosts.Host."}, {"first_level_only", "true"}});
    ASSERT_TRUE(gi.ok());
    EXPECT_TRUE(gi->first_level_only);
    EXPECT_EQ(parse_instances_query({{"path", "Device."}, {"first_level_only", "maybe"}}).error().message,
              "query parameter 'first_level_only': 'maybe' is not true or false");
    auto dm = parse_supported_query({{"path", "Device."}, {"events", "false"}});
    ASSERT_TRUE(dm.ok());
    EXPECT_TRUE(dm->return_params);
    EXPECT_TRUE(dm->return_commands);
    EXPECT_FALSE(dm->return_events);
}

TEST(HubUspParams, SetBodies) {
    auto flat =
        parse_set_body(R"({"params": {"Device.WiFi.SSID.1.SSID": "home", "Device.WiFi.SSID.1.Enable": true,
                                              "Device.WiFi.Radio.1.Channel": 36}})");
    ASSERT_TRUE(flat.ok()) << flat.error().message;
    ASSERT_EQ(flat->update_objs.size(), 2u);
    EXPECT_EQ(flat->update_objs[0].obj_path, "Device.WiFi.Radio.1.");
    EXPECT_EQ(flat->update_objs[0].param_settings[0].value, "36");
    EXPECT_EQ(flat->update_objs[1].obj_path, "Device.WiFi.SSID.1.");
    EXPECT_EQ(flat->update_objs[1].param_settings.size(), 2u);
    auto objs = parse_set_body(
        R"({"allow_partial": true, "objects": [{"path": "Device.X.1.", "params": {"A": "b"}, "required": true}]})");
    ASSERT_TRUE(objs.ok());
    EXPECT_TRUE(objs->allow_partial);
    EXPECT_TRUE(objs->update_objs[0].param_settings[0].required);
    EXPECT_EQ(parse_set_body("").error().message, "request body: expected a JSON object, got nothing");
    EXPECT_EQ(parse_set_body("{}").error().message, "request body: needs 'objects' or 'params'");
    EXPECT_EQ(parse_set_body(R"({"params": {"Device.X.1.A": [1]}})").error().message,
              "params.Device.X.1.A: expected a string, number or boolean");
    EXPECT_EQ(parse_set_body(R"({"params": {"Device.X.1.": "v"}})").error().message,
              "params.Device.X.1.: expected a parameter path (Device.Object.Param)");
    EXPECT_EQ(parse_set_body(R"({"objects": [{"path": "Device.X.", "params": {}}]})").error().message,
              "objects[0].params: expected a non-empty object");
    EXPECT_EQ(parse_set_body(R"({"objects": [], "extra": 1})").error().message, "extra: unknown field");
    EXPECT_FALSE(parse_set_body("{\"params\": ").ok());
}

TEST(HubUspParams, OperateBodies) {
    auto op =
        parse_operate_body(R"j({"command": "Device.Reboot()", "args": {"Delay": 5}, "command_key": "k1"})j");
    ASSERT_TRUE(op.ok()) << op.error().message;
    EXPECT_EQ(op->command, "Device.Reboot()");
    EXPECT_EQ(op->input_args.at("Delay"), "5");
    EXPECT_EQ(op->command_key, "k1");
    EXPECT_TRUE(op->send_resp);
    EXPECT_EQ(parse_operate_body(R"({"command": "Device.Reboot"})").error().message,
              "command: 'Device.Reboot' does not end with '()'");
    EXPECT_EQ(parse_operate_body(R"({"args": {}})").error().message,
              "command: expected a string such as \"Device.Reboot()\"");
}

TEST(HubUspParams, StatusMapping) {
    EXPECT_EQ(http_status_for(make_error(Errc::not_found, "x")), 404);
    EXPECT_EQ(http_status_for(make_error(Errc::unavailable, "x")), 503);
    EXPECT_EQ(http_status_for(make_error(Errc::timeout, "x")), 504);
    Error usp_err =
        make_error(Errc::io_error, "endpoint 'a' msg 'm': USP error 7016 (object does not exist): gone")
            .with_usp_error(7016);
    EXPECT_EQ(http_status_for(usp_err), 502);
    std::string body = error_json(502, usp_err, "a");
    EXPECT_NE(body.find("\"usp_err_code\":7016"), std::string::npos) << body;
    EXPECT_NE(body.find("\"endpoint_id\":\"a\""), std::string::npos);
    // The code is the Error's detail, never read back out of its text.
    std::string prose = error_json(502, make_error(Errc::io_error, "peer said: USP error 7016"), "a");
    EXPECT_EQ(prose.find("usp_err_code"), std::string::npos) << prose;
}
