#include "net/stop_signals.hpp"

namespace cpe::net {

namespace {
constexpr int kEndThread = SIGUSR2;  // ours: sent to the waiting thread to end it
}

void block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

StopSignals::StopSignals(EventLoop& loop, std::function<void(int)> on_signal) {
    block_stop_signals();  // again, for a main that did not: harmless when it did
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, kEndThread);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &loop, on_signal = std::move(on_signal)] {
        while (true) {
            int sig = 0;
            if (sigwait(&set_, &sig) != 0) continue;
            if (sig == kEndThread) return;
            loop.post([on_signal, sig] { on_signal(sig); });
        }
    });
}

StopSignals::~StopSignals() {
    pthread_kill(thread_.native_handle(), kEndThread);
    thread_.join();
}

}  // namespace cpe::net
