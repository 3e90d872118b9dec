// Device.DNS.Diagnostics.NSLookupDiagnostics() (TR-181): NumberOfRepetitions lookups of HostName (an A and an
// AAAA query each) at DNSServer, or at the board's first resolv.conf server when none is given, through our
// own DNS client (common/net/dns.hpp).
#pragma once

#include <string>

#include "usp/commands.hpp"

namespace cpe::agent::diag {

// `root`: the board's root ("" = the live "/"), for <root>/etc/resolv.conf.
usp::CommandSpec nslookup_command(std::string root);

}  // namespace cpe::agent::diag
