// Per-modem serialisation and login safety around TplinkSession: one session at a time per modem (FIFO
// queue), the LoginGuard back-off checked before every login and saved after every outcome, one re-login when
// a web-UI login takes the session over. Thread-safe; different modems run in parallel.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <sys/stat.h>

#include "safety.hpp"
#include "session.hpp"

namespace cpe::tplink {

struct SchedulerOptions {
    GuardPolicy policy;
    std::string state_file;  // "" = keep the back-off state in memory only
    size_t max_queue_per_modem = 16;
    std::function<int64_t()> clock;  // epoch seconds; default: system clock
};

// What a poll reports besides the data (the lead's REST layer shows it).
struct PollReport {
    bool lockout = false;         // the modem reported a lockout
    bool held_back = false;       // no login was attempted: back-off in force
    bool stopped = false;         // held back because the guard stopped at its reserve margin (or a lockout)
    bool needs_operator = false;  // stopped until an operator clears the guard (clear_guard / the probe CLI)
    bool taken_over = false;      // a web-UI login took our session; we re-logged once
    std::string variant;
};

class ModemScheduler {
  public:
    static Result<std::unique_ptr<ModemScheduler>> create(SchedulerOptions options);

    // login → all reads → logout, queued behind any other session to the same modem.
    Result<Snapshot> poll(const ModemConfig& modem, PollReport* report = nullptr);

    GuardRecord guard_record(const std::string& modem_id) const;
    LoginGuard::Decision guard_check(const std::string& modem_id) const;
    // The operator's action after fixing the password: logins to this modem may start again. Saved at once.
    Status clear_guard(const std::string& modem_id);

  private:
    explicit ModemScheduler(SchedulerOptions options, LoginGuard guard);
    struct Queue {
        std::mutex m;
        std::condition_variable cv;
        uint64_t next_ticket = 0, serving = 0;
    };
    Result<Snapshot> poll_locked(const ModemConfig& modem, const std::string& id, PollReport& report);
    std::optional<LoginFailure> note_login(const std::string& id, const TplinkSession& s, bool ok);
    // Another process (the probe CLI's --clear-guard) rewrote the state file: take its content. mu_ held.
    void reload_if_changed_locked();
    void save_locked();
    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        int64_t mtime_ns = 0;
        off_t size = -1;
        bool operator==(const FileId&) const = default;
    };
    static std::optional<FileId> file_id(const std::string& path);

    SchedulerOptions options_;
    mutable std::mutex mu_;  // guards guard_ and queues_
    LoginGuard guard_;
    std::optional<FileId> state_id_;  // the state file as we last wrote or read it
    std::map<std::string, std::shared_ptr<Queue>> queues_;
};

}  // namespace cpe::tplink
