// Internal to the TR-181 builder's translation units (builder*.cpp): the parts of the tree each one builds
// and the small helpers they share. Not part of the agent's API.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "model/builder.hpp"

namespace cpe::agent::builder_detail {

using tr181::Object;
using tr181::Table;
using tr181::Value;

std::string ethernet_status(const std::string& operstate);
const NetInterface* find_interface(const BoardData& data, const std::string& name);
uint32_t clamp_u32(uint64_t v);

struct WifiPaths {
    // interface name → "Device.WiFi.SSID.{i}." and AccessPoint instance
    std::map<std::string, std::string> ssid_path;
    std::map<std::string, uint32_t> ap_number;
    // station MAC → its AssociatedDevice path on this device's own radios
    std::map<MacAddress, std::string> station_path;
    std::map<MacAddress, std::string> station_ssid;
};

struct MeshStationRef {
    const MeshStation* station;
    std::string path;  // its MultiAP AssociatedDevice path
};

// Device.WiFi radios, SSIDs, access points and their stations (builder_wifi.cpp).
WifiPaths build_wifi(const BoardData& data, BuildContext& ctx, Object& root);
// Device.WiFi.MultiAP and DataElements of the mesh nodes (builder_wifi.cpp).
std::map<MacAddress, MeshStationRef> build_mesh(const BoardData& data, BuildContext& ctx, Object& root);
// The interface stack under the IP interfaces (builder_layers.cpp).
void build_layers(const BoardData& data, BuildContext& ctx, Object& root,
                  const std::map<std::string, uint32_t>& ethernet, const WifiPaths& wifi);
// DHCPv4 server pool and Hosts (builder_hosts.cpp).
std::set<MacAddress> present_on_lan(const BoardData& data, const BuildContext& ctx,
                                    const std::map<MacAddress, MeshStationRef>& mesh);
std::map<MacAddress, std::string> build_dhcp(const BoardData& data, BuildContext& ctx, Object& root,
                                             const std::set<MacAddress>& present);
void build_hosts(const BoardData& data, BuildContext& ctx, Object& root, const WifiPaths& wifi,
                 const std::map<MacAddress, MeshStationRef>& mesh,
                 const std::map<MacAddress, std::string>& dhcp, uint32_t lan_ip_number,
                 const std::map<std::string, uint32_t>& ethernet);

}  // namespace cpe::agent::builder_detail
