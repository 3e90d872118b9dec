// sqlite3 wrapped once: the connection and prepared statements are owned by unique_ptrs, and every failure
// comes back as a Result naming the database file and the statement that failed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/c_handle.hpp"
#include "util/result.hpp"

namespace cpe::hub::store {

class Db;

// One prepared statement. bind_* take 1-based indexes like sqlite; step() returns true while rows remain.
class Stmt {
  public:
    Stmt() = default;
    Stmt& bind(int index, std::string_view text);
    Stmt& bind(int index, int64_t value);
    Stmt& bind_null(int index);
    Result<bool> step();  // true: a row is available; false: done
    Status run();         // step to completion, discarding rows
    void reset();         // for re-use with new bindings

    std::string text(int column) const;
    int64_t integer(int column) const;
    bool is_null(int column) const;

  private:
    friend class Db;
    Stmt(sqlite3_stmt* stmt, std::string sql) : stmt_(stmt), sql_(std::move(sql)) {}
    CHandle<sqlite3_stmt, sqlite3_finalize> stmt_;
    std::string sql_;
};

class Db {
  public:
    // Opens (creating if needed) the database file; WAL journal, foreign keys on, a busy timeout.
    static Result<Db> open(const std::string& path);

    Status exec(std::string_view sql);  // one or more statements without results
    Result<Stmt> prepare(std::string_view sql);
    int64_t changes() const { return sqlite3_changes(db_.get()); }
    const std::string& path() const { return path_; }
    std::string last_error() const { return sqlite3_errmsg(db_.get()); }

  private:
    Db() = default;
    CHandle<sqlite3, sqlite3_close_v2> db_;
    std::string path_;
};

// Runs fn inside BEGIN IMMEDIATE … COMMIT (ROLLBACK if it fails).
template <typename Fn>
Status transaction(Db& db, Fn&& fn) {
    if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st;
    Status st = fn();
    if (!st) {
        (void)db.exec("ROLLBACK");
        return st;
    }
    return db.exec("COMMIT");
}

}  // namespace cpe::hub::store
