#include "diag/consolidate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "diag/hosts.hpp"
#include "diag/vendor.hpp"
#include "util/text.hpp"

namespace cpe::hub::diag {

const char* state_name(SourceState s) {
    switch (s) {
        case SourceState::off:
            return "off";
        case SourceState::fresh:
            return "fresh";
        case SourceState::stale:
            return "stale";
        case SourceState::failed:
            return "failed";
        case SourceState::not_found:
            return "not_found";
    }
    return "off";
}

namespace {
std::optional<double> num(const std::optional<std::string>& v) {
    if (!v || v->empty() || v->size() > 32) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (!end || *end || !std::isfinite(d)) return std::nullopt;
    return d;
}

using text::lower;

// One source's values with where they came from.
struct Src {
    const char* name;
    const Params* params;
    const SourceStatus* status;
};

class Builder {
  public:
    Builder(const DeviceInputs& in) : in_(in), prov_(json::make_object()) {
        if (in.agent) srcs_.push_back({"agent", &*in.agent, &in.agent_status});
        if (in.genieacs) srcs_.push_back({"genieacs", &*in.genieacs, &in.genieacs_status});
    }

    void note(const std::string& field, const char* source, const SourceStatus& st) {
        if (cJSON_GetObjectItemCaseSensitive(prov_.get(), field.c_str())) return;
        auto p = json::make_object();
        json::add_string(p.get(), "source", source);
        if (st.data_ms)
            json::add_number(p.get(), "age_s",
                             static_cast<double>(std::max<int64_t>(0, (in_.now_ms - *st.data_ms) / 1000)));
        else
            json::add(p.get(), "age_s", json::Ptr(cJSON_CreateNull()));
        json::add_string(p.get(), "state", state_name(st.state));
        json::add(prov_.get(), field.c_str(), std::move(p));
    }

    // First source having any of `paths` (in order); records provenance for `field`.
    std::optional<std::string> pick(const std::string& field, std::initializer_list<const char*> paths) {
        for (const auto& s : srcs_) {
            for (const char* p : paths) {
                auto v = get(*s.params, p);
                if (v && !v->empty()) {
                    note(field, s.name, *s.status);
                    return v;
                }
            }
        }
        return std::nullopt;
    }
    // The source that has the table `prefix` (first in order).
    const Src* with_table(const std::string& prefix) const {
        for (const auto& s : srcs_) {
            auto it = s.params->lower_bound(prefix);
            if (it != s.params->end() && it->first.compare(0, prefix.size(), prefix) == 0) return &s;
        }
        return nullptr;
    }

    json::Ptr take_provenance() { return std::move(prov_); }
    const std::vector<Src>& sources() const { return srcs_; }

  private:
    const DeviceInputs& in_;
    json::Ptr prov_;
    std::vector<Src> srcs_;
};

void add_opt_string(cJSON* o, const char* key, const std::optional<std::string>& v) {
    if (v)
        json::add_string(o, key, *v);
    else
        json::add(o, key, json::Ptr(cJSON_CreateNull()));
}
void add_opt_number(cJSON* o, const char* key, std::optional<double> v) {
    if (v)
        json::add_number(o, key, *v);
    else
        json::add(o, key, json::Ptr(cJSON_CreateNull()));
}

json::Ptr source_json(const SourceStatus& st, int64_t now_ms) {
    auto o = json::make_object();
    json::add_string(o.get(), "state", state_name(st.state));
    if (st.data_ms)
        json::add_number(o.get(), "age_s",
                         static_cast<double>(std::max<int64_t>(0, (now_ms - *st.data_ms) / 1000)));
    else
        json::add(o.get(), "age_s", json::Ptr(cJSON_CreateNull()));
    if (st.cached) json::add_bool(o.get(), "cached", true);
    if (!st.error.empty()) json::add_string(o.get(), "error", st.error);
    return o;
}

json::Ptr copy(const json::Ptr& p) {
    if (!p) return json::Ptr(cJSON_CreateNull());
    return json::Ptr(cJSON_Duplicate(p.get(), 1));
}

std::string ip_role(const std::string& name_text, const std::string& address) {
    std::string n = lower(name_text);
    auto has = [&](const char* w) { return n.find(w) != std::string::npos; };
    if (has("mgmt") || has("manage") || has("tr069") || has("cwmp") || has("acs") || has("oam"))
        return "management";
    if (has("iptv") || has("voip") || has("voice") || has("video") || has("service")) return "service";
    // The WAN by its interface name first: a PPPoE WAN address can be private too (192.168.89.137 on ppp0 in
    // the real XX230v dump (tests/sim/data)).
    if (n.rfind("ppp", 0) == 0 || n.rfind("wan", 0) == 0 || has("pppoe") || has("ipoe")) return "internet";
    if (n.rfind("br", 0) == 0 || has("lan") || address.rfind("192.168.", 0) == 0) return "lan";
    return "internet";
}
}  // namespace

OpticalLevels optical_levels(const Params& p) {
    OpticalLevels out;
    auto nonzero = [](std::optional<double> v) { return v && *v != 0.0 ? v : std::nullopt; };
    if (auto v = get(p, "Device.Optical.Interface.1.OpticalSignalLevel"))
        out.rx_dbm = nonzero(num(v)) ? std::optional(*num(v) / 1000.0) : std::nullopt;
    if (auto v = get(p, "Device.Optical.Interface.1.TransmitOpticalLevel"))
        out.tx_dbm = nonzero(num(v)) ? std::optional(*num(v) / 1000.0) : std::nullopt;
    if (!out.rx_dbm) {
        if (auto v = nonzero(num(get(p, "Device.XPON.ONU.1.ANI.1.Transceiver.1.RxPower"))))
            out.rx_dbm = *v / 10.0;
    }
    if (!out.tx_dbm) {
        if (auto v = nonzero(num(get(p, "Device.XPON.ONU.1.ANI.1.Transceiver.1.TxPower"))))
            out.tx_dbm = *v / 10.0;
    }
    auto uw10 = [](std::optional<double> v) -> std::optional<double> {  // 0.1 µW → dBm
        if (!v || *v <= 0) return std::nullopt;
        return 10.0 * std::log10(*v * 1e-4);
    };
    if (!out.rx_dbm) out.rx_dbm = uw10(num(get(p, "Device.Optical.Interface.1.X_TP_GPON_Config.RXPower")));
    if (!out.tx_dbm) out.tx_dbm = uw10(num(get(p, "Device.Optical.Interface.1.X_TP_GPON_Config.TXPower")));
    // TR-098 (HT803G, boards.md): X_CT-COM_GponInterfaceConfig.RXPower/TXPower in 0.1 µW.
    const std::string ct = "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.";
    if (!out.rx_dbm) out.rx_dbm = uw10(num(get(p, ct + "RXPower")));
    if (!out.tx_dbm) out.tx_dbm = uw10(num(get(p, ct + "TXPower")));
    if (out.rx_dbm) out.rx_dbm = std::round(*out.rx_dbm * 100.0) / 100.0;
    if (out.tx_dbm) out.tx_dbm = std::round(*out.tx_dbm * 100.0) / 100.0;
    return out;
}

std::string gpon_serial(const Params& p) {
    if (auto v = get(p, "Device.XPON.ONU.1.ANI.1.TC.ONUActivation.SerialNumber"); v && !v->empty()) return *v;
    auto sn = get(p, "Device.Optical.Interface.1.GponAuth.GponSn");
    if (!sn || sn->empty())
        sn = get(p, "InternetGatewayDevice.WANDevice.1.X_CT-COM_GponInterfaceConfig.GponSn");
    if (!sn || sn->empty()) return "";
    // 16 hex digits: the 4-byte vendor id as hex (54504C47 = "TPLG") + 8 hex digits.
    const std::string& s = *sn;
    if (s.size() == 16 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
        std::string vendor;
        for (size_t i = 0; i < 8; i += 2) {
            int c = std::stoi(s.substr(i, 2), nullptr, 16);
            if (c < 0x20 || c > 0x7e) return s;
            vendor += static_cast<char>(c);
        }
        std::string tail = s.substr(8);
        for (auto& c : tail) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return vendor + tail;
    }
    return s;
}

std::string device_view_json(const DeviceInputs& in) {
    Builder b(in);
    auto o = json::make_object();
    json::add_string(o.get(), "id", in.id);
    json::add_string(o.get(), "kind", in.kind);
    json::add_bool(o.get(), "online", in.online);
    add_opt_number(
        o.get(), "lastSeenMs",
        in.last_seen_ms ? std::optional<double>(static_cast<double>(*in.last_seen_ms)) : std::nullopt);

    add_opt_string(
        o.get(), "serial",
        b.pick("serial", {"Device.DeviceInfo.SerialNumber", "InternetGatewayDevice.DeviceInfo.SerialNumber",
                          "_deviceId._SerialNumber"}));
    std::optional<std::string> gpon;
    for (const auto& s : b.sources()) {
        std::string g = gpon_serial(*s.params);
        if (!g.empty()) {
            gpon = g;
            b.note("gponSerial", s.name, *s.status);
            break;
        }
    }
    add_opt_string(o.get(), "gponSerial", gpon);
    add_opt_string(
        o.get(), "manufacturer",
        b.pick("manufacturer", {"Device.DeviceInfo.Manufacturer",
                                "InternetGatewayDevice.DeviceInfo.Manufacturer", "_deviceId._Manufacturer"}));
    add_opt_string(
        o.get(), "model",
        b.pick("model", {"Device.DeviceInfo.ModelName", "InternetGatewayDevice.DeviceInfo.ModelName",
                         "_deviceId._ProductClass"}));
    add_opt_string(o.get(), "firmware",
                   b.pick("firmware", {"Device.DeviceInfo.SoftwareVersion",
                                       "InternetGatewayDevice.DeviceInfo.SoftwareVersion"}));
    add_opt_string(o.get(), "hardware",
                   b.pick("hardware", {"Device.DeviceInfo.HardwareVersion",
                                       "InternetGatewayDevice.DeviceInfo.HardwareVersion"}));
    add_opt_number(
        o.get(), "uptime",
        num(b.pick("uptime", {"Device.DeviceInfo.UpTime", "InternetGatewayDevice.DeviceInfo.UpTime"})));

    // Interfaces: Ethernet, optical, Wi-Fi SSIDs, IP.
    auto ifaces = json::make_array();
    auto ethernet = json::make_object();
    auto ports = json::make_array();
    int up = 0;
    if (const Src* s = b.with_table("Device.Ethernet.Interface.")) {
        b.note("ethernet", s->name, *s->status);
        b.note("interfaces", s->name, *s->status);
        for (const auto& [i, e] : instances(*s->params, "Device.Ethernet.Interface.")) {
            auto port = json::make_object();
            std::string name =
                get(e, "Name").value_or(get(e, "X_TP_IfNameAlias").value_or("eth" + std::to_string(i)));
            std::string status = get(e, "Status").value_or("");
            json::add_string(port.get(), "name", name);
            json::add_string(port.get(), "status", status);
            add_opt_number(port.get(), "speedMbps", num(get(e, "CurrentBitRate")));
            add_opt_string(port.get(), "duplex", get(e, "CurrentDuplexMode"));
            add_opt_string(port.get(), "mac", get(e, "MACAddress"));
            json::add_bool(port.get(), "upstream", get(e, "Upstream").value_or("") == "true");
            if (status == "Up") ++up;
            auto ifc = json::Ptr(cJSON_Duplicate(port.get(), 1));
            json::add_string(ifc.get(), "type", "ethernet");
            json::append(ifaces.get(), std::move(ifc));
            json::append(ports.get(), std::move(port));
        }
    }
    json::add(ethernet.get(), "ports", std::move(ports));
    json::add_number(ethernet.get(), "up", up);
    if (const Src* s = b.with_table("Device.Optical.Interface.")) {
        for (const auto& [i, e] : instances(*s->params, "Device.Optical.Interface.")) {
            auto ifc = json::make_object();
            json::add_string(ifc.get(), "type", "optical");
            json::add_string(ifc.get(), "name", get(e, "Name").value_or("optical" + std::to_string(i)));
            json::add_string(ifc.get(), "status", get(e, "Status").value_or(""));
            json::append(ifaces.get(), std::move(ifc));
        }
    }

    // Wi-Fi: SSIDs with their band and client count.
    auto wifi = json::make_object();
    auto ssids = json::make_array();
    HostsView hv;
    const Src* hsrc = nullptr;
    for (const auto& s : b.sources()) {
        hv = hosts_view(*s.params, in.now_ms);
        if (!hv.hosts.empty() || s.params->count("Device.WiFi.SSIDNumberOfEntries")) {
            hsrc = &s;
            break;
        }
    }
    if (const Src* s = b.with_table("Device.WiFi.SSID.")) {
        b.note("wifi", s->name, *s->status);
        std::map<unsigned, std::string> radio_band;
        for (const auto& [r, radio] : instances(*s->params, "Device.WiFi.Radio."))
            radio_band[r] = band_name(get(radio, "OperatingFrequencyBand").value_or(""));
        std::map<std::string, long long> clients;  // SSID path → clients
        for (const auto& [a, ap] : instances(*s->params, "Device.WiFi.AccessPoint.")) {
            (void)a;
            std::string ref = get(ap, "SSIDReference").value_or("");
            while (!ref.empty() && ref.back() == '.') ref.pop_back();
            clients[ref] +=
                static_cast<long long>(num(get(ap, "AssociatedDeviceNumberOfEntries")).value_or(0));
        }
        for (const auto& [i, ss] : instances(*s->params, "Device.WiFi.SSID.")) {
            auto e = json::make_object();
            json::add_string(e.get(), "name", get(ss, "Name").value_or(""));
            json::add_string(e.get(), "ssid", get(ss, "SSID").value_or(""));
            json::add_string(e.get(), "status", get(ss, "Status").value_or(""));
            std::string lower_layer = get(ss, "LowerLayers").value_or("");
            std::string band;
            for (const auto& [r, bn] : radio_band)
                if (lower_layer.rfind("Device.WiFi.Radio." + std::to_string(r), 0) == 0) band = bn;
            json::add_string(e.get(), "band", band);
            std::string path = "Device.WiFi.SSID." + std::to_string(i);
            json::add_number(e.get(), "clients",
                             static_cast<double>(clients.count(path) ? clients[path] : 0));
            auto ifc = json::Ptr(cJSON_Duplicate(e.get(), 1));
            json::add_string(ifc.get(), "type", "wifi");
            json::append(ifaces.get(), std::move(ifc));
            json::append(ssids.get(), std::move(e));
        }
    }
    json::add(wifi.get(), "ssids", std::move(ssids));
    unsigned wifi_clients = 0;
    for (const auto& h : hv.hosts) wifi_clients += (!h.attached_node.empty() && h.active) ? 1 : 0;
    json::add_number(wifi.get(), "clients", wifi_clients);
    json::add_number(wifi.get(), "hosts", static_cast<double>(hv.hosts.size()));
    if (hsrc) b.note("wifi.clients", hsrc->name, *hsrc->status);

    // Mesh nodes.
    auto mesh = json::make_array();
    // The agent's own table first (live, on the CPE); then the bridge's live read of a TP-Link modem's mesh
    // (docs/bridge-tplink.md, Mesh); then GenieACS's last inform.
    const Src* mesh_src = b.with_table("Device.WiFi.MultiAP.APDevice.");
    const cJSON* bridge_mesh = in.bridge && in.bridge_status.state != SourceState::failed
                                   ? cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "mesh")
                                   : nullptr;
    bool use_bridge_mesh = cJSON_IsArray(bridge_mesh) && cJSON_GetArraySize(bridge_mesh) > 0 &&
                           !(mesh_src && std::string(mesh_src->name) == "agent");
    if (use_bridge_mesh) {
        // Nodes as the bridge gave them (hub/api/parse.cpp parse_bridge_mesh), clients counted by the bridge;
        // backhaul signal/linkRate as the modem reports them (not dBm/Mbps).
        b.note("mesh", "bridge", in.bridge_status);
        mesh.reset(cJSON_Duplicate(bridge_mesh, true));
    } else if (const Src* s = mesh_src) {
        b.note("mesh", s->name, *s->status);
        for (const auto& [i, d] : instances(*s->params, "Device.WiFi.MultiAP.APDevice.")) {
            (void)i;
            auto n = json::make_object();
            std::string mac = normalize_mac(get(d, "MACAddress").value_or(""));
            std::string name = get(d, vendor_param("Name")).value_or(mac);
            json::add_string(n.get(), "name", name);
            json::add_string(n.get(), "mac", mac);
            add_opt_string(n.get(), "role", get(d, vendor_param("Role")));
            add_opt_string(n.get(), "serial", get(d, "SerialNumber"));
            add_opt_string(n.get(), "firmware", get(d, "SoftwareVersion"));
            auto bh = json::make_object();
            add_opt_string(bh.get(), "type", get(d, "BackhaulLinkType"));
            auto rcpi = num(get(d, "BackhaulSignalStrength"));
            add_opt_number(bh.get(), "signalDbm",
                           rcpi ? (rcpi_to_dbm(static_cast<long long>(*rcpi))
                                       ? std::optional<double>(*rcpi_to_dbm(static_cast<long long>(*rcpi)))
                                       : std::nullopt)
                                : std::nullopt);
            // <prefix>BackhaulLinkRate is in kbps like the other TR-181 Wi-Fi rates.
            auto rate_kbps = num(get(d, vendor_param("BackhaulLinkRate")));
            add_opt_number(bh.get(), "rateMbps",
                           rate_kbps ? std::optional<double>(*rate_kbps / 1000.0) : std::nullopt);
            json::add(n.get(), "backhaul", std::move(bh));
            unsigned count = 0;
            for (const auto& node : hv.nodes)
                if (node.name == name) count = node.count;
            json::add_number(n.get(), "clients", count);
            json::append(mesh.get(), std::move(n));
        }
    }

    // IP addresses by role.
    auto ip = json::make_object();
    std::map<std::string, std::string> roles;
    if (const Src* s = b.with_table("Device.IP.Interface.")) {
        b.note("ip", s->name, *s->status);
        for (const auto& [i, e] : instances(*s->params, "Device.IP.Interface.")) {
            std::string name = get(e, "Name").value_or("");
            std::string label =
                name + " " + get(e, "X_TP_ConnName").value_or("") + " " + get(e, "Alias").value_or("");
            for (const auto& [k, v] : e) {
                if (k.rfind("IPv4Address.", 0) != 0 || k.size() < 10 ||
                    k.compare(k.size() - 10, 10, ".IPAddress") != 0)
                    continue;
                if (v.empty() || v == "0.0.0.0") continue;
                std::string role = ip_role(label, v);
                if (!roles.count(role)) roles[role] = v;
                auto ifc = json::make_object();
                json::add_string(ifc.get(), "type", "ip");
                json::add_string(ifc.get(), "name", name.empty() ? "ip" + std::to_string(i) : name);
                json::add_string(ifc.get(), "status", get(e, "Status").value_or(""));
                json::add_string(ifc.get(), "address", v);
                json::add_string(ifc.get(), "role", role);
                json::append(ifaces.get(), std::move(ifc));
            }
        }
    }
    for (const char* r : {"internet", "management", "service", "lan"})
        add_opt_string(ip.get(), r, roles.count(r) ? std::optional<std::string>(roles[r]) : std::nullopt);

    // Optical: device levels first, the bridge's (OLT-side) reading otherwise.
    auto optical = json::make_object();
    OpticalLevels lv;
    for (const auto& s : b.sources()) {
        lv = optical_levels(*s.params);
        if (lv.rx_dbm) {
            b.note("opticalStatus.rxDbm", s.name, *s.status);
            if (lv.tx_dbm) b.note("opticalStatus.txDbm", s.name, *s.status);
            break;
        }
    }
    std::optional<double> olt_rx;
    if (in.bridge && in.bridge_status.state != SourceState::failed) {
        const cJSON* r = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "rxDbm");
        const cJSON* t = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "txDbm");
        const cJSON* orx = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "oltRxDbm");
        if (!lv.rx_dbm && cJSON_IsNumber(r)) {
            lv.rx_dbm = r->valuedouble;
            b.note("opticalStatus.rxDbm", "bridge", in.bridge_status);
        }
        if (!lv.tx_dbm && cJSON_IsNumber(t)) {
            lv.tx_dbm = t->valuedouble;
            b.note("opticalStatus.txDbm", "bridge", in.bridge_status);
        }
        if (cJSON_IsNumber(orx)) {
            olt_rx = orx->valuedouble;
            b.note("opticalStatus.oltRxDbm", "bridge", in.bridge_status);
        }
    }
    add_opt_number(optical.get(), "rxDbm", lv.rx_dbm);
    add_opt_number(optical.get(), "txDbm", lv.tx_dbm);
    add_opt_number(optical.get(), "oltRxDbm", olt_rx);
    // The OLT's view of this ONU (the bridge's PON table at the Service Location's position).
    std::optional<std::string> onu_status, offline_reason;
    std::optional<double> distance_m;
    if (in.bridge && in.bridge_status.state != SourceState::failed) {
        const cJSON* st = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "onuStatus");
        const cJSON* d = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "distanceM");
        const cJSON* why = cJSON_GetObjectItemCaseSensitive(in.bridge.get(), "onuOfflineReason");
        if (cJSON_IsString(st)) onu_status = st->valuestring;
        if (cJSON_IsNumber(d)) distance_m = d->valuedouble;
        // "Offline because …" only for an ONU the OLT does not see online (pending or offline).
        if (onu_status && *onu_status != "online" && cJSON_IsString(why)) offline_reason = why->valuestring;
        if (onu_status) b.note("opticalStatus.onuStatus", "bridge", in.bridge_status);
        if (distance_m) b.note("opticalStatus.distanceM", "bridge", in.bridge_status);
        if (offline_reason) b.note("opticalStatus.onuOfflineReason", "bridge", in.bridge_status);
    }
    add_opt_string(optical.get(), "onuStatus", onu_status);
    add_opt_string(optical.get(), "onuOfflineReason", offline_reason);
    add_opt_number(optical.get(), "distanceM", distance_m);
    json::add_string(optical.get(), "grade", grade_name(grade_rx(lv.rx_dbm, in.thresholds)));
    Trend tr = trend_of(in.optical_history, in.thresholds);
    json::add_string(optical.get(), "trend", tr.direction);
    add_opt_number(optical.get(), "slopeDbPerDay", tr.slope_db_per_day);
    json::add_number(optical.get(), "readings", tr.readings);
    auto history =
        json::make_array();  // the readings behind the trend, oldest first, for the page's sparkline
    for (const Reading& r : in.optical_history) {
        auto point = json::make_object();
        json::add_number(point.get(), "t", static_cast<double>(r.time_ms));
        json::add_number(point.get(), "rxDbm", r.rx_dbm);
        json::append(history.get(), std::move(point));
    }
    json::add(optical.get(), "history", std::move(history));
    auto th = json::make_object();
    json::add_number(th.get(), "tooHighAbove", in.thresholds.too_high_above_dbm);
    json::add_number(th.get(), "goodMin", in.thresholds.good_min_dbm);
    json::add_number(th.get(), "warningMin", in.thresholds.warning_min_dbm);
    json::add(optical.get(), "thresholds", std::move(th));

    json::add(o.get(), "interfaces", std::move(ifaces));
    json::add(o.get(), "mesh", std::move(mesh));
    json::add(o.get(), "wifi", std::move(wifi));
    json::add(o.get(), "opticalStatus", std::move(optical));
    json::add(o.get(), "ethernet", std::move(ethernet));
    json::add(o.get(), "ip", std::move(ip));

    const SourceStatus& es = in.erpnext_status;
    json::add(o.get(), "customer", copy(in.customer));
    json::add(o.get(), "location", copy(in.location));
    json::add(o.get(), "equipment", copy(in.equipment));
    if (in.customer) b.note("customer", "erpnext", es);
    if (in.location) b.note("location", "erpnext", es);
    if (in.equipment) b.note("equipment", "erpnext", es);

    auto sources = json::make_object();
    json::add(sources.get(), "agent", source_json(in.agent_status, in.now_ms));
    json::add(sources.get(), "genieacs", source_json(in.genieacs_status, in.now_ms));
    json::add(sources.get(), "erpnext", source_json(in.erpnext_status, in.now_ms));
    json::add(sources.get(), "bridge", source_json(in.bridge_status, in.now_ms));
    json::add(o.get(), "sources", std::move(sources));
    json::add(o.get(), "provenance", b.take_provenance());
    return json::print(o.get());
}

}  // namespace cpe::hub::diag
