#include <gtest/gtest.h>

#include "api/devices_api.hpp"
#include "api/devices_config.hpp"
#include "api/source_clients.hpp"
#include "sources/url.hpp"

using namespace cpe::hub::api;

TEST(DevicesConfig, ParsesAndNamesBadKeys) {
    auto c = parse_devices_config(R"({"genieacs":{"url":"http://acs:7557","budget_ms":1500},
        "optical":{"good_min_dbm":-24},"poller":{"interval_s":30},"access":{"trusted_proxies":["10.0.0.5"]}})",
                                  "d.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->genieacs.budget_ms, 1500u);
    EXPECT_DOUBLE_EQ(c->optical.good_min_dbm, -24);
    EXPECT_EQ(c->poller.interval_s, 30u);

    auto typo = parse_devices_config(R"({"genieacs":{"urll":"x"}})", "d.json");
    ASSERT_FALSE(typo.ok());
    EXPECT_EQ(typo.error().message, "d.json: genieacs.urll: unknown field");
    auto range = parse_devices_config(R"({"poller":{"concurrency":0}})", "d.json");
    ASSERT_FALSE(range.ok());
    EXPECT_NE(range.error().message.find("poller.concurrency"), std::string::npos);
    auto order = parse_devices_config(R"({"optical":{"good_min_dbm":-30}})", "d.json");
    ASSERT_FALSE(order.ok());
    EXPECT_NE(order.error().message.find("optical"), std::string::npos);
    EXPECT_FALSE(parse_devices_config(R"({"erpnext":{"url":"ftp://x"}})", "d.json").ok());
    EXPECT_FALSE(parse_devices_config("[", "d.json").ok());
}

TEST(DevicesConfig, ErpNextFieldMap) {
    auto d = parse_devices_config(R"({"erpnext":{"url":"http://erp:8000"}})", "d.json");
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->erpnext.fields.equipment.doctype,
              "Service Equipment");  // the operator's DocTypes by default
    EXPECT_EQ(d->erpnext.fields.customer.field("legacy_account_id"), "legacy_account_id");
    auto c = parse_devices_config(R"({"erpnext":{"url":"http://erp:8000","fields":{
        "equipment":{"doctype":"CPE","mac_address":"custom_label_mac"},"customer":{"legacy_account_id":""}}}})",
                                  "d.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->erpnext.fields.equipment.doctype, "CPE");
    EXPECT_EQ(c->erpnext.fields.equipment.field("mac_address"), "custom_label_mac");
    EXPECT_EQ(c->erpnext.fields.equipment.field("serial_number"), "serial_number");
    EXPECT_EQ(c->erpnext.fields.customer.field("legacy_account_id"), "");
    auto typo = parse_devices_config(R"({"erpnext":{"fields":{"equipment":{"mac_adress":"x"}}}})", "d.json");
    ASSERT_FALSE(typo.ok());
    EXPECT_EQ(typo.error().message, "d.json: erpnext.fields.equipment.mac_adress: unknown field");
    auto req = parse_devices_config(R"({"erpnext":{"fields":{"equipment":{"serial_number":""}}}})", "d.json");
    ASSERT_FALSE(req.ok());
    EXPECT_EQ(req.error().message,
              "d.json: erpnext.fields.equipment.serial_number: required (the lookup needs it)");
    auto bad =
        parse_devices_config(R"({"erpnext":{"fields":{"customer":{"mobile_no":"mobile no"}}}})", "d.json");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("erpnext.fields.customer.mobile_no: 'mobile no' is not a fieldname"),
              std::string::npos)
        << bad.error().message;
    EXPECT_FALSE(parse_devices_config(R"({"erpnext":{"fields":{"site":{}}}})", "d.json").ok());
    EXPECT_FALSE(
        parse_devices_config(R"({"erpnext":{"fields":{"customer":{"mobile_no":1}}}})", "d.json").ok());
}

TEST(DevicesApiParse, SerialQuery) {
    cpe::net::Request r;
    EXPECT_FALSE(parse_serial_query(r).ok());
    r.query = {{"serial", " TPLGC4160688 "}};
    EXPECT_EQ(*parse_serial_query(r), "TPLGC4160688");
    r.query = {{"serial", "a\"b"}};
    auto bad = parse_serial_query(r);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("'serial'"), std::string::npos);
    r.query = {{"serial", std::string(65, 'A')}};
    EXPECT_FALSE(parse_serial_query(r).ok());
}

TEST(DevicesApiParse, TaskBody) {
    EXPECT_EQ(*parse_task_body(R"({"task":"reboot"})"), "reboot");
    EXPECT_EQ(*parse_task_body(R"({"name":"refresh"})"), "refresh");
    EXPECT_FALSE(parse_task_body(R"({"task":"factoryReset"})").ok());
    EXPECT_FALSE(parse_task_body(R"({"task":1})").ok());
    EXPECT_FALSE(parse_task_body("not json").ok());
    EXPECT_FALSE(parse_task_body("[]").ok());
}

TEST(SourceParse, GenieDeviceToViewValuesAndBridgeOptical) {
    auto list = cpe::hub::sources::parse_device_list(
        R"([{"_id":"A-B-C","_deviceId":{"_SerialNumber":"C","_ProductClass":"B"},"_lastInform":"2026-01-01T00:00:00.000Z",
            "Device":{"_object":true,"DeviceInfo":{"_object":true,"UpTime":{"_value":42,"_type":"xsd:unsignedInt"},
            "Never":{"_type":"xsd:string"}}}}])");
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 1u);
    GenieHit h = hit_from_device(list->front());
    EXPECT_EQ(h.id, "A-B-C");
    EXPECT_EQ(h.params.at("_deviceId._SerialNumber"), "C");
    EXPECT_EQ(h.params.at("_deviceId._ProductClass"), "B");
    EXPECT_EQ(h.params.at("Device.DeviceInfo.UpTime"), "42");
    EXPECT_EQ(h.params.count("Device.DeviceInfo.Never"), 0u);
    ASSERT_TRUE(h.last_inform_ms);

    auto opt = parse_bridge_optical(R"({"rxDbm":-21.5,"tx_dbm":2.1,"rxRaw":123})");
    ASSERT_TRUE(opt.ok());
    EXPECT_DOUBLE_EQ(cJSON_GetObjectItem(opt->get(), "rxDbm")->valuedouble, -21.5);
    EXPECT_DOUBLE_EQ(cJSON_GetObjectItem(opt->get(), "txDbm")->valuedouble, 2.1);
    EXPECT_FALSE(cJSON_GetObjectItem(opt->get(), "rxRaw"));
    EXPECT_FALSE(parse_bridge_optical("[1]").ok());
    EXPECT_FALSE(parse_bridge_optical("{").ok());
}

TEST(ApiParse, AgeOfTheValuesShownIsTheirOldestTimestamp) {
    auto list =
        cpe::hub::sources::parse_device_list(R"([{"_id":"A-B-C","_lastInform":"2026-01-02T00:00:00.000Z",
        "Device":{"_object":true,"Hosts":{"_object":true,
          "Host":{"_object":true,"1":{"_object":true,
            "HostName":{"_value":"pc","_type":"xsd:string","_timestamp":"2025-11-01T00:00:00.000Z"},
            "Active":{"_value":true,"_type":"xsd:boolean","_timestamp":"2025-12-01T00:00:00.000Z"}}}},
          "DeviceInfo":{"_object":true,
            "UpTime":{"_value":42,"_type":"xsd:unsignedInt","_timestamp":"2026-01-02T00:00:00.000Z"}}}}])");
    ASSERT_TRUE(list.ok()) << list.error().message;
    GenieHit h = hit_from_device(list->front());
    auto hosts = oldest_value_ms(h, {"Device.Hosts"});
    ASSERT_TRUE(hosts);
    EXPECT_EQ(*hosts, *cpe::hub::diag::parse_iso8601_ms("2025-11-01T00:00:00.000Z"));  // not _lastInform
    EXPECT_EQ(*oldest_value_ms(h, {"Device.DeviceInfo"}), *h.last_inform_ms);
    EXPECT_FALSE(oldest_value_ms(h, {"Device.WiFi"}));
    EXPECT_FALSE(oldest_value_ms(h, {"Device.Host"})) << "a prefix of a segment is not the object";
}

// The bridge client encodes path segments with sources::url_component (a GenieACS-style id keeps its %2D).
TEST(SourceUrl, Encode) {
    EXPECT_EQ(cpe::hub::sources::url_component("1C61B4-W5%2D2100G-X"), "1C61B4-W5%252D2100G-X");
}

// The board fact "HT803G is sold in variants" is configuration data with a built-in default table.
TEST(DevicesConfig, ModelFamilies) {
    EXPECT_EQ(DevicesConfig{}.model_families, std::vector<std::string>{"HT803G"});
    auto c = parse_devices_config(R"({"model_families":["XX230v"]})", "d.json");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->model_families, std::vector<std::string>{"XX230v"});
    auto bad = parse_devices_config(R"({"model_families":[""]})", "d.json");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("model_families[0]"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(parse_devices_config(R"({"model_families":"HT803G"})", "d.json").ok());
}
