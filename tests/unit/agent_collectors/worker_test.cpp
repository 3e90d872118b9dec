// The Worker and the AsyncCommandRunner against a stand-in for the event loop: a queue the test thread
// drains, as EventLoop::post feeds the loop thread.
#include <pthread.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "collectors/worker.hpp"
#include "test_util.hpp"

namespace cpe::agent {
namespace {

using testing::TempDir;

// What the loop thread would run, in the order it was posted.
class FakeLoop {
  public:
    Worker::Post poster() {
        return [this](std::function<void()> fn) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                tasks_.push_back(std::move(fn));
            }
            cv_.notify_all();
        };
    }
    // Runs the next posted task on this thread; false when none came within 10 s (a hang fails, never
    // passes).
    bool run_one() {
        std::function<void()> fn;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return !tasks_.empty(); }))
                return false;
            fn = std::move(tasks_.front());
            tasks_.pop_front();
        }
        fn();
        return true;
    }
    size_t queued() {
        std::lock_guard<std::mutex> lock(mutex_);
        return tasks_.size();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
};

// A latch the test opens; jobs wait on it (bounded).
class Gate {
  public:
    void open() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return open_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

TEST(Worker, RunsJobsInOrderAndCompletesThemOnThePostingThread) {
    FakeLoop loop;
    Worker worker(loop.poster());
    const std::thread::id test_thread = std::this_thread::get_id();
    std::vector<int> done;
    std::vector<std::thread::id> work_threads;
    std::mutex m;
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(worker.submit<int>(
            [i, &work_threads, &m] {
                std::lock_guard<std::mutex> lock(m);
                work_threads.push_back(std::this_thread::get_id());
                return i * 10;
            },
            [&done, test_thread](int r) {
                EXPECT_EQ(std::this_thread::get_id(), test_thread);
                done.push_back(r);
            }));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(loop.run_one());
    EXPECT_EQ(done, (std::vector<int>{0, 10, 20}));
    for (const auto& id : work_threads) EXPECT_NE(id, test_thread);
}

TEST(Worker, RefusesWorkPastItsQueueBound) {
    FakeLoop loop;
    Gate started, gate;
    Worker worker(loop.poster(), 2);
    int completed = 0;
    auto blocked = [&gate] { return gate.wait(); };
    auto count = [&completed](bool) { ++completed; };
    ASSERT_TRUE(worker.submit<bool>(
        [&] {
            started.open();
            return gate.wait();
        },
        count));
    ASSERT_TRUE(started.wait());  // the first job left the queue: two more may wait behind it
    ASSERT_TRUE(worker.submit<bool>(blocked, count));
    ASSERT_TRUE(worker.submit<bool>(blocked, count));
    EXPECT_FALSE(worker.submit<bool>(blocked, count));
    EXPECT_EQ(worker.pending(), 3u);
    gate.open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(loop.run_one());
    EXPECT_EQ(completed, 3);
}

TEST(Worker, StoppingDropsQueuedJobsAndPostsNothingMore) {
    FakeLoop loop;
    Gate started, gate;
    bool second_ran = false;
    {
        Worker worker(loop.poster());
        ASSERT_TRUE(worker.submit<bool>(
            [&] {
                started.open();
                return gate.wait();
            },
            [](bool) { ADD_FAILURE() << "completion posted after stop"; }));
        ASSERT_TRUE(worker.submit<bool>([&] { return second_ran = true; }, [](bool) {}));
        ASSERT_TRUE(started.wait());
        std::thread opener([&] {
            // Opens the gate once the destructor has begun (stopping() is what long jobs watch).
            for (int i = 0; i < 1000 && !worker.stopping(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            gate.open();
        });
        opener.detach();
        // The destructor waits for the running job, drops the queued one.
    }
    EXPECT_FALSE(second_ran);
    EXPECT_EQ(loop.queued(), 0u);
}

TEST(Worker, TheWorkerThreadBlocksProcessSignals) {
    FakeLoop loop;
    Worker worker(loop.poster());
    bool term_blocked = false, int_blocked = false;
    ASSERT_TRUE(worker.submit<bool>(
        [] {
            sigset_t mask;
            pthread_sigmask(SIG_BLOCK, nullptr, &mask);
            return sigismember(&mask, SIGTERM) == 1 && sigismember(&mask, SIGINT) == 1;
        },
        [&](bool blocked) { term_blocked = int_blocked = blocked; }));
    ASSERT_TRUE(loop.run_one());
    EXPECT_TRUE(term_blocked);
    EXPECT_TRUE(int_blocked);
    // The creating thread's own mask is left as it was.
    sigset_t mine;
    pthread_sigmask(SIG_BLOCK, nullptr, &mine);
    EXPECT_EQ(sigismember(&mine, SIGTERM), 0);
}

// The command waits for a file that the test creates only after run() returned: a runner that ran the command
// on the calling thread would end in its timeout instead.
TEST(AsyncCommandRunner, ReturnsAtOnceAndDeliversTheOutputOnTheLoop) {
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string flag = dir.path() + "/go";
    FakeLoop loop;
    Worker worker(loop.poster());
    auto reader = make_live_reader();
    AsyncCommandRunner runner(worker, *reader);
    std::optional<Result<std::string>> got;
    ASSERT_TRUE(runner.run(
        {"sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.01; done; echo ran", flag},
        [&got](Result<std::string> r) { got = std::move(r); }, 10000));
    EXPECT_FALSE(got);
    dir.write("go", "");
    ASSERT_TRUE(loop.run_one());
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->ok()) << got->error().message;
    EXPECT_EQ(**got, "ran\n");
}

TEST(AsyncCommandRunner, KeepsTheTimeLimit) {
    FakeLoop loop;
    Worker worker(loop.poster());
    auto reader = make_live_reader();
    AsyncCommandRunner runner(worker, *reader);
    std::optional<Result<std::string>> got;
    ASSERT_TRUE(runner.run(
        {"sleep", "30"}, [&got](Result<std::string> r) { got = std::move(r); }, 100));
    ASSERT_TRUE(loop.run_one());
    ASSERT_TRUE(got);
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->error().code, Errc::timeout);
}

TEST(AsyncCommandRunner, ServesAFixtureCommandFromItsCapturedOutput) {
    TempDir dir;
    dir.write("captured/iw_dev_wlan0_scan.out", "BSS 00:11:22:33:44:55(on wlan0)\n");
    FakeLoop loop;
    Worker worker(loop.poster());
    auto reader = make_fixture_reader(dir.path());
    AsyncCommandRunner runner(worker, *reader);
    std::optional<Result<std::string>> got;
    ASSERT_TRUE(
        runner.run({"iw", "dev", "wlan0", "scan"}, [&got](Result<std::string> r) { got = std::move(r); }));
    ASSERT_TRUE(loop.run_one());
    ASSERT_TRUE(got && got->ok());
    EXPECT_EQ(**got, "BSS 00:11:22:33:44:55(on wlan0)\n");
}

}  // namespace
}  // namespace cpe::agent
