// "dhcp_config": the LAN DHCP server's configured pool (address range, lease time), for
// Device.DHCPv4.Server.Pool.1.{MinAddress,MaxAddress,SubnetMask,LeaseTime}. Two formats ("format"):
//   "udhcpd"  — BusyBox udhcpd.conf (networking/udhcp/files.c keywords): "start <ip>", "end <ip>",
//               "option|opt lease <seconds>", "option|opt subnet <mask>"; '#' starts a comment.
//   "dnsmasq" — dnsmasq's configuration (OpenWrt writes /var/etc/dnsmasq.conf.<id>): the first
//               "dhcp-range=[tag:<t>,…][set:<t>,]<start>,<end>[,<mode>][,<netmask>[,<broadcast>]][,<lease>]"
//               with an IPv4 range; lease "<n>[smhdw]" or "infinite" (dnsmasq option.c).
// Lines it cannot use are noted; a file with no range is an error (the pool parameters disappear).
#pragma once

#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

std::optional<DhcpPoolConfig> parse_udhcpd_conf(std::string_view text, ParseNotes& notes);
std::optional<DhcpPoolConfig> parse_dnsmasq_conf(std::string_view text, ParseNotes& notes);
// dnsmasq lease time: "3600", "45m", "12h", "1d", "1w", "infinite" → seconds (-1 = infinite).
std::optional<int64_t> parse_dnsmasq_lease_time(std::string_view text);

// Spec: {"file": "/etc/udhcpd.conf", "format": "udhcpd"|"dnsmasq"}.
Result<std::unique_ptr<Collector>> make_dhcp_config_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
