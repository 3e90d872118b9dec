// Host names of diagnostics' arguments to addresses: an IP literal as it is, a name through a resolver the
// daemon provides (our own DNS client, common/net/dns.hpp — the static agent has no glibc NSS).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "diag/icmp.hpp"
#include "util/result.hpp"

namespace cpe::agent::diag {

// `version` is the TR-181 ProtocolVersion ("Any", "IPv4", "IPv6"). Errc::not_found = the name does not
// resolve. `stop` is asked between network waits (a cancel or the command's deadline).
using Resolver = std::function<Result<Address>(const std::string& host, const std::string& version,
                                               const std::function<bool()>& stop)>;

// Literals only: a name is not_found. The resolver of tests and of commands given addresses.
Result<Address> resolve_literal(const std::string& host, const std::string& version,
                                const std::function<bool()>& stop);

// The DNS servers of the board: `nameserver` lines of <root>/etc/resolv.conf ("" root = the live "/"), read
// at each call (a WAN reconnect may change them).
std::vector<std::string> board_dns_servers(const std::string& root);
// Literals as they are; names through our DNS client to the board's servers (A for IPv4/Any, AAAA for IPv6
// and for Any when there is no A record). 2 s per query.
Resolver dns_resolver(std::string root);

}  // namespace cpe::agent::diag
