// Bounded waits: a test that waits for something polls it with a limit, so a broken program fails the test
// instead of hanging it. The limit is a bound, never a timing assertion.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace cpe::testkit {

// Calls `done` until it returns true (then true) or `timeout_ms` has passed (then false), `step_ms` apart.
inline bool eventually(const std::function<bool()>& done, int timeout_ms = 20000, int step_ms = 100) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    }
}

}  // namespace cpe::testkit
