#include "collectors/system.hpp"

#include <cmath>

#include "collectors/spec.hpp"
#include "collectors/text.hpp"
#include "log/log.hpp"

namespace cpe::agent {
namespace {

using text::quote;
constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxProcBytes = 1024 * 1024;  // /proc/stat grows with CPUs and IRQ lines

class SystemCollector final : public Collector {
  public:
    SystemCollector(std::string uptime, std::string meminfo, std::string stat, std::string loadavg)
        : uptime_(std::move(uptime)),
          meminfo_(std::move(meminfo)),
          stat_(std::move(stat)),
          loadavg_(std::move(loadavg)) {}
    const char* type() const override { return "system"; }

    // Each file fills its own fields; an unreadable one leaves them absent (logged). Fails when none could be
    // read.
    Status collect(SourceReader& source, BoardData& out) override {
        SystemStatus st;
        size_t good = 0;
        std::string first_error;
        auto fail = [&](const Error& e) {
            if (first_error.empty()) first_error = e.message;
            LOG_LIMITED(::cpe::log::Level::warn, 5, 300, "collector", "system: %s", e.message.c_str());
        };

        if (auto text = source.read_file(uptime_, kMaxProcBytes); !text) {
            fail(text.error());
        } else if (auto v = parse_uptime(*text); !v) {
            fail(v.error().with_context(uptime_));
        } else {
            st.uptime_s = *v;
            ++good;
        }

        if (auto text = source.read_file(meminfo_, kMaxProcBytes); !text) {
            fail(text.error());
        } else {
            ParseNotes notes;
            MemInfo m = parse_meminfo(*text, notes);
            spec::log_notes("system", meminfo_, notes, spec::Wording::system);
            if (!m.total_kib && !m.free_kib && !m.available_kib) {
                fail(make_error(Errc::parse_error, meminfo_ + ": no MemTotal, MemFree or MemAvailable line"));
            } else {
                st.mem_total_kib = m.total_kib;
                st.mem_free_kib = m.free_kib;
                st.mem_available_kib = m.available_kib;
                ++good;
            }
        }

        if (auto text = source.read_file(stat_, kMaxProcBytes); !text) {
            fail(text.error());
        } else if (auto cpu = parse_proc_stat(*text); !cpu) {
            fail(cpu.error().with_context(stat_));
        } else {
            st.cpu_percent = cpu_percent(previous_cpu_, *cpu);
            previous_cpu_ = *cpu;
            ++good;
        }

        if (auto text = source.read_file(loadavg_, kMaxProcBytes); !text) {
            fail(text.error());
        } else if (auto v = parse_loadavg(*text); !v) {
            fail(v.error().with_context(loadavg_));
        } else {
            st.load1 = *v;
            ++good;
        }

        if (good == 0)
            return make_error(Errc::unavailable, "system: no source readable (" + first_error + ")");
        out.system = st;
        return {};
    }

  private:
    std::string uptime_, meminfo_, stat_, loadavg_;
    std::optional<CpuTimes> previous_cpu_;
};

std::string_view first_line(std::string_view text) {
    return text.substr(0, text.find('\n'));
}

}  // namespace

Result<uint64_t> parse_uptime(std::string_view text) {
    std::string_view line = first_line(text);
    if (line.size() > kMaxLine) return make_error(Errc::parse_error, "uptime line longer than 4096 bytes");
    auto fields = text::split_fields(text::trim(line));
    if (fields.empty()) return make_error(Errc::parse_error, "empty uptime");
    auto v = text::parse_decimal(fields[0]);
    if (!v)
        return make_error(Errc::parse_error, "uptime " + quote(fields[0]) + " is not a number of seconds");
    if (*v >= 1e18) return make_error(Errc::parse_error, "uptime " + quote(fields[0]) + " out of range");
    return static_cast<uint64_t>(std::floor(*v));
}

MemInfo parse_meminfo(std::string_view text, ParseNotes& notes) {
    MemInfo m;
    size_t n = 0;
    for (std::string_view line : text::split_lines(text)) {
        ++n;
        const std::string at = "line " + std::to_string(n);
        if (line.size() > kMaxLine) {
            notes.add(at + ": longer than 4096 bytes");
            continue;
        }
        if (text::trim(line).empty()) continue;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            notes.add(at + ": no '<name>:' in " + quote(line));
            continue;
        }
        std::string_view name = line.substr(0, colon);
        auto fields = text::split_fields(line.substr(colon + 1));
        if (fields.empty() || fields.size() > 2 || (fields.size() == 2 && fields[1] != "kB")) {
            notes.add(at + ": " + quote(name) + " value is not '<number> [kB]'");
            continue;
        }
        auto v = text::parse_u64(fields[0]);
        if (!v) {
            notes.add(at + ": " + quote(name) + " value " + quote(fields[0]) + " is not a number");
            continue;
        }
        std::optional<uint64_t>* slot = nullptr;
        if (name == "MemTotal")
            slot = &m.total_kib;
        else if (name == "MemFree")
            slot = &m.free_kib;
        else if (name == "MemAvailable")
            slot = &m.available_kib;
        if (!slot) continue;
        if (fields.size() != 2) {
            notes.add(at + ": " + std::string(name) + " has no kB unit");
            continue;
        }
        *slot = *v;
    }
    return m;
}

Result<CpuTimes> parse_proc_stat(std::string_view text) {
    size_t n = 0;
    for (std::string_view line : text::split_lines(text)) {
        ++n;
        if (line.size() > kMaxLine || line.substr(0, 4) != "cpu ") continue;
        const std::string at = "line " + std::to_string(n) + " (cpu)";
        auto fields = text::split_fields(line);
        // user nice system idle [iowait irq softirq [steal [guest [guest_nice]]]]: older kernels print fewer.
        if (fields.size() < 5) return make_error(Errc::parse_error, at + ": fewer than 4 counters");
        uint64_t values[8] = {};
        for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
            auto v = text::parse_u64(fields[i]);
            if (!v)
                return make_error(Errc::parse_error, at + ": counter " + std::to_string(i) + " " +
                                                         quote(fields[i]) + " is not a number");
            values[i - 1] = *v;
        }
        // guest and guest_nice are already counted in user and nice by the kernel: not added again.
        CpuTimes t;
        uint64_t idle = 0;
        for (size_t i = 0; i < 8; ++i) {
            if (values[i] > UINT64_MAX / 256 - t.total)
                return make_error(Errc::parse_error, at + ": counters out of range");
            t.total += values[i];
            if (i == 3 || i == 4) idle += values[i];
        }
        t.busy = t.total - idle;
        return t;
    }
    return make_error(Errc::parse_error, "no aggregate 'cpu ' line");
}

Result<double> parse_loadavg(std::string_view text) {
    std::string_view line = first_line(text);
    if (line.size() > kMaxLine) return make_error(Errc::parse_error, "loadavg line longer than 4096 bytes");
    auto fields = text::split_fields(text::trim(line));
    if (fields.empty()) return make_error(Errc::parse_error, "empty loadavg");
    auto v = text::parse_decimal(fields[0]);
    if (!v || *v > 1e9)
        return make_error(Errc::parse_error, "1-minute load " + quote(fields[0]) + " is not a number");
    return *v;
}

std::optional<unsigned> cpu_percent(const std::optional<CpuTimes>& previous, const CpuTimes& current) {
    uint64_t busy = current.busy, total = current.total;
    if (previous && current.total > previous->total && current.busy >= previous->busy &&
        current.busy - previous->busy <= current.total - previous->total) {
        busy = current.busy - previous->busy;
        total = current.total - previous->total;
    }
    if (total == 0) return std::nullopt;
    if (busy > total) busy = total;
    return static_cast<unsigned>((busy * 100 + total / 2) / total);
}

Result<std::unique_ptr<Collector>> make_system_collector(const cJSON* spec, std::string_view where) {
    if (auto st = spec::check_keys(spec, where, {"uptime", "meminfo", "stat", "loadavg"}); !st)
        return st.error();
    auto uptime = spec::string_option(spec, "uptime", where, "/proc/uptime");
    if (!uptime) return uptime.error();
    auto meminfo = spec::string_option(spec, "meminfo", where, "/proc/meminfo");
    if (!meminfo) return meminfo.error();
    auto stat = spec::string_option(spec, "stat", where, "/proc/stat");
    if (!stat) return stat.error();
    auto loadavg = spec::string_option(spec, "loadavg", where, "/proc/loadavg");
    if (!loadavg) return loadavg.error();
    return std::unique_ptr<Collector>(std::make_unique<SystemCollector>(
        std::move(*uptime), std::move(*meminfo), std::move(*stat), std::move(*loadavg)));
}

}  // namespace cpe::agent
