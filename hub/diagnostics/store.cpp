#include "diagnostics/store.hpp"

#include <algorithm>

namespace cpe::hub::diagnostics {

Result<DiagnosticsStore> DiagnosticsStore::open(const std::string& path, unsigned keep) {
    auto db = store::Db::open(path);
    if (!db) return db.error().with_context("diagnostics store");
    auto st = db->exec(
        "CREATE TABLE IF NOT EXISTS diag_diagnostics ("
        " id TEXT PRIMARY KEY, device TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,"
        " created_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL, json TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS diag_diagnostics_dev ON diag_diagnostics(device, created_ms);");
    if (!st) return st.error().with_context("diagnostics store");
    DiagnosticsStore s;
    s.db_.emplace(std::move(db).value());
    s.keep_ = std::max(1u, keep);
    // The hub stopped while these ran: nobody waits for their answer any more. The JSON keeps its old status
    // text; the API reads the status column and the reason added here (Diagnostics::record_json).
    auto mark = s.db_->prepare("UPDATE diag_diagnostics SET status = 'failed' WHERE status = 'running'");
    if (!mark) return mark.error().with_context("diagnostics store");
    if (auto r = mark->run(); !r) return r.error().with_context("diagnostics store");
    s.interrupted_ = s.db_->changes();
    return s;
}

Status DiagnosticsStore::put(const StoredDiagnostic& d) {
    Status st = store::transaction(*db_, [&]() -> Status {
        auto ins = db_->prepare(
            "INSERT OR REPLACE INTO diag_diagnostics(id, device, type, status, created_ms, ended_ms, json)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!ins) return ins.error();
        ins->bind(1, d.id)
            .bind(2, d.device)
            .bind(3, d.type)
            .bind(4, d.status)
            .bind(5, d.created_ms)
            .bind(6, d.ended_ms)
            .bind(7, d.json);
        if (auto r = ins->run(); !r) return r;
        auto trim = db_->prepare(
            "DELETE FROM diag_diagnostics WHERE device = ?1 AND id NOT IN ("
            " SELECT id FROM diag_diagnostics WHERE device = ?1 ORDER BY created_ms DESC, id DESC LIMIT ?2)");
        if (!trim) return trim.error();
        trim->bind(1, d.device).bind(2, static_cast<int64_t>(keep_));
        return trim->run();
    });
    if (!st) return st.error().with_context("diagnostics store, '" + d.device + "'");
    return {};
}

namespace {
StoredDiagnostic row_of(const store::Stmt& q) {
    StoredDiagnostic d;
    d.id = q.text(0);
    d.device = q.text(1);
    d.type = q.text(2);
    d.status = q.text(3);
    d.created_ms = q.integer(4);
    d.ended_ms = q.integer(5);
    d.json = q.text(6);
    return d;
}
}  // namespace

Result<std::optional<StoredDiagnostic>> DiagnosticsStore::get(const std::string& device,
                                                              const std::string& id) {
    auto q = db_->prepare(
        "SELECT id, device, type, status, created_ms, ended_ms, json FROM diag_diagnostics WHERE device = ?1 "
        "AND id = ?2");
    if (!q) return q.error();
    q->bind(1, device).bind(2, id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<StoredDiagnostic>{};
    return std::optional<StoredDiagnostic>{row_of(*q)};
}

Result<std::vector<StoredDiagnostic>> DiagnosticsStore::list(const std::string& device, unsigned limit) {
    auto q = db_->prepare(
        "SELECT id, device, type, status, created_ms, ended_ms, json FROM diag_diagnostics WHERE device = ?1"
        " ORDER BY created_ms DESC, id DESC LIMIT ?2");
    if (!q) return q.error();
    q->bind(1, device).bind(2, static_cast<int64_t>(limit));
    std::vector<StoredDiagnostic> out;
    while (true) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(row_of(*q));
    }
    return out;
}

}  // namespace cpe::hub::diagnostics
