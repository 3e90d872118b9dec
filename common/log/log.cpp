#include "log/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>

namespace cpe::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
Sink g_sink = nullptr;
void* g_sink_user = nullptr;

const char* level_name(Level level) {
    switch (level) {
        case Level::debug:
            return "DEBUG";
        case Level::info:
            return "INFO";
        case Level::warn:
            return "WARN";
        case Level::error:
            return "ERROR";
        case Level::off:
            break;
    }
    return "?";
}

constexpr size_t kMaxLine = 512;

}  // namespace

void set_level(Level level) {
    g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}
Level level() {
    return static_cast<Level>(g_level.load(std::memory_order_relaxed));
}
bool enabled(Level lvl) {
    return static_cast<int>(lvl) >= g_level.load(std::memory_order_relaxed);
}

void set_sink(Sink sink, void* user) {
    g_sink = sink;
    g_sink_user = user;
}

uint64_t monotonic_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec);
}

void vwrite(Level lvl, const char* tag, const char* fmt, va_list args) {
    char line[kMaxLine];
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s: ", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, level_name(lvl),
                     tag ? tag : "-");
    if (n < 0) return;
    size_t used = static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1;
    vsnprintf(line + used, sizeof line - used, fmt, args);
    for (char* p = line; *p; ++p) {
        if (*p == '\n' || *p == '\r') *p = ' ';  // one event, one line: a value cannot forge log lines
    }
    if (g_sink) {
        g_sink(lvl, line, g_sink_user);
    } else {
        fprintf(stderr, "%s\n", line);
    }
}

void write(Level lvl, const char* tag, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vwrite(lvl, tag, fmt, args);
    va_end(args);
}

bool RateLimit::allow(uint64_t now_s, unsigned& suppressed) {
    suppressed = 0;
    if (window_start_ == 0 || now_s >= window_start_ + window_s_) {
        window_start_ = now_s == 0 ? 1 : now_s;
        used_ = 0;
    }
    if (used_ < burst_) {
        ++used_;
        suppressed = dropped_;
        dropped_ = 0;
        return true;
    }
    ++dropped_;
    return false;
}

void write_limited(RateLimit& limit, Level lvl, const char* tag, const char* fmt, ...) {
    unsigned suppressed = 0;
    if (!limit.allow(monotonic_seconds(), suppressed)) return;
    if (suppressed > 0) write(lvl, tag, "(%u similar lines suppressed)", suppressed);
    va_list args;
    va_start(args, fmt);
    vwrite(lvl, tag, fmt, args);
    va_end(args);
}

}  // namespace cpe::log
