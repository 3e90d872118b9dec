#include "diag/hosts.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "diag/vendor.hpp"
#include "json/json.hpp"

namespace cpe::hub::diag {

std::string normalize_mac(const std::string& text) {
    std::string hex;
    for (char c : text) {
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        else if (c != ':' && c != '-' && c != '.')
            return "";
        if (hex.size() > 12) return "";
    }
    if (hex.size() != 12) return "";
    std::string out;
    for (size_t i = 0; i < 12; i += 2) {
        if (i) out += ':';
        out += hex.substr(i, 2);
    }
    return out;
}

std::optional<int> rcpi_to_dbm(long long rcpi) {
    if (rcpi < 0 || rcpi > 220) return std::nullopt;
    return static_cast<int>(std::lround(static_cast<double>(rcpi) / 2.0 - 110.0));
}

std::string band_name(const std::string& b) {
    if (b.find("2.4") != std::string::npos) return "2.4GHz";
    if (b.rfind("5", 0) == 0) return "5GHz";
    if (b.rfind("6", 0) == 0) return "6GHz";
    return "";
}

std::optional<int64_t> parse_iso8601_ms(const std::string& text) {
    int y, mo, d, h, mi, s;
    char z = 0;
    if (text.size() < 20 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
        return std::nullopt;
    z = text.back();
    if (z != 'Z') return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970 || y > 9999)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    int64_t ms = 0;
    size_t dot = text.find('.', 19);
    if (dot == 19) {
        int frac = 0, digits = 0;
        for (size_t i = 20;
             i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 3;
             ++i, ++digits)
            frac = frac * 10 + (text[i] - '0');
        while (digits++ < 3) frac *= 10;
        ms = frac;
    }
    return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

namespace {
struct Station {
    std::string node_name, node_mac, band, hostname, ip;
    std::optional<int> signal;
    std::optional<double> rate;
};

std::optional<long long> to_int(const Params& p, const std::string& key) {
    auto it = p.find(key);
    if (it == p.end() || it->second.empty() || it->second.size() > 20) return std::nullopt;
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (!end || *end) return std::nullopt;
    return v;
}

std::string str(const Params& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? "" : it->second;
}

std::optional<int64_t> lease_seconds(const std::string& v, int64_t now_ms) {
    if (v.empty()) return std::nullopt;
    if (v.find_first_not_of("-0123456789") == std::string::npos && v.size() < 12) {
        long long n = std::strtoll(v.c_str(), nullptr, 10);
        return n < 0 ? std::nullopt : std::optional<int64_t>(n);
    }
    if (v.rfind("0001-01-01", 0) == 0) return std::nullopt;  // TR-181 "unknown" dateTime
    if (v.rfind("9999-12-31", 0) == 0) return std::nullopt;  // infinite lease
    auto t = parse_iso8601_ms(v);
    if (!t) return std::nullopt;
    return std::max<int64_t>(0, (*t - now_ms) / 1000);
}
}  // namespace

HostsView hosts_view(const Params& params, int64_t now_ms) {
    HostsView view;
    std::map<std::string, Station> stations;  // by client MAC
    std::vector<NodeEntry> nodes;

    // Mesh nodes and who is on them.
    for (const auto& [i, dev] : instances(params, "Device.WiFi.MultiAP.APDevice.")) {
        NodeEntry node;
        node.mac = normalize_mac(str(dev, "MACAddress"));
        node.name = str(dev, vendor_param("Name"));
        if (node.name.empty()) node.name = node.mac.empty() ? "node " + std::to_string(i) : node.mac;
        node.role = str(dev, vendor_param("Role"));
        std::string prefix = "Device.WiFi.MultiAP.APDevice." + std::to_string(i) + ".Radio.";
        for (const auto& [r, radio] : instances(params, prefix)) {
            std::string band = band_name(str(radio, "OperatingFrequencyBand"));
            std::string ap_prefix = prefix + std::to_string(r) + ".AP.";
            for (const auto& [a, ap] : instances(params, ap_prefix)) {
                (void)ap;
                for (const auto& [d, sta] :
                     instances(params, ap_prefix + std::to_string(a) + ".AssociatedDevice.")) {
                    (void)d;
                    std::string mac = normalize_mac(str(sta, "MACAddress"));
                    if (mac.empty()) continue;
                    if (str(sta, "Active") == "false" || str(sta, "Active") == "0") continue;
                    Station s{node.name, node.mac, band, "", "", std::nullopt, std::nullopt};
                    if (auto rcpi = to_int(sta, "SignalStrength")) s.signal = rcpi_to_dbm(*rcpi);
                    if (auto kbps = to_int(sta, "LastDataDownlinkRate"))
                        s.rate = static_cast<double>(*kbps) / 1000.0;
                    s.hostname = str(sta, vendor_param("HostName"));
                    s.ip = str(sta, vendor_param("IPAddress"));
                    stations[mac] = s;
                }
            }
        }
        nodes.push_back(node);
    }
    // The gateway's own access points: signal in dBm; clients not listed by MultiAP are on the first node.
    std::map<unsigned, std::string> radio_band;
    for (const auto& [r, radio] : instances(params, "Device.WiFi.Radio."))
        radio_band[r] = band_name(str(radio, "OperatingFrequencyBand"));
    std::map<std::string, std::string> ssid_band;  // "Device.WiFi.SSID.1" → band
    for (const auto& [s, ssid] : instances(params, "Device.WiFi.SSID.")) {
        std::string lower = str(ssid, "LowerLayers");
        for (const auto& [r, band] : radio_band)
            if (lower.rfind("Device.WiFi.Radio." + std::to_string(r), 0) == 0)
                ssid_band["Device.WiFi.SSID." + std::to_string(s)] = band;
    }
    for (const auto& [a, ap] : instances(params, "Device.WiFi.AccessPoint.")) {
        std::string ref = str(ap, "SSIDReference");
        while (!ref.empty() && ref.back() == '.') ref.pop_back();
        std::string band = ssid_band.count(ref) ? ssid_band[ref] : "";
        for (const auto& [d, sta] :
             instances(params, "Device.WiFi.AccessPoint." + std::to_string(a) + ".AssociatedDevice.")) {
            (void)d;
            std::string mac = normalize_mac(str(sta, "MACAddress"));
            if (mac.empty()) continue;
            auto& s = stations[mac];
            if (s.node_name.empty() && !nodes.empty()) {
                s.node_name = nodes.front().name;
                s.node_mac = nodes.front().mac;
            } else if (s.node_name.empty()) {
                s.node_name = "gateway";
            }
            if (s.band.empty()) s.band = band;
            if (!s.signal) {
                if (auto dbm = to_int(sta, "SignalStrength"); dbm && *dbm <= 0 && *dbm >= -200)
                    s.signal = static_cast<int>(*dbm);
            }
            if (!s.rate) {
                if (auto kbps = to_int(sta, "LastDataDownlinkRate"))
                    s.rate = static_cast<double>(*kbps) / 1000.0;
            }
        }
    }
    // TR-098 (HT803G): InternetGatewayDevice.LANDevice.1.WLANConfiguration.{i}.AssociatedDevice.{j}
    // .AssociatedDeviceMACAddress (TR-098 Amendment 2): the gateway's Wi-Fi clients. The band from the
    // WLANConfiguration's OperatingFrequencyBand when it has one, else its Standard ("a"/"ac" = 5 GHz,
    // "b"/"g" = 2.4 GHz; "n" says neither). Which of these the HT803G reports is unconfirmed.
    const std::string wlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.";
    for (const auto& [w, conf] : instances(params, wlan)) {
        std::string band = band_name(str(conf, "OperatingFrequencyBand"));
        std::string standard = str(conf, "Standard");
        if (band.empty() && (standard == "a" || standard == "ac")) band = "5GHz";
        if (band.empty() && (standard == "b" || standard == "g")) band = "2.4GHz";
        for (const auto& [d, sta] : instances(params, wlan + std::to_string(w) + ".AssociatedDevice.")) {
            (void)d;
            std::string mac = normalize_mac(str(sta, "AssociatedDeviceMACAddress"));
            if (mac.empty()) continue;
            auto& st = stations[mac];
            if (st.node_name.empty()) {
                st.node_name = nodes.empty() ? "gateway" : nodes.front().name;
                st.node_mac = nodes.empty() ? "" : nodes.front().mac;
            }
            if (st.band.empty()) st.band = band;
            if (st.ip.empty()) st.ip = str(sta, "AssociatedDeviceIPAddress");
        }
    }
    // Leases by MAC.
    std::map<std::string, std::optional<int64_t>> leases;
    for (const auto& [p, pool] : instances(params, "Device.DHCPv4.Server.Pool.")) {
        (void)pool;
        std::string cprefix = "Device.DHCPv4.Server.Pool." + std::to_string(p) + ".Client.";
        for (const auto& [c, client] : instances(params, cprefix)) {
            std::string mac = normalize_mac(str(client, "Chaddr"));
            if (mac.empty()) continue;
            for (const auto& [k, v] : client) {
                if (k.rfind("IPv4Address.", 0) == 0 && k.size() > 19 &&
                    k.compare(k.size() - 19, 19, ".LeaseTimeRemaining") == 0) {
                    leases[mac] = lease_seconds(v, now_ms);
                    break;
                }
            }
            (void)c;
        }
    }

    auto add_host = [&](const Params& h, bool tr098) {
        HostEntry e;
        e.mac = normalize_mac(str(h, tr098 ? "MACAddress" : "PhysAddress"));
        e.ip = str(h, "IPAddress");
        if (e.ip.empty()) e.ip = str(h, "IPv4Address.1.IPAddress");
        e.name = str(h, "HostName");
        std::string active = str(h, "Active");
        e.active = active == "true" || active == "1";
        e.interface_type = str(h, "InterfaceType");
        if (tr098)
            e.lease_s = lease_seconds(str(h, "LeaseTimeRemaining"), now_ms);
        else if (auto it = leases.find(e.mac); it != leases.end())
            e.lease_s = it->second;
        else
            e.lease_s = lease_seconds(str(h, "LeaseTimeRemaining"), now_ms);  // pre-2.15 Host field (TP-Link)
        bool wifi_type = e.interface_type.find("802.11") != std::string::npos ||
                         e.interface_type.find("Wi") != std::string::npos;
        if (auto it = stations.find(e.mac); it != stations.end()) {
            e.attached_node = it->second.node_name;
            e.attached_node_mac = it->second.node_mac;
            e.band = it->second.band;
            e.signal_dbm = it->second.signal;
            e.rate_mbps = it->second.rate;
            if (e.name.empty()) e.name = it->second.hostname;
            if (e.ip.empty()) e.ip = it->second.ip;
            stations.erase(it);
        } else if (wifi_type && e.active && !nodes.empty()) {
            // An active Wi-Fi host no table lists: the gateway's node, without signal.
            e.attached_node = nodes.front().name;
            e.attached_node_mac = nodes.front().mac;
        }
        view.hosts.push_back(std::move(e));
    };
    for (const auto& [i, h] : instances(params, "Device.Hosts.Host.")) {
        (void)i;
        add_host(h, false);
    }
    if (view.hosts.empty()) {
        for (const auto& [i, h] : instances(params, "InternetGatewayDevice.LANDevice.1.Hosts.Host.")) {
            (void)i;
            add_host(h, true);
        }
    }
    // Associated stations that are not (yet) in the Hosts table still count as clients.
    for (const auto& [mac, s] : stations) {
        HostEntry e;
        e.mac = mac;
        e.name = s.hostname;
        e.ip = s.ip;
        e.active = true;
        e.interface_type = "Wi-Fi";
        e.attached_node = s.node_name;
        e.attached_node_mac = s.node_mac;
        e.band = s.band;
        e.signal_dbm = s.signal;
        e.rate_mbps = s.rate;
        view.hosts.push_back(std::move(e));
    }

    // Group: nodes in APDevice order (a client on an unknown node name after them), wired/other last.
    std::map<std::string, size_t> order;
    for (size_t i = 0; i < nodes.size(); ++i) order.emplace(nodes[i].name, i);
    for (const auto& h : view.hosts) {
        if (!h.attached_node.empty() && !order.count(h.attached_node)) {
            order.emplace(h.attached_node, nodes.size());
            nodes.push_back({h.attached_node, h.attached_node_mac, "", 0});
        }
    }
    std::stable_sort(view.hosts.begin(), view.hosts.end(), [&](const HostEntry& a, const HostEntry& b) {
        size_t ka = a.attached_node.empty() ? nodes.size() : order[a.attached_node];
        size_t kb = b.attached_node.empty() ? nodes.size() : order[b.attached_node];
        if (ka != kb) return ka < kb;
        if (a.active != b.active) return a.active;
        return a.name < b.name;
    });
    NodeEntry wired{kWiredOther, "", "", 0};
    for (const auto& h : view.hosts) {
        if (h.attached_node.empty())
            ++wired.count;
        else
            ++nodes[order[h.attached_node]].count;
    }
    nodes.push_back(wired);
    view.nodes = std::move(nodes);
    return view;
}

std::string hosts_json(const HostsView& view) {
    auto o = json::make_object();
    json::add_number(o.get(), "total", static_cast<double>(view.hosts.size()));
    auto hosts = json::make_array();
    for (const auto& h : view.hosts) {
        auto e = json::make_object();
        json::add_string(e.get(), "name", h.name);
        json::add_string(e.get(), "ip", h.ip);
        json::add_string(e.get(), "mac", h.mac);
        json::add_string(e.get(), "band", h.band);
        if (h.signal_dbm)
            json::add_number(e.get(), "signal", *h.signal_dbm);
        else
            json::add(e.get(), "signal", json::Ptr(cJSON_CreateNull()));
        if (h.rate_mbps)
            json::add_number(e.get(), "rate", *h.rate_mbps);
        else
            json::add(e.get(), "rate", json::Ptr(cJSON_CreateNull()));
        if (h.lease_s)
            json::add_number(e.get(), "lease", static_cast<double>(*h.lease_s));
        else
            json::add(e.get(), "lease", json::Ptr(cJSON_CreateNull()));
        json::add_bool(e.get(), "active", h.active);
        if (h.guest) json::add_bool(e.get(), "guest", *h.guest);
        json::add_string(e.get(), "interfaceType", h.interface_type);
        json::add_string(e.get(), "attachedNode", h.attached_node.empty() ? kWiredOther : h.attached_node);
        json::add_string(e.get(), "attachedNodeMac", h.attached_node_mac);
        json::append(hosts.get(), std::move(e));
    }
    json::add(o.get(), "hosts", std::move(hosts));
    auto nodes = json::make_array();
    for (const auto& n : view.nodes) {
        auto e = json::make_object();
        json::add_string(e.get(), "name", n.name);
        json::add_string(e.get(), "mac", n.mac);
        if (!n.role.empty()) json::add_string(e.get(), "role", n.role);
        json::add_number(e.get(), "count", n.count);
        json::append(nodes.get(), std::move(e));
    }
    json::add(o.get(), "nodes", std::move(nodes));
    return json::print(o.get());
}

}  // namespace cpe::hub::diag
