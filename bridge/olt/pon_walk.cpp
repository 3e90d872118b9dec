#include "pon_walk.hpp"

#include <algorithm>

namespace cpe::bridge::olt {

const char* outcome_name(ColumnOutcome outcome) {
    switch (outcome) {
        case ColumnOutcome::complete: return "complete";
        case ColumnOutcome::absent: return "absent";
        case ColumnOutcome::incomplete: return "incomplete";
    }
    return "?";
}

bool PonTable::complete() const {
    if (error) return false;
    return std::all_of(columns.begin(), columns.end(),
                       [](const ColumnReport& c) { return c.outcome == ColumnOutcome::complete; });
}

const char* var_type_name(VarType type) {
    switch (type) {
        case VarType::integer: return "INTEGER";
        case VarType::unsigned_int: return "unsigned integer";
        case VarType::octets: return "OCTET STRING";
        case VarType::null: return "NULL";
        case VarType::no_such_object: return "noSuchObject";
        case VarType::no_such_instance: return "noSuchInstance";
        case VarType::end_of_mib_view: return "endOfMibView";
        case VarType::other: return "other type";
    }
    return "?";
}

namespace {

const char* error_status_name(int64_t status) {
    switch (status) {
        case 1: return "tooBig";
        case 2: return "noSuchName";
        case 3: return "badValue";
        case 4: return "readOnly";
        case 5: return "genErr";
        case 6: return "noAccess";
        case 16: return "authorizationError";
        default: return "error";
    }
}

bool starts_with(const Oid& name, const Oid& prefix) {
    return name.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), name.begin());
}

}  // namespace

PonWalk::PonWalk(std::string olt, PonQuery query, int bulk_repetitions)
    : olt_(std::move(olt)),
      query_(query),
      bulk_repetitions_(std::clamp(bulk_repetitions, 1, 1000)),
      end_index_(encode_index(query.slot, query.port, query.max_onu)),
      max_requests_((static_cast<size_t>(query.max_onu) + 2) * kColumnCount + 16) {
    uint32_t start = encode_index(query.slot, query.port, 0);  // "ONU 0": just before ONU 1's row
    for (size_t c = 0; c < kColumnCount; ++c) {
        columns_[c].last = column_oid(static_cast<Column>(c));
        columns_[c].last.push_back(start);
        active_.push_back(c);
    }
}

PonWalk::Request PonWalk::next_request() {
    Request r;
    r.bulk_repetitions = bulk_repetitions_;
    last_request_ = active_;
    for (size_t c : active_) r.oids.push_back(columns_[c].last);
    ++requests_;
    return r;
}

void PonWalk::finish_column(size_t col, ColumnOutcome outcome, std::string detail) {
    ColumnWalk& w = columns_[col];
    w.finished = true;
    if (outcome == ColumnOutcome::complete && w.rows == 0) {
        outcome = ColumnOutcome::absent;
        if (detail.empty()) detail = "the OLT has no rows of this column for this PON";
    }
    w.outcome = outcome;
    w.detail = std::move(detail);
}

void PonWalk::fail_active(const std::string& detail) {
    for (size_t c : active_) finish_column(c, ColumnOutcome::incomplete, detail);
    active_.clear();
    last_request_.clear();
}

void PonWalk::on_response(std::span<const VarBind> varbinds) {
    const size_t n = last_request_.size();
    if (n == 0) return;  // no request outstanding: a stray answer
    if (varbinds.empty()) {
        warnings_.push_back("the OLT answered a GETBULK with no varbinds");
        fail_active("empty GETBULK response");
        return;
    }
    bool progress = false;
    bool warned_ambiguous = false;
    for (size_t i = 0; i < varbinds.size(); ++i) {
        const size_t c = last_request_[i % n];
        ColumnWalk& w = columns_[c];
        if (w.finished) continue;
        const VarBind& vb = varbinds[i];
        const Oid& prefix = column_oid(static_cast<Column>(c));
        progress = true;
        if (vb.type == VarType::end_of_mib_view || vb.type == VarType::no_such_object ||
            vb.type == VarType::no_such_instance) {
            finish_column(c, ColumnOutcome::complete, w.rows ? "" : var_type_name(vb.type));
            continue;
        }
        if (!starts_with(vb.name, prefix) || vb.name.size() == prefix.size()) {
            finish_column(c, ColumnOutcome::complete, "");
            continue;
        }
        if (!std::lexicographical_compare(w.last.begin(), w.last.end(), vb.name.begin(), vb.name.end())) {
            finish_column(c, ColumnOutcome::incomplete,
                          "the OLT returned " + format_oid(vb.name) + " after " + format_oid(w.last) +
                              " (OIDs not increasing)");
            continue;
        }
        const uint32_t index = vb.name[prefix.size()];
        if (index > end_index_) {
            finish_column(c, ColumnOutcome::complete, "");
            continue;
        }
        w.last = vb.name;
        if (vb.name.size() != prefix.size() + 1) continue;  // not a row of the assumed form
        auto onu = onu_in_pon(index, query_.slot, query_.port, query_.max_onu);
        if (!onu) continue;
        auto& cell = rows_[*onu][c];
        if (cell) continue;
        cell = Cell{vb.type, vb.integer, vb.bytes};
        ++w.rows;
        ++cells_received_;
        if (*onu > max_unambiguous_onu() && !warned_ambiguous) {
            warned_ambiguous = true;
            std::string msg = "ONU numbers above " + std::to_string(max_unambiguous_onu()) +
                              " share row indexes with slot " + std::to_string(query_.slot) + " port " +
                              std::to_string(query_.port + 1) +
                              " in the assumed index layout: their values are right only if that port is unused";
            if (std::find(warnings_.begin(), warnings_.end(), msg) == warnings_.end()) warnings_.push_back(msg);
        }
    }
    last_request_.clear();
    active_.erase(std::remove_if(active_.begin(), active_.end(), [&](size_t c) { return columns_[c].finished; }),
                  active_.end());
    if (!progress) {
        fail_active("the OLT's answer did not advance the walk");
        return;
    }
    if (!active_.empty() && requests_ >= max_requests_) {
        warnings_.push_back("walk stopped after " + std::to_string(requests_) + " requests");
        fail_active("too many requests for one PON (" + std::to_string(requests_) + ")");
    }
}

void PonWalk::on_error_status(int64_t error_status, int64_t error_index) {
    if (last_request_.empty()) return;
    if (error_status == 1 && bulk_repetitions_ > 1) {  // tooBig: ask for fewer rows
        bulk_repetitions_ = std::max(1, bulk_repetitions_ / 2);
        last_request_.clear();
        return;
    }
    std::string what = "the OLT answered with error-status " + std::string(error_status_name(error_status)) + " (" +
                       std::to_string(error_status) + ")";
    if (error_index > 0 && static_cast<size_t>(error_index) <= last_request_.size())
        what += std::string(" for column ") + column_key(static_cast<Column>(last_request_[error_index - 1]));
    error_ = make_error(Errc::unavailable, what);
    fail_active(what);
}

void PonWalk::on_failure(const Error& error) {
    if (!error_) error_ = error;
    fail_active(error.message);
}

PonTable PonWalk::finish() const {
    PonTable t;
    t.olt = olt_;
    t.slot = query_.slot;
    t.port = query_.port;
    t.requests = requests_;
    t.error = error_;
    t.warnings = warnings_;
    for (size_t c = 0; c < kColumnCount; ++c) {
        const ColumnWalk& w = columns_[c];
        t.columns[c].rows = w.rows;
        t.columns[c].outcome = w.finished ? w.outcome : ColumnOutcome::incomplete;
        t.columns[c].detail = w.finished ? w.detail : "not walked to the end";
    }
    auto numeric = [](const Cell& cell) {
        return cell.type == VarType::integer || cell.type == VarType::unsigned_int;
    };
    for (const auto& [onu, cells] : rows_) {
        OnuRow r;
        r.onu = onu;
        const auto& status_cell = cells[static_cast<size_t>(Column::status)];
        const auto& rx_cell = cells[static_cast<size_t>(Column::onu_rx)];
        std::optional<OnuStatus> status;
        if (status_cell && numeric(*status_cell)) status = status_from_code(status_cell->integer);
        const bool offline = status ? *status == OnuStatus::offline
                                    : (rx_cell && numeric(*rx_cell) && rx_cell->integer == 0);
        for (size_t c = 0; c < kColumnCount; ++c) {
            const Column col = static_cast<Column>(c);
            const ColumnSpec& s = spec(col);
            const auto& cell = cells[c];
            if (!cell) {
                r.missing.push_back(col);
                continue;
            }
            const bool want_text = s.encoding == Encoding::text;
            if (want_text ? cell->type != VarType::octets : !numeric(*cell)) {
                r.missing.push_back(col);
                r.problems.push_back(std::string(s.key) + ": expected " + (want_text ? "OCTET STRING" : "INTEGER") +
                                     ", got " + var_type_name(cell->type));
                continue;
            }
            const int64_t raw = cell->integer;
            switch (s.encoding) {
                case Encoding::text: r.serial = serial_from_bytes(cell->bytes); break;
                case Encoding::dbm_15000_500: {
                    auto v = dbm_from_15000_500(raw);
                    (col == Column::onu_rx ? r.rx_dbm : r.tx_dbm) = v;
                    break;
                }
                case Encoding::tenth_dbm: r.olt_rx_dbm = dbm_from_tenths(raw); break;
                case Encoding::celsius:
                    if (!(raw == 0 && offline)) r.temperature_c = static_cast<double>(raw);
                    break;
                case Encoding::metres:
                    if (!(raw == 0 && offline)) r.distance_m = raw;
                    break;
                case Encoding::status_code:
                    r.status = status_from_code(raw);
                    if (!r.status) r.problems.push_back("status: unknown code " + std::to_string(raw));
                    break;
                case Encoding::reason_code:
                    if (const char* text = offline_reason_text(raw)) r.offline_reason = OfflineReason{raw, text};
                    break;
            }
        }
        t.onus.push_back(std::move(r));
    }
    return t;
}

}  // namespace cpe::bridge::olt
