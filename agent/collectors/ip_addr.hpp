// "ip_addr": the IPv4 addresses of the device's interfaces, from `ip -o -4 addr show` (option "command",
// that argv by default). One line per address (iproute2 ip/ipaddress.c with -o, and BusyBox ip's oneline
// mode):
//   "<index>: <ifname>[@<link>]    inet <address>[/<prefix>] [peer <address>[/<prefix>]] [brd <address>]
//    scope <scope> [flags…] [<label>][\ valid_lft …]"
// A point-to-point address ("peer", ppp links) carries its prefix on the peer. Lines of other families
// (inet6) are ignored; malformed ones are noted and skipped.
#pragma once

#include <cJSON.h>

#include <memory>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

std::vector<InterfaceAddress> parse_ip_addr_oneline(std::string_view text, ParseNotes& notes);

Result<std::unique_ptr<Collector>> make_ip_addr_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
