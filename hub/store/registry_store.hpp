// The hub's persistent registry of USP endpoints and their recent notifications, in one SQLite file (WAL).
// The schema is created or migrated when the store opens (PRAGMA user_version). Loop thread only: a Store
// is used from one thread; sqlite's own locking covers other processes reading the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.hpp"
#include "util/result.hpp"

namespace cpe::hub::store {

struct EndpointRecord {
    std::string endpoint_id;
    std::string model;
    std::string serial;
    std::string oui;
    std::string product_class;
    std::string macs;  // comma separated, as reported by the agent
    std::string firmware;
    int64_t first_seen_ms = 0;  // unix time, milliseconds
    int64_t last_seen_ms = 0;
    bool online = false;
    std::string device_info_json;  // last Device.DeviceInfo. snapshot: {"path": {"param": "value"}}
    int64_t device_info_ms = 0;
};

struct StoredNotification {
    int64_t id = 0;
    std::string endpoint_id;
    int64_t time_ms = 0;
    std::string
        kind;  // event, value_change, object_creation, object_deletion, operation_complete, on_board_request
    std::string json;  // the notification as JSON (see docs/usp.md)
};

class Store {
  public:
    // Opens or creates the file and brings the schema to the current version.
    static Result<Store> open(const std::string& path);

    // Creates the endpoint on first sight (first_seen = now), updates last_seen and the online flag.
    Status mark_seen(const std::string& endpoint_id, int64_t now_ms, bool online);
    Status set_online(const std::string& endpoint_id, bool online, int64_t now_ms);
    // Called at start: nothing is connected yet. Returns how many were marked.
    Result<int64_t> mark_all_offline();
    // Replaces the identity fields and the DeviceInfo snapshot (the endpoint must exist: mark_seen first).
    Status update_identity(const EndpointRecord& identity);

    Result<std::optional<EndpointRecord>> get(const std::string& endpoint_id);
    Result<std::vector<EndpointRecord>> list();

    // Drops the rows of endpoints never identified (device_info_ms = 0) last seen before `before_ms`, with
    // their notifications. Returns how many went.
    Result<int64_t> expire_unidentified(int64_t before_ms);

    // Appends a notification and keeps only the newest `keep` for that endpoint, and of those only the newest
    // whose JSON texts add up to at most `keep_bytes` (0 = no byte bound).
    Status add_notification(const StoredNotification& n, unsigned keep, size_t keep_bytes = 0);
    // Newest first, at most `limit`.
    Result<std::vector<StoredNotification>> notifications(const std::string& endpoint_id, unsigned limit);

    static constexpr int kSchemaVersion = 1;

  private:
    Store() = default;
    Status migrate();
    Result<Stmt>& cached(int slot, const char* sql);

    std::optional<Db> db_;  // declared first: statements below are finalized before it closes
    std::vector<std::optional<Result<Stmt>>> stmts_;
};

}  // namespace cpe::hub::store
