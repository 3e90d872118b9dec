#include "store/registry_store.hpp"

namespace cpe::hub::store {

namespace {
enum Slot : int {
    kMarkSeen,
    kSetOnline,
    kUpdateIdentity,
    kGet,
    kList,
    kAddNote,
    kTrimNotes,
    kNotes,
    kTrimNoteBytes,
    kSlotCount,
};

constexpr const char* kEndpointColumns =
    "endpoint_id, model, serial, oui, product_class, macs, firmware, first_seen_ms, last_seen_ms, online, "
    "device_info_json, device_info_ms";

EndpointRecord read_endpoint(const Stmt& s) {
    EndpointRecord r;
    r.endpoint_id = s.text(0);
    r.model = s.text(1);
    r.serial = s.text(2);
    r.oui = s.text(3);
    r.product_class = s.text(4);
    r.macs = s.text(5);
    r.firmware = s.text(6);
    r.first_seen_ms = s.integer(7);
    r.last_seen_ms = s.integer(8);
    r.online = s.integer(9) != 0;
    r.device_info_json = s.text(10);
    r.device_info_ms = s.integer(11);
    return r;
}
}  // namespace

Result<Store> Store::open(const std::string& path) {
    auto db = Db::open(path);
    if (!db) return db.error();
    Store store;
    store.db_.emplace(std::move(db).value());
    if (auto st = store.migrate(); !st) return st.error();
    return store;
}

Status Store::migrate() {
    auto v = db_->prepare("PRAGMA user_version");
    if (!v) return v.error();
    auto row = v->step();
    if (!row) return row.error();
    const int64_t have = *row ? v->integer(0) : 0;
    if (have > kSchemaVersion)
        return make_error(Errc::unsupported,
                          "store '" + db_->path() + "': schema version " + std::to_string(have) +
                              " is newer than this hub understands (" + std::to_string(kSchemaVersion) + ")");
    if (have < 1) {
        auto st = transaction(*db_, [&]() -> Status {
            return db_->exec(
                "CREATE TABLE IF NOT EXISTS endpoints ("
                " endpoint_id TEXT PRIMARY KEY NOT NULL,"
                " model TEXT NOT NULL DEFAULT '', serial TEXT NOT NULL DEFAULT '', oui TEXT NOT NULL DEFAULT "
                "'',"
                " product_class TEXT NOT NULL DEFAULT '', macs TEXT NOT NULL DEFAULT '',"
                " firmware TEXT NOT NULL DEFAULT '',"
                " first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,"
                " online INTEGER NOT NULL DEFAULT 0,"
                " device_info_json TEXT NOT NULL DEFAULT '', device_info_ms INTEGER NOT NULL DEFAULT 0);"
                "CREATE INDEX IF NOT EXISTS endpoints_serial ON endpoints(serial);"
                "CREATE TABLE IF NOT EXISTS notifications ("
                " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " endpoint_id TEXT NOT NULL REFERENCES endpoints(endpoint_id) ON DELETE CASCADE,"
                " time_ms INTEGER NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL);"
                "CREATE INDEX IF NOT EXISTS notifications_by_endpoint ON notifications(endpoint_id, id);"
                "PRAGMA user_version=1;");
        });
        if (!st) return st.error().with_context("migrating to schema 1");
    }
    stmts_.resize(kSlotCount);
    return {};
}

Result<Stmt>& Store::cached(int slot, const char* sql) {
    auto& s = stmts_[static_cast<size_t>(slot)];
    if (!s || !s->ok()) s.emplace(db_->prepare(sql));
    return *s;
}

Status Store::mark_seen(const std::string& endpoint_id, int64_t now_ms, bool online) {
    auto& s = cached(
        kMarkSeen,
        "INSERT INTO endpoints (endpoint_id, first_seen_ms, last_seen_ms, online) VALUES (?1, ?2, ?2, ?3) "
        "ON CONFLICT(endpoint_id) DO UPDATE SET last_seen_ms = ?2, online = ?3");
    if (!s) return s.error();
    return s->bind(1, endpoint_id).bind(2, now_ms).bind(3, int64_t{online ? 1 : 0}).run();
}

Status Store::set_online(const std::string& endpoint_id, bool online, int64_t now_ms) {
    auto& s =
        cached(kSetOnline, "UPDATE endpoints SET online = ?2, last_seen_ms = ?3 WHERE endpoint_id = ?1");
    if (!s) return s.error();
    return s->bind(1, endpoint_id).bind(2, int64_t{online ? 1 : 0}).bind(3, now_ms).run();
}

Result<int64_t> Store::mark_all_offline() {
    if (auto st = db_->exec("UPDATE endpoints SET online = 0 WHERE online != 0"); !st) return st.error();
    return db_->changes();
}

Status Store::update_identity(const EndpointRecord& r) {
    auto& s = cached(kUpdateIdentity,
                     "UPDATE endpoints SET model = ?2, serial = ?3, oui = ?4, product_class = ?5, macs = ?6, "
                     "firmware = ?7, device_info_json = ?8, device_info_ms = ?9 WHERE endpoint_id = ?1");
    if (!s) return s.error();
    s->bind(1, r.endpoint_id).bind(2, r.model).bind(3, r.serial).bind(4, r.oui).bind(5, r.product_class);
    s->bind(6, r.macs).bind(7, r.firmware).bind(8, r.device_info_json).bind(9, r.device_info_ms);
    if (auto st = s->run(); !st) return st;
    if (db_->changes() == 0)
        return make_error(Errc::not_found, "store: endpoint '" + r.endpoint_id + "' is not registered");
    return {};
}

Result<std::optional<EndpointRecord>> Store::get(const std::string& endpoint_id) {
    static const std::string sql =
        std::string("SELECT ") + kEndpointColumns + " FROM endpoints WHERE endpoint_id = ?1";
    auto& s = cached(kGet, sql.c_str());
    if (!s) return s.error();
    s->bind(1, endpoint_id);
    auto row = s->step();
    std::optional<EndpointRecord> out;
    if (row && *row) out = read_endpoint(*s);
    s->reset();
    if (!row) return row.error();
    return out;
}

Result<std::vector<EndpointRecord>> Store::list() {
    static const std::string sql =
        std::string("SELECT ") + kEndpointColumns + " FROM endpoints ORDER BY endpoint_id";
    auto& s = cached(kList, sql.c_str());
    if (!s) return s.error();
    std::vector<EndpointRecord> out;
    while (true) {
        auto row = s->step();
        if (!row) {
            s->reset();
            return row.error();
        }
        if (!*row) break;
        out.push_back(read_endpoint(*s));
    }
    s->reset();
    return out;
}

Result<int64_t> Store::expire_unidentified(int64_t before_ms) {
    auto st = db_->exec("DELETE FROM endpoints WHERE device_info_ms = 0 AND last_seen_ms < " +
                        std::to_string(before_ms));
    if (!st) return st.error();
    return db_->changes();
}

Status Store::add_notification(const StoredNotification& n, unsigned keep, size_t keep_bytes) {
    auto& add = cached(
        kAddNote, "INSERT INTO notifications (endpoint_id, time_ms, kind, json) VALUES (?1, ?2, ?3, ?4)");
    if (!add) return add.error();
    if (auto st = add->bind(1, n.endpoint_id).bind(2, n.time_ms).bind(3, n.kind).bind(4, n.json).run(); !st)
        return st;
    auto& trim =
        cached(kTrimNotes,
               "DELETE FROM notifications WHERE endpoint_id = ?1 AND id <= (SELECT id FROM notifications "
               "WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    if (!trim) return trim.error();
    if (auto st = trim->bind(1, n.endpoint_id).bind(2, int64_t{keep}).run(); !st || keep_bytes == 0)
        return st;
    // Newest first, a running total of their sizes: the rows past the budget go.
    auto& bytes = cached(
        kTrimNoteBytes,
        "DELETE FROM notifications WHERE id IN (SELECT id FROM (SELECT id, SUM(length(CAST(json AS "
        "BLOB))) OVER (ORDER BY id DESC) AS run FROM notifications WHERE endpoint_id = ?1) WHERE run > ?2)");
    if (!bytes) return bytes.error();
    return bytes->bind(1, n.endpoint_id).bind(2, static_cast<int64_t>(keep_bytes)).run();
}

Result<std::vector<StoredNotification>> Store::notifications(const std::string& endpoint_id, unsigned limit) {
    auto& s = cached(kNotes,
                     "SELECT id, endpoint_id, time_ms, kind, json FROM notifications WHERE endpoint_id = ?1 "
                     "ORDER BY id DESC LIMIT ?2");
    if (!s) return s.error();
    s->bind(1, endpoint_id).bind(2, int64_t{limit});
    std::vector<StoredNotification> out;
    while (true) {
        auto row = s->step();
        if (!row) {
            s->reset();
            return row.error();
        }
        if (!*row) break;
        out.push_back({s->integer(0), s->text(1), s->integer(2), s->text(3), s->text(4)});
    }
    s->reset();
    return out;
}

}  // namespace cpe::hub::store
