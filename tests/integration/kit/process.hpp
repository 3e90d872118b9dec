// Child processes in tests: started with posix_spawn, their stdout and stderr in one file, waited for with a
// bound, stopped with SIGTERM and then SIGKILL. A Proc is a plain record; the functions below act on it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace cpe::testkit {

struct Proc {
    pid_t pid = -1;   // -1 once it ended (or never started)
    std::string out;  // the file holding its stdout and stderr
    int status = -1;  // once it ended: the exit code, 128 + the signal that ended it, -1 when we killed it
};

// Starts argv[0] (a path: no PATH lookup) with `env_extra` ("NAME=value") added to this process's
// environment, in `cwd` when given, stdin from /dev/null, stdout and stderr to the file `out` (truncated).
// pid -1 on failure.
Proc spawn(const std::vector<std::string>& argv, const std::string& out,
           const std::vector<std::string>& env_extra = {}, const std::string& cwd = "");
// True once the process has ended (it is reaped and `status` set); never waits.
bool exited(Proc& p);
// Waits up to `timeout_ms` for the process to end by itself; its status, or nullopt while it still runs.
std::optional<int> wait_exit(Proc& p, int timeout_ms = 30000);
// SIGTERM, then SIGKILL after `grace_ms`; returns the status. Idempotent.
int stop(Proc& p, int grace_ms = 5000);
// Runs argv to its end (bounded: killed after `timeout_ms`) with its output in `out`; returns the status.
int run(const std::vector<std::string>& argv, const std::string& out, int timeout_ms = 120000);
// Runs argv to its end and collects its stdout, and its stderr unless `with_stderr` is false (then it goes to
// this process's stderr), in `output` (bounded: killed after `timeout_ms`, status -1 then); returns the
// status.
int capture(const std::vector<std::string>& argv, std::string& output, int timeout_ms = 120000,
            bool with_stderr = true);
// The same for a shell command line (/bin/sh -c), for the tests that build pipelines; `output` may be null.
int shell(const std::string& command, std::string* output = nullptr, int timeout_ms = 120000);
// Waits (bounded) until `needle` appears in the process's output and returns the rest of that line after it;
// "" when the time is up or the process ended without writing it.
std::string wait_for(Proc& p, const std::string& needle, int seconds = 30);

// A Proc stopped when it goes out of scope.
class ScopedProc {
  public:
    ScopedProc() = default;
    explicit ScopedProc(Proc p) : p_(std::move(p)) {}
    ~ScopedProc() { stop(p_); }
    ScopedProc(const ScopedProc&) = delete;
    ScopedProc& operator=(const ScopedProc&) = delete;
    ScopedProc& operator=(Proc p) {
        stop(p_);
        p_ = std::move(p);
        return *this;
    }
    Proc& operator*() { return p_; }
    Proc* operator->() { return &p_; }

  private:
    Proc p_;
};

}  // namespace cpe::testkit
