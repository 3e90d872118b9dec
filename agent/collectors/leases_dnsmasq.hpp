// "leases_dnsmasq": dnsmasq's lease file (option "file", default /tmp/dhcp.leases). One lease per line:
// "<expiry epoch> <mac> <ipv4> <hostname|*> <client-id|*>"; expiry 0 = infinite. DHCPv6 leases (after a
// "duid <server duid>" line; IAID in the MAC column, IPv6 address) are not IPv4 leases and are skipped.
#pragma once

#include <cJSON.h>

#include <memory>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

std::vector<Lease> parse_dnsmasq_leases(std::string_view text, ParseNotes& notes);

Result<std::unique_ptr<Collector>> make_leases_dnsmasq_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
