#include "sources/genieacs_model.hpp"

namespace cpe::hub::sources {

const char* data_model_name(DataModel m) {
    return m == DataModel::tr098 ? "tr098" : "tr181";
}

const ModelPaths& model_paths(DataModel m) {
    // TR-181 (Device:2): XX230v dump (tests/sim/data, reference/tr181.md). Mesh: MultiAP (TR-181 2.13+,
    // APDevice.*.Radio.*.AP.*.AssociatedDevice) and DataElements (EasyMesh, TR-181 2.15+) where the CPE has
    // it.
    static const ModelPaths tr181{
        DataModel::tr181,
        "Device",
        "Device.DeviceInfo",
        "Device.Optical.Interface",
        "Device.Hosts",
        {"Device.WiFi.MultiAP"},
        {"Device.WiFi.DataElements"},
        {"Device.Hosts", "Device.WiFi", "Device.DHCPv4.Server.Pool"},
    };
    // TR-098 (InternetGatewayDevice:1): Hosts under LANDevice.1, Wi-Fi clients under
    // LANDevice.1.WLANConfiguration.*.AssociatedDevice (TR-098 Amendment 2); the PON levels in the vendor
    // object X_CT-COM_GponInterfaceConfig (reference/boards.md, HT803G).
    static const ModelPaths tr098{
        DataModel::tr098,
        "InternetGatewayDevice",
        "InternetGatewayDevice.DeviceInfo",
        "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig",
        "InternetGatewayDevice.LANDevice.1.Hosts",
        {"InternetGatewayDevice.LANDevice.1.WLANConfiguration"},
        {},
        {"InternetGatewayDevice.LANDevice.1.Hosts", "InternetGatewayDevice.LANDevice.1.WLANConfiguration"},
    };
    return m == DataModel::tr098 ? tr098 : tr181;
}

}  // namespace cpe::hub::sources
