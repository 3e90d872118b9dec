// TR-181 builder, LAN clients: presence on the LAN, the DHCPv4 server pool and its clients, Device.Hosts.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "model/builder_internal.hpp"

namespace cpe::agent::builder_detail {

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

}  // namespace cpe::agent::builder_detail
