// TR-181 builder, interface stack: Ethernet.Link, Bridging and PPP rows and the LowerLayers of the IP
// interfaces.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "model/builder_internal.hpp"

namespace cpe::agent::builder_detail {

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

}  // namespace cpe::agent::builder_detail
