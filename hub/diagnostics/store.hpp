// Diagnostics kept with the device's history: a table of its own (diag_diagnostics) in the hub's SQLite file,
// opened through a second connection like the optical history (WAL). Bounded: the newest `keep` per device.
// A diagnostic still running when the hub stopped is marked failed when the store opens again. Loop thread
// only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.hpp"
#include "util/result.hpp"

namespace cpe::hub::diagnostics {

struct StoredDiagnostic {
    std::string id, device, type, status;  // status: running, complete, failed
    int64_t created_ms = 0, ended_ms = 0;
    std::string json;  // the record as the API shows it
};

class DiagnosticsStore {
  public:
    static Result<DiagnosticsStore> open(const std::string& path, unsigned keep_per_device = 20);
    // Inserts or replaces the record (by id), then drops the device's oldest beyond `keep`.
    Status put(const StoredDiagnostic& d);
    Result<std::optional<StoredDiagnostic>> get(const std::string& device, const std::string& id);
    // Newest first.
    Result<std::vector<StoredDiagnostic>> list(const std::string& device, unsigned limit);
    // Rows left "running" by an earlier run of the hub, marked failed at open.
    int64_t interrupted() const { return interrupted_; }

  private:
    DiagnosticsStore() = default;
    std::optional<store::Db> db_;
    unsigned keep_ = 20;
    int64_t interrupted_ = 0;
};

}  // namespace cpe::hub::diagnostics
