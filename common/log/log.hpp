// Bounded logging: level-checked macros, debug lines compiled out of CPE builds (CPE_WITH_DEBUG_LOG=0),
// and a rate-limited form that says how many lines it dropped. Output goes to stderr with printf-style
// formatting (no iostream: agent binary size). Every line should name its subject (device, connection, file).
#pragma once

#include <cstdarg>
#include <cstdint>

#ifndef CPE_WITH_DEBUG_LOG
#define CPE_WITH_DEBUG_LOG 1
#endif

namespace cpe::log {

enum class Level : int { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();
bool enabled(Level level);

// Writes one line ("<time> <LEVEL> <tag>: <text>") to the sink. Lines are cut at 512 bytes.
void write(Level level, const char* tag, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
void vwrite(Level level, const char* tag, const char* fmt, va_list args);

// A sink other than stderr (tests capture lines with it). nullptr restores stderr.
using Sink = void (*)(Level level, const char* line, void* user);
void set_sink(Sink sink, void* user);

// Allows at most `burst` lines per `window_s` seconds; once the window rolls over, the next line
// written reports how many were suppressed. One static instance per call site (see CPE_LOG_LIMITED).
class RateLimit {
  public:
    RateLimit(unsigned burst, unsigned window_s) : burst_(burst), window_s_(window_s) {}
    // Returns true if a line may be written now; `suppressed` receives the count dropped since the last one.
    bool allow(uint64_t now_s, unsigned& suppressed);

  private:
    unsigned burst_;
    unsigned window_s_;
    uint64_t window_start_ = 0;
    unsigned used_ = 0;
    unsigned dropped_ = 0;
};

void write_limited(RateLimit& limit, Level level, const char* tag, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

uint64_t monotonic_seconds();

}  // namespace cpe::log

#define CPE_LOG(lvl, tag, ...)                                                      \
    do {                                                                            \
        if (::cpe::log::enabled(lvl)) ::cpe::log::write((lvl), (tag), __VA_ARGS__); \
    } while (0)

#if CPE_WITH_DEBUG_LOG
#define LOG_DEBUG(tag, ...) CPE_LOG(::cpe::log::Level::debug, tag, __VA_ARGS__)
#else
#define LOG_DEBUG(tag, ...) \
    do {                    \
    } while (0)
#endif
#define LOG_INFO(tag, ...) CPE_LOG(::cpe::log::Level::info, tag, __VA_ARGS__)
#define LOG_WARN(tag, ...) CPE_LOG(::cpe::log::Level::warn, tag, __VA_ARGS__)
#define LOG_ERROR(tag, ...) CPE_LOG(::cpe::log::Level::error, tag, __VA_ARGS__)

// At most `burst` lines per `window_s` seconds from this call site.
#define LOG_LIMITED(lvl, burst, window_s, tag, ...)                                                         \
    do {                                                                                                    \
        static ::cpe::log::RateLimit cpe_log_limit_((burst), (window_s));                                   \
        if (::cpe::log::enabled(lvl)) ::cpe::log::write_limited(cpe_log_limit_, (lvl), (tag), __VA_ARGS__); \
    } while (0)
