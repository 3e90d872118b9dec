// The collector behind "leases_dnsmasq" and "leases_udhcpd": reads one lease file, appends the leases its
// parser finds to BoardData::leases and logs the parser's notes (rate-limited).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

using LeaseParser = std::vector<Lease> (*)(std::string_view data, ParseNotes& notes);

// `type` is a string literal: the collector's type, and the context of a read error.
std::unique_ptr<Collector> make_lease_file_collector(const char* type, std::string file, LeaseParser parse);

}  // namespace cpe::agent
