#include "model/builder.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "util/units.hpp"

namespace cpe::agent {
namespace {

using tr181::Object;
using tr181::Table;
using tr181::Value;

constexpr const char* kAgentVersion = "0.1.0";

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

const WifiIfaceInfo* find_wifi_info(const BoardData& data, const std::string& name) {
    for (const WifiIfaceInfo& w : data.wifi_info)
        if (w.interface == name) return &w;
    return nullptr;
}

// Base64 of a MAC's 6 bytes: the type of DataElements' Radio.ID (TR-181: Base64, 6 bytes).
std::string mac_base64(const MacAddress& mac) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < 6; i += 3) {
        const uint32_t v =
            (uint32_t{mac.bytes[i]} << 16) | (uint32_t{mac.bytes[i + 1]} << 8) | mac.bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 0x3f];
    }
    return out;
}

struct WifiPaths {
    // interface name → "Device.WiFi.SSID.{i}." and AccessPoint instance
    std::map<std::string, std::string> ssid_path;
    std::map<std::string, uint32_t> ap_number;
    // station MAC → its AssociatedDevice path on this device's own radios
    std::map<MacAddress, std::string> station_path;
    std::map<MacAddress, std::string> station_ssid;
};

std::optional<int64_t> association_time(int64_t now, std::optional<uint32_t> seconds) {
    if (!seconds || now <= 0) return std::nullopt;
    return now - static_cast<int64_t>(*seconds);
}

WifiPaths build_wifi(const BoardData& data, BuildContext& ctx, Object& root) {
    WifiPaths paths;
    Object& wifi = root.child("WiFi");
    Table& radios = wifi.table("Radio");
    Table& ssids = wifi.table("SSID");
    Table& aps = wifi.table("AccessPoint");
    uint32_t index = 0;
    for (const WifiInterface& w : ctx.profile.wifi) {
        ++index;  // Radio/SSID/AccessPoint rows follow the profile order: they are configuration, not
                  // discoveries
        Object& radio = radios.add(index);
        radio.set("Name", Value::string(w.interface));
        radio.set("OperatingFrequencyBand", Value::string(w.band));
        const NetInterface* net = find_interface(data, w.interface);
        const WifiIfaceInfo* info = find_wifi_info(data, w.interface);
        if (net) radio.set("Status", Value::string(ethernet_status(net->operstate)));
        if (info && info->channel) radio.set("Channel", Value::uint32(static_cast<uint32_t>(*info->channel)));
        Object& ssid = ssids.add(index);
        ssid.set("Name", Value::string(w.interface));
        // The SSID the interface runs with, as the device reports it (wifi_info); absent when it did not say.
        if (info && !info->ssid.empty()) ssid.set("SSID", Value::string(info->ssid));
        ssid.set("LowerLayers", Value::string("Device.WiFi.Radio." + std::to_string(index) + "."));
        if (net) {
            ssid.set("Status", Value::string(ethernet_status(net->operstate)));
            ssid.set("MACAddress", Value::string(net->mac.str()));
        }
        const std::string ssid_path = "Device.WiFi.SSID." + std::to_string(index) + ".";
        paths.ssid_path[w.interface] = ssid_path;
        paths.ap_number[w.interface] = index;
        Object& ap = aps.add(index);
        ap.set("SSIDReference", Value::string(ssid_path));
        Table& assoc = ap.table("AssociatedDevice");
        const std::string table_path =
            "Device.WiFi.AccessPoint." + std::to_string(index) + ".AssociatedDevice.";
        for (const Station& s : data.stations) {
            if (s.interface != w.interface) continue;
            const uint32_t n = ctx.numbers.number(table_path, s.mac.str());
            Object& row = assoc.add(n);
            row.set("MACAddress", Value::string(s.mac.str()));
            row.set("Active", Value::boolean(true));
            if (!s.standard.empty()) row.set("OperatingStandard", Value::string(s.standard));
            if (s.signal_dbm) row.set("SignalStrength", Value::int32(*s.signal_dbm));
            if (s.noise_dbm) row.set("Noise", Value::int32(*s.noise_dbm));
            if (s.signal_dbm && s.noise_dbm) row.set("SNR", Value::int32(*s.signal_dbm - *s.noise_dbm));
            if (s.downlink_kbps) row.set("LastDataDownlinkRate", Value::uint32(*s.downlink_kbps));
            if (s.uplink_kbps) row.set("LastDataUplinkRate", Value::uint32(*s.uplink_kbps));
            if (s.authenticated) row.set("AuthenticationState", Value::boolean(*s.authenticated));
            if (auto t = association_time(ctx.now, s.connected_s))
                row.set("AssociationTime", Value::date_time(*t));
            if (s.tx_bytes || s.rx_bytes || s.tx_packets || s.rx_packets || s.tx_retries || s.tx_failed) {
                Object& stats = row.child("Stats");
                if (s.tx_bytes) stats.set("BytesSent", Value::uint64(*s.tx_bytes));
                if (s.rx_bytes) stats.set("BytesReceived", Value::uint64(*s.rx_bytes));
                if (s.tx_packets) stats.set("PacketsSent", Value::uint64(*s.tx_packets));
                if (s.rx_packets) stats.set("PacketsReceived", Value::uint64(*s.rx_packets));
                if (s.tx_retries) stats.set("RetransCount", Value::uint32(*s.tx_retries));
                if (s.tx_failed) stats.set("FailedRetransCount", Value::uint32(*s.tx_failed));
            }
            paths.station_path[s.mac] = table_path + std::to_string(n) + ".";
            paths.station_ssid[s.mac] = ssid_path;
        }
        ap.set("AssociatedDeviceNumberOfEntries", Value::uint32(static_cast<uint32_t>(assoc.size())));
    }
    wifi.set("RadioNumberOfEntries", Value::uint32(static_cast<uint32_t>(radios.size())));
    wifi.set("SSIDNumberOfEntries", Value::uint32(static_cast<uint32_t>(ssids.size())));
    wifi.set("AccessPointNumberOfEntries", Value::uint32(static_cast<uint32_t>(aps.size())));
    return paths;
}

// The interface stack under the IP interfaces (TR-181 "Interface Stacking"), as far as the device tells it:
//   IP.Interface (LAN bridge) → Ethernet.Link → Bridging.Bridge.1.Port.1 (management port) → Port.{k} (each
//   brif member) → Ethernet.Interface / WiFi.SSID;
//   IP.Interface (an Ethernet WAN port) → Ethernet.Link → Ethernet.Interface;
//   IP.Interface (ppp*) → PPP.Interface.
// A layer the agent cannot read (which link a PPP session runs over, the PON under a WAN VLAN, a bridge
// member it does not model) is not named: LowerLayers lists only the known ones and is left out when none is.
void build_layers(const BoardData& data, BuildContext& ctx, Object& root,
                  const std::map<std::string, uint32_t>& ethernet, const WifiPaths& wifi) {
    auto lower_of_member = [&](const std::string& name) -> std::string {
        if (auto it = ethernet.find(name); it != ethernet.end())
            return "Device.Ethernet.Interface." + std::to_string(it->second) + ".";
        if (auto it = wifi.ssid_path.find(name); it != wifi.ssid_path.end()) return it->second;
        return "";
    };
    std::string bridge_port_path;  // the LAN bridge's management port, under its Ethernet.Link
    if (!ctx.profile.lan_bridge.empty() && data.bridge_ports_known) {
        Object& bridging = root.child("Bridging");
        Table& bridges = bridging.table("Bridge");
        Object& bridge = bridges.add(1);
        bridge.set("Standard", Value::string("802.1D-2004"));
        const NetInterface* br = find_interface(data, ctx.profile.lan_bridge);
        if (br) bridge.set("Status", Value::string(br->operstate == "down" ? "Disabled" : "Enabled"));
        Table& ports = bridge.table("Port");
        const std::string ports_key = "Device.Bridging.Bridge.1.Port.";
        const uint32_t mgmt_n = ctx.numbers.number(ports_key, ctx.profile.lan_bridge);
        std::string members;
        for (const std::string& name : data.bridge_ports) {
            const uint32_t n = ctx.numbers.number(ports_key, name);
            Object& port = ports.add(n);
            port.set("Name", Value::string(name));
            port.set("ManagementPort", Value::boolean(false));
            if (const NetInterface* i = find_interface(data, name))
                port.set("Status", Value::string(ethernet_status(i->operstate)));
            if (std::string lower = lower_of_member(name); !lower.empty())
                port.set("LowerLayers", Value::string(lower));
            members += (members.empty() ? "" : ",") + ports_key + std::to_string(n) + ".";
        }
        Object& mgmt = ports.add(mgmt_n);
        mgmt.set("Name", Value::string(ctx.profile.lan_bridge));
        mgmt.set("ManagementPort", Value::boolean(true));
        if (br) mgmt.set("Status", Value::string(ethernet_status(br->operstate)));
        if (!members.empty()) mgmt.set("LowerLayers", Value::string(members));
        bridge.set("PortNumberOfEntries", Value::uint32(static_cast<uint32_t>(ports.size())));
        bridging.set("BridgeNumberOfEntries", Value::uint32(static_cast<uint32_t>(bridges.size())));
        bridge_port_path = ports_key + std::to_string(mgmt_n) + ".";
    }

    Object& ip = root.child("IP");
    Table& ip_rows = ip.table("Interface");
    Object& eth = root.child("Ethernet");
    Table& links = eth.table("Link");
    Table* ppp_rows = nullptr;
    std::vector<std::pair<uint32_t, std::string>> ip_names;
    for (const auto& [n, row] : ip_rows.instances())
        if (const Value* v = row.param("Name")) ip_names.emplace_back(n, v->as_string());
    for (const auto& [n, name] : ip_names) {
        Object& row = ip_rows.add(n);
        const NetInterface* net = find_interface(data, name);
        if (name.rfind("ppp", 0) == 0) {
            if (!ppp_rows) ppp_rows = &root.child("PPP").table("Interface");
            const uint32_t pn = ctx.numbers.number("Device.PPP.Interface.", name);
            Object& ppp = ppp_rows->add(pn);
            ppp.set("Name", Value::string(name));
            if (net) ppp.set("Status", Value::string(ethernet_status(net->operstate)));
            row.set("LowerLayers", Value::string("Device.PPP.Interface." + std::to_string(pn) + "."));
            continue;
        }
        std::string lower;
        if (name == ctx.profile.lan_bridge)
            lower = bridge_port_path;
        else if (auto it = ethernet.find(name); it != ethernet.end())
            lower = "Device.Ethernet.Interface." + std::to_string(it->second) + ".";
        const uint32_t ln = ctx.numbers.number("Device.Ethernet.Link.", name);
        Object& link = links.add(ln);
        link.set("Name", Value::string(name));
        if (net) {
            link.set("Status", Value::string(ethernet_status(net->operstate)));
            link.set("MACAddress", Value::string(net->mac.str()));
        }
        if (!lower.empty()) link.set("LowerLayers", Value::string(lower));
        row.set("LowerLayers", Value::string("Device.Ethernet.Link." + std::to_string(ln) + "."));
    }
    if (links.size()) eth.set("LinkNumberOfEntries", Value::uint32(static_cast<uint32_t>(links.size())));
    if (ppp_rows)
        root.child("PPP").set("InterfaceNumberOfEntries",
                              Value::uint32(static_cast<uint32_t>(ppp_rows->size())));
}

struct MeshStationRef {
    const MeshStation* station;
    std::string path;  // its MultiAP AssociatedDevice path
};

std::map<MacAddress, MeshStationRef> build_mesh(const BoardData& data, BuildContext& ctx, Object& root) {
    std::map<MacAddress, MeshStationRef> refs;
    if (data.mesh.empty()) return refs;
    Object& wifi = root.child("WiFi");
    Object& multiap = wifi.child("MultiAP");
    Table& devices = multiap.table("APDevice");
    Object& network = wifi.child("DataElements").child("Network");
    Table& de_devices = network.table("Device");
    for (const MeshNode& node : data.mesh) {
        const std::string key = node.id.str();
        const uint32_t dn = ctx.numbers.number("Device.WiFi.MultiAP.APDevice.", key);
        const uint32_t de_n = ctx.numbers.number("Device.WiFi.DataElements.Network.Device.", key);
        if (node.role == "controller") network.set("ControllerID", Value::string(key));
        Object& dev = devices.add(dn);
        Object& de = de_devices.add(de_n);
        dev.set("MACAddress", Value::string(key));
        de.set("ID", Value::string(key));
        // This device's own node: its identity is what the device reported. A satellite's manufacturer is not
        // in the mesh source; its model is (DataElements ManufacturerModel), never a copy of the gateway's.
        if (node.role == "controller" && !data.identity.manufacturer.empty())
            dev.set("Manufacturer", Value::string(data.identity.manufacturer));
        if (!node.model.empty()) de.set("ManufacturerModel", Value::string(node.model));
        if (!node.serial.empty()) {
            dev.set("SerialNumber", Value::string(node.serial));
            de.set("SerialNumber", Value::string(node.serial));
        }
        if (!node.software_version.empty()) {
            dev.set("SoftwareVersion", Value::string(node.software_version));
            de.set("SoftwareVersion", Value::string(node.software_version));
        }
        if (!node.name.empty() && !ctx.vendor_prefix.empty())
            dev.set(ctx.vendor_prefix + "Name", Value::string(node.name));
        if (!node.role.empty() && !ctx.vendor_prefix.empty())
            dev.set(ctx.vendor_prefix + "Role", Value::string(node.role));
        Object& backhaul = de.child("MultiAPDevice").child("Backhaul");
        if (!node.backhaul.empty()) {
            const std::string type = node.backhaul == "wifi"       ? "Wi-Fi"
                                     : node.backhaul == "ethernet" ? "Ethernet"
                                                                   : node.backhaul;
            dev.set("BackhaulLinkType", Value::string(type));
            backhaul.set("LinkType", Value::string(type));
        }
        if (node.backhaul_parent) {
            dev.set("BackhaulMACAddress", Value::string(node.backhaul_parent->str()));
            backhaul.set("BackhaulMACAddress", Value::string(node.backhaul_parent->str()));
        }
        if (node.backhaul_rcpi) {
            dev.set("BackhaulSignalStrength", Value::uint32(static_cast<uint32_t>(*node.backhaul_rcpi)));
            backhaul.child("Stats").set("SignalStrength",
                                        Value::uint32(static_cast<uint32_t>(*node.backhaul_rcpi)));
        }
        if (node.backhaul_rate_kbps) {
            if (!ctx.vendor_prefix.empty())
                dev.set(ctx.vendor_prefix + "BackhaulLinkRate", Value::uint32(*node.backhaul_rate_kbps));
            backhaul.child("Stats").set("LastDataDownlinkRate", Value::uint32(*node.backhaul_rate_kbps));
        }
        const std::string dev_path = "Device.WiFi.MultiAP.APDevice." + std::to_string(dn) + ".";
        const std::string de_path = "Device.WiFi.DataElements.Network.Device." + std::to_string(de_n) + ".";
        Table& radios = dev.table("Radio");
        Table& de_radios = de.table("Radio");
        for (const MeshRadio& radio : node.radios) {
            const uint32_t rn = ctx.numbers.number(dev_path + "Radio.", radio.id.str());
            const uint32_t de_rn = ctx.numbers.number(de_path + "Radio.", radio.id.str());
            Object& r = radios.add(rn);
            Object& dr = de_radios.add(de_rn);
            r.set("MACAddress", Value::string(radio.id.str()));
            dr.set("ID", *Value::parse(tr181::Type::base64, mac_base64(radio.id)));
            if (!radio.band.empty()) r.set("OperatingFrequencyBand", Value::string(radio.band));
            if (radio.channel && *radio.channel >= 0)
                r.set("Channel", Value::uint32(static_cast<uint32_t>(*radio.channel)));
            const std::string radio_path = dev_path + "Radio." + std::to_string(rn) + ".";
            const std::string de_radio_path = de_path + "Radio." + std::to_string(de_rn) + ".";
            Table& bss_table = r.table("AP");
            Table& de_bss_table = dr.table("BSS");
            for (const MeshBss& bss : radio.bss) {
                const uint32_t bn = ctx.numbers.number(radio_path + "AP.", bss.bssid.str());
                const uint32_t de_bn = ctx.numbers.number(de_radio_path + "BSS.", bss.bssid.str());
                Object& ap = bss_table.add(bn);
                Object& dbss = de_bss_table.add(de_bn);
                ap.set("BSSID", Value::string(bss.bssid.str()));
                ap.set("SSID", Value::string(bss.ssid));
                dbss.set("BSSID", Value::string(bss.bssid.str()));
                dbss.set("SSID", Value::string(bss.ssid));
                const std::string assoc_path = radio_path + "AP." + std::to_string(bn) + ".AssociatedDevice.";
                const std::string sta_path = de_radio_path + "BSS." + std::to_string(de_bn) + ".STA.";
                Table& assoc = ap.table("AssociatedDevice");
                Table& stas = dbss.table("STA");
                for (const MeshStation& s : bss.stations) {
                    const uint32_t sn = ctx.numbers.number(assoc_path, s.mac.str());
                    const uint32_t de_sn = ctx.numbers.number(sta_path, s.mac.str());
                    Object& a = assoc.add(sn);
                    Object& st = stas.add(de_sn);
                    a.set("MACAddress", Value::string(s.mac.str()));
                    a.set("Active", Value::boolean(true));
                    st.set("MACAddress", Value::string(s.mac.str()));
                    if (auto t = association_time(ctx.now, s.association_s))
                        a.set("AssociationTime", Value::date_time(*t));
                    if (s.association_s) st.set("LastConnectTime", Value::uint32(*s.association_s));
                    if (s.downlink_kbps) {
                        a.set("LastDataDownlinkRate", Value::uint32(*s.downlink_kbps));
                        st.set("LastDataDownlinkRate", Value::uint32(*s.downlink_kbps));
                        st.set("EstMACDataRateDownlink", Value::uint32(*s.downlink_kbps / 1000));
                    }
                    if (s.uplink_kbps) {
                        a.set("LastDataUplinkRate", Value::uint32(*s.uplink_kbps));
                        st.set("LastDataUplinkRate", Value::uint32(*s.uplink_kbps));
                    }
                    if (s.rcpi) {
                        a.set("SignalStrength", Value::uint32(static_cast<uint32_t>(*s.rcpi)));
                        st.set("SignalStrength", Value::uint32(static_cast<uint32_t>(*s.rcpi)));
                    }
                    if (!s.standard.empty()) a.set("OperatingStandard", Value::string(s.standard));
                    if (!s.hostname.empty()) {
                        if (!ctx.vendor_prefix.empty())
                            a.set(ctx.vendor_prefix + "HostName", Value::string(s.hostname));
                        st.set("Hostname", Value::string(s.hostname));
                    }
                    if (!s.ipv4.empty()) {
                        if (!ctx.vendor_prefix.empty())
                            a.set(ctx.vendor_prefix + "IPAddress", Value::string(s.ipv4));
                        st.set("IPV4Address", Value::string(s.ipv4));
                    }
                    if (s.tx_bytes) {
                        a.child("Stats").set("BytesSent", Value::uint64(*s.tx_bytes));
                        st.set("BytesSent", Value::uint64(*s.tx_bytes));
                    }
                    if (s.rx_bytes) {
                        a.child("Stats").set("BytesReceived", Value::uint64(*s.rx_bytes));
                        st.set("BytesReceived", Value::uint64(*s.rx_bytes));
                    }
                    refs[s.mac] = {&s, assoc_path + std::to_string(sn) + "."};
                }
                ap.set("AssociatedDeviceNumberOfEntries", Value::uint32(static_cast<uint32_t>(assoc.size())));
                dbss.set("STANumberOfEntries", Value::uint32(static_cast<uint32_t>(stas.size())));
            }
            r.set("APNumberOfEntries", Value::uint32(static_cast<uint32_t>(bss_table.size())));
            dr.set("BSSNumberOfEntries", Value::uint32(static_cast<uint32_t>(de_bss_table.size())));
        }
        dev.set("RadioNumberOfEntries", Value::uint32(static_cast<uint32_t>(radios.size())));
        de.set("RadioNumberOfEntries", Value::uint32(static_cast<uint32_t>(de_radios.size())));
    }
    multiap.set("APDeviceNumberOfEntries", Value::uint32(static_cast<uint32_t>(devices.size())));
    network.set("DeviceNumberOfEntries", Value::uint32(static_cast<uint32_t>(de_devices.size())));
    return refs;
}

// The MACs present on the LAN now: a complete ARP entry on the LAN bridge, a station of one of this device's
// radios or a station of a mesh node.
std::set<MacAddress> present_on_lan(const BoardData& data, const BuildContext& ctx,
                                    const std::map<MacAddress, MeshStationRef>& mesh) {
    std::set<MacAddress> present;
    const std::string& lan = ctx.profile.lan_bridge;
    for (const Neighbour& n : data.neighbours)
        if ((lan.empty() || n.device == lan) && n.complete && !n.mac.is_zero() && !n.mac.is_multicast())
            present.insert(n.mac);
    for (const Station& s : data.stations) present.insert(s.mac);
    for (const auto& [mac, ref] : mesh) present.insert(mac);
    return present;
}

// Device.DHCPv4.Server.Pool.1 on the LAN bridge; returns client paths by MAC. A Client row is a lease the
// server holds; its Active is TR-181's "present on the LAN", not "the lease has not run out".
std::map<MacAddress, std::string> build_dhcp(const BoardData& data, BuildContext& ctx, Object& root,
                                             const std::set<MacAddress>& present) {
    std::map<MacAddress, std::string> clients;
    if (data.leases.empty()) return clients;
    Object& server = root.child("DHCPv4").child("Server");
    Table& pools = server.table("Pool");
    Object& pool = pools.add(1);
    pool.set("Interface", Value::string(ctx.profile.lan_bridge.empty() ? "" : "Device.IP.Interface.1."));
    if (const auto& cfg = data.dhcp_pool) {  // the server's configuration (dhcp_config), when read
        pool.set("MinAddress", Value::string(cfg->min_address));
        pool.set("MaxAddress", Value::string(cfg->max_address));
        if (!cfg->subnet_mask.empty()) pool.set("SubnetMask", Value::string(cfg->subnet_mask));
        if (cfg->lease_time_s)
            pool.set("LeaseTime",
                     Value::int32(*cfg->lease_time_s > INT32_MAX ? INT32_MAX
                                                                 : static_cast<int32_t>(*cfg->lease_time_s)));
    }
    Table& table = pool.table("Client");
    const std::string table_path = "Device.DHCPv4.Server.Pool.1.Client.";
    for (const Lease& lease : data.leases) {
        const uint32_t n = ctx.numbers.number(table_path, lease.mac.str());
        Object& client = table.add(n);
        client.set("Chaddr", Value::string(lease.mac.str()));
        client.set("Active", Value::boolean(present.count(lease.mac) != 0));
        Object& addr = client.table("IPv4Address").add(1);
        addr.set("IPAddress", Value::string(lease.ip));
        addr.set("LeaseTimeRemaining",
                 Value::date_time(lease.expires_epoch == 0 ? tr181::kInfiniteTime : lease.expires_epoch));
        client.set("IPv4AddressNumberOfEntries", Value::uint32(1));
        clients[lease.mac] = table_path + std::to_string(n) + ".";
    }
    pool.set("ClientNumberOfEntries", Value::uint32(static_cast<uint32_t>(table.size())));
    server.set("PoolNumberOfEntries", Value::uint32(1));
    return clients;
}

void build_hosts(const BoardData& data, BuildContext& ctx, Object& root, const WifiPaths& wifi,
                 const std::map<MacAddress, MeshStationRef>& mesh,
                 const std::map<MacAddress, std::string>& dhcp, uint32_t lan_ip_number,
                 const std::map<std::string, uint32_t>& ethernet) {
    struct HostFacts {
        const Lease* lease = nullptr;
        const Neighbour* neighbour = nullptr;
        bool station = false;
        const MeshStationRef* mesh = nullptr;
    };
    std::map<MacAddress, HostFacts>
        hosts;  // ordered by MAC: new instance numbers are assigned deterministically
    for (const Lease& l : data.leases) hosts[l.mac].lease = &l;
    const std::string& lan = ctx.profile.lan_bridge;
    for (const Neighbour& n : data.neighbours) {
        // Neighbours on the WAN side (the OLT's gateway) are not LAN hosts.
        if (!lan.empty() && n.device != lan) continue;
        if (n.complete && !n.mac.is_zero() && !n.mac.is_multicast()) hosts[n.mac].neighbour = &n;
    }
    for (const Station& s : data.stations) hosts[s.mac].station = true;
    for (const auto& [mac, ref] : mesh) hosts[mac].mesh = &ref;
    std::map<MacAddress, const FdbEntry*> fdb;
    for (const FdbEntry& e : data.fdb) fdb[e.mac] = &e;
    std::set<std::string> wifi_ports;  // every Wi-Fi interface of the profile
    for (const WifiInterface& w : ctx.profile.wifi) wifi_ports.insert(w.interface);

    Object& obj = root.child("Hosts");
    Table& table = obj.table("Host");
    for (const auto& [mac, facts] : hosts) {
        const bool lease_current =
            facts.lease && (facts.lease->expires_epoch == 0 || facts.lease->expires_epoch > ctx.now);
        // A lease that ran out, for a device seen nowhere else, is history, not a host.
        if (facts.lease && !lease_current && !facts.neighbour && !facts.station && !facts.mesh) continue;
        const uint32_t n = ctx.numbers.number("Device.Hosts.Host.", mac.str());
        Object& host = table.add(n);
        host.set("PhysAddress", Value::string(mac.str()));
        std::string ip;
        if (facts.lease)
            ip = facts.lease->ip;
        else if (facts.neighbour)
            ip = facts.neighbour->ip;
        else if (facts.mesh)
            ip = facts.mesh->station->ipv4;
        host.set("IPAddress", Value::string(ip));
        std::string name = facts.lease ? facts.lease->hostname : "";
        if (name.empty() && facts.mesh) name = facts.mesh->station->hostname;
        host.set("HostName", Value::string(name));
        const bool wireless = facts.station || facts.mesh;
        host.set("Active", Value::boolean(facts.neighbour || wireless));
        // How the host is attached, from what the device knows: a station list says Wi-Fi; else the bridge's
        // forwarding database names the port (a LAN port: Ethernet; one of the radios: Wi-Fi; anything else,
        // such as a mesh backhaul: unknown). Unknown leaves InterfaceType out ("unknown" is not one of its
        // values) and Layer1Interface empty.
        std::string type, layer1, assoc;
        if (auto it = wifi.station_path.find(mac); it != wifi.station_path.end()) {
            assoc = it->second;
            layer1 = wifi.station_ssid.at(mac);
            type = "Wi-Fi";
        } else if (facts.mesh) {
            assoc = facts.mesh->path;  // attached to a satellite: its MultiAP row says which one
            type = "Wi-Fi";
        } else if (auto f = fdb.find(mac); f != fdb.end()) {
            const std::string& port = f->second->port;
            if (auto eth = ethernet.find(port); eth != ethernet.end()) {
                type = "Ethernet";
                layer1 = "Device.Ethernet.Interface." + std::to_string(eth->second) + ".";
            } else if (wifi_ports.count(port)) {
                type = "Wi-Fi";
                if (auto ssid = wifi.ssid_path.find(port); ssid != wifi.ssid_path.end())
                    layer1 = ssid->second;
            }
        }
        if (!type.empty()) host.set("InterfaceType", Value::string(type));
        host.set("Layer1Interface", Value::string(layer1));
        host.set(
            "Layer3Interface",
            Value::string(lan_ip_number ? "Device.IP.Interface." + std::to_string(lan_ip_number) + "." : ""));
        host.set("AssociatedDevice", Value::string(assoc));
        auto client = dhcp.find(mac);
        host.set("DHCPClient", Value::string(client == dhcp.end() ? "" : client->second));
        if (!ip.empty()) host.table("IPv4Address").add(1).set("IPAddress", Value::string(ip));
        host.set("IPv4AddressNumberOfEntries", Value::uint32(ip.empty() ? 0 : 1));
    }
    obj.set("HostNumberOfEntries", Value::uint32(static_cast<uint32_t>(table.size())));
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
