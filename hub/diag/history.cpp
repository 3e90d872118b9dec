#include "diag/history.hpp"

#include <algorithm>
#include <cmath>

namespace cpe::hub::diag {

Result<OpticalHistory> OpticalHistory::open(const std::string& path, unsigned keep, int64_t min_interval_ms) {
    auto db = store::Db::open(path);
    if (!db) return db.error().with_context("optical history");
    auto st = db->exec(
        "CREATE TABLE IF NOT EXISTS diag_optical_history ("
        " device_id TEXT NOT NULL, time_ms INTEGER NOT NULL, rx_mdbm INTEGER NOT NULL, tx_mdbm INTEGER,"
        " source TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS diag_optical_history_dev ON diag_optical_history(device_id, time_ms);");
    if (!st) return st.error().with_context("optical history");
    OpticalHistory h;
    h.db_.emplace(std::move(db).value());
    h.keep_ = std::max(1u, keep);
    h.min_interval_ms_ = min_interval_ms;
    return h;
}

Result<bool> OpticalHistory::add(const std::string& device_id, int64_t time_ms, double rx_dbm,
                                 std::optional<double> tx_dbm, const std::string& source) {
    if (!std::isfinite(rx_dbm)) return false;
    auto last = db_->prepare("SELECT MAX(time_ms) FROM diag_optical_history WHERE device_id = ?1");
    if (!last) return last.error();
    last->bind(1, device_id);
    auto row = last->step();
    if (!row) return row.error();
    if (*row && !last->is_null(0) && time_ms - last->integer(0) < min_interval_ms_) return false;

    Status st = store::transaction(*db_, [&]() -> Status {
        auto ins = db_->prepare(
            "INSERT INTO diag_optical_history(device_id, time_ms, rx_mdbm, tx_mdbm, source) VALUES(?1, ?2, "
            "?3, ?4, ?5)");
        if (!ins) return ins.error();
        ins->bind(1, device_id).bind(2, time_ms).bind(3, static_cast<int64_t>(std::llround(rx_dbm * 1000)));
        if (tx_dbm && std::isfinite(*tx_dbm))
            ins->bind(4, static_cast<int64_t>(std::llround(*tx_dbm * 1000)));
        else
            ins->bind_null(4);
        ins->bind(5, source);
        if (auto r = ins->run(); !r) return r;
        auto trim = db_->prepare(
            "DELETE FROM diag_optical_history WHERE device_id = ?1 AND rowid NOT IN ("
            " SELECT rowid FROM diag_optical_history WHERE device_id = ?1 ORDER BY time_ms DESC LIMIT ?2)");
        if (!trim) return trim.error();
        trim->bind(1, device_id).bind(2, static_cast<int64_t>(keep_));
        return trim->run();
    });
    if (!st) return st.error().with_context("optical history of '" + device_id + "'");
    return true;
}

Result<std::vector<Reading>> OpticalHistory::recent(const std::string& device_id, unsigned limit) {
    auto q = db_->prepare(
        "SELECT time_ms, rx_mdbm FROM diag_optical_history WHERE device_id = ?1 ORDER BY time_ms DESC LIMIT "
        "?2");
    if (!q) return q.error();
    q->bind(1, device_id).bind(2, static_cast<int64_t>(limit));
    std::vector<Reading> out;
    while (true) {
        auto row = q->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back({q->integer(0), static_cast<double>(q->integer(1)) / 1000.0});
    }
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace cpe::hub::diag
