// SIGINT/SIGTERM for the programs' mains, one way: blocked in every thread and taken by a thread of ours
// (sigwait), which turns each into work on the event loop; SIGPIPE ignored (a closed socket is an error
// value, not a death).
//
//     int main() {
//         cpe::net::block_stop_signals();            // first, before any thread exists
//         ...
//         cpe::net::StopSignals signals(loop, [&](int sig) { loop.stop(); });
//         loop.run();
//     }
#pragma once

#include <pthread.h>
#include <signal.h>

#include <functional>
#include <thread>

#include "net/event_loop.hpp"

namespace cpe::net {

// Blocks SIGINT and SIGTERM in the calling thread (threads started later inherit the mask) and ignores
// SIGPIPE.
void block_stop_signals();

// Waits for SIGINT/SIGTERM on a thread of its own and runs on_signal(sig) on the loop thread (through
// post()), once per signal. Destruction ends the thread.
class StopSignals {
  public:
    StopSignals(EventLoop& loop, std::function<void(int)> on_signal);
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

  private:
    sigset_t set_;
    std::thread thread_;
};

}  // namespace cpe::net
