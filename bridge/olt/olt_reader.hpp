// Reads the optical table of PONs from Raisecom OLTs, many at once: one SNMP session per OLT, one
// multi-column GETBULK walk per PON, a bounded number of requests in flight overall and per OLT.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <vector>

#include "pon_table.hpp"
#include "pon_walk.hpp"
#include "target.hpp"
#include "util/result.hpp"

namespace cpe::bridge::olt {

struct ReadRequest {
    size_t target = 0;  // index into the targets given to read_pons
    PonQuery pon;
};

struct ReaderOptions {
    size_t max_in_flight = 16;                  // requests outstanding over all OLTs
    size_t max_in_flight_per_olt = 4;           // requests outstanding to one OLT (one per PON walk at most)
    int bulk_repetitions = 16;                  // GETBULK rows per column per request
    std::chrono::milliseconds deadline{60000};  // for the whole call, whatever the per-request timeouts
};

// One result per request, in order. A request fails (Error) when nothing at all could be read: a bad
// query, a session that could not open, no answer, authentication refused. A walk that stopped part
// way returns a PonTable with `error` set and the rows read so far.
std::vector<Result<PonTable>> read_pons(std::span<const Target> targets,
                                        std::span<const ReadRequest> requests,
                                        const ReaderOptions& options = {});

Result<PonTable> read_pon(const Target& target, const PonQuery& pon, const ReaderOptions& options = {});

}  // namespace cpe::bridge::olt
