#include <gtest/gtest.h>

#include "diag/consolidate.hpp"
#include "fixture.hpp"
#include "json/json.hpp"

using namespace cpe::hub::diag;
using cpe::json::Ptr;

namespace {
Ptr parse(const std::string& s) {
    auto r = cpe::json::parse(s, "view");
    EXPECT_TRUE(r.ok()) << s.substr(0, 200);
    return r ? std::move(r).value() : Ptr();
}
const cJSON* at(const cJSON* o, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        if (!o) return nullptr;
        o = cJSON_GetObjectItemCaseSensitive(o, k);
    }
    return o;
}
std::string str(const cJSON* o, std::initializer_list<const char*> keys) {
    const cJSON* v = at(o, keys);
    return cJSON_IsString(v) ? v->valuestring : "<absent>";
}
}  // namespace

TEST(Consolidate, AgentFieldsWithProvenanceAndAge) {
    DeviceInputs in;
    in.id = "os::1C61B4-TPLGB43E91D4";
    in.kind = "usp";
    in.now_ms = 1'000'000'000;
    in.agent = test::load_params("xx230v_agent.txt");
    in.agent_status = {SourceState::stale, in.now_ms - 120'000, "timeout"};  // a 2-minute-old snapshot
    in.genieacs = Params{{"Device.DeviceInfo.SoftwareVersion", "from-acs"},
                         {"Device.DeviceInfo.X", "1"},
                         {"_deviceId._SerialNumber", "TPLGB43E91D4"}};
    in.genieacs_status = {SourceState::fresh, in.now_ms - 30'000, ""};
    in.customer = Ptr(cJSON_Parse(R"({"name":"CUST-00001","customer_name":"Ines Roy"})"));
    in.erpnext_status = {SourceState::fresh, in.now_ms, ""};
    in.erpnext_status.state = SourceState::fresh;
    in.bridge_status = {SourceState::failed, std::nullopt, "connection refused"};
    auto v = parse(device_view_json(in));

    EXPECT_EQ(str(v.get(), {"serial"}), in.agent->at("Device.DeviceInfo.SerialNumber"));
    // The agent has the firmware, so it wins over GenieACS, and its age is the snapshot's.
    EXPECT_EQ(str(v.get(), {"firmware"}), in.agent->at("Device.DeviceInfo.SoftwareVersion"));
    EXPECT_EQ(str(v.get(), {"provenance", "firmware", "source"}), "agent");
    EXPECT_EQ(str(v.get(), {"provenance", "firmware", "state"}), "stale");
    EXPECT_EQ(at(v.get(), {"provenance", "firmware", "age_s"})->valuedouble, 120);
    EXPECT_EQ(str(v.get(), {"provenance", "customer", "source"}), "erpnext");
    EXPECT_EQ(str(v.get(), {"customer", "customer_name"}), "Ines Roy");
    EXPECT_EQ(str(v.get(), {"sources", "bridge", "state"}), "failed");
    EXPECT_EQ(str(v.get(), {"sources", "bridge", "error"}), "connection refused");
    EXPECT_EQ(str(v.get(), {"sources", "agent", "state"}), "stale");

    // Optical from the fixture's Dbm1000 leaf, graded with the defaults.
    auto lv = optical_levels(*in.agent);
    ASSERT_TRUE(lv.rx_dbm);
    EXPECT_DOUBLE_EQ(at(v.get(), {"opticalStatus", "rxDbm"})->valuedouble, *lv.rx_dbm);
    EXPECT_EQ(str(v.get(), {"opticalStatus", "grade"}), grade_name(grade_rx(lv.rx_dbm, in.thresholds)));
    EXPECT_EQ(str(v.get(), {"provenance", "opticalStatus.rxDbm", "source"}), "agent");

    // Shapes the ops app reads.
    EXPECT_TRUE(cJSON_IsArray(at(v.get(), {"interfaces"})));
    EXPECT_GE(cJSON_GetArraySize(at(v.get(), {"mesh"})), 2);
    EXPECT_TRUE(cJSON_IsObject(at(v.get(), {"wifi"})));
    EXPECT_TRUE(cJSON_IsObject(at(v.get(), {"ethernet"})));
    for (const char* k : {"internet", "management", "service", "lan"})
        EXPECT_TRUE(at(v.get(), {"ip", k})) << k;
}

TEST(Consolidate, Tr069OnlyDeviceFromGenieAcsLeaves) {
    DeviceInputs in;
    in.id = "1C61B4-Device2-TPLG0001";
    in.kind = "tr069";
    in.now_ms = 2'000'000;
    in.genieacs =
        Params{{"_deviceId._SerialNumber", "TPLG0001"},
               {"_deviceId._ProductClass", "Device2"},
               {"Device.Optical.Interface.1.OpticalSignalLevel", "0"},          // TP-Link: "not supported"
               {"Device.Optical.Interface.1.X_TP_GPON_Config.RXPower", "100"},  // 0.1 µW → 10 µW = −20 dBm
               {"Device.Optical.Interface.1.GponAuth.GponSn", "54504C4700000001"},
               {"Device.IP.Interface.1.Name", "br0"},
               {"Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.168.1.1"},
               {"Device.IP.Interface.6.Name", "ppp0"},
               {"Device.IP.Interface.6.IPv4Address.1.IPAddress", "100.64.1.2"}};
    in.genieacs_status = {SourceState::fresh, in.now_ms - 5000, ""};
    in.agent_status.state = SourceState::not_found;
    in.optical_history = {{0, -19.0}, {86400000, -19.25}, {2 * 86400000, -19.5}};
    auto v = parse(device_view_json(in));
    EXPECT_EQ(str(v.get(), {"serial"}), "TPLG0001");
    EXPECT_EQ(str(v.get(), {"gponSerial"}), "TPLG00000001");
    EXPECT_EQ(str(v.get(), {"model"}), "Device2");
    EXPECT_NEAR(at(v.get(), {"opticalStatus", "rxDbm"})->valuedouble, -20.0, 1e-9);
    EXPECT_EQ(str(v.get(), {"opticalStatus", "grade"}), "good");
    EXPECT_EQ(str(v.get(), {"opticalStatus", "trend"}),
              "stable");  // −0.25 dB/day: within the ±0.5 stable band
    EXPECT_EQ(str(v.get(), {"ip", "lan"}), "192.168.1.1");
    EXPECT_EQ(str(v.get(), {"ip", "internet"}), "100.64.1.2");
    EXPECT_EQ(str(v.get(), {"provenance", "serial", "source"}), "genieacs");
    EXPECT_EQ(at(v.get(), {"provenance", "serial", "age_s"})->valuedouble, 5);
    EXPECT_TRUE(cJSON_IsNull(at(v.get(), {"customer"})));
}

TEST(Consolidate, PrivateWanOnPppIsTheInternetAddressAndTheOltRowIsShown) {
    DeviceInputs in;
    in.id = "ep-1";
    in.kind = "usp";
    in.now_ms = 2'000'000;
    // as the agent's ip_addr collector reports the real XX230v dump (tests/sim/data): a PPPoE WAN with a
    // 192.168 address
    in.agent = Params{{"Device.IP.Interface.1.Name", "br0"},
                      {"Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.168.1.1"},
                      {"Device.IP.Interface.3.Name", "ppp0"},
                      {"Device.IP.Interface.3.IPv4Address.1.IPAddress", "192.168.89.137"}};
    in.agent_status = {SourceState::fresh, in.now_ms, ""};
    in.bridge = Ptr(cJSON_Parse(R"({"oltRxDbm":-23.7,"rxDbm":-19.4,"onuStatus":"online","distanceM":1830})"));
    in.bridge_status = {SourceState::fresh, in.now_ms - 1000, ""};
    auto v = parse(device_view_json(in));
    EXPECT_EQ(str(v.get(), {"ip", "lan"}), "192.168.1.1");
    EXPECT_EQ(str(v.get(), {"ip", "internet"}), "192.168.89.137");
    EXPECT_NEAR(at(v.get(), {"opticalStatus", "oltRxDbm"})->valuedouble, -23.7, 1e-9);
    EXPECT_NEAR(at(v.get(), {"opticalStatus", "rxDbm"})->valuedouble, -19.4, 1e-9);
    EXPECT_EQ(str(v.get(), {"opticalStatus", "onuStatus"}), "online");
    EXPECT_EQ(at(v.get(), {"opticalStatus", "distanceM"})->valuedouble, 1830);
    EXPECT_EQ(str(v.get(), {"provenance", "opticalStatus.oltRxDbm", "source"}), "bridge");
    EXPECT_TRUE(cJSON_IsNull(at(v.get(), {"opticalStatus", "onuOfflineReason"})));
}

TEST(Consolidate, OfflineReasonOnlyForAnOnuNotOnline) {
    DeviceInputs in;
    in.id = "ep-1";
    in.kind = "usp";
    in.now_ms = 2'000'000;
    in.bridge = Ptr(cJSON_Parse(R"({"onuStatus":"pending","onuOfflineReason":"fibre cut"})"));
    in.bridge_status = {SourceState::fresh, in.now_ms - 1000, ""};
    auto v = parse(device_view_json(in));
    EXPECT_EQ(str(v.get(), {"opticalStatus", "onuStatus"}), "pending");
    EXPECT_EQ(str(v.get(), {"opticalStatus", "onuOfflineReason"}), "fibre cut");
    EXPECT_EQ(str(v.get(), {"provenance", "opticalStatus.onuOfflineReason", "source"}), "bridge");
    in.bridge = Ptr(cJSON_Parse(R"({"onuStatus":"online","onuOfflineReason":"power off"})"));
    auto w = parse(device_view_json(in));
    EXPECT_TRUE(cJSON_IsNull(at(w.get(), {"opticalStatus", "onuOfflineReason"})));
}

// A TR-069 TP-Link modem the bridge reads: its EasyMesh nodes (parse_bridge_mesh's shape) fill mesh[], before
// GenieACS's older table; an agent's own table would win over both.
TEST(Consolidate, BridgeMeshFillsMeshForABridgeReadModem) {
    DeviceInputs in;
    in.id = "dev-1";
    in.kind = "tr069";
    in.now_ms = 2'000'000;
    in.genieacs = Params{{"Device.WiFi.MultiAP.APDevice.1.MACAddress", "1C:61:B4:FB:2A:C8"}};
    in.genieacs_status = {SourceState::fresh, in.now_ms - 60'000, ""};
    in.bridge = Ptr(cJSON_Parse(R"({"rxDbm":-19.4,"mesh":[
        {"name":"XX230v_2AC8","mac":"1C:61:B4:FB:2A:C8","role":"controller","backhaul":{},"clients":1},
        {"name":"XX230v_3B10","mac":"1C:61:B4:FB:3B:10","role":"satellite","parent":"1C:61:B4:FB:2A:C8",
         "backhaul":{"type":"wired","linkRate":1000},"clients":1}]})"));
    in.bridge_status = {SourceState::fresh, in.now_ms - 1000, ""};
    auto v = parse(device_view_json(in));
    const cJSON* mesh = at(v.get(), {"mesh"});
    ASSERT_EQ(cJSON_GetArraySize(mesh), 2);
    EXPECT_EQ(str(cJSON_GetArrayItem(mesh, 1), {"parent"}), "1C:61:B4:FB:2A:C8");
    EXPECT_EQ(str(cJSON_GetArrayItem(mesh, 1), {"backhaul", "type"}), "wired");
    EXPECT_EQ(str(v.get(), {"provenance", "mesh", "source"}), "bridge");
    // A failed bridge read leaves GenieACS's table.
    in.bridge_status = {SourceState::failed, std::nullopt, "timeout"};
    auto g = parse(device_view_json(in));
    EXPECT_EQ(cJSON_GetArraySize(at(g.get(), {"mesh"})), 1);
    EXPECT_EQ(str(g.get(), {"provenance", "mesh", "source"}), "genieacs");
}

TEST(Params, FromGenieAcsDocumentAndGetResp) {
    auto doc = Ptr(cJSON_Parse(R"({"_id":"X-Y-Z","_deviceId":{"_SerialNumber":"S1","_OUI":"1C61B4"},
        "_lastInform":"2026-01-01T00:00:00.000Z",
        "Device":{"_object":true,"DeviceInfo":{"_object":true,"UpTime":{"_value":42,"_type":"xsd:unsignedInt"},
        "Never":{"_type":"xsd:string"},"Flag":{"_value":true}}}})"));
    Params p = params_from_genieacs(doc.get());
    EXPECT_EQ(p.at("_deviceId._SerialNumber"), "S1");
    EXPECT_EQ(p.at("Device.DeviceInfo.UpTime"), "42");
    EXPECT_EQ(p.at("Device.DeviceInfo.Flag"), "true");
    EXPECT_EQ(p.count("Device.DeviceInfo.Never"), 0u);
    EXPECT_TRUE(params_from_genieacs(nullptr).empty());

    cpe::usp::GetResp resp;
    resp.req_path_results.push_back(
        {"Device.DeviceInfo.", 0, "", {{"Device.DeviceInfo.", {{"SerialNumber", "A1"}}}}});
    resp.req_path_results.push_back({"Device.Nope.", 7026, "invalid path", {}});
    Params g = params_from_get_resp(resp);
    EXPECT_EQ(g.size(), 1u);
    EXPECT_EQ(g.at("Device.DeviceInfo.SerialNumber"), "A1");
    auto inst = instances(Params{{"T.1.a", "x"}, {"T.2.b.c", "y"}, {"T.x.a", "z"}, {"T.", "w"}}, "T.");
    ASSERT_EQ(inst.size(), 2u);
    EXPECT_EQ(inst[2].at("b.c"), "y");
}
