// Modem safety: never more than one failed login per modem per back-off window, longer after each failure,
// and never before a lockout's forbid time is over. Pure logic over an injected clock (epoch seconds) so it is
// testable without a network; the state is saved to a small JSON file so a restart does not reset it.
// Why: TP-Link units lock out after repeated failures and one ISP unit hung until power-cycled
// (tplink-web-api.md, Pitfalls).
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
    int64_t base_backoff_s = 300;     // after the first failure
    int64_t max_backoff_s = 6 * 3600;
    int64_t lockout_margin_s = 30;    // added to a reported forbid time
};

struct GuardRecord {
    uint32_t failures = 0;      // consecutive failed logins
    int64_t blocked_until = 0;  // no login attempt before this (epoch s)
    bool locked = false;        // the last failure was a lockout
    std::string last_failure;   // login_failure_name(); never carries credentials
    std::string variant;        // firmware variant that last worked ("" = unknown)
};

class LoginGuard {
public:
    explicit LoginGuard(GuardPolicy policy = {}) : policy_(policy) {}

    struct Decision {
        bool allowed = true;
        int64_t retry_at = 0;
        std::string reason;  // why not, e.g. "locked out by the modem; next attempt at +120 s"
    };
    Decision check(const std::string& modem, int64_t now) const;
    void on_success(const std::string& modem, const std::string& variant);
    // Returns the new record. `forbid_s` is the modem's reported forbid time, when it gave one.
    const GuardRecord& on_failure(const std::string& modem, int64_t now, LoginFailure kind,
                                  std::optional<int64_t> forbid_s);
    const GuardRecord* find(const std::string& modem) const;

    std::string serialize() const;
    static Result<LoginGuard> parse(std::string_view text, GuardPolicy policy, std::string_view what);
    // Missing file = empty state. Saves atomically (temp file + rename).
    static Result<LoginGuard> load(const std::string& path, GuardPolicy policy);
    Status save(const std::string& path) const;

private:
    GuardPolicy policy_;
    std::map<std::string, GuardRecord> records_;
};

}  // namespace cpe::tplink
