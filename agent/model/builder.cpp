// The collectors → TR-181 builder: device info, Ethernet, IP, optical/XPON and the assembly of the whole tree
// (build_model). Wi-Fi and mesh are built in builder_wifi.cpp, the interface stack in builder_layers.cpp,
// DHCP and Hosts in builder_hosts.cpp.
#include "model/builder.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "model/builder_internal.hpp"
#include "util/units.hpp"

namespace cpe::agent {
namespace builder_detail {

std::string ethernet_status(const std::string& operstate) {
    if (operstate == "up") return "Up";
    if (operstate == "down") return "Down";
    if (operstate == "dormant") return "Dormant";
    if (operstate == "lowerlayerdown") return "LowerLayerDown";
    if (operstate == "notpresent") return "NotPresent";
    if (operstate == "testing") return "Testing";
    return "Unknown";
}

const NetInterface* find_interface(const BoardData& data, const std::string& name) {
    for (const NetInterface& i : data.interfaces)
        if (i.name == name) return &i;
    return nullptr;
}

uint32_t clamp_u32(uint64_t v) {
    return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
}

}  // namespace builder_detail

using namespace builder_detail;

namespace {

constexpr const char* kAgentVersion = "0.1.0";
void build_device_info(const BoardData& data, Object& root) {
    Object& info = root.child("DeviceInfo");
    const Identity& id = data.identity;
    auto set_if = [&](const char* name, const std::string& v) {
        if (!v.empty()) info.set(name, Value::string(v));
    };
    set_if("Manufacturer", id.manufacturer);
    set_if("ManufacturerOUI", id.manufacturer_oui);
    set_if("ModelName", id.model_name);
    set_if("ProductClass", id.product_class);
    set_if("SerialNumber", id.serial_number);
    set_if("HardwareVersion", id.hardware_version);
    set_if("SoftwareVersion", id.software_version);
    set_if("Description", id.description);
    const SystemStatus& sys = data.system;
    if (sys.uptime_s) info.set("UpTime", Value::uint32(clamp_u32(*sys.uptime_s)));
    if (sys.mem_total_kib)
        info.child("MemoryStatus").set("Total", Value::uint32(clamp_u32(*sys.mem_total_kib)));
    // "Free" is what a new process could get: MemAvailable where the kernel reports it (3.14+), else MemFree.
    if (auto free = sys.mem_available_kib ? sys.mem_available_kib : sys.mem_free_kib)
        info.child("MemoryStatus").set("Free", Value::uint32(clamp_u32(*free)));
    if (sys.cpu_percent) info.child("ProcessStatus").set("CPUUsage", Value::uint32(*sys.cpu_percent));
}

void set_stats(Object& stats, const NetInterface& i) {
    stats.set("BytesSent", Value::uint64(i.tx_bytes));
    stats.set("BytesReceived", Value::uint64(i.rx_bytes));
    stats.set("PacketsSent", Value::uint64(i.tx_packets));
    stats.set("PacketsReceived", Value::uint64(i.rx_packets));
    stats.set("ErrorsSent", Value::uint32(clamp_u32(i.tx_errors)));
    stats.set("ErrorsReceived", Value::uint32(clamp_u32(i.rx_errors)));
    stats.set("DiscardPacketsSent", Value::uint32(clamp_u32(i.tx_dropped)));
    stats.set("DiscardPacketsReceived", Value::uint32(clamp_u32(i.rx_dropped)));
}

// Returns the Ethernet.Interface instance of each port name.
std::map<std::string, uint32_t> build_ethernet(const BoardData& data, BuildContext& ctx, Object& root) {
    std::map<std::string, uint32_t> numbers;
    Object& eth = root.child("Ethernet");
    Table& table = eth.table("Interface");
    // The LAN ports of the profile, then the WAN interface when it is an Ethernet port: the kernel reports
    // link settings (sysfs speed/duplex) only for devices with ethtool link settings, so a PON (pon0, nas0)
    // or PPP interface is not listed here.
    std::vector<std::pair<std::string, bool>> ports;  // name, upstream
    for (const std::string& port : ctx.profile.lan_ports) ports.emplace_back(port, false);
    if (const NetInterface* wan = find_interface(data, ctx.profile.wan_interface);
        wan && (wan->speed_mbps || !wan->duplex.empty()))
        ports.emplace_back(ctx.profile.wan_interface, true);
    for (const auto& [port, upstream] : ports) {
        const NetInterface* i = find_interface(data, port);
        if (!i) continue;  // its sysfs source failed: the row disappears, not a row of zeros
        const uint32_t n = ctx.numbers.number("Device.Ethernet.Interface.", port);
        numbers[port] = n;
        Object& row = table.add(n);
        row.set("Name", Value::string(port));
        const std::string status = ethernet_status(i->operstate);
        row.set("Status", Value::string(status));
        row.set("MACAddress", Value::string(i->mac.str()));
        row.set("Upstream", Value::boolean(upstream));
        row.set("MaxBitRate", Value::int32(-1));  // auto-negotiation
        row.set("DuplexMode", Value::string("Auto"));
        if (status == "Up" && i->speed_mbps)
            row.set("CurrentBitRate", Value::uint32(static_cast<uint32_t>(*i->speed_mbps)));
        if (status == "Up")
            row.set("CurrentDuplexMode", Value::string(i->duplex == "full"   ? "Full"
                                                       : i->duplex == "half" ? "Half"
                                                                             : "Unknown"));
        set_stats(row.child("Stats"), *i);
    }
    eth.set("InterfaceNumberOfEntries", Value::uint32(static_cast<uint32_t>(table.size())));
    return numbers;
}

std::string subnet_mask(int prefix_len) {
    const uint32_t m = prefix_len <= 0    ? 0
                       : prefix_len >= 32 ? 0xffffffffu
                                          : ~((1u << (32 - prefix_len)) - 1);
    return std::to_string(m >> 24) + "." + std::to_string((m >> 16) & 0xff) + "." +
           std::to_string((m >> 8) & 0xff) + "." + std::to_string(m & 0xff);
}

// IP.Interface rows: the LAN bridge of the profile (always), then every interface holding a global IPv4
// address (the PPP or VLAN interface that carries the WAN address, a management VLAN). A layer-1 WAN device
// without an address (pon0, nas0) is not an IP interface. Status comes from sysfs and is left out for an
// interface sysfs was not read for; LowerLayers is left out: the agent does not model the
// Bridging/Ethernet.Link/PPP layers under them.
uint32_t build_ip(const BoardData& data, BuildContext& ctx, Object& root) {
    Object& ip = root.child("IP");
    Table& table = ip.table("Interface");
    uint32_t lan_number = 0;
    std::vector<std::string> names;
    auto want = [&](const std::string& name) {
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    };
    want(ctx.profile.lan_bridge);
    for (const InterfaceAddress& a : data.addresses)
        if (a.scope != "host" && a.interface != "lo") want(a.interface);
    for (const std::string& name : names) {
        const NetInterface* i = find_interface(data, name);
        const uint32_t n = ctx.numbers.number("Device.IP.Interface.", name);
        Object& row = table.add(n);
        row.set("Name", Value::string(name));
        if (i) row.set("Status", Value::string(ethernet_status(i->operstate)));
        const std::string prefix = "Device.IP.Interface." + std::to_string(n) + ".IPv4Address.";
        Table& addresses = row.table("IPv4Address");
        for (const InterfaceAddress& a : data.addresses) {
            if (a.interface != name) continue;
            Object& addr = addresses.add(ctx.numbers.number(prefix, a.address));
            addr.set("Enable", Value::boolean(true));
            addr.set("Status", Value::string("Enabled"));
            addr.set("IPAddress", Value::string(a.address));
            addr.set("SubnetMask", Value::string(subnet_mask(a.prefix_len)));
            // What the agent can tell: a point-to-point address came over PPP (IPCP); the LAN bridge's is
            // configured.
            if (!a.peer.empty() || name.rfind("ppp", 0) == 0)
                addr.set("AddressingType", Value::string("IPCP"));
            else if (name == ctx.profile.lan_bridge)
                addr.set("AddressingType", Value::string("Static"));
        }
        row.set("IPv4AddressNumberOfEntries", Value::uint32(static_cast<uint32_t>(addresses.size())));
        if (name == ctx.profile.lan_bridge) lan_number = n;
    }
    ip.set("InterfaceNumberOfEntries", Value::uint32(static_cast<uint32_t>(table.size())));
    return lan_number;
}
// The device's name of its PON type → TR-181 XPON PONMode ("G-PON", "XGS-PON", …); "" when unknown.
std::string pon_mode(const std::string& type) {
    std::string t;
    for (char c : type)
        if (c != '-' && c != '_' && c != ' ')
            t += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (t == "GPON") return "G-PON";
    if (t == "XGPON" || t == "XGPON1") return "XG-PON";
    if (t == "XGSPON") return "XGS-PON";
    if (t == "NGPON2") return "NG-PON2";
    if (t == "EPON") return "E-PON";
    if (t == "10GEPON") return "10G-EPON";
    return "";
}

void build_optical(const BoardData& data, BuildContext& ctx, Object& root) {
    if (!data.optical) return;
    const OpticalReading& o = *data.optical;
    const std::string name = ctx.profile.wan_interface.empty() ? "pon0" : ctx.profile.wan_interface;
    Object& optical = root.child("Optical");
    Object& iface = optical.table("Interface").add(1);
    iface.set("Name", Value::string(name));
    const bool dark = o.los.value_or(false) || !o.rx_dbm;
    iface.set("Status", Value::string(dark ? "Down" : "Up"));
    if (o.rx_dbm) iface.set("OpticalSignalLevel", Value::dbm1000(units::dbm_to_dbm1000(*o.rx_dbm)));
    if (o.tx_dbm) iface.set("TransmitOpticalLevel", Value::dbm1000(units::dbm_to_dbm1000(*o.tx_dbm)));
    optical.set("InterfaceNumberOfEntries", Value::uint32(1));

    Object& xpon = root.child("XPON");
    Object& onu = xpon.table("ONU").add(1);
    onu.set("Name", Value::string(name));
    onu.set("ANINumberOfEntries", Value::uint32(1));
    Object& ani = onu.table("ANI").add(1);
    ani.set("Name", Value::string(name));
    ani.set("Status", Value::string(dark ? "Down" : "Up"));
    // PONMode is the ANI's (and its transceiver's), as TR-181's enumeration spells it; only what the device
    // said.
    const std::string mode = pon_mode(o.pon_type);
    if (!mode.empty()) ani.set("PONMode", Value::string(mode));
    ani.set("TransceiverNumberOfEntries", Value::uint32(1));
    Object& activation = ani.child("TC").child("ONUActivation");
    if (!o.onu_state.empty()) activation.set("ONUState", Value::string(o.onu_state));
    if (!o.gpon_serial.empty()) activation.set("SerialNumber", Value::string(o.gpon_serial));
    Object& xcvr = ani.table("Transceiver").add(1);
    xcvr.set("ID", Value::uint32(1));
    if (!mode.empty()) xcvr.set("PONMode", Value::string(mode));
    // XPON transceiver units (TR-181 2.16): power in 0.1 dBm, voltage in mV, bias in µA, temperature in °C.
    if (o.rx_dbm) xcvr.set("RxPower", Value::int32(static_cast<int32_t>(std::lround(*o.rx_dbm * 10))));
    if (o.tx_dbm) xcvr.set("TxPower", Value::int32(static_cast<int32_t>(std::lround(*o.tx_dbm * 10))));
    if (o.voltage_v)
        xcvr.set("Voltage", Value::uint32(static_cast<uint32_t>(std::lround(*o.voltage_v * 1000))));
    if (o.bias_ma) xcvr.set("Bias", Value::uint32(static_cast<uint32_t>(std::lround(*o.bias_ma * 1000))));
    if (o.temperature_c)
        xcvr.set("Temperature", Value::int32(static_cast<int32_t>(std::lround(*o.temperature_c))));
    xpon.set("ONUNumberOfEntries", Value::uint32(1));
}

}  // namespace
std::string default_endpoint_id(const Identity& identity) {
    return "os::" + identity.manufacturer_oui + "-" + identity.serial_number;
}

tr181::Tree build_model(const BoardData& data, BuildContext& ctx) {
    ctx.numbers.begin_refresh();
    tr181::Tree tree;
    Object& root = tree.root();
    // 2.17: the last version that still has WiFi.MultiAP (deprecated 2.15, deleted 2.18), which XX230v
    // firmware and the controllers reading it use; everything else emitted exists in 2.17 (docs/tr181.md).
    root.set("RootDataModelVersion", Value::string(kRootDataModelVersion));
    build_device_info(data, root);
    const auto ethernet = build_ethernet(data, ctx, root);
    const uint32_t lan_ip = build_ip(data, ctx, root);
    const WifiPaths wifi = build_wifi(data, ctx, root);
    build_layers(data, ctx, root, ethernet, wifi);
    const auto mesh = build_mesh(data, ctx, root);
    const auto dhcp = build_dhcp(data, ctx, root, present_on_lan(data, ctx, mesh));
    build_hosts(data, ctx, root, wifi, mesh, dhcp, lan_ip, ethernet);
    build_optical(data, ctx, root);
    Object& agent = root.child("LocalAgent");
    agent.set("EndpointID",
              Value::string(ctx.endpoint_id.empty() ? default_endpoint_id(data.identity) : ctx.endpoint_id));
    agent.set("SoftwareVersion", Value::string(kAgentVersion));
    return tree;
}

}  // namespace cpe::agent
