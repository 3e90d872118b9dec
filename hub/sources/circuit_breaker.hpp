// A circuit breaker per source: after `failure_threshold` consecutive failures it opens and refuses calls for
// `cool_down_ms`; then one probe call is let through (half-open): its success closes the breaker, its failure
// opens it again. The clock is injectable so tests are exact. Loop thread only (not thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cpe::hub::sources {

struct BreakerOptions {
    unsigned failure_threshold = 5;
    uint64_t cool_down_ms = 30000;
};

enum class BreakerState { closed, open, half_open };
const char* breaker_state_name(BreakerState s);

// For /health.
struct BreakerSnapshot {
    BreakerState state = BreakerState::closed;
    unsigned consecutive_failures = 0;
    uint64_t total_failures = 0;
    uint64_t rejected = 0;    // calls refused while open
    int64_t retry_in_ms = 0;  // open: time left in the cool-down
    std::string last_error;
};

class CircuitBreaker {
  public:
    using Clock = std::function<int64_t()>;  // monotonic milliseconds
    explicit CircuitBreaker(BreakerOptions options = {}, Clock clock = {});

    // Asks to start a call. Closed: yes. Open: no until the cool-down has passed, then yes once (the probe,
    // the state becomes half_open). Half-open: no while the probe runs.
    bool allow();
    void record_success();
    void record_failure(const std::string& error);

    BreakerState state() const;
    BreakerSnapshot snapshot() const;
    // "circuit open after 5 consecutive failures (last: …); retry in 12000 ms"
    std::string refusal_message() const;

  private:
    int64_t now() const;
    BreakerOptions options_;
    Clock clock_;
    BreakerState state_ = BreakerState::closed;
    unsigned consecutive_ = 0;
    uint64_t total_failures_ = 0;
    uint64_t rejected_ = 0;
    int64_t opened_at_ = 0;
    std::string last_error_;
};

}  // namespace cpe::hub::sources
