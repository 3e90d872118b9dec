// Device.IP.Diagnostics.IPPing() (TR-181): echo requests to one host, one at a time, over icmp.hpp.
// A probe is answered or lost within Timeout; the next one goes when the previous was answered or lost,
// and no sooner than kProbeIntervalMs after it was sent.
#pragma once

#include "diag/resolve.hpp"
#include "usp/commands.hpp"

namespace cpe::agent::diag {

inline constexpr int kProbeIntervalMs = 100;

// The command (arguments, bounds) with its run; `resolver` turns Host into an address.
usp::CommandSpec ipping_command(Resolver resolver);

}  // namespace cpe::agent::diag
