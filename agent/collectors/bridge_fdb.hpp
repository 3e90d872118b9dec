// "bridge_fdb": which bridge port each learned MAC of the LAN bridge sits behind, so Hosts.Host can say how a
// host is attached (Layer1Interface, InterfaceType) from what the bridge knows instead of a guess. Two
// formats:
//   "format": "bridge" — iproute2 `bridge fdb show br <bridge>` (bridge/fdb.c print_fdb):
//       "<mac> dev <port> [vlan <n>] [master <bridge>] [permanent|static|…] [self] …"
//     kept: entries with "master" (learned by the bridge), not "permanent" (the device's own addresses).
//   "format": "brctl" — `brctl showmacs <bridge>` (bridge-utils and BusyBox brctl):
//       "port no\tmac addr\t\tis local?\tageing timer" header, then "  <n>\t<mac>\t<yes|no>\t\t<s.cc>"
//     the port number is mapped to a name through /sys/class/net/<bridge>/brif/<port>/port_no ("0x1").
// Local ("yes" / permanent) and multicast addresses are skipped. Formats: docs/sources-system.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

std::vector<FdbEntry> parse_bridge_fdb(std::string_view text, const std::string& bridge, ParseNotes& notes);
// `ports`: port number → port name (from brif/*/port_no).
std::vector<FdbEntry> parse_brctl_showmacs(std::string_view text,
                                           const std::map<unsigned, std::string>& ports, ParseNotes& notes);

// Spec: {"bridge": "br0", "format": "bridge"|"brctl", "command": [...], "dir": "/sys/class/net"}.
// command defaults to `bridge fdb show br <bridge>` / `brctl showmacs <bridge>`.
Result<std::unique_ptr<Collector>> make_bridge_fdb_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
