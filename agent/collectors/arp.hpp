// "arp": the kernel's IPv4 neighbour table, /proc/net/arp (option "file"). A header line, then
// "<ip> <hw type> <flags> <hw address> <mask> <device>", flags in hex (ATF_COM 0x2 = resolved,
// ATF_PERM 0x4 = static; include/uapi/linux/if_arp.h, printed by net/ipv4/arp.c).
// Only resolved entries become records; unresolved ones are counted in the notes.
#pragma once

#include <cJSON.h>

#include <memory>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

// `unresolved`, when given, receives how many of the notes were unresolved entries (not malformed lines).
std::vector<Neighbour> parse_proc_net_arp(std::string_view text, ParseNotes& notes,
                                          size_t* unresolved = nullptr);

Result<std::unique_ptr<Collector>> make_arp_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
