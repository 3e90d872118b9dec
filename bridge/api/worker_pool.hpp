// A fixed set of threads for the blocking reads (TP-Link sessions, SNMP walks), with a bounded queue:
// the event loop never blocks, and a flood of requests is refused instead of piling up without limit.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cpe::bridge::api {

class WorkerPool {
  public:
    WorkerPool(size_t threads, size_t max_queue);
    ~WorkerPool();  // finishes the running jobs, drops the queued ones, joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // False when the queue is full or the pool is stopping (the job is not run).
    bool submit(std::function<void()> job);
    void stop();
    size_t queued() const;

  private:
    void run();

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    size_t max_queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace cpe::bridge::api
