#include "qr/qr_store.hpp"

#include <algorithm>

#include "api/access.hpp"

namespace cpe::hub::qr {

namespace {
constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS qr_otp (
    mac TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    masked TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS qr_rate (
    key TEXT PRIMARY KEY,
    window_start_ms INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS qr_tech_token (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    tech TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER NOT NULL DEFAULT 0
);
)";

int64_t secs_until(int64_t end_ms, int64_t now_ms) {
    return std::max<int64_t>(1, (end_ms - now_ms + 999) / 1000);
}
}  // namespace

Result<std::unique_ptr<QrStore>> QrStore::open(const std::string& path, OtpLimits limits) {
    auto db = store::Db::open(path);
    if (!db) return db.error();
    if (auto st = db->exec(kSchema); !st) return st.error();
    return std::unique_ptr<QrStore>(new QrStore(std::move(db).value(), limits));
}

Result<int64_t> QrStore::count(const std::string& key, int64_t window_ms, int64_t now_ms,
                               int64_t* window_end) {
    auto q = db_.prepare("SELECT window_start_ms, count FROM qr_rate WHERE key = ?1");
    if (!q) return q.error();
    q->bind(1, key);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return int64_t{0};
    int64_t start = q->integer(0);
    if (now_ms >= start + window_ms || now_ms < start) return int64_t{0};
    if (window_end) *window_end = start + window_ms;
    return q->integer(1);
}

Status QrStore::bump(const std::string& key, int64_t window_ms, int64_t now_ms) {
    // A new window starts at the first hit after the last one ended.
    auto q = db_.prepare(
        "INSERT INTO qr_rate(key, window_start_ms, count) VALUES(?1, ?2, 1) "
        "ON CONFLICT(key) DO UPDATE SET "
        "count = CASE WHEN ?2 >= window_start_ms + ?3 OR ?2 < window_start_ms THEN 1 ELSE count + 1 END, "
        "window_start_ms = CASE WHEN ?2 >= window_start_ms + ?3 OR ?2 < window_start_ms THEN ?2 ELSE "
        "window_start_ms END");
    if (!q) return q.error();
    q->bind(1, key).bind(2, now_ms).bind(3, window_ms);
    return q->run();
}

Result<std::optional<int64_t>> QrStore::hit(const std::string& key, int64_t window_ms, unsigned limit,
                                            int64_t now_ms) {
    int64_t end = 0;
    auto n = count(key, window_ms, now_ms, &end);
    if (!n) return n.error();
    if (*n >= limit) return std::optional<int64_t>(secs_until(end, now_ms));
    if (auto st = bump(key, window_ms, now_ms); !st) return st.error();
    return std::optional<int64_t>();
}

Result<std::optional<Refusal>> QrStore::may_send(const std::string& mac, const std::string& phone,
                                                 const std::string& address, int64_t now_ms) {
    // A code locked by too many tries stays locked until it expires: no new code before.
    auto q = db_.prepare("SELECT expires_ms, tries FROM qr_otp WHERE mac = ?1");
    if (!q) return q.error();
    q->bind(1, mac);
    auto row = q->step();
    if (!row) return row.error();
    if (*row && q->integer(1) >= limits_.max_tries && q->integer(0) > now_ms)
        return std::optional<Refusal>(Refusal{"locked", secs_until(q->integer(0), now_ms)});
    struct Check {
        std::string key, limit;
        int64_t window;
        unsigned max;
    };
    std::vector<Check> checks = {{"otp:mac:" + mac, "mac", kHour, limits_.per_mac_per_hour},
                                 {"otp:addr:" + address, "address", kHour, limits_.per_address_per_hour}};
    if (!phone.empty()) {
        checks.push_back({"otp:phone:" + phone, "phone", kDay, limits_.per_phone_per_day});
        checks.push_back({"otp:global", "global", kDay, limits_.global_per_day});
    }
    for (const auto& c : checks) {
        int64_t end = 0;
        auto n = count(c.key, c.window, now_ms, &end);
        if (!n) return n.error();
        if (*n >= c.max) return std::optional<Refusal>(Refusal{c.limit, secs_until(end, now_ms)});
    }
    return std::optional<Refusal>();
}

Status QrStore::purge(int64_t now_ms) {
    // Windows last a day at most, codes ten minutes (a locked one until it expires): older rows count for
    // nothing.
    auto q = db_.prepare("DELETE FROM qr_rate WHERE window_start_ms < ?1");
    if (!q) return q.error();
    q->bind(1, now_ms - kDay);
    if (auto st = q->run(); !st) return st;
    auto o = db_.prepare("DELETE FROM qr_otp WHERE expires_ms < ?1");
    if (!o) return o.error();
    o->bind(1, now_ms);
    return o->run();
}

Status QrStore::record_send(const std::string& mac, const std::string& phone, const std::string& address,
                            const std::string& code_hash, const std::string& masked, int64_t now_ms) {
    if (now_ms - last_purge_ms_ >= kHour) {
        last_purge_ms_ = now_ms;
        if (auto st = purge(now_ms); !st) return st;
    }
    return store::transaction(db_, [&]() -> Status {
        if (auto st = bump("otp:mac:" + mac, kHour, now_ms); !st) return st;
        if (auto st = bump("otp:addr:" + address, kHour, now_ms); !st) return st;
        if (!phone.empty()) {
            if (auto st = bump("otp:phone:" + phone, kDay, now_ms); !st) return st;
            if (auto st = bump("otp:global", kDay, now_ms); !st) return st;
        }
        auto q = db_.prepare(
            "INSERT OR REPLACE INTO qr_otp(mac, code_hash, masked, created_ms, expires_ms, tries) "
            "VALUES(?1, ?2, ?3, ?4, ?5, 0)");
        if (!q) return q.error();
        q->bind(1, mac)
            .bind(2, code_hash)
            .bind(3, masked)
            .bind(4, now_ms)
            .bind(5, now_ms + int64_t{limits_.ttl_s} * 1000);
        return q->run();
    });
}

Result<std::optional<PendingCode>> QrStore::pending(const std::string& mac, int64_t now_ms) {
    auto q = db_.prepare("SELECT masked, expires_ms, tries FROM qr_otp WHERE mac = ?1");
    if (!q) return q.error();
    q->bind(1, mac);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row || q->integer(1) <= now_ms) return std::optional<PendingCode>();
    return std::optional<PendingCode>(
        PendingCode{q->text(0), q->integer(1), static_cast<unsigned>(std::max<int64_t>(0, q->integer(2)))});
}

Result<VerifyResult> QrStore::verify(const std::string& mac, const std::string& code_hash, int64_t now_ms) {
    VerifyResult out;
    Status st = store::transaction(db_, [&]() -> Status {
        auto q = db_.prepare("SELECT code_hash, expires_ms, tries FROM qr_otp WHERE mac = ?1");
        if (!q) return q.error();
        q->bind(1, mac);
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) {
            out.verdict = Verdict::none;
            return Status();
        }
        std::string stored = q->text(0);
        int64_t expires = q->integer(1);
        int64_t tries = q->integer(2);
        if (expires <= now_ms) {
            out.verdict = Verdict::expired;
            return Status();
        }
        if (tries >= limits_.max_tries) {
            out.verdict = Verdict::locked;
            out.wait_s = secs_until(expires, now_ms);
            return Status();
        }
        // The try is counted before the comparison: a crash between them cannot give a free try.
        auto up = db_.prepare("UPDATE qr_otp SET tries = tries + 1 WHERE mac = ?1");
        if (!up) return up.error();
        up->bind(1, mac);
        if (auto s = up->run(); !s) return s;
        if (api::constant_time_equal(stored, code_hash)) {
            out.verdict = Verdict::ok;
            auto del = db_.prepare("DELETE FROM qr_otp WHERE mac = ?1");
            if (!del) return del.error();
            del->bind(1, mac);
            return del->run();
        }
        out.verdict = tries + 1 >= limits_.max_tries ? Verdict::locked : Verdict::wrong;
        out.tries_left = static_cast<unsigned>(limits_.max_tries - (tries + 1));
        if (out.verdict == Verdict::locked) out.wait_s = secs_until(expires, now_ms);
        return Status();
    });
    if (!st) return st.error();
    return out;
}

Status QrStore::add_token(const TechToken& t, const std::string& token_hash) {
    auto q = db_.prepare(
        "INSERT INTO qr_tech_token(id, token_hash, tech, created_by, created_ms, expires_ms) "
        "VALUES(?1,?2,?3,?4,?5,?6)");
    if (!q) return q.error();
    q->bind(1, t.id)
        .bind(2, token_hash)
        .bind(3, t.tech)
        .bind(4, t.created_by)
        .bind(5, t.created_ms)
        .bind(6, t.expires_ms);
    return q->run();
}

namespace {
TechToken token_row(const store::Stmt& q) {
    TechToken t;
    t.id = q.text(0);
    t.tech = q.text(1);
    t.created_by = q.text(2);
    t.created_ms = q.integer(3);
    t.expires_ms = q.integer(4);
    t.revoked_ms = q.integer(5);
    return t;
}
constexpr const char* kTokenCols = "id, tech, created_by, created_ms, expires_ms, revoked_ms";
}  // namespace

Result<std::optional<TechToken>> QrStore::token_by_hash(const std::string& token_hash, int64_t now_ms) {
    auto q = db_.prepare(std::string("SELECT ") + kTokenCols + " FROM qr_tech_token WHERE token_hash = ?1");
    if (!q) return q.error();
    q->bind(1, token_hash);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<TechToken>();
    TechToken t = token_row(*q);
    if (t.revoked_ms || t.expires_ms <= now_ms) return std::optional<TechToken>();
    return std::optional<TechToken>(t);
}

Result<std::optional<TechToken>> QrStore::token_by_id(const std::string& id) {
    auto q = db_.prepare(std::string("SELECT ") + kTokenCols + " FROM qr_tech_token WHERE id = ?1");
    if (!q) return q.error();
    q->bind(1, id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<TechToken>();
    return std::optional<TechToken>(token_row(*q));
}

Result<bool> QrStore::revoke_token(const std::string& id, int64_t now_ms) {
    auto q = db_.prepare("UPDATE qr_tech_token SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0");
    if (!q) return q.error();
    q->bind(1, id).bind(2, now_ms);
    if (auto st = q->run(); !st) return st.error();
    return db_.changes() > 0;
}

Result<std::vector<TechToken>> QrStore::tokens() {
    auto q = db_.prepare(std::string("SELECT ") + kTokenCols + " FROM qr_tech_token ORDER BY created_ms");
    if (!q) return q.error();
    std::vector<TechToken> out;
    for (;;) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(token_row(*q));
    }
    return out;
}

}  // namespace cpe::hub::qr
