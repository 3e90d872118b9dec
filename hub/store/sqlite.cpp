#include "store/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace cpe::hub::store {

Result<Db> Db::open(const std::string& path) {
    // The database is the owner's only, whatever the umask: SQLite gives -wal and -shm the main file's mode,
    // so the main file is created 0600 here (and an older 0644 one, with its companions, tightened).
    if (path != ":memory:" && !path.empty()) {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return make_error(Errc::io_error, "store '" + path + "': cannot open: " + std::strerror(errno));
        const bool tightened = ::fchmod(fd, 0600) == 0;
        ::close(fd);
        if (!tightened)
            return make_error(Errc::io_error,
                              "store '" + path + "': cannot make it 0600: " + std::strerror(errno));
        for (const char* companion : {"-wal", "-shm", "-journal"}) ::chmod((path + companion).c_str(), 0600);
    }
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Db db;
    db.db_.reset(raw);  // owned even when open failed (sqlite hands back a handle carrying the message)
    db.path_ = path;
    if (rc != SQLITE_OK) {
        std::string why = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return make_error(Errc::io_error, "store '" + path + "': cannot open: " + why);
    }
    sqlite3_busy_timeout(raw, 5000);
    // journal_mode answers with a row; read it to know WAL really took (it does not on some filesystems).
    auto mode = db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    auto row = mode->step();
    if (!row) return row.error();
    if (!*row || mode->text(0) != "wal")
        return make_error(Errc::io_error, "store '" + path + "': cannot switch to WAL journal mode");
    if (auto st = db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !st) return st.error();
    return db;
}

Status Db::exec(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string why = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        return make_error(Errc::io_error,
                          "store '" + path_ + "': " + why + " (in: " + text.substr(0, 80) + ")");
    }
    return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) {
        if (raw) sqlite3_finalize(raw);
        return make_error(Errc::internal, "store '" + path_ + "': cannot prepare '" +
                                              std::string(sql.substr(0, 80)) +
                                              "': " + sqlite3_errmsg(db_.get()));
    }
    return Stmt(raw, std::string(sql));
}

Stmt& Stmt::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Stmt& Stmt::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_.get(), index, value);
    return *this;
}

Stmt& Stmt::bind_null(int index) {
    sqlite3_bind_null(stmt_.get(), index);
    return *this;
}

Result<bool> Stmt::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(stmt_.get());
    const char* file = sqlite3_db_filename(db, "main");
    return make_error(rc == SQLITE_FULL ? Errc::too_large : Errc::io_error,
                      std::string("store '") + (file ? file : "") + "': " + sqlite3_errmsg(db) +
                          " (in: " + sql_.substr(0, 80) + ")");
}

Status Stmt::run() {
    while (true) {
        auto row = step();
        if (!row) {
            reset();
            return row.error();
        }
        if (!*row) break;
    }
    reset();
    return {};
}

void Stmt::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

int64_t Stmt::integer(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
}

bool Stmt::is_null(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

}  // namespace cpe::hub::store
