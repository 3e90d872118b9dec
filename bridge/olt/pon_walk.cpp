#include "pon_walk.hpp"

#include <algorithm>

namespace cpe::bridge::olt {

const char* outcome_name(ColumnOutcome outcome) {
    switch (outcome) {
        case ColumnOutcome::complete:
            return "complete";
        case ColumnOutcome::absent:
            return "absent";
        case ColumnOutcome::incomplete:
            return "incomplete";
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
        case VarType::integer:
            return "INTEGER";
        case VarType::unsigned_int:
            return "unsigned integer";
        case VarType::octets:
            return "OCTET STRING";
        case VarType::null:
            return "NULL";
        case VarType::no_such_object:
            return "noSuchObject";
        case VarType::no_such_instance:
            return "noSuchInstance";
        case VarType::end_of_mib_view:
            return "endOfMibView";
        case VarType::other:
            return "other type";
    }
    return "?";
}

namespace {

const char* error_status_name(int64_t status) {
    switch (status) {
        case 1:
            return "tooBig";
        case 2:
            return "noSuchName";
        case 3:
            return "badValue";
        case 4:
            return "readOnly";
        case 5:
            return "genErr";
        case 6:
            return "noAccess";
        case 16:
            return "authorizationError";
        default:
            return "error";
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
      max_requests_((static_cast<size_t>(std::clamp(query.max_onu, 1, kMaxOnu)) + 4) * kColumnCount + 16) {
    if (auto st = validate_pon(query.slot, query.port, query.max_onu, query.scheme); !st) {
        error_ = st.error();  // the caller should have refused it: a walk of nothing
        for (size_t c = 0; c < kColumnCount; ++c)
            finish_column(c, ColumnOutcome::incomplete, st.error().message);
        return;
    }
    if (query.scheme) {
        start_columns(*query.scheme);
        return;
    }
    for (IndexScheme s : {IndexScheme::type2id, IndexScheme::legacy})
        if (scheme_fits(s, query.slot, query.port)) probe_schemes_.push_back(s);
    if (probe_schemes_.size() == 1) {
        start_columns(probe_schemes_.front());
        return;
    }
    probing_ = true;
}

void PonWalk::start_columns(IndexScheme scheme) {
    scheme_ = scheme;
    probing_ = false;
    active_.clear();
    for (size_t c = 0; c < kColumnCount; ++c) {
        ColumnWalk& w = columns_[c];
        const ColumnSpec& s = spec(static_cast<Column>(c));
        w.ranges = pon_ranges(s.table, scheme, query_.slot, query_.port, query_.max_onu);
        w.range = 0;
        w.last = column_oid(s.column);
        w.last.push_back(w.ranges.front().first - 1);  // just before the first row
        active_.push_back(c);
    }
}

PonWalk::Request PonWalk::next_request() {
    Request r;
    ++requests_;
    if (probing_) {
        // One row of each scheme: the status cell of the first ONU at or after this PON's ONU 1.
        r.bulk_repetitions = 1;
        last_request_.clear();
        probe_in_flight_ = true;
        for (IndexScheme s : probe_schemes_) {
            Oid o = column_oid(Column::status);
            o.push_back(onu_index(s, query_.slot, query_.port, 1) - 1);
            r.oids.push_back(std::move(o));
        }
        return r;
    }
    r.bulk_repetitions = bulk_repetitions_;
    last_request_ = active_;
    for (size_t c : active_) {
        ColumnWalk& w = columns_[c];
        if (!w.resume.empty()) {
            if (std::lexicographical_compare(w.last.begin(), w.last.end(), w.resume.begin(), w.resume.end()))
                w.last = w.resume;
            w.resume.clear();
        }
        r.oids.push_back(w.last);
    }
    return r;
}

void PonWalk::on_probe(std::span<const VarBind> varbinds) {
    probing_ = false;
    const Oid& prefix = column_oid(Column::status);
    std::optional<IndexScheme> found;
    for (size_t i = 0; i < varbinds.size() && i < probe_schemes_.size() && !found; ++i) {
        const VarBind& vb = varbinds[i];
        if (vb.name.size() != prefix.size() + 1 || !starts_with(vb.name, prefix)) continue;
        if (onu_in_pon(IndexTable::onu, probe_schemes_[i], vb.name.back(), query_.slot, query_.port, kMaxOnu))
            found = probe_schemes_[i];
    }
    scheme_detected_ = found.has_value();
    if (!found)
        warnings_.push_back("no ONU-table row of slot " + std::to_string(query_.slot) + " port " +
                            std::to_string(query_.port) +
                            " in either index scheme; read as type2id (firmware 2.x/3.x)");
    start_columns(found.value_or(IndexScheme::type2id));
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
    if (probing_) {
        probing_ = false;
        probe_in_flight_ = false;
        for (size_t c = 0; c < kColumnCount; ++c) active_.push_back(c);
    }
    for (size_t c : active_) finish_column(c, ColumnOutcome::incomplete, detail);
    active_.clear();
    last_request_.clear();
}

void PonWalk::on_response(std::span<const VarBind> varbinds) {
    if (probing_) {
        if (!probe_in_flight_) return;  // no request outstanding: a stray answer
        probe_in_flight_ = false;
        if (varbinds.empty()) {
            warnings_.push_back("the OLT answered a GETBULK with no varbinds");
            fail_active("empty GETBULK response");
            return;
        }
        on_probe(varbinds);
        return;
    }
    const size_t n = last_request_.size();
    if (n == 0) return;  // no request outstanding: a stray answer
    if (varbinds.empty()) {
        warnings_.push_back("the OLT answered a GETBULK with no varbinds");
        fail_active("empty GETBULK response");
        return;
    }
    bool progress = false;
    for (size_t i = 0; i < varbinds.size(); ++i) {
        const size_t c = last_request_[i % n];
        ColumnWalk& w = columns_[c];
        if (w.finished) continue;
        const VarBind& vb = varbinds[i];
        const ColumnSpec& s = spec(static_cast<Column>(c));
        const Oid& prefix = column_oid(s.column);
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
        w.last = vb.name;
        const uint32_t index = vb.name[prefix.size()];
        while (w.range < w.ranges.size() && index > w.ranges[w.range].last) ++w.range;
        if (w.range == w.ranges.size()) {
            finish_column(c, ColumnOutcome::complete, "");
            continue;
        }
        const IndexRange& range = w.ranges[w.range];
        if (index < range.first) {
            // Rows of other PONs between two of ours: continue at our next range, not through them.
            Oid resume = prefix;
            resume.push_back(range.first - 1);
            if (std::lexicographical_compare(vb.name.begin(), vb.name.end(), resume.begin(), resume.end()))
                w.resume = std::move(resume);
            continue;
        }
        if (vb.name.size() != prefix.size() + 1) continue;  // not a row of the documented form
        auto onu = onu_in_pon(s.table, scheme_, index, query_.slot, query_.port, query_.max_onu);
        if (!onu) continue;
        auto& cell = rows_[*onu][c];
        if (cell) continue;
        cell = Cell{vb.type, vb.integer, vb.bytes};
        ++w.rows;
        ++cells_received_;
    }
    last_request_.clear();
    active_.erase(
        std::remove_if(active_.begin(), active_.end(), [&](size_t c) { return columns_[c].finished; }),
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
    if (probing_ && probe_in_flight_) {
        probe_in_flight_ = false;
        std::string what = "the OLT answered the index-scheme probe with error-status " +
                           std::string(error_status_name(error_status)) + " (" +
                           std::to_string(error_status) + ")";
        error_ = make_error(Errc::unavailable, what);
        fail_active(what);
        return;
    }
    if (last_request_.empty()) return;
    if (error_status == 1 && bulk_repetitions_ > 1) {  // tooBig: ask for fewer rows
        bulk_repetitions_ = std::max(1, bulk_repetitions_ / 2);
        last_request_.clear();
        return;
    }
    std::string what = "the OLT answered with error-status " + std::string(error_status_name(error_status)) +
                       " (" + std::to_string(error_status) + ")";
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
    t.scheme = scheme_;
    t.scheme_detected = scheme_detected_;
    for (size_t c = 0; c < kColumnCount; ++c) {
        const ColumnWalk& w = columns_[c];
        t.columns[c].rows = w.rows;
        t.columns[c].outcome = w.finished ? w.outcome : ColumnOutcome::incomplete;
        t.columns[c].detail = w.finished ? w.detail : (w.detail.empty() ? "not walked to the end" : w.detail);
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
        // Not online: offline or pending; without a status, an ONU whose Rx reads "no light" is taken as not
        // online.
        const bool not_online =
            status ? *status != OnuStatus::online : (rx_cell && numeric(*rx_cell) && rx_cell->integer == 0);
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
                r.problems.push_back(std::string(s.key) + ": expected " +
                                     (want_text ? "OCTET STRING" : "INTEGER") + ", got " +
                                     var_type_name(cell->type));
                continue;
            }
            const int64_t raw = cell->integer;
            auto out_of_range = [&] {
                r.missing.push_back(col);
                r.problems.push_back(std::string(s.key) + ": raw value " + std::to_string(raw) +
                                     " does not fit 16 bits");
            };
            switch (s.encoding) {
                case Encoding::text:
                    r.serial = serial_from_bytes(cell->bytes);
                    break;
                case Encoding::dbm_15000_500: {
                    if (!signed16(raw)) {
                        out_of_range();
                        break;
                    }
                    (col == Column::onu_rx ? r.rx_dbm : r.tx_dbm) = dbm_from_15000_500(raw);
                    break;
                }
                case Encoding::tenth_dbm:
                    r.olt_rx_dbm = dbm_from_tenths(raw);
                    break;
                case Encoding::celsius_256:
                    if (!signed16(raw))
                        out_of_range();
                    else if (!(raw == 0 && not_online))
                        r.temperature_c = celsius_from_256(raw);
                    break;
                case Encoding::volts_002:
                    if (!volts_from_002(raw))
                        out_of_range();
                    else if (!(raw == 0 && not_online))
                        r.voltage_v = volts_from_002(raw);
                    break;
                case Encoding::metres:
                    if (!(raw == 0 && not_online)) r.distance_m = raw;
                    break;
                case Encoding::status_code:
                    r.status = status_from_code(raw);
                    if (!r.status) r.problems.push_back("status: unknown code " + std::to_string(raw));
                    break;
                case Encoding::reason_code:
                    // The last down cause: stale while the ONU is online, unknowable without its status.
                    if (status && *status != OnuStatus::online) {
                        if (auto cause = offline_cause(raw))
                            r.offline_reason = OfflineReason{raw, cause->word, cause->detail, cause->sourced};
                    }
                    break;
            }
        }
        t.onus.push_back(std::move(r));
    }
    return t;
}

}  // namespace cpe::bridge::olt
