// Device.IP.Diagnostics.TraceRoute() (TR-181): UDP probes with a growing TTL / hop limit; each router on the
// way answers with an ICMP "time exceeded", the host itself with "port unreachable". The ICMP errors come
// back on the probing UDP socket itself (IP_RECVERR / IPV6_RECVERR, read with MSG_ERRQUEUE): no raw socket,
// no privilege needed. Each probe goes to its own destination port, which is how an error is matched to its
// probe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "diag/resolve.hpp"
#include "usp/commands.hpp"

namespace cpe::agent::diag {

inline constexpr uint16_t kTraceBasePort = 33434;  // the traditional traceroute ports

usp::CommandSpec traceroute_command(Resolver resolver);

}  // namespace cpe::agent::diag
