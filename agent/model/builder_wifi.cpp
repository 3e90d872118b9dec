// TR-181 builder, Wi-Fi: Device.WiFi radios, SSIDs, access points and associated stations, and the mesh
// (WiFi.MultiAP, WiFi.DataElements) of the nodes the device reports.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "model/builder_internal.hpp"

namespace cpe::agent::builder_detail {

namespace {

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

std::optional<int64_t> association_time(int64_t now, std::optional<uint32_t> seconds) {
    if (!seconds || now <= 0) return std::nullopt;
    return now - static_cast<int64_t>(*seconds);
}

}  // namespace

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

}  // namespace cpe::agent::builder_detail
