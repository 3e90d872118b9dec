// What collectors produce: plain records, one kind per data source family. The model (agent/model)
// turns them into TR-181; collectors never know TR-181 paths. Absent data is std::nullopt, never 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/mac.hpp"

namespace cpe::agent {

struct Lease {  // dnsmasq /tmp/dhcp.leases, busybox udhcpd leases file
    MacAddress mac;
    std::string ip;             // dotted IPv4
    std::string hostname;       // "" when the client sent none ("*" in dnsmasq)
    int64_t expires_epoch = 0;  // absolute UNIX time the lease ends; 0 = infinite
    std::string client_id;      // dnsmasq only; "" otherwise
};

struct DhcpPoolConfig {  // the DHCP server's configured pool: udhcpd.conf, dnsmasq dhcp-range
    std::string min_address, max_address;  // dotted IPv4
    std::string subnet_mask;               // "" when not configured
    std::optional<int64_t> lease_time_s;   // -1 = infinite
};

struct Neighbour {  // /proc/net/arp
    std::string ip;
    MacAddress mac;
    std::string device;     // "br0"
    bool complete = false;  // ATF_COM (0x2) set: the entry resolved
};

struct NetInterface {  // /sys/class/net/<if>/
    std::string name;
    MacAddress mac;
    std::string operstate;  // "up", "down", "unknown", "lowerlayerdown", …
    bool carrier = false;
    std::optional<int> speed_mbps;  // absent when unknown or -1
    std::string duplex;             // "full", "half" or "" when unknown
    uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
    uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0;
};

struct InterfaceAddress {   // `ip -o -4 addr show`
    std::string interface;  // "br0", "ppp0"
    std::string address;    // dotted IPv4
    int prefix_len = 32;    // of the address, or of the peer on a point-to-point link
    std::string peer;       // point-to-point peer ("" when none)
    std::string scope;      // "global", "host", "link" or "" when not given
};

struct Station {  // a Wi-Fi client of one of this device's radios (iw, wl, Realtek sta_info)
    MacAddress mac;
    std::string interface;  // "ra0", "wl0", "wlan0"
    std::optional<int> signal_dbm;
    std::optional<int> noise_dbm;
    std::optional<uint32_t> downlink_kbps;  // AP → station (iw "tx bitrate")
    std::optional<uint32_t> uplink_kbps;    // station → AP (iw "rx bitrate")
    std::optional<uint32_t> connected_s;
    std::optional<uint32_t> inactive_ms;
    std::optional<uint64_t> rx_bytes, tx_bytes, rx_packets, tx_packets;
    std::optional<uint32_t> tx_retries, tx_failed;  // iw "tx retries" / "tx failed"
    std::optional<bool> authenticated;              // iw "authenticated: yes|no"
    std::string standard;                           // "n", "ac", "ax" or "" when unknown
};

struct WifiIfaceInfo {      // `iw dev <if> info`: what the radio's interface is configured and running with
    std::string interface;  // "ra0"
    std::string ssid;       // "" when the interface carries none (not up, or not an AP)
    std::string type;       // "AP", "managed", … ("" when not given)
    std::optional<int> channel;
    std::optional<int> frequency_mhz;
    std::optional<int> width_mhz;
};

struct FdbEntry {  // one learned MAC of the LAN bridge's forwarding database
    MacAddress mac;
    std::string port;  // the bridge port it was learned on ("eth0.2", "ra0")
};

struct MeshStation {
    MacAddress mac;
    std::optional<int> rcpi;  // 0..255; dBm ≈ rcpi/2 − 110
    std::optional<uint32_t> downlink_kbps, uplink_kbps;
    std::optional<uint32_t> association_s;  // seconds since association
    std::optional<uint32_t> last_seen_ms;
    std::optional<uint64_t> rx_bytes, tx_bytes;
    std::string standard;
    std::string hostname;  // as the controller knows it, "" when unknown
    std::string ipv4;
};

struct MeshBss {
    MacAddress bssid;
    std::string ssid;
    std::vector<MeshStation> stations;
};

struct MeshRadio {
    MacAddress id;     // radio unique identifier (its MAC)
    std::string band;  // "2.4GHz", "5GHz", "6GHz"
    std::optional<int> channel;
    std::optional<int> noise_rcpi;
    std::vector<MeshBss> bss;
};

struct MeshNode {      // one EasyMesh/MultiAP device (the controller itself or a satellite)
    MacAddress id;     // AL MAC
    std::string name;  // user-given location, "basement"
    std::string role;  // "controller" or "agent"
    std::string model, serial, software_version;
    std::string backhaul;  // "ethernet", "wifi" or "" for the controller
    std::optional<MacAddress> backhaul_parent;
    std::optional<int> backhaul_rcpi;
    std::optional<uint32_t> backhaul_rate_kbps;
    std::vector<MeshRadio> radios;
};

struct OpticalReading {  // Econet /proc/pon_phy, Realtek `diag pon get transceiver`, TP-Link config
    std::optional<double> rx_dbm, tx_dbm;
    std::optional<double> temperature_c;
    std::optional<double> voltage_v;
    std::optional<double> bias_ma;
    std::optional<bool> los;  // loss of signal
    std::string onu_state;    // "O1".."O9" or ""
    std::string pon_type;     // "GPON", "XGS-PON" or ""
    std::string gpon_serial;  // "TPLGC4160688" or ""
};

struct SystemStatus {  // /proc/uptime, /proc/meminfo, /proc/stat, /proc/loadavg
    std::optional<uint64_t> uptime_s;
    std::optional<uint64_t> mem_total_kib, mem_free_kib, mem_available_kib;
    std::optional<unsigned> cpu_percent;  // busy share since the previous sample (or since boot)
    std::optional<double> load1;
};

}  // namespace cpe::agent

namespace cpe::agent {

struct Identity {  // Device.DeviceInfo identity: profile literals, files or command output
    std::string manufacturer, manufacturer_oui, model_name, product_class, serial_number;
    std::string hardware_version, software_version, description;
};

// Everything one refresh of the board's collectors produced. Each collector fills its own part;
// a failed collector leaves its part empty (and its parameters disappear from the model).
struct BoardData {
    Identity identity;
    SystemStatus system;
    std::vector<Lease> leases;
    std::optional<DhcpPoolConfig> dhcp_pool;
    std::vector<Neighbour> neighbours;
    std::vector<NetInterface> interfaces;
    std::vector<InterfaceAddress> addresses;
    std::vector<Station> stations;
    std::vector<WifiIfaceInfo> wifi_info;
    std::vector<FdbEntry> fdb;
    bool fdb_known = false;  // a bridge FDB source ran: a MAC absent from it is on no bridge port
    std::vector<std::string> bridge_ports;  // the LAN bridge's member interfaces (/sys/class/net/<br>/brif/*)
    bool bridge_ports_known = false;        // brif was read (else the bridge's ports are not known)
    std::vector<MeshNode> mesh;
    std::optional<OpticalReading> optical;
};

// What a parser could not use. Parsers keep every record they could read and note the rest here
// (bounded: the first kMaxKept messages are kept, the others only counted).
struct ParseNotes {
    static constexpr size_t kMaxKept = 8;
    std::vector<std::string> messages;
    size_t skipped = 0;
    void add(std::string message) {
        ++skipped;
        if (messages.size() < kMaxKept) messages.push_back(std::move(message));
    }
};

}  // namespace cpe::agent
