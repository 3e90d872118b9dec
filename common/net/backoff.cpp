#include "net/backoff.hpp"

#include <algorithm>
#include <memory>
#include <random>

namespace cpe::net {

Backoff::Backoff(Params params, Random random) : params_(params), random_(std::move(random)) {
    params_.base_ms = std::max<uint64_t>(params_.base_ms, 1);
    params_.cap_ms = std::max(params_.cap_ms, params_.base_ms);
    params_.min_ms = std::min(params_.min_ms, params_.cap_ms);
    if (!random_) {
        auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
        random_ = [engine](uint64_t upper) {
            return std::uniform_int_distribution<uint64_t>(0, upper)(*engine);
        };
    }
}

uint64_t Backoff::ceiling_ms() const {
    uint64_t ceiling = params_.base_ms;
    for (unsigned i = 0; i < failures_ && ceiling < params_.cap_ms; ++i) {
        ceiling = ceiling > params_.cap_ms / 2 ? params_.cap_ms : ceiling * 2;
    }
    return std::min(ceiling, params_.cap_ms);
}

uint64_t Backoff::next_ms() {
    const uint64_t ceiling = ceiling_ms();
    ++failures_;
    const uint64_t drawn = std::min(random_(ceiling), ceiling);  // a misbehaving source cannot exceed the cap
    return std::max(drawn, params_.min_ms);
}

}  // namespace cpe::net
