// An owner's lifetime for callbacks that may run after the owner is gone (timers, HTTP answers, posted work,
// another object's listeners). bind(fn) returns a callable with fn's arguments that calls fn only while the
// Lifetime exists; declare it as the owner's last member so it goes first. For a target held by a shared_ptr,
// EventLoop::guard does the same with the target itself. Loop thread only: a check, not a lock.
#pragma once

#include <memory>
#include <utility>

namespace cpe::util {

class Lifetime {
public:
    Lifetime() = default;
    Lifetime(const Lifetime&) = delete;
    Lifetime& operator=(const Lifetime&) = delete;

    template <typename Fn>
    auto bind(Fn fn) const {
        return [token = token(), fn = std::move(fn)](auto&&... args) {
            if (!token.expired()) fn(std::forward<decltype(args)>(args)...);
        };
    }
    // For a holder that checks by itself (a state machine that outlives one callback).
    std::weak_ptr<const int> token() const { return token_; }

private:
    std::shared_ptr<const int> token_ = std::make_shared<const int>(0);
};

}  // namespace cpe::util
