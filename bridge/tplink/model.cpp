#include "model.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/units.hpp"

namespace cpe::tplink {

namespace {

std::string field(const ActItem& it, std::string_view key) {
    const std::string* v = it.get(key);
    return v ? *v : std::string();
}

bool truthy(const std::string& v) {
    return v == "1" || v == "true" || v == "True" || v == "on";
}

std::optional<int64_t> to_int(const std::string& v) {
    if (v.empty() || v.size() > 18) return std::nullopt;
    char* end = nullptr;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0') return std::nullopt;
    return x;
}

std::optional<double> to_double(const std::string& v) {
    if (v.empty() || v.size() > 32) return std::nullopt;
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !std::isfinite(x)) return std::nullopt;
    return x;
}

}  // namespace

Band band_from_conn_type(std::string_view t) {
    if (t == "0") return {"wired", false};
    if (t == "1") return {"2.4G", false};
    if (t == "2") return {"2.4G", true};
    if (t == "3") return {"5G", false};
    if (t == "4") return {"5G", true};
    return {"unknown", false};
}

void apply_dev_info(Snapshot& s, const ActReply& r) {
    if (r.items.empty()) return;
    const auto& it = r.items.front();
    s.model = field(it, "modelName");
    s.hardware_version = field(it, "hardwareVersion");
    s.software_version = field(it, "softwareVersion");
}

namespace {

bool has_ipv4(const std::string& ip) {
    return !ip.empty() && ip != "0.0.0.0";
}

bool says_up(const ActItem& it) {
    // The status field's name in the web-UI object is not confirmed (assumption: one of these, TR-181 words).
    for (const char* key : {"status", "connStatus", "connectionStatus"}) {
        std::string v = field(it, key);
        if (v == "Up" || v == "Connected" || v == "up" || v == "connected") return true;
    }
    return false;
}

}  // namespace

const ActItem* pick_wan(const ActReply& r) {
    // The live connection among the instances: enabled and up; else enabled with an address; else enabled;
    // else the first. The real XX230v dump has four WAN IP interfaces, all enabled, the live one (ppp0,
    // IP interface 6) last.
    const ActItem* best = nullptr;
    int best_rank = -1;
    for (const auto& it : r.items) {
        bool enabled = !it.get("enable") || truthy(field(it, "enable"));
        bool up = says_up(it), addressed = has_ipv4(field(it, "connIPv4Address"));
        int rank = !enabled ? 0 : up && addressed ? 4 : up ? 3 : addressed ? 2 : 1;
        if (rank > best_rank) {
            best = &it;
            best_rank = rank;
        }
    }
    return best;
}

void apply_wan(Snapshot& s, const ActReply& r) {
    const ActItem* picked = pick_wan(r);
    if (picked == nullptr) return;
    const auto& it = *picked;
    s.wan.enabled = truthy(field(it, "enable"));
    s.wan.name = field(it, "name");
    s.wan.mac = field(it, "MACAddr");
    s.wan.ipv4 = field(it, "connIPv4Address");
    s.wan.gateway = field(it, "connIPv4Gateway");
    s.wan.netmask = field(it, "connIPv4SubnetMask");
    s.wan.dns = field(it, "connIPv4DnsServer");
}

void apply_lan(Snapshot& s, const ActReply& r) {
    if (r.items.empty()) return;
    // The first instance with an address (the bridge br0 on the XX230v); the first one otherwise.
    const ActItem* picked = &r.items.front();
    for (const auto& it : r.items)
        if (has_ipv4(field(it, "IPAddress"))) {
            picked = &it;
            break;
        }
    const auto& it = *picked;
    s.lan.mac = field(it, "MACAddress");
    s.lan.ipv4 = field(it, "IPAddress");
    s.lan.netmask = field(it, "IPSubnetMask");
    s.lan.dhcp_server = truthy(field(it, "DHCPv4Enable"));
}

void apply_wifi(Snapshot& s, const ActReply& r) {
    s.wifi.clear();
    for (size_t i = 0; i < r.items.size(); ++i) {
        const auto& it = r.items[i];
        Snapshot::Radio radio;
        // Each list item carries its own stack: "1,…" = 2.4 GHz, "2,…" = 5 GHz; else by position.
        std::string stack = field(it, "stack");
        char first = stack.empty() ? static_cast<char>('1' + i) : stack[0];
        radio.band = first == '1' ? "2.4G" : first == '2' ? "5G" : "unknown";
        radio.enabled = truthy(field(it, "primaryEnable"));
        radio.guest_enabled = truthy(field(it, "guestEnable"));
        s.wifi.push_back(radio);
    }
}

void apply_hosts(Snapshot& s, const ActReply& r) {
    s.hosts.clear();
    for (const auto& it : r.items) {
        Host h;
        h.name = field(it, "hostName");
        h.ip = field(it, "IPAddress");
        if (auto mac = MacAddress::parse(field(it, "physAddress")); mac) h.mac = *mac;
        h.band = band_from_conn_type(field(it, "X_TP_LanConnType"));
        h.active = truthy(field(it, "active"));
        if (auto lease = to_int(field(it, "leaseTimeRemaining")); lease && *lease >= 0) h.lease_s = *lease;
        h.interface_type = field(it, "interfaceType");
        s.hosts.push_back(std::move(h));
    }
}

void apply_optical(Snapshot& s, const ActReply& r) {
    if (r.items.empty()) return;
    const auto& it = r.items.front();
    s.optical.rx_raw = field(it, "RXPower");
    s.optical.tx_raw = field(it, "TXPower");
    if (auto v = to_double(s.optical.rx_raw)) s.optical.rx_dbm = units::tenth_microwatt_to_dbm(*v);
    if (auto v = to_double(s.optical.tx_raw)) s.optical.tx_dbm = units::tenth_microwatt_to_dbm(*v);
}

void apply_mem(Snapshot& s, const ActReply& r) {
    if (r.items.empty()) return;
    s.mem_total_kib = to_int(field(r.items.front(), "total"));
    s.mem_free_kib = to_int(field(r.items.front(), "free"));
}

void apply_proc(Snapshot& s, const ActReply& r) {
    if (r.items.empty()) return;
    s.cpu_percent = to_int(field(r.items.front(), "CPUUsage"));
}

namespace {

std::string canonical_mac(const std::string& text) {
    auto mac = MacAddress::parse(text);
    return mac ? mac->str() : std::string();
}

}  // namespace

void apply_mesh_nodes(Snapshot& s, const ActReply& r) {
    s.mesh.clear();
    s.mesh_supported = true;
    for (const auto& it : r.items) {
        MeshNode n;
        n.mac = canonical_mac(field(it, "MACAddress"));
        if (n.mac.empty()) continue;  // a node without a usable MAC cannot carry clients or children
        n.name = field(it, "X_TP_HostName");
        n.model = field(it, "X_TP_ModelName");
        n.firmware = field(it, "softwareVersion");
        n.ip = field(it, "X_TP_IPAddress");
        n.active = truthy(field(it, "X_TP_Active"));
        n.role = truthy(field(it, "X_TP_IsController")) ? "controller" : "satellite";
        std::string link =
            field(it, "backhaulLinkType");  // TR-181 BackhaulLinkType: Wi-Fi, Ethernet, …, None
        if (n.role == "controller" || link.empty() || link == "None")
            n.backhaul = "";
        else if (link == "Ethernet")
            n.backhaul = "wired";
        else if (link == "Wi-Fi")
            n.backhaul = "wifi";
        else
            n.backhaul = link;
        if (n.role != "controller") n.parent_mac = canonical_mac(field(it, "backhaulMACAddress"));
        if (!n.backhaul.empty()) {
            n.signal = to_int(field(it, "backhaulSignalStrength"));
            n.link_rate = to_int(field(it, "X_TP_LinkRate"));
        }
        s.mesh.push_back(std::move(n));
    }
}

void apply_mesh_clients(Snapshot& s, const ActReply& r) {
    for (const auto& it : r.items) {
        std::string node = canonical_mac(field(it, "X_TP_ApDeviceMac"));
        std::string mac = canonical_mac(field(it, "MACAddress"));
        if (node.empty() || mac.empty() || (it.get("active") && !truthy(field(it, "active")))) continue;
        for (auto& n : s.mesh) {
            if (n.mac != node) continue;
            MeshNode::Client c;
            c.mac = mac;
            c.name = field(it, "X_TP_HostName");
            c.signal = to_int(field(it, "signalStrength"));
            c.downlink_kbps = to_int(field(it, "lastDataDownlinkRate"));
            n.clients.push_back(std::move(c));
        }
        for (auto& h : s.hosts)
            if (h.mac && h.mac->str() == mac) h.node_mac = node;
    }
}

std::vector<std::pair<std::string, std::string>> to_tr181(const Snapshot& s) {
    std::vector<std::pair<std::string, std::string>> out;
    auto put = [&](std::string name, std::string value) {
        out.emplace_back(std::move(name), std::move(value));
    };
    put("Device.DeviceInfo.Manufacturer", "TP-Link");
    put("Device.DeviceInfo.ModelName", s.model);
    put("Device.DeviceInfo.HardwareVersion", s.hardware_version);
    put("Device.DeviceInfo.SoftwareVersion", s.software_version);
    if (s.mem_total_kib) put("Device.DeviceInfo.MemoryStatus.Total", std::to_string(*s.mem_total_kib));
    if (s.mem_free_kib) put("Device.DeviceInfo.MemoryStatus.Free", std::to_string(*s.mem_free_kib));
    if (s.cpu_percent) put("Device.DeviceInfo.ProcessStatus.CPUUsage", std::to_string(*s.cpu_percent));
    // Optical levels: TR-181 Dbm1000 (thousandths of a dBm); no light leaves the parameter out.
    if (s.optical.rx_dbm)
        put("Device.Optical.Interface.1.OpticalSignalLevel",
            std::to_string(units::dbm_to_dbm1000(*s.optical.rx_dbm)));
    if (s.optical.tx_dbm)
        put("Device.Optical.Interface.1.TransmitOpticalLevel",
            std::to_string(units::dbm_to_dbm1000(*s.optical.tx_dbm)));
    put("Device.Hosts.HostNumberOfEntries", std::to_string(s.hosts.size()));
    for (size_t i = 0; i < s.hosts.size(); ++i) {
        const Host& h = s.hosts[i];
        std::string p = "Device.Hosts.Host." + std::to_string(i + 1) + ".";
        put(p + "PhysAddress", h.mac ? h.mac->str() : "");
        put(p + "IPAddress", h.ip);
        put(p + "HostName", h.name);
        put(p + "Active", h.active ? "true" : "false");
        put(p + "InterfaceType", h.band.name == "wired"     ? "Ethernet"
                                 : h.band.name == "unknown" ? "Other"
                                                            : "Wi-Fi");
    }
    return out;
}

json::Ptr to_json(const Snapshot& s) {
    auto root = json::make_object();
    auto dev = json::make_object();
    json::add_string(dev.get(), "model", s.model);
    json::add_string(dev.get(), "hardwareVersion", s.hardware_version);
    json::add_string(dev.get(), "softwareVersion", s.software_version);
    json::add(root.get(), "device", std::move(dev));

    auto wan = json::make_object();
    json::add_bool(wan.get(), "enabled", s.wan.enabled);
    json::add_string(wan.get(), "name", s.wan.name);
    json::add_string(wan.get(), "mac", s.wan.mac);
    json::add_string(wan.get(), "ipv4", s.wan.ipv4);
    json::add_string(wan.get(), "gateway", s.wan.gateway);
    json::add_string(wan.get(), "netmask", s.wan.netmask);
    json::add_string(wan.get(), "dns", s.wan.dns);
    json::add(root.get(), "wan", std::move(wan));

    auto lan = json::make_object();
    json::add_string(lan.get(), "mac", s.lan.mac);
    json::add_string(lan.get(), "ipv4", s.lan.ipv4);
    json::add_string(lan.get(), "netmask", s.lan.netmask);
    json::add_bool(lan.get(), "dhcpServer", s.lan.dhcp_server);
    json::add(root.get(), "lan", std::move(lan));

    auto wifi = json::make_array();
    for (const auto& r : s.wifi) {
        auto o = json::make_object();
        json::add_string(o.get(), "band", r.band);
        json::add_bool(o.get(), "enabled", r.enabled);
        json::add_bool(o.get(), "guestEnabled", r.guest_enabled);
        json::append(wifi.get(), std::move(o));
    }
    json::add(root.get(), "wifi", std::move(wifi));

    auto opt = json::make_object();
    if (s.optical.rx_dbm) json::add_number(opt.get(), "rxDbm", std::round(*s.optical.rx_dbm * 100) / 100);
    if (s.optical.tx_dbm) json::add_number(opt.get(), "txDbm", std::round(*s.optical.tx_dbm * 100) / 100);
    json::add_string(opt.get(), "rxRaw", s.optical.rx_raw);
    json::add_string(opt.get(), "txRaw", s.optical.tx_raw);
    json::add(root.get(), "optical", std::move(opt));

    auto hosts = json::make_object();
    json::add_number(hosts.get(), "total", static_cast<double>(s.hosts.size()));
    auto list = json::make_array();
    for (const auto& h : s.hosts) {
        auto o = json::make_object();
        json::add_string(o.get(), "name", h.name);
        json::add_string(o.get(), "ip", h.ip);
        json::add_string(o.get(), "mac", h.mac ? h.mac->str() : "");
        json::add_string(o.get(), "band", h.band.name);
        json::add_bool(o.get(), "guest", h.band.guest);
        json::add_bool(o.get(), "active", h.active);
        if (h.lease_s) json::add_number(o.get(), "lease", static_cast<double>(*h.lease_s));
        if (!h.node_mac.empty()) json::add_string(o.get(), "node", h.node_mac);
        json::append(list.get(), std::move(o));
    }
    json::add(hosts.get(), "hosts", std::move(list));
    if (!s.mesh.empty()) {
        // The mesh nodes a host's "node" names, so the hosts answer alone can be grouped by node.
        auto nodes = json::make_array();
        for (const auto& n : s.mesh) {
            auto o = json::make_object();
            json::add_string(o.get(), "mac", n.mac);
            json::add_string(o.get(), "name", n.name);
            json::add_string(o.get(), "role", n.role);
            json::append(nodes.get(), std::move(o));
        }
        json::add(hosts.get(), "nodes", std::move(nodes));
    }
    json::add(root.get(), "hosts", std::move(hosts));

    auto mesh = json::make_object();
    json::add_bool(mesh.get(), "supported", s.mesh_supported);
    auto nodes = json::make_array();
    for (const auto& n : s.mesh) {
        auto o = json::make_object();
        json::add_string(o.get(), "name", n.name);
        json::add_string(o.get(), "mac", n.mac);
        json::add_string(o.get(), "role", n.role);
        json::add_string(o.get(), "model", n.model);
        json::add_string(o.get(), "firmware", n.firmware);
        json::add_string(o.get(), "ip", n.ip);
        json::add_bool(o.get(), "active", n.active);
        if (!n.backhaul.empty()) {
            auto b = json::make_object();
            json::add_string(b.get(), "type", n.backhaul);
            if (n.signal) json::add_number(b.get(), "signal", static_cast<double>(*n.signal));
            if (n.link_rate) json::add_number(b.get(), "linkRate", static_cast<double>(*n.link_rate));
            json::add(o.get(), "backhaul", std::move(b));
        }
        if (!n.parent_mac.empty()) json::add_string(o.get(), "parent", n.parent_mac);
        auto clients = json::make_array();
        for (const auto& c : n.clients) {
            auto co = json::make_object();
            json::add_string(co.get(), "mac", c.mac);
            json::add_string(co.get(), "name", c.name);
            if (c.signal) json::add_number(co.get(), "signal", static_cast<double>(*c.signal));
            if (c.downlink_kbps)
                json::add_number(co.get(), "downlinkKbps", static_cast<double>(*c.downlink_kbps));
            json::append(clients.get(), std::move(co));
        }
        json::add(o.get(), "clients", std::move(clients));
        json::append(nodes.get(), std::move(o));
    }
    json::add(mesh.get(), "nodes", std::move(nodes));
    json::add(root.get(), "mesh", std::move(mesh));

    if (s.mem_total_kib || s.mem_free_kib) {
        auto mem = json::make_object();
        if (s.mem_total_kib) json::add_number(mem.get(), "totalKiB", static_cast<double>(*s.mem_total_kib));
        if (s.mem_free_kib) json::add_number(mem.get(), "freeKiB", static_cast<double>(*s.mem_free_kib));
        json::add(root.get(), "memory", std::move(mem));
    }
    if (s.cpu_percent) json::add_number(root.get(), "cpuPercent", static_cast<double>(*s.cpu_percent));
    json::add_string(root.get(), "variant", s.variant);
    json::add_bool(root.get(), "sessionTakenOver", s.session_taken_over);
    return root;
}

}  // namespace cpe::tplink
