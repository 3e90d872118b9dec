#include <gtest/gtest.h>

#include "json/json.hpp"
#include "sources/genieacs_task.hpp"

namespace cpe::hub::sources {
namespace {

TEST(GenieTask, PathsWithoutTrailingDot) {
    EXPECT_TRUE(validate_parameter_path("Device.Hosts.Host"));
    EXPECT_TRUE(validate_parameter_path("InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower"));
    auto dot = validate_parameter_path("Device.Hosts.Host.");
    ASSERT_FALSE(dot);
    EXPECT_NE(dot.error().message.find("ends with '.'"), std::string::npos);
    auto empty_seg = validate_parameter_path("Device..Hosts");
    ASSERT_FALSE(empty_seg);
    EXPECT_NE(empty_seg.error().message.find("byte 7"), std::string::npos) << empty_seg.error().message;
    EXPECT_FALSE(validate_parameter_path(""));
    EXPECT_FALSE(validate_parameter_path("1Device"));
    EXPECT_FALSE(validate_parameter_path("Device.Hosts\"}"));
    EXPECT_FALSE(validate_parameter_path(std::string(600, 'a')));
}

TEST(GenieTask, BuildersMakeValidJson) {
    auto t = Task::get_parameter_values({"Device.Hosts.Host", "Device.WiFi.MultiAP"});
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->name(), "getParameterValues");
    auto j = json::parse(t->json(), "t");
    ASSERT_TRUE(j);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j->get(), "parameterNames")), 2);
    EXPECT_TRUE(Task::refresh_object("Device.Hosts"));
    EXPECT_FALSE(Task::refresh_object("Device.Hosts."));
    EXPECT_TRUE(Task::set_parameter_values({{"Device.WiFi.SSID.1.SSID", "home", "xsd:string"}}));
    EXPECT_FALSE(Task::set_parameter_values({{"Device.WiFi.SSID.1.SSID", "home", "xsd:nonsense"}}));
    EXPECT_FALSE(Task::set_parameter_values({}));
    EXPECT_FALSE(Task::get_parameter_values({}));
    EXPECT_TRUE(Task::reboot());
    EXPECT_TRUE(Task::factory_reset());
    EXPECT_TRUE(Task::download("firmware-1.bin"));
    EXPECT_FALSE(Task::download(""));
}

TEST(GenieTask, FromJsonRejectsShapesThatCrashTheNbi) {
    EXPECT_FALSE(Task::from_json("[]"));
    EXPECT_FALSE(Task::from_json(R"({"name":"getParameterValues","parameterNames":"Device.Hosts"})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"getParameterValues","parameterNames":[1]})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"setParameterValues","parameterValues":[["Device.A"]]})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"refreshObject"})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"download","fileType":"1 Firmware Upgrade Image"})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"reboot","expiry":"soon"})"));
    auto unknown = Task::from_json(R"({"name":"runScript"})");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("runScript"), std::string::npos);
    EXPECT_TRUE(Task::from_json(R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"fw.bin"})"));
}

TEST(GenieTask, OutcomeFromStatusAndReason) {
    EXPECT_EQ(*task_outcome_from(200, "OK"), TaskOutcome::done);
    EXPECT_EQ(*task_outcome_from(202, "Device is offline"), TaskOutcome::offline);
    EXPECT_EQ(*task_outcome_from(202, "Task faulted"), TaskOutcome::faulted);
    EXPECT_EQ(*task_outcome_from(202, "Task queued but not processed"), TaskOutcome::queued);
    EXPECT_EQ(*task_outcome_from(202, "Connection request error: timeout"), TaskOutcome::connection_request_error);
    EXPECT_EQ(*task_outcome_from(202, ""), TaskOutcome::queued);
    EXPECT_EQ(*task_outcome_from(404, "No such device"), TaskOutcome::no_such_device);
    EXPECT_FALSE(task_outcome_from(500, "Internal Server Error"));
}

}  // namespace
}  // namespace cpe::hub::sources
