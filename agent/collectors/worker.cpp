#include "collectors/worker.hpp"

#include <pthread.h>
#include <signal.h>

namespace cpe::agent {

Worker::Worker(Post post, size_t max_queued) : post_(std::move(post)), max_queued_(max_queued) {
    // The new thread inherits the creating thread's mask: block everything around its creation so that no
    // process signal (SIGTERM, SIGINT) is ever delivered to the worker instead of the agent's sigwait thread.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    thread_ = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Worker::~Worker() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        queue_.clear();
    }
    wake_.notify_all();
    thread_.join();
}

bool Worker::enqueue(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_ || queue_.size() >= max_queued_) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

size_t Worker::pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() + running_;
}

bool Worker::stopping() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stop_;
}

void Worker::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        std::function<void()> job = std::move(queue_.front());
        queue_.pop_front();
        running_ = 1;
        lock.unlock();
        job();
        job = nullptr;  // its captures are released on the worker, before the next wait
        lock.lock();
        running_ = 0;
    }
}

bool AsyncCommandRunner::run(std::vector<std::string> argv, Done done, int timeout_ms, size_t max_bytes) {
    SourceReader& reader = reader_;
    return worker_.submit<Result<std::string>>(
        [&reader, argv = std::move(argv), timeout_ms, max_bytes] {
            return reader.run(argv, timeout_ms, max_bytes);
        },
        std::move(done));
}

}  // namespace cpe::agent
