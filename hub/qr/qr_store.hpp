// What the /q/ flow must keep across a hub restart, in new tables of the hub's SQLite file (a second
// connection to store.path; WAL): one-time codes (hashed, with their tries), fixed-window rate-limit
// counters, and the technicians' token links (hashed). docs/qr.md "Storage". Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.hpp"
#include "util/result.hpp"

namespace cpe::hub::qr {

struct OtpLimits {
    unsigned ttl_s = 600;                // a code lives 10 minutes
    unsigned max_tries = 5;              // wrong tries per code; the 6th is refused, even with the right code
    unsigned per_mac_per_hour = 3;       // new codes per device per hour
    unsigned per_phone_per_day = 5;      // SMS per phone number per day
    unsigned per_address_per_hour = 10;  // new codes per client address per hour
    unsigned global_per_day = 500;       // SMS per day, the whole hub (against SMS pumping)
};

// Why a new code is refused, and for how long (seconds until the window that refused it ends).
struct Refusal {
    std::string limit;  // "mac", "phone", "address", "global", "locked"
    int64_t retry_after_s = 0;
};

struct PendingCode {
    std::string masked;  // "••22" as shown
    int64_t expires_ms = 0;
    unsigned tries = 0;
};

enum class Verdict { ok, wrong, locked, expired, none };
struct VerifyResult {
    Verdict verdict = Verdict::none;
    unsigned tries_left = 0;
    int64_t wait_s = 0;  // locked: until the code expires and a new one may be asked for
};

struct TechToken {
    std::string id, tech, created_by;
    int64_t created_ms = 0, expires_ms = 0, revoked_ms = 0;
};

class QrStore {
  public:
    static Result<std::unique_ptr<QrStore>> open(const std::string& path, OtpLimits limits);

    const OtpLimits& limits() const { return limits_; }

    // Would a new code for this device, phone ("" for a device ERPNext does not know) and client address be
    // refused now? Counts nothing.
    Result<std::optional<Refusal>> may_send(const std::string& mac, const std::string& phone,
                                            const std::string& address, int64_t now_ms);
    // A code went out (or, for an unknown device, the same page was shown): counts it in each window and
    // stores the code's hash, replacing the device's earlier code.
    Status record_send(const std::string& mac, const std::string& phone, const std::string& address,
                       const std::string& code_hash, const std::string& masked, int64_t now_ms);
    Result<std::optional<PendingCode>> pending(const std::string& mac, int64_t now_ms);
    // One try: counted first, then `code_hash` compared in constant time with the stored one. The code is
    // deleted once used.
    Result<VerifyResult> verify(const std::string& mac, const std::string& code_hash, int64_t now_ms);

    // A generic fixed-window counter: counts one hit of `key`; the seconds to wait when it is over `limit`
    // (the hit is then not counted), else nullopt.
    Result<std::optional<int64_t>> hit(const std::string& key, int64_t window_ms, unsigned limit,
                                       int64_t now_ms);

    // Drops the counters of windows that ended (every window is at most a day) and expired codes, so the
    // tables stay bounded whatever the number of devices and addresses seen. record_send runs it at most once
    // an hour.
    Status purge(int64_t now_ms);

    // Technicians' token links: only the SHA-256 of the token is kept.
    Status add_token(const TechToken& token, const std::string& token_hash);
    Result<std::optional<TechToken>> token_by_hash(const std::string& token_hash, int64_t now_ms);
    Result<std::optional<TechToken>> token_by_id(const std::string& id);
    Result<bool> revoke_token(const std::string& id, int64_t now_ms);
    Result<std::vector<TechToken>> tokens();

  private:
    QrStore(store::Db db, OtpLimits limits) : db_(std::move(db)), limits_(limits) {}
    Result<int64_t> count(const std::string& key, int64_t window_ms, int64_t now_ms, int64_t* window_end);
    Status bump(const std::string& key, int64_t window_ms, int64_t now_ms);

    store::Db db_;
    OtpLimits limits_;
    int64_t last_purge_ms_ = 0;
};

}  // namespace cpe::hub::qr
