// "sysfs_net": network interfaces from /sys/class/net/<if>/ (option "dir", default /sys/class/net;
// "interfaces": names, default every entry of the directory). Attributes per the kernel's
// Documentation/ABI/testing/sysfs-class-net and sysfs-class-net-statistics.
#pragma once

#include <cJSON.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

// The statistics/ counters we read, in this order.
constexpr std::array<const char*, 8> kSysfsNetStats = {"rx_bytes",  "tx_bytes",  "rx_packets", "tx_packets",
                                                       "rx_errors", "tx_errors", "rx_dropped", "tx_dropped"};

// The contents of one interface's attribute files; nullopt when the file could not be read (absent, or
// EINVAL as the kernel returns for carrier/speed/duplex of a down interface).
struct SysfsNetFiles {
    std::optional<std::string> address, operstate, carrier, speed, duplex;
    std::array<std::optional<std::string>, kSysfsNetStats.size()> stats;
};

NetInterface parse_sysfs_interface(std::string_view name, const SysfsNetFiles& files, ParseNotes& notes);

Result<std::unique_ptr<Collector>> make_sysfs_net_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
