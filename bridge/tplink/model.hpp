// What the bridge reads from one TP-Link modem, typed, and its mapping onto TR-181 names and units.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json/json.hpp"
#include "protocol.hpp"
#include "util/mac.hpp"

namespace cpe::tplink {

// X_TP_LanConnType: 0 wired, 1 2.4G, 2 guest 2.4G, 3 5G, 4 guest 5G (tplink-web-api.md, hosts row).
struct Band {
    std::string name;  // "wired", "2.4G", "5G" or "unknown"
    bool guest = false;
};
Band band_from_conn_type(std::string_view conn_type);

struct Host {
    std::string name;
    std::string ip;
    std::optional<MacAddress> mac;
    Band band;
    bool active = false;
    std::optional<int64_t> lease_s;  // seconds left; absent for static/unknown
    std::string interface_type;      // as the modem reports it
    std::string node_mac;            // the mesh node (APDevice) a Wi-Fi client is associated with, when known
};

// One EasyMesh node (Device.WiFi.MultiAP.APDevice.{i} as the web UI serves it; docs/bridge-tplink.md, Mesh).
struct MeshNode {
    std::string name, mac, model, firmware, ip;
    std::string role;  // "controller" or "satellite"
    bool active = false;
    std::string backhaul;           // "wired", "wifi", "" (the controller has none) or the modem's word
    std::string parent_mac;         // the node it uplinks through (BackhaulMACAddress); "" for the controller
    std::optional<int64_t> signal;  // backhaul signal as the modem gives it (RCPI-like 0..220 in TR-181)
    std::optional<int64_t> link_rate;  // backhaul link rate as the modem gives it (X_TP_LinkRate)
    struct Client {
        std::string mac, name;
        std::optional<int64_t> signal;         // SignalStrength as given
        std::optional<int64_t> downlink_kbps;  // LastDataDownlinkRate
    };
    std::vector<Client> clients;  // Wi-Fi clients associated with this node
};

struct Optical {
    std::optional<double> rx_dbm;  // from RXPower in 0.1 µW; absent = no light / not reported
    std::optional<double> tx_dbm;
    std::string rx_raw, tx_raw;
};

struct Snapshot {
    std::string model, hardware_version, software_version;
    struct {
        bool enabled = false;
        std::string name;  // the connection's name as the modem gives it, e.g. "pppoe_gpon_2_1"
        std::string mac, ipv4, gateway, netmask, dns;
    } wan;
    struct {
        std::string mac, ipv4, netmask;
        bool dhcp_server = false;
    } lan;
    struct Radio {
        std::string band;  // "2.4G" / "5G"
        bool enabled = false, guest_enabled = false;
    };
    std::vector<Radio> wifi;
    std::vector<Host> hosts;
    Optical optical;
    std::optional<int64_t> mem_total_kib, mem_free_kib;
    std::optional<int64_t> cpu_percent;

    std::vector<MeshNode> mesh;   // empty: no mesh, or the modem does not serve the objects
    bool mesh_supported = false;  // the modem answered the mesh reads

    std::string variant;              // firmware variant used
    bool session_taken_over = false;  // someone logged into the web UI during our reads; we re-logged once
};

// Fillers from act answers; each tolerates absent fields (an absent value stays empty/absent) and says
// what was malformed in `warnings`.
void apply_dev_info(Snapshot& s, const ActReply& r);
// DEV2_ADT_WAN is a list: the live instance (enabled and up, else enabled with an address, else enabled,
// else the first); nullptr for an empty list.
const ActItem* pick_wan(const ActReply& r);
void apply_wan(Snapshot& s, const ActReply& r);
void apply_lan(Snapshot& s, const ActReply& r);
void apply_wifi(Snapshot& s, const ActReply& r);
void apply_hosts(Snapshot& s, const ActReply& r);
void apply_optical(Snapshot& s, const ActReply& r);
void apply_mem(Snapshot& s, const ActReply& r);
void apply_proc(Snapshot& s, const ActReply& r);
// DEV2_MULTIAP_APDEVICE (nodes) then DEV2_MULTIAP_ASSOCDEV (Wi-Fi clients per node); both lists.
void apply_mesh_nodes(Snapshot& s, const ActReply& r);
void apply_mesh_clients(Snapshot& s, const ActReply& r);

// TR-181 names (Device.DeviceInfo.*, Device.Hosts.Host.{i}.*, Device.Optical.Interface.1.* as Dbm1000, …)
std::vector<std::pair<std::string, std::string>> to_tr181(const Snapshot& s);

// {device:{…}, wan:{…}, lan:{…}, wifi:[…], optical:{rxDbm,txDbm}, hosts:{total, hosts:[{name, ip, mac, band,
// guest, active, lease, node}]}, mesh:{supported, nodes:[{name, mac, role, model, firmware, ip, active,
// backhaul:{type, signal, linkRate}, parent, clients:[…]}]}, memory, cpu, variant, sessionTakenOver}
json::Ptr to_json(const Snapshot& s);

}  // namespace cpe::tplink
