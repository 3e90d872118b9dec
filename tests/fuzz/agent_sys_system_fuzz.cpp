// /proc/uptime, /proc/meminfo, /proc/stat and /proc/loadavg parsers on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/system.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cpe::agent;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)parse_uptime(text);
    (void)parse_loadavg(text);
    cpe::agent::ParseNotes notes;
    (void)parse_meminfo(text, notes);
    if (notes.messages.size() > ParseNotes::kMaxKept || notes.messages.size() > notes.skipped) std::abort();
    auto cpu = parse_proc_stat(text);
    if (cpu.ok()) {
        if (cpu->busy > cpu->total) std::abort();
        auto p = cpu_percent(std::nullopt, *cpu);
        if (p && *p > 100) std::abort();
        CpuTimes earlier{cpu->busy / 2, cpu->total / 2};
        auto q = cpu_percent(earlier, *cpu);
        if (q && *q > 100) std::abort();
    }
    return 0;
}
