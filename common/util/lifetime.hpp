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

    // `fn` wrapped to run only while the owner lives; the wrapper takes and forwards any arguments, and can
    // be called through a const copy even when `fn` is a mutable lambda (it is one callback, run on one
    // thread).
    template <typename Fn>
    struct Guarded {
        std::weak_ptr<void> alive;
        mutable Fn fn;
        template <typename... Args>
        void operator()(Args&&... args) const {
            if (!alive.expired()) fn(std::forward<Args>(args)...);
        }
    };
    template <typename Fn>
    Guarded<Fn> guard(Fn fn) const {
        return Guarded<Fn>{token(), std::move(fn)};
    }

  private:
    std::shared_ptr<char> token_ = std::make_shared<char>(0);
};

}  // namespace cpe
