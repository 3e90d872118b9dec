// One lifetime guard for callbacks that may outlive their owner (timers, posted work, HTTP completions): the
// owner holds a Lifetime; what it hands out is wrapped by guard() and does nothing once the owner is gone.
// Loop-thread objects only: the check and the call happen on the thread that destroys the owner.
#pragma once

#include <memory>
#include <utility>

namespace cpe {

class Lifetime {
  public:
    Lifetime() = default;
    Lifetime(const Lifetime&) = delete;
    Lifetime& operator=(const Lifetime&) = delete;

    // Expires when the owner (and with it this Lifetime) is destroyed.
    std::weak_ptr<void> token() const { return token_; }

    // `fn` wrapped to run only while the owner lives; the wrapper takes and forwards any arguments.
    template <typename Fn>
    auto guard(Fn fn) const {
        return [alive = token(), fn = std::move(fn)](auto&&... args) {
            if (!alive.expired()) fn(std::forward<decltype(args)>(args)...);
        };
    }

  private:
    std::shared_ptr<char> token_ = std::make_shared<char>(0);
};

}  // namespace cpe
