#include <gtest/gtest.h>

#include "json/json.hpp"
#include "sources/genieacs_model.hpp"
#include "sources/genieacs_task.hpp"

#include <map>
#include <string>
#include <vector>

namespace cpe::hub::sources {
namespace {

TEST(GenieTask, PathsWithoutTrailingDot) {
    EXPECT_TRUE(validate_parameter_path("Device.Hosts.Host"));
    EXPECT_TRUE(
        validate_parameter_path("InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.RXPower"));
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
    EXPECT_TRUE(
        Task::from_json(R"({"name":"download","fileType":"1 Firmware Upgrade Image","fileName":"fw.bin"})"));
}

TEST(GenieTask, OutcomeFromStatusAndReason) {
    EXPECT_EQ(*task_outcome_from(200, "OK"), TaskOutcome::done);
    EXPECT_EQ(*task_outcome_from(202, "Device is offline"), TaskOutcome::offline);
    EXPECT_EQ(*task_outcome_from(202, "Task faulted"), TaskOutcome::faulted);
    EXPECT_EQ(*task_outcome_from(202, "Task queued but not processed"), TaskOutcome::queued);
    EXPECT_EQ(*task_outcome_from(202, "Connection request error: timeout"),
              TaskOutcome::connection_request_error);
    EXPECT_EQ(*task_outcome_from(202, ""), TaskOutcome::queued);
    EXPECT_EQ(*task_outcome_from(404, "No such device"), TaskOutcome::no_such_device);
    EXPECT_FALSE(task_outcome_from(500, "Internal Server Error"));
}

TEST(GenieTask, ExpiryIsAddedAndChecked) {
    auto t = Task::reboot()->with_expiry(900);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_NE(t->json().find("\"expiry\":900"), std::string::npos) << t->json();
    EXPECT_FALSE(Task::reboot()->with_expiry(0));
    EXPECT_FALSE(Task::from_json(R"({"name":"reboot","expiry":"soon"})"));
    EXPECT_FALSE(Task::from_json(R"({"name":"reboot","expiry":-5})"));
}

TEST(GenieTask, DuplicatesByNameAndTarget) {
    auto hosts = Task::refresh_object("Device.Hosts");
    ASSERT_TRUE(hosts);
    EXPECT_EQ(hosts->target(), "Device.Hosts");
    auto d = find_duplicate_task(
        R"([{"_id":"a","name":"refreshObject","objectName":"Device.DeviceInfo"},
            {"_id":"b","name":"refreshObject","objectName":"Device.Hosts","expiry":"2026-12-06T18:00:00.000Z"}])",
        *hosts);
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_TRUE(*d);
    EXPECT_EQ(**d, "b");
    auto none = find_duplicate_task(R"([{"_id":"a","name":"reboot"}])", *hosts);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    EXPECT_FALSE(find_duplicate_task("{}", *hosts));
    EXPECT_FALSE(find_duplicate_task("[1]", *hosts));
}

TEST(GenieTask, FaultOfATask) {
    auto f = parse_task_fault(R"([{"_id":"X:task_1","code":"cwmp.9002","message":"Internal error"}])");
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_TRUE(*f);
    EXPECT_EQ((*f)->code, "cwmp.9002");
    EXPECT_EQ((*f)->message, "Internal error");
    auto none = parse_task_fault("[]");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    EXPECT_FALSE(parse_task_fault("[\"x\"]"));
}

TEST(GenieModel, OneTableByDataModel) {
    std::map<std::string, std::string> tr098 = {{"InternetGatewayDevice.DeviceInfo.SoftwareVersion", "1"},
                                                {"_id", "x"}};
    std::map<std::string, std::string> tr181 = {{"Device.DeviceInfo.SoftwareVersion", "1"}, {"_id", "x"}};
    EXPECT_EQ(model_of(tr098), DataModel::tr098);
    EXPECT_EQ(model_of(tr181), DataModel::tr181);
    const auto& m098 = model_paths(model_of(tr098));
    EXPECT_EQ(m098.hosts, "InternetGatewayDevice.LANDevice.1.Hosts");
    EXPECT_EQ(m098.device_info, "InternetGatewayDevice.DeviceInfo");
    ASSERT_EQ(m098.associations.size(), 1u);
    EXPECT_EQ(m098.associations[0], "InternetGatewayDevice.LANDevice.1.WLANConfiguration");
    const auto& m181 = model_paths(DataModel::tr181);
    EXPECT_EQ(m181.hosts, "Device.Hosts");
    EXPECT_EQ(m181.associations.at(0), "Device.WiFi.MultiAP");
    EXPECT_EQ(m181.mesh_if_present.at(0), "Device.WiFi.DataElements");
    // Every path of the table is one the NBI accepts (no trailing dot).
    for (const auto* m : {&m098, &m181}) {
        std::vector<std::string> all = {m->device_info, m->optical, m->hosts};
        all.insert(all.end(), m->associations.begin(), m->associations.end());
        all.insert(all.end(), m->mesh_if_present.begin(), m->mesh_if_present.end());
        for (const auto& p : all) EXPECT_TRUE(Task::refresh_object(p)) << p;
    }
    std::map<std::string, std::string> de = {{"Device.WiFi.DataElements.Network.ID", "n"}};
    EXPECT_TRUE(has_subtree(de, "Device.WiFi.DataElements"));
    EXPECT_FALSE(has_subtree(tr181, "Device.WiFi.DataElements"));
}

}  // namespace
}  // namespace cpe::hub::sources
