// The result of reading one PON: one row per ONU, absent values absent, and what the OLT did not give.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "raisecom.hpp"
#include "util/result.hpp"

namespace cpe::bridge::olt {

// The last down cause of an ONU that is not online (an online ONU's code is stale and never reported).
struct OfflineReason {
    int64_t code = 0;
    std::string
        text;  // what the CSR page / customer portal shows: "fibre cut", "power off", "deactivated", …
    std::string detail;   // which cause: "branch (drop) fibre cut", "dying gasp: the ONU lost power", …
    bool sourced = true;  // false: a code our sources do not name (text "other")
};

struct OnuRow {
    int onu = 0;
    std::optional<std::string> serial;
    std::optional<OnuStatus> status;
    std::optional<double> rx_dbm;         // at the ONU
    std::optional<double> tx_dbm;         // at the ONU
    std::optional<double> temperature_c;  // ONU transceiver
    std::optional<double> voltage_v;      // ONU transceiver supply
    std::optional<double> olt_rx_dbm;     // at the OLT, from this ONU
    std::optional<int64_t> distance_m;
    std::optional<OfflineReason> offline_reason;
    // Columns the OLT gave no usable cell for in this row (missing, wrong type, or the walk stopped
    // before reaching it). A value that is absent because the ONU is offline is not listed.
    std::vector<Column> missing;
    // Per-cell problems (wrong type, unknown status code), naming the column.
    std::vector<std::string> problems;
};

enum class ColumnOutcome : uint8_t {
    complete,    // walked to the end of this PON's range
    absent,      // walked: the OLT has no rows of this column for this PON (noSuchObject, endOfMibView, none)
    incomplete,  // the walk of this column stopped early (see detail / PonTable::error)
};
const char* outcome_name(ColumnOutcome outcome);

struct ColumnReport {
    ColumnOutcome outcome = ColumnOutcome::incomplete;
    size_t rows = 0;     // cells received for this PON
    std::string detail;  // why absent/incomplete
};

struct PonTable {
    std::string olt;  // "host:port" as given
    int slot = 0;
    int port = 0;
    IndexScheme scheme = IndexScheme::type2id;  // the ONU table's index this read used
    bool scheme_detected = false;               // probed on the OLT (else configured)
    std::vector<OnuRow> onus;  // ascending ONU number; an ONU is listed if any column had a row for it
    std::array<ColumnReport, kColumnCount> columns{};
    std::optional<Error> error;  // the walk stopped early (timeout, agent error): the rows are what was read
    std::vector<std::string> warnings;
    size_t requests = 0;  // GETBULK requests this walk sent

    bool complete() const;  // no error and every column complete
    const ColumnReport& column(Column c) const { return columns[static_cast<size_t>(c)]; }
};

}  // namespace cpe::bridge::olt
