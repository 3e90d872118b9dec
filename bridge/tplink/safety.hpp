// Modem safety: never more than one failed login per modem per back-off window, longer after each failure,
// and never before a lockout's forbid time is over. Pure logic over an injected clock (epoch seconds) so it
// is testable without a network; the state is saved to a small JSON file so a restart does not reset it. Why:
// TP-Link units lock out after repeated failures and one ISP unit hung until power-cycled (tplink-web-api.md,
// Pitfalls).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace cpe::tplink {

enum class LoginFailure {
    bad_credentials,  // $.ret=71233
    locked,           // a lockout answer (forbid time) — also reported upward
    bad_request,      // $.ret=71234 or an answer we could not understand
    no_answer,        // credentials were sent but the connection dropped or timed out
};
const char* login_failure_name(LoginFailure f);

struct GuardPolicy {
    int64_t base_backoff_s = 300;  // after the first failure
    int64_t max_backoff_s = 6 * 3600;
    int64_t lockout_margin_s = 30;  // added to a reported forbid time
    // The modem's lockout threshold when it does not say (the MR family locks after 5: tplinkrouterc6u's
    // "Auth times: N/5"; the EX family is unconfirmed). Counted by us when the modem gives no count.
    int64_t modem_max_attempts = 5;
    // Attempts left untouched for a person: the bridge STOPS logging in when the attempts remaining before
    // the lockout (the modem's count when it gives one, else ours) are this many or fewer.
    int64_t reserve_attempts = 2;
    // After a stop, no attempt before this many seconds (the modem's own lockout window, not known for EX).
    // When only one attempt would remain, time alone never resumes: only an operator action (clear) does.
    int64_t stop_window_s = 24 * 3600;
};

struct GuardRecord {
    uint32_t failures = 0;      // consecutive failed logins
    int64_t blocked_until = 0;  // no login attempt before this (epoch s)
    bool locked = false;        // the last failure was a lockout
    bool stopped = false;       // stopped at the reserve margin (or a lockout): see GuardPolicy
    int64_t attempts_used = 0;  // failed attempts the modem has counted (its currAuthTimes, else ours)
    std::string last_failure;   // login_failure_name(); never carries credentials
    std::string variant;        // firmware variant that last worked ("" = unknown)
};

class LoginGuard {
  public:
    explicit LoginGuard(GuardPolicy policy = {}) : policy_(policy) {}

    struct Decision {
        bool allowed = true;
        bool needs_operator = false;  // stopped; only clear() resumes
        int64_t retry_at = 0;
        std::string reason;  // why not, e.g. "locked out by the modem; next attempt at +120 s"
    };
    Decision check(const std::string& modem, int64_t now) const;
    void on_success(const std::string& modem, const std::string& variant);
    // Returns the new record. `forbid_s` is the modem's reported forbid time, `auth_times` its count of
    // failed attempts, when it gave them; both optional (never relied on alone).
    const GuardRecord& on_failure(const std::string& modem, int64_t now, LoginFailure kind,
                                  std::optional<int64_t> forbid_s,
                                  std::optional<int64_t> auth_times = std::nullopt);
    // The operator's action: forget the failures of one modem (keeps the remembered variant).
    void clear(const std::string& modem);
    const GuardRecord* find(const std::string& modem) const;
    // The record check() works from: the stored one, or (after the state file was lost) a stopped one.
    GuardRecord effective(const std::string& modem) const;
    int64_t attempts_remaining(const GuardRecord& r) const {
        return policy_.modem_max_attempts - r.attempts_used;
    }
    // Non-zero when the state file was empty or unreadable at load (epoch s): modems without a record are
    // then treated as stopped at the reserve margin from that time — a lost file never resets the back-off.
    int64_t state_lost_at() const { return state_lost_at_; }

    std::string serialize() const;
    static Result<LoginGuard> parse(std::string_view text, GuardPolicy policy, std::string_view what);
    // Missing file = empty state. Empty or unreadable JSON = "state lost" (see state_lost_at) with the reason
    // in `warning`. Only an I/O error is an error.
    static Result<LoginGuard> load(const std::string& path, GuardPolicy policy, int64_t now,
                                   std::string* warning = nullptr);
    // Saves atomically and durably: a 0600 temp file, fsync, rename over the state file, fsync of the
    // directory.
    Status save(const std::string& path) const;

  private:
    GuardPolicy policy_;
    std::map<std::string, GuardRecord> records_;
    int64_t state_lost_at_ = 0;
};

}  // namespace cpe::tplink
