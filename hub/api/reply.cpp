#include "api/reply.hpp"

#include <algorithm>
#include <cctype>

#include "api/source_clients.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

const std::vector<std::string> kFullPaths = {"Device.DeviceInfo.",        "Device.Optical.Interface.",
                                             "Device.XPON.ONU.",          "Device.Ethernet.Interface.",
                                             "Device.IP.Interface.",      "Device.WiFi.Radio.",
                                             "Device.WiFi.SSID.",         "Device.WiFi.AccessPoint.",
                                             "Device.WiFi.MultiAP.",      "Device.Hosts.",
                                             "Device.DHCPv4.Server.Pool."};
const std::vector<std::string> kBriefPaths = {"Device.DeviceInfo.", "Device.Optical.Interface.",
                                              "Device.XPON.ONU."};
const std::vector<std::string> kHostsPaths = {"Device.Hosts.",        "Device.WiFi.Radio.",
                                              "Device.WiFi.SSID.",    "Device.WiFi.AccessPoint.",
                                              "Device.WiFi.MultiAP.", "Device.DHCPv4.Server.Pool."};
const std::vector<std::string> kGenieFull = {
    "Device.DeviceInfo",
    "Device.Optical.Interface",
    "Device.XPON.ONU",
    "Device.Ethernet.Interface",
    "Device.IP.Interface",
    "Device.WiFi",
    "Device.Hosts",
    "Device.DHCPv4.Server.Pool",
    "InternetGatewayDevice.DeviceInfo",
    "InternetGatewayDevice.LANDevice.1.Hosts",
    "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig"};
const std::vector<std::string> kGenieHosts = {"Device.Hosts", "Device.WiFi", "Device.DHCPv4.Server.Pool",
                                              "InternetGatewayDevice.LANDevice.1.Hosts",
                                              "InternetGatewayDevice.LANDevice.1.WLANConfiguration"};
const std::vector<std::string> kGenieModelProbe = {"Device.DeviceInfo.SoftwareVersion",
                                                   "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                                                   "Device.WiFi.DataElements.Network.ID"};
const std::vector<std::string> kGenieHostsIdentity = {
    "Device.Hosts",
    "Device.WiFi",
    "Device.DHCPv4.Server.Pool",
    "InternetGatewayDevice.LANDevice.1.Hosts",
    "InternetGatewayDevice.LANDevice.1.WLANConfiguration",
    "Device.Ethernet.Interface",
    "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig"};

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

json::Ptr json_copy(const json::Ptr& p) {
    return p ? json::Ptr(cJSON_Duplicate(p.get(), 1)) : json::Ptr();
}

std::string quote(const std::string& s) {
    return json::print(json::Ptr(cJSON_CreateString(s.c_str())).get());
}

std::string error_body(int status, const std::string& message) {
    auto o = json::make_object();
    json::add_string(o.get(), "error", message);
    json::add_number(o.get(), "status", status);
    return json::print(o.get());
}

int status_for(const Error& e) {
    switch (e.code) {
        case Errc::not_found:
            return 404;
        case Errc::timeout:
            return 504;
        case Errc::unavailable:
            return 503;
        case Errc::invalid_argument:
            return 400;
        default:
            return 502;
    }
}

std::string join(const std::string& a, const std::string& b) {
    return a.empty() ? b : b.empty() ? a : a + "; " + b;
}

std::string with_source(std::string hosts_body, const char* source, diag::SourceState state,
                        std::optional<int64_t> data_ms, const std::string& error, const std::string& id,
                        const std::string& modem) {
    auto s = json::make_object();
    json::add_string(s.get(), "name", source);
    json::add_string(s.get(), "state", diag::state_name(state));
    if (data_ms)
        json::add_number(s.get(), "age_s",
                         static_cast<double>(std::max<int64_t>(0, (now_ms() - *data_ms) / 1000)));
    if (!modem.empty()) json::add_string(s.get(), "modem", modem);
    if (!error.empty()) json::add_string(s.get(), "error", error);
    hosts_body.pop_back();
    return hosts_body + ",\"id\":" + quote(id) + ",\"source\":" + json::print(s.get()) + "}";
}

}  // namespace cpe::hub::api
