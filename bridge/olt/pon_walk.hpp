// One PON's multi-column GETBULK walk as a state machine, free of net-snmp types so that it can be
// unit-tested and fuzzed: the session layer turns PDUs into VarBinds and feeds them here.
// Each column is walked over its own table's index range(s) for the PON (the optical table and the ONU table
// are indexed differently, and ONUs 100..128 of the optical table sit in a second range); rows are joined by
// ONU number. With no index scheme given, the first request probes one ONU-table row of each scheme.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pon_table.hpp"
#include "raisecom.hpp"

namespace cpe::bridge::olt {

enum class VarType : uint8_t {
    integer,         // INTEGER (signed)
    unsigned_int,    // Gauge32/Unsigned32/Counter32/TimeTicks/Counter64
    octets,          // OCTET STRING / Opaque / IpAddress
    null,            // NULL
    no_such_object,  // v2 exception
    no_such_instance,
    end_of_mib_view,
    other,  // OID values and anything else
};
const char* var_type_name(VarType type);

struct VarBind {
    Oid name;
    VarType type = VarType::null;
    int64_t integer = 0;  // integer / unsigned_int (Counter64 saturates at INT64_MAX)
    std::string bytes;    // octets
};

struct PonQuery {
    int slot = 0;
    int port = 0;
    int max_onu = kDefaultMaxOnu;
    // The ONU table's index (olts[].firmware); nothing = probe one row of each scheme first.
    std::optional<IndexScheme> scheme = std::nullopt;
};

class PonWalk {
  public:
    // A query that fails validate_pon(slot, port, max_onu, scheme) gives a walk that is done, with that
    // error.
    PonWalk(std::string olt, PonQuery query, int bulk_repetitions);

    bool done() const { return !probing_ && active_.empty(); }

    // The varbinds of the next GETBULK (one per column still being walked) and its max-repetitions.
    struct Request {
        std::vector<Oid> oids;
        int bulk_repetitions = 0;
    };
    Request next_request();

    // A response to the last request with error-status 0.
    void on_response(std::span<const VarBind> varbinds);
    // A response with a non-zero error-status: tooBig shrinks the request, anything else ends the walk.
    void on_error_status(int64_t error_status, int64_t error_index);
    // The request failed (timeout, authentication, send error): the walk ends, what was read is kept.
    void on_failure(const Error& error);

    const PonQuery& query() const { return query_; }
    bool any_cell() const { return cells_received_ > 0; }
    PonTable finish() const;

  private:
    struct Cell {
        VarType type = VarType::null;
        int64_t integer = 0;
        std::string bytes;
    };
    struct ColumnWalk {
        Oid last;    // the last OID requested or received: the next request continues from it
        Oid resume;  // when past `last`: where the next request continues (the start of the next range)
        std::vector<IndexRange> ranges;
        size_t range = 0;  // the range being walked
        ColumnOutcome outcome = ColumnOutcome::incomplete;
        std::string detail;
        size_t rows = 0;
        bool finished = false;
    };

    void start_columns(IndexScheme scheme);
    void on_probe(std::span<const VarBind> varbinds);
    void finish_column(size_t col, ColumnOutcome outcome, std::string detail);
    void fail_active(const std::string& detail);

    std::string olt_;
    PonQuery query_;
    int bulk_repetitions_;
    IndexScheme scheme_ = IndexScheme::type2id;
    bool probing_ = false;  // the scheme probe is the next/outstanding request
    bool probe_in_flight_ = false;
    bool scheme_detected_ = false;
    std::vector<IndexScheme> probe_schemes_;  // the schemes the probe asks about, in varbind order
    std::array<ColumnWalk, kColumnCount> columns_;
    std::vector<size_t> active_;        // columns still walking, in request order
    std::vector<size_t> last_request_;  // columns of the request in flight, in varbind order
    std::map<int, std::array<std::optional<Cell>, kColumnCount>> rows_;
    std::optional<Error> error_;
    std::vector<std::string> warnings_;
    size_t requests_ = 0;
    size_t max_requests_;
    size_t cells_received_ = 0;
};

}  // namespace cpe::bridge::olt
