// Optical history per device, kept for the trend: a table of its own (diag_optical_history) in the hub's
// SQLite file, opened through a second connection (WAL: the registry's connection is not disturbed).
// Bounded: at most `keep` readings per device, and a new reading closer than `min_interval_ms` to the
// previous one replaces nothing (it is dropped), so notifications cannot flood the table. Loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diag/optical.hpp"
#include "store/sqlite.hpp"
#include "util/result.hpp"

namespace cpe::hub::diag {

class OpticalHistory {
  public:
    static Result<OpticalHistory> open(const std::string& path, unsigned keep = 288,
                                       int64_t min_interval_ms = 60000);

    // False when the reading was dropped (too close to the previous one).
    Result<bool> add(const std::string& device_id, int64_t time_ms, double rx_dbm,
                     std::optional<double> tx_dbm, const std::string& source);
    // The newest `limit` readings, oldest first.
    Result<std::vector<Reading>> recent(const std::string& device_id, unsigned limit);

  private:
    OpticalHistory() = default;
    std::optional<store::Db> db_;
    unsigned keep_ = 288;
    int64_t min_interval_ms_ = 60000;
};

}  // namespace cpe::hub::diag
