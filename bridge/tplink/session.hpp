// One login → reads → logout exchange with one TP-Link EX/XX modem over its web UI.
// Not thread-safe and not rate-limited by itself: go through ModemScheduler (scheduler.hpp), which serialises
// sessions per modem and applies the login back-off.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http.hpp"
#include "model.hpp"
#include "protocol.hpp"
#include "safety.hpp"

namespace cpe::tplink {

// Credentials: kept out of logs and error messages. The secret file holds `password=…` (and optionally
// `user=…`) lines, or a single line that is the password. Default user: `user` (ISP units refuse `admin`).
struct Credentials {
    std::string user = "user";
    std::string password;
};
Result<Credentials> load_secret_file(const std::string& path);

struct ModemConfig {
    std::string id;    // key for the back-off state and the queue; defaults to host
    std::string host;  // "192.168.1.1" or "127.0.0.1:8080"
    Credentials credentials;
    std::optional<Variant> variant;  // nullopt = detect (remembered in the back-off state once known)
    HttpTimeouts timeouts;
};

class TplinkSession {
  public:
    static Result<TplinkSession> open(const ModemConfig& config);

    // Logs in. `candidates` empty = detect: /js/tpEncrypt.js hints first, then the other variants while the
    // modem answers with a dropped connection or 71234 (its answer to a sign it cannot read).
    Status login(std::vector<Variant> candidates);
    // `allow_refusal`: a success=false answer is returned (reply.success false) instead of an error.
    Result<ActReply> act(std::string_view op, std::string_view oid, std::string_view stack = "0,0,0,0,0,0",
                         const std::vector<std::string>& attrs = {}, bool allow_refusal = false);
    // DEV2_DEV_INFO, _ADT_WAN, _ADT_LAN, _ADT_WIFI_COMMON, _HOST_ENTRY, _OPTC_GPON_CFG, _MEM_STATUS,
    // _PROC_STATUS, then the mesh: _MULTIAP_APDEVICE and _MULTIAP_ASSOCDEV (optional: absent objects leave
    // the mesh empty).
    Result<Snapshot> read_all();
    Status logout();

    // After a failed login: what happened, for the back-off. nullopt = no credentials reached the modem
    // (e.g. it could not be reached at all), which is not a failed login.
    std::optional<LoginFailure> login_failure() const { return failure_; }
    std::optional<int64_t> forbid_seconds() const { return forbid_s_; }
    // The modem's count of failed attempts (currAuthTimes), when its answer carried one. Optional: the EX
    // family's lockout answer is unconfirmed (docs/bridge-tplink.md), so the guard never relies on it alone.
    std::optional<int64_t> auth_times() const { return auth_times_; }
    // The last login failed the way a modem of another variant fails: dropped connection, HTTP error or an
    // unencrypted 71234. An answer that decrypts with our key is never that (the modem read the sign).
    bool sign_unread() const;
    // After a failed act/read: the session is gone (logged out, or taken over by a web-UI login).
    bool session_lost() const { return session_lost_; }
    bool logged_in() const { return crypto_.has_value(); }
    Variant variant() const { return crypto_ ? crypto_->variant() : Variant{}; }

  private:
    TplinkSession(ModemConfig config, HttpClient http, Random rng);
    Status login_once(Variant v, bool more_to_try, std::string& notes);

    ModemConfig config_;
    HttpClient http_;
    Random rng_;
    std::optional<SessionCrypto> crypto_;
    std::optional<LoginFailure> failure_;
    std::optional<int64_t> forbid_s_;
    std::optional<int64_t> auth_times_;
    bool sign_unread_ = false;
    bool session_lost_ = false;
};

}  // namespace cpe::tplink
