// Host names of diagnostics' arguments to addresses: an IP literal as it is, a name through a resolver the
// daemon provides (our own DNS client, common/net/dns.hpp — the static agent has no glibc NSS).
#pragma once

#include <functional>
#include <string>

#include "diag/icmp.hpp"
#include "util/result.hpp"

namespace cpe::agent::diag {

// `version` is the TR-181 ProtocolVersion ("Any", "IPv4", "IPv6"). Errc::not_found = the name does not resolve.
using Resolver = std::function<Result<Address>(const std::string& host, const std::string& version)>;

// Literals only: a name is not_found. The resolver of tests and of commands given addresses.
Result<Address> resolve_literal(const std::string& host, const std::string& version);

}  // namespace cpe::agent::diag
