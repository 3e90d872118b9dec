#include "sources/call.hpp"

#include <algorithm>
#include <chrono>

namespace cpe::hub::sources {

int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::shared_ptr<Call> Call::start(net::EventLoop& loop, net::HttpClient& http, std::weak_ptr<void> alive,
                                  uint64_t budget_ms, uint64_t connect_timeout_ms, std::string what,
                                  Fail on_fail) {
    std::shared_ptr<Call> c(new Call(loop, http));
    c->alive_ = std::move(alive);
    c->budget_ms_ = budget_ms;
    c->connect_timeout_ms_ = connect_timeout_ms;
    c->deadline_ = steady_ms() + static_cast<int64_t>(budget_ms);
    c->what_ = std::move(what);
    c->on_fail_ = std::move(on_fail);
    std::weak_ptr<Call> weak = c;
    c->timer_ = loop.add_timer(budget_ms, [weak] {
        auto self = weak.lock();
        if (!self || self->finished_) return;
        if (self->has_in_flight_) self->http_.cancel(self->in_flight_);
        self->fail(make_error(Errc::timeout, self->what_ + ": no answer within the budget of " +
                                                 std::to_string(self->budget_ms_) + " ms"));
    });
    return c;
}

int64_t Call::remaining_ms() const {
    return deadline_ - steady_ms();
}

void Call::send(net::HttpRequest r, std::function<void(Result<net::HttpResponse>)> next) {
    if (finished_) return;
    int64_t left = remaining_ms();
    if (left <= 0) {
        fail(make_error(Errc::timeout,
                        what_ + ": no answer within the budget of " + std::to_string(budget_ms_) + " ms"));
        return;
    }
    r.total_timeout_ms = static_cast<uint64_t>(left);
    r.connect_timeout_ms = std::min<uint64_t>(connect_timeout_ms_, static_cast<uint64_t>(left));
    std::weak_ptr<Call> weak = shared_from_this();
    has_in_flight_ = true;
    // The timer holds only a weak reference; the completion keeps the call alive until the exchange ends.
    auto self = shared_from_this();
    in_flight_ = http_.request(std::move(r), [self, next = std::move(next)](Result<net::HttpResponse> res) {
        self->has_in_flight_ = false;
        if (self->finished_ || !self->owner_alive()) {
            if (!self->owner_alive()) self->finish();
            return;
        }
        next(std::move(res));
    });
}

bool Call::finish() {
    if (finished_) return false;
    finished_ = true;
    timer_.cancel();
    return true;
}

void Call::fail(Error e) {
    if (!finish()) return;
    if (owner_alive() && on_fail_) on_fail_(std::move(e));
}

bool refuse_if_open(CircuitBreaker& breaker, net::EventLoop& loop, const std::weak_ptr<void>& alive,
                    const char* source, const std::function<void(Error)>& fail) {
    if (breaker.allow()) return false;
    Error e = make_error(Errc::unavailable, std::string(source) + ": " + breaker.refusal_message());
    loop.post([alive, fail, e] {
        if (!alive.expired()) fail(e);
    });
    return true;
}

void note_outcome(CircuitBreaker& breaker, log::RateLimit& limit, const char* tag, const Error* e,
                  bool source_fault) {
    if (!e) {
        breaker.record_success();
    } else if (source_fault) {
        breaker.record_failure(e->message);
        if (log::enabled(log::Level::warn))
            log::write_limited(limit, log::Level::warn, tag, "%s", e->message.c_str());
    }
}

}  // namespace cpe::hub::sources
