#include "sources/circuit_breaker.hpp"

#include <chrono>

namespace cpe::hub::sources {

const char* breaker_state_name(BreakerState s) {
    switch (s) {
        case BreakerState::closed:
            return "closed";
        case BreakerState::open:
            return "open";
        case BreakerState::half_open:
            return "half_open";
    }
    return "open";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {
    if (options_.failure_threshold == 0) options_.failure_threshold = 1;
}

int64_t CircuitBreaker::now() const {
    if (clock_) return clock_();
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool CircuitBreaker::allow() {
    switch (state_) {
        case BreakerState::closed:
            return true;
        case BreakerState::half_open:
            ++rejected_;
            return false;
        case BreakerState::open:
            if (now() - opened_at_ >= static_cast<int64_t>(options_.cool_down_ms)) {
                state_ = BreakerState::half_open;
                return true;
            }
            ++rejected_;
            return false;
    }
    return false;
}

void CircuitBreaker::record_success() {
    consecutive_ = 0;
    state_ = BreakerState::closed;
}

void CircuitBreaker::record_failure(const std::string& error) {
    ++consecutive_;
    ++total_failures_;
    last_error_ = error;
    if (state_ == BreakerState::half_open || consecutive_ >= options_.failure_threshold) {
        state_ = BreakerState::open;
        opened_at_ = now();
    }
}

BreakerState CircuitBreaker::state() const {
    return state_;
}

BreakerSnapshot CircuitBreaker::snapshot() const {
    BreakerSnapshot s;
    s.state = state_;
    s.consecutive_failures = consecutive_;
    s.total_failures = total_failures_;
    s.rejected = rejected_;
    s.last_error = last_error_;
    if (state_ == BreakerState::open) {
        int64_t left = static_cast<int64_t>(options_.cool_down_ms) - (now() - opened_at_);
        s.retry_in_ms = left > 0 ? left : 0;
    }
    return s;
}

std::string CircuitBreaker::refusal_message() const {
    auto s = snapshot();
    if (s.state == BreakerState::half_open) return "circuit half-open: a probe call is in progress";
    return "circuit open after " + std::to_string(s.consecutive_failures) +
           " consecutive failures (last: " + s.last_error + "); retry in " + std::to_string(s.retry_in_ms) +
           " ms";
}

}  // namespace cpe::hub::sources
