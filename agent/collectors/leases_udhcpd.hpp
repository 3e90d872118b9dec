// "leases_udhcpd": busybox udhcpd's binary lease file (option "file", default /var/lib/misc/udhcpd.leases;
// profiles name the firmware's path). Layout (busybox ≥ 1.15, networking/udhcp/dhcpd.c write_leases):
//   int64 big-endian  written_at  — UNIX time the file was written
//   then packed 36-byte records:
//     uint32 BE seconds remaining at written_at (0 = already expired), uint32 IPv4 (network order),
//     uint8 mac[6], char hostname[20] (NUL-padded), uint8 pad[2]
// Absolute expiry = written_at + remaining.
#pragma once

#include <cJSON.h>

#include <memory>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace cpe::agent {

constexpr size_t kUdhcpdHeaderBytes = 8;
constexpr size_t kUdhcpdRecordBytes = 36;

std::vector<Lease> parse_udhcpd_leases(std::string_view data, ParseNotes& notes);

Result<std::unique_ptr<Collector>> make_leases_udhcpd_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
