// StopSignals in a process of its own (signals are process-wide): a SIGTERM sent to the process reaches the
// callback on the loop thread, and SIGPIPE no longer kills.
#include "net/stop_signals.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

using cpe::net::EventLoop;

TEST(StopSignals, SigtermRunsTheCallbackOnTheLoopThread) {
    cpe::net::block_stop_signals();
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop.ok()) << loop.error().message;
    bool hung = false;
    auto hang_guard = (*loop)->add_timer(20000, [&] {  // a hang guard, not a timing assertion
        hung = true;
        (*loop)->stop();
    });
    int got = 0;
    std::thread::id ran_on;
    cpe::net::StopSignals signals(**loop, [&](int sig) {
        got = sig;
        ran_on = std::this_thread::get_id();
        (*loop)->stop();
    });
    (*loop)->post([] { ::kill(::getpid(), SIGTERM); });
    (*loop)->run();
    EXPECT_FALSE(hung);
    EXPECT_EQ(got, SIGTERM);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(StopSignals, SigpipeIsIgnored) {
    cpe::net::block_stop_signals();
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ::close(fds[1]);
    EXPECT_EQ(::write(fds[0], "x", 1), -1);  // EPIPE, and the process lives on
    EXPECT_EQ(errno, EPIPE);
    ::close(fds[0]);
}
