// Writes the seed corpora of the usp_record and usp_msg fuzz targets: one file per message kind
// built with the codec's own encoders. Usage: usp_fuzz_seeds <tests/fuzz/corpus directory>
#include <cstdio>
#include <string>
#include <vector>

#include "usp/error_codes.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"

using namespace cpe::usp;

namespace {

bool write(const std::string& path, const Bytes& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        std::fprintf(stderr, "usp_fuzz_seeds: cannot write %s\n", path.c_str());
        return false;
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: usp_fuzz_seeds <corpus dir containing usp_record/ and usp_msg/>\n");
        return 2;
    }
    std::string dir = argv[1];
    using R = GetSupportedDMResp;
    R::SupportedObject obj{
        "Device.IP.Interface.{i}.",
        R::ObjAccess::add_delete,
        true,
        {{"Reset()", {}, {"Status"}, R::CmdType::sync}},
        {{"Up!", {"Why"}}},
        {{"Enable", R::ParamAccess::read_write, R::ValueType::boolean, R::ValueChange::allowed}},
        {},
        {{"Alias"}}};
    std::vector<std::pair<std::string, Bytes>> msgs = {
        {"error",
         encode_msg("e", ErrorMsg{err::invalid_arguments, "bad", {{"Device.X", err::invalid_value, "no"}}})},
        {"get", encode_msg("g", Get{{"Device.DeviceInfo.", "Device.WiFi.SSID.*.SSID"}, 1})},
        {"get_resp",
         encode_msg(
             "g", GetResp{{{"Device.DeviceInfo.", 0, "", {{"Device.DeviceInfo.", {{"SerialNumber", "A1"}}}}},
                           {"Device.Nope.", err::invalid_path, "no", {}}}})},
        {"get_instances", encode_msg("i", GetInstances{{"Device.IP.Interface."}, true})},
        {"get_instances_resp",
         encode_msg(
             "i",
             GetInstancesResp{
                 {{"Device.IP.Interface.", 0, "", {{"Device.IP.Interface.1.", {{"Alias", "wan"}}}}}}})},
        {"get_supported_dm", encode_msg("d", GetSupportedDM{{"Device."}, false, true, true, true, true})},
        {"get_supported_dm_resp", encode_msg("d", R{{{"Device.IP.", 0, "", "urn:x", {obj}}}})},
        {"get_supported_proto", encode_msg("p", GetSupportedProtocol{"1.0,1.3"})},
        {"get_supported_proto_resp", encode_msg("p", GetSupportedProtocolResp{"1.3"})},
        {"set", encode_msg("s", Set{true, {{"Device.WiFi.SSID.1.", {{"SSID", "x", true}}}}})},
        {"set_resp",
         encode_msg(
             "s",
             SetResp{
                 {{"Device.WiFi.SSID.1.", SetResp::Success{{{"Device.WiFi.SSID.1.", {}, {{"SSID", "x"}}}}}},
                  {"Device.WiFi.SSID.9.",
                   SetResp::Failure{7016, "no", {{"Device.WiFi.SSID.9.", {{"SSID", 7016, "no"}}}}}}}})},
        {"add", encode_msg("a", Add{false, {{"Device.NAT.PortMapping.", {{"ExternalPort", "80", true}}}}})},
        {"add_resp",
         encode_msg("a", AddResp{{{"Device.NAT.PortMapping.",
                                   AddResp::Success{"Device.NAT.PortMapping.2.", {}, {{"Alias", "a"}}}},
                                  {"Device.X.", OperFailure{7018, "not a table"}}}})},
        {"delete", encode_msg("x", Delete{true, {"Device.NAT.PortMapping.2."}})},
        {"delete_resp",
         encode_msg("x", DeleteResp{{{"Device.NAT.PortMapping.2.",
                                      DeleteResp::Success{{"Device.NAT.PortMapping.2."}, {}}},
                                     {"Device.NAT.PortMapping.9.", OperFailure{7016, "no"}}}})},
        {"operate", encode_msg("o", Operate{"Device.Reboot()", "k", true, {{"Delay", "5"}}})},
        {"operate_resp",
         encode_msg("o", OperateResp{{{"Device.Reboot()", OutputArgs{}},
                                      {"Device.IP.Diagnostics.IPPing()",
                                       OperateResp::ReqObjPath{"Device.LocalAgent.Request.1."}},
                                      {"Device.FactoryReset()", CommandFailure{7022, "no"}}}})},
        {"notify_event",
         encode_msg("n",
                    Notify{"boot", true, Notify::Event{"Device.", "Boot!", {{"Cause", "LocalReboot"}}}})},
        {"notify_value_change", encode_msg("n", Notify{"vc", false, Notify::ValueChange{"Device.X", "1"}})},
        {"notify_obj_creation",
         encode_msg("n", Notify{"oc", false,
                                Notify::ObjectCreation{"Device.Hosts.Host.3.",
                                                       {{"PhysAddress", "00:11:22:33:44:55"}}}})},
        {"notify_obj_deletion",
         encode_msg("n", Notify{"od", false, Notify::ObjectDeletion{"Device.Hosts.Host.3."}})},
        {"notify_oper_complete",
         encode_msg(
             "n", Notify{"op", true,
                         Notify::OperationComplete{"Device.", "Reboot()", "k", CommandFailure{7022, "x"}}})},
        {"notify_on_board",
         encode_msg("n", Notify{"", true, Notify::OnBoardRequest{"00D09E", "ONT", "A1", "1.3"}})},
        {"notify_resp", encode_msg("n", NotifyResp{"boot"})},
    };
    bool ok = true;
    for (const auto& [name, bytes] : msgs) ok = write(dir + "/usp_msg/" + name, bytes) && ok;

    std::vector<std::pair<std::string, Bytes>> records = {
        {"no_session_get", encode_no_session_record("os::00D09E-A1", "proto::hub", msgs[1].second)},
        {"no_session_get_resp", encode_no_session_record("proto::hub", "os::00D09E-A1", msgs[2].second)},
        {"no_session_notify", encode_no_session_record("proto::hub", "os::00D09E-A1", msgs[17].second)},
        {"websocket_connect", encode_websocket_connect_record("proto::hub", "os::00D09E-A1")},
        {"mqtt_connect",
         encode_mqtt_connect_record("proto::hub", "os::00D09E-A1", MqttVersion::v5, "usp/agent")},
        {"uds_connect", encode_uds_connect_record("a", "b")},
        {"disconnect", encode_disconnect_record("proto::hub", "os::00D09E-A1", "bye", err::internal_error)},
        // session_context { session_id 5, sequence_id 1, payload "x" }: hand-built, we do not encode these
        {"session_context",
         Bytes{0x0a, 0x03, '1', '.', '3', 0x42, 0x07, 0x08, 0x05, 0x10, 0x01, 0x3a, 0x01, 'x'}},
    };
    for (const auto& [name, bytes] : records) ok = write(dir + "/usp_record/" + name, bytes) && ok;
    return ok ? 0 : 1;
}
