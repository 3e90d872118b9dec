// Where a piece of data came from and how fresh it is: every result the hub's source clients return carries
// one, so the device API can show "GenieACS: failed (timeout after 8000 ms)" next to data from other sources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "util/result.hpp"

namespace cpe::hub::sources {

enum class Freshness {
    ok,      // fetched now, answered well-formed (including "not found")
    stale,   // served from an earlier fetch (set by caches above the clients)
    failed,  // no usable answer: `error` says why
};
const char* freshness_name(Freshness f);

struct Provenance {
    std::string source;         // "genieacs", "erpnext"
    int64_t fetched_at_ms = 0;  // wall clock (Unix ms) when the answer (or the failure) came
    Freshness freshness = Freshness::failed;
    std::string error;         // empty unless failed
    std::optional<Errc> errc;  // set when failed
};

int64_t wall_clock_ms();

// A value from a source plus its provenance. `value` is meaningful only when ok().
template <typename T>
struct Fetched {
    T value{};
    Provenance provenance;
    bool ok() const { return provenance.freshness != Freshness::failed; }

    static Fetched good(std::string source, T v) {
        Fetched f;
        f.value = std::move(v);
        f.provenance = {std::move(source), wall_clock_ms(), Freshness::ok, {}, std::nullopt};
        return f;
    }
    static Fetched failure(std::string source, const Error& e) {
        Fetched f;
        f.provenance = {std::move(source), wall_clock_ms(), Freshness::failed, e.message, e.code};
        return f;
    }
};

}  // namespace cpe::hub::sources
