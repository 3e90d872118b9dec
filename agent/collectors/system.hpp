// "system": uptime, memory, CPU busy share and load from procfs (formats: kernel
// Documentation/filesystems/proc.rst). Options: "uptime", "meminfo", "stat", "loadavg" — file paths, default
// /proc/<name>.
#pragma once

#include <cJSON.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "collectors/collector.hpp"

namespace cpe::agent {

// Aggregate CPU time in USER_HZ ticks from the "cpu " line of /proc/stat.
struct CpuTimes {
    uint64_t busy = 0;   // total − idle − iowait
    uint64_t total = 0;  // user + nice + system + idle + iowait + irq + softirq + steal
};

struct MemInfo {
    std::optional<uint64_t> total_kib, free_kib, available_kib;
};

// /proc/uptime: "<seconds since boot> <idle seconds>" → whole seconds since boot.
Result<uint64_t> parse_uptime(std::string_view text);
// /proc/meminfo: "<Name>: <value> [kB]" lines; keeps MemTotal, MemFree, MemAvailable; notes malformed lines.
MemInfo parse_meminfo(std::string_view text, ParseNotes& notes);
// /proc/stat: the aggregate "cpu " line.
Result<CpuTimes> parse_proc_stat(std::string_view text);
// /proc/loadavg: "<1 min> <5 min> <15 min> <running>/<total> <last pid>" → the 1-minute load.
Result<double> parse_loadavg(std::string_view text);
// Busy share in percent (0..100, rounded) since `previous`, or since boot when there is no usable previous
// sample (none, the same tick count, or counters that went backwards). Absent when no time has been counted.
std::optional<unsigned> cpu_percent(const std::optional<CpuTimes>& previous, const CpuTimes& current);

Result<std::unique_ptr<Collector>> make_system_collector(const cJSON* spec, std::string_view where);

}  // namespace cpe::agent
