// One client call with a time budget, possibly several HTTP exchanges in sequence (a lookup with fallbacks,
// equipment → location → customer). A loop timer fires at the deadline: the exchange in flight is cancelled
// and the call fails with a timeout, so a slow source never holds a call past its budget. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "log/log.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "sources/circuit_breaker.hpp"
#include "util/result.hpp"

namespace cpe::hub::sources {

class Call : public std::enable_shared_from_this<Call> {
  public:
    using Fail = std::function<void(Error)>;
    // `alive`: the owning client; once it is gone nothing more runs. `on_fail` gets the first failure (or the
    // timeout).
    static std::shared_ptr<Call> start(net::EventLoop& loop, net::HttpClient& http, std::weak_ptr<void> alive,
                                       uint64_t budget_ms, uint64_t connect_timeout_ms, std::string what,
                                       Fail on_fail);

    // Sends `r` bounded by what is left of the budget; `next` runs (loop thread) only while the call is live.
    void send(net::HttpRequest r, std::function<void(Result<net::HttpResponse>)> next);
    // Ends the call (cancels the deadline timer); false if it had already ended.
    bool finish();
    // Ends the call with `e` (once).
    void fail(Error e);
    bool finished() const { return finished_; }
    bool owner_alive() const { return !alive_.expired(); }
    const std::string& what() const { return what_; }

  private:
    Call(net::EventLoop& loop, net::HttpClient& http) : loop_(loop), http_(http) {}
    int64_t remaining_ms() const;

    net::EventLoop& loop_;
    net::HttpClient& http_;
    std::weak_ptr<void> alive_;
    uint64_t budget_ms_ = 0;
    uint64_t connect_timeout_ms_ = 0;
    int64_t deadline_ = 0;  // steady ms
    std::string what_;
    Fail on_fail_;
    net::TimerHandle timer_;
    uint64_t in_flight_ = 0;
    bool has_in_flight_ = false;
    bool finished_ = false;
};

int64_t steady_ms();

// The circuit-breaker gate every source client puts in front of a call: while `breaker` refuses, `fail` gets
// "<source>: <refusal>" (Errc::unavailable) on the loop, if the client (`alive`) still exists; true =
// refused.
bool refuse_if_open(CircuitBreaker& breaker, net::EventLoop& loop, const std::weak_ptr<void>& alive,
                    const char* source, const std::function<void(Error)>& fail);
// A call's outcome into the breaker: none (`e` null) is a success; an error the client counts as the source's
// fault is a failure, logged under `tag` through `limit` (the client's own rate limit); other errors are
// neither.
void note_outcome(CircuitBreaker& breaker, log::RateLimit& limit, const char* tag, const Error* e,
                  bool source_fault);

}  // namespace cpe::hub::sources
