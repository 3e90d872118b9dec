// The hosts view: every client of a device with the mesh node it is attached to. Built from the device's
// TR-181 values (Params), so the agent's live Get and a GenieACS document give the same result:
//   Device.Hosts.Host.{i}                         name, IP, MAC, active, interface type
//   Device.WiFi.MultiAP.APDevice.{i}              mesh nodes (name from <vendor prefix>Name), and under
//     .Radio.{r}.AP.{a}.AssociatedDevice.{d}      which node each Wi-Fi client is on (signal RCPI → dBm ≈
//     RCPI/2 − 110)
//   Device.WiFi.AccessPoint.{i}.AssociatedDevice  signal (dBm) and rate when MultiAP does not list the client
//   Device.DHCPv4.Server.Pool.{i}.Client.{i}      lease time remaining
// TR-098 devices (InternetGatewayDevice.LANDevice.1.Hosts.Host.{i}) give hosts without mesh data; their Wi-Fi
// clients (LANDevice.1.WLANConfiguration.{i}.AssociatedDevice.{j}) are on the gateway, with the band.
// Hosts are ordered by node (in APDevice order), wired/other last; `nodes` counts each node's clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag/params.hpp"

namespace cpe::hub::diag {

struct HostEntry {
    std::string name;
    std::string ip;
    std::string mac;                  // upper case, colon separated
    std::string band;                 // "2.4GHz", "5GHz", "6GHz", "" for wired/unknown
    std::optional<int> signal_dbm;    // Wi-Fi only
    std::optional<double> rate_mbps;  // last downlink rate
    std::optional<int64_t> lease_s;   // DHCP lease time remaining
    std::optional<bool> guest;  // on a guest network, when the source says (the bridge's TP-Link modems)
    bool active = false;
    std::string interface_type;  // Ethernet, Wi-Fi, … as reported
    std::string attached_node;   // mesh node name; "" = wired/other
    std::string attached_node_mac;
};

struct NodeEntry {
    std::string name;  // "wired/other" for the last group
    std::string mac;
    std::string role;  // <vendor prefix>Role when reported
    unsigned count = 0;
};

struct HostsView {
    std::vector<HostEntry> hosts;
    std::vector<NodeEntry> nodes;
};

inline constexpr const char* kWiredOther = "wired/other";

// now_ms resolves dateTime lease expiries into seconds remaining.
HostsView hosts_view(const Params& params, int64_t now_ms);
// {total, hosts:[…], nodes:[…]} (docs/api.md); a host's "guest" only when known.
std::string hosts_json(const HostsView& view);

// "aa-bb-cc-dd-ee-ff" / "aabbccddeeff" / "AA:BB:…" → "AA:BB:CC:DD:EE:FF"; "" when not a MAC.
std::string normalize_mac(const std::string& text);
// RCPI 0..220 → dBm (RCPI/2 − 110); nullopt outside the range (255 = not measured).
std::optional<int> rcpi_to_dbm(long long rcpi);
// "2.4GHz", "5GHz", "6GHz" from OperatingFrequencyBand text; "" if unknown.
std::string band_name(const std::string& operating_band);
// ISO 8601 UTC "2026-11-24T21:44:47Z" → unix ms; nullopt if not in that form.
std::optional<int64_t> parse_iso8601_ms(const std::string& text);

}  // namespace cpe::hub::diag
