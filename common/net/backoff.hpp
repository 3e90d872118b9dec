// Reconnect back-off: exponential with full jitter ("sleep a uniformly random time in [min, ceiling]", the
// ceiling doubling per failure up to a cap), reset on success. Pure: the random source is injectable, so
// tests can check the sequence deterministically.
#pragma once

#include <cstdint>
#include <functional>

namespace cpe::net {

class Backoff {
  public:
    // Returns a uniformly distributed integer in [0, upper].
    using Random = std::function<uint64_t(uint64_t upper)>;

    struct Params {
        uint64_t base_ms = 1000;   // ceiling after the first failure
        uint64_t cap_ms = 300000;  // the ceiling never exceeds this
        uint64_t min_ms = 0;       // never retry sooner than this (must be <= cap_ms)
    };

    explicit Backoff(Params params, Random random = {});

    // The delay before the next attempt; each call counts one more failure.
    uint64_t next_ms();
    // The ceiling the next call draws under.
    uint64_t ceiling_ms() const;
    // After a success: the next delay is drawn under base_ms again.
    void reset() { failures_ = 0; }
    unsigned failures() const { return failures_; }

  private:
    Params params_;
    Random random_;
    unsigned failures_ = 0;
};

}  // namespace cpe::net
