// Asynchronous USP commands (TR-369 "Operate", async commands): the generic part. A CommandSpec names the
// command in supported form ("Device.IP.Diagnostics.IPPing()"), declares its input arguments (type, range,
// default) and a `run` function that does the work on a worker thread and returns the output arguments.
// CommandRunner validates a request's arguments (an error names the offending argument), starts it, keeps
// it as a Device.LocalAgent.Request.{i}. until it completes, cancels it, and hands the completion back to
// the event loop through `post` (the caller turns it into OperationComplete notifications).
//
// One command of a kind at a time: a second request for a kind that is running is refused with USP error
// 7005 (resources exceeded) — not queued, so a controller never waits behind a test it cannot see.
// A request running when the agent stops is written to a state file; the next start reads it back as
// "interrupted" so that the controller is told the command failed (see UspAgent::report_interrupted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tr181/value.hpp"
#include "usp/types.hpp"
#include "util/lifetime.hpp"
#include "util/result.hpp"

namespace cpe::agent::usp {

using Args = cpe::usp::StrMap;

// One input argument. Unsigned ranges are inclusive; `values` (when not empty) is the TR-181 enumeration.
struct ArgSpec {
    std::string name;
    tr181::Type type = tr181::Type::string;
    bool required = false;
    std::string fallback;  // the value used when the argument is absent ("" = absent stays absent)
    uint64_t min = 0, max = UINT64_MAX;
    size_t max_length = 256;  // strings
    std::vector<std::string> values;
};

// What a run sees: its arguments (validated, defaults filled in), a cancel flag and its deadline. A run
// checks both at least every 100 ms and returns what it has.
struct RunContext {
    const Args& args;
    const std::atomic<bool>& cancelled;
    std::chrono::steady_clock::time_point deadline;
    bool stop_now() const { return cancelled.load() || std::chrono::steady_clock::now() >= deadline; }
};

// A request whose arguments are wrong: `arg` is the argument's name, `code` a USP error code
// (7004 invalid arguments for an unknown argument, 7011 invalid type, 7012 invalid value, 7027 a missing
// one).
struct ArgError {
    std::string arg;
    uint32_t code = 0;
    std::string message;
};

struct CommandSpec {
    std::string path;  // supported form: "Device.IP.Diagnostics.IPPing()"
    std::string kind;  // one running at a time per kind ("ipping")
    std::vector<ArgSpec> inputs;
    uint32_t max_seconds = 120;  // the run's deadline; its arguments are checked to fit in it
    // Extra checks across arguments after the per-argument ones (nullopt = fine).
    std::function<std::optional<ArgError>(const Args&)> check;
    // Runs on a worker thread. Never throws. Returns the output arguments (TR-181 names).
    std::function<Args(const RunContext&)> run;
};

// Checks `in` against `spec`, fills defaults. Unknown arguments are refused (a typo must not silently run
// a test with defaults).
std::optional<ArgError> validate_args(const CommandSpec& spec, Args& in);

struct RequestInfo {
    uint32_t instance = 0;  // Device.LocalAgent.Request.{instance}.
    std::string command;    // the path as requested ("Device.IP.Diagnostics.IPPing()")
    std::string command_key;
    std::string originator;
};

using Completion = std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure>;

class CommandRunner {
  public:
    using Post = std::function<void(std::function<void()>)>;                  // run on the owner's loop
    using Done = std::function<void(const RequestInfo&, const Completion&)>;  // on the loop

    // `state_file` ("" = none) records running requests across a restart.
    CommandRunner(Post post, std::string state_file, size_t max_running = 6);
    ~CommandRunner();  // cancels and joins whatever still runs
    CommandRunner(const CommandRunner&) = delete;
    CommandRunner& operator=(const CommandRunner&) = delete;

    void add(CommandSpec spec);
    const CommandSpec* find(const std::string& supported_path) const;
    void on_done(Done done) { done_ = std::move(done); }

    struct Refused {
        uint32_t code = 0;
        std::string message;
        std::optional<ArgError> arg;
    };
    // Validates and starts. The request instance on success.
    std::variant<RequestInfo, Refused> start(const CommandSpec& spec, RequestInfo info, Args args);
    // Asks a running request to stop; it completes with USP error 7023 (command canceled). False if none.
    bool cancel(uint32_t instance);
    std::map<uint32_t, RequestInfo> requests() const;
    size_t running() const { return active_.size(); }
    // A Device.LocalAgent.Request.{i}. number for a request run outside this runner (self-update, reboot),
    // unique among this runner's own.
    uint32_t allocate_instance() { return next_instance_++; }

    // Requests the previous run of the agent left running (read once at start, file removed).
    std::vector<RequestInfo> take_interrupted();

  private:
    struct Active {
        RequestInfo info;
        std::string kind;
        std::unique_ptr<std::atomic<bool>> cancelled;
        std::thread worker;
    };
    void finish(uint32_t instance, Args out);
    void save() const;

    Post post_;
    std::string state_file_;
    size_t max_running_;
    Done done_;
    std::vector<CommandSpec> specs_;
    std::map<uint32_t, Active> active_;
    uint32_t next_instance_ = 1;
    std::vector<RequestInfo> interrupted_;
    Lifetime life_;  // completions posted to the loop after the runner is gone do nothing
};

}  // namespace cpe::agent::usp
