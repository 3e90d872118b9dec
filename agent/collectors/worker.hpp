// Work off the event loop. The agent's loop (libwebsockets) must never wait on a device: a collector command
// may take its full time limit (3 s) and a refresh runs a dozen of them. A Worker is one thread that takes
// jobs in order and hands each result back through `post` (EventLoop::post in the agent), so the completion
// runs on the loop thread while the loop went on serving USP meanwhile. AsyncCommandRunner is the small case
// of it: one command, its output delivered on the loop.
//
// Ownership rule for callers: whatever a job touches belongs to the worker from submit() until its completion
// runs on the loop; the loop does not touch it in between (the daemon submits the next refresh only from the
// completion of the previous one).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collectors/source.hpp"
#include "util/result.hpp"

namespace cpe::agent {

class Worker {
  public:
    // Hands a completion to the loop thread; called on the worker thread.
    using Post = std::function<void(std::function<void()>)>;

    // Starts the thread (with every signal blocked: the agent's signals go to its sigwait thread, and the
    // commands it spawns get a clean mask of their own). At most `max_queued` jobs wait behind the running
    // one.
    explicit Worker(Post post, size_t max_queued = 8);
    // Stops: jobs not started are dropped, the running one ends by itself (its commands keep their time
    // limits; long jobs poll stopping() to cut short), completions not yet posted are not posted.
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Queues `work` (run on the worker thread); its result goes to `done` on the loop thread. False, and
    // nothing runs, when the queue is full or the worker is stopping.
    template <typename R>
    bool submit(std::function<R()> work, std::function<void(R)> done) {
        return enqueue([this, work = std::move(work), done = std::move(done)]() mutable {
            auto result = std::make_shared<R>(work());
            if (stopping()) return;
            post_([done = std::move(done), result] { done(std::move(*result)); });
        });
    }

    // Jobs queued or running (any thread).
    size_t pending() const;
    // True once the destructor started: long jobs check it between steps.
    bool stopping() const;

  private:
    bool enqueue(std::function<void()> job);
    void run();

    Post post_;
    const size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;  // guarded by mutex_
    size_t running_ = 0;                       // guarded by mutex_
    bool stop_ = false;                        // guarded by mutex_
    std::thread thread_;
};

// Runs one command through a SourceReader (the live device: spawned, watched with its time limit and output
// bound, killed on timeout, reaped; a fixture: its captured output) on a Worker, and delivers the result on
// the loop. For commands the loop starts on demand (a Wi-Fi site survey, a diagnostic): the refresh's
// collectors run their commands on the worker already.
class AsyncCommandRunner {
  public:
    using Done = std::function<void(Result<std::string>)>;

    // `reader` is stateless in both implementations and may be shared with the board's collectors; it and
    // `worker` outlive the runner.
    AsyncCommandRunner(Worker& worker, SourceReader& reader) : worker_(worker), reader_(reader) {}

    // False (and `done` is never called) when the worker's queue is full or it is stopping.
    bool run(std::vector<std::string> argv, Done done, int timeout_ms = kDefaultCommandTimeoutMs,
             size_t max_bytes = kDefaultMaxSourceBytes);

  private:
    Worker& worker_;
    SourceReader& reader_;
};

}  // namespace cpe::agent
