#include "net/event_loop.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kit/net.hpp"

using cpe::net::EventLoop;
using cpe::net::TimerHandle;
using cpe::testkit::connect_errno;

namespace {

std::unique_ptr<EventLoop> make_loop() {
    auto loop = EventLoop::create();
    EXPECT_TRUE(loop.ok()) << (loop.ok() ? "" : loop.error().message);
    return std::move(loop).value();
}

// A hang guard, not a timing assertion: if the test's own stop never comes, the loop stops and the test
// fails.
TimerHandle guard_against_hang(EventLoop& loop, bool& hung) {
    return loop.add_timer(20000, [&] {
        hung = true;
        loop.stop();
    });
}

}  // namespace

TEST(EventLoop, PostFromAnotherThreadRunsOnTheLoopThread) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    std::vector<int> seen;
    std::atomic<bool> all_on_loop{true};
    constexpr int kTasks = 500;
    std::thread producer([&] {
        for (int i = 0; i < kTasks; ++i) {
            loop->post([&, i] {
                if (!loop->in_loop_thread()) all_on_loop = false;
                seen.push_back(i);
                if (i == kTasks - 1) loop->stop();
            });
        }
    });
    loop->run();
    producer.join();
    EXPECT_FALSE(hung);
    EXPECT_TRUE(all_on_loop);
    ASSERT_EQ(seen.size(), static_cast<size_t>(kTasks));
    for (int i = 0; i < kTasks; ++i) EXPECT_EQ(seen[i], i);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    std::atomic<bool> started{false};
    loop->post([&] { started = true; });
    std::thread stopper([&] {
        while (!started) std::this_thread::yield();
        loop->stop();
    });
    loop->run();
    stopper.join();
    EXPECT_FALSE(hung);
}

TEST(EventLoop, StopBeforeRunReturnsAndRunWorksAgain) {
    auto loop = make_loop();
    loop->stop();
    loop->run();  // returns at once
    bool ran = false;
    loop->post([&] {
        ran = true;
        loop->stop();
    });
    loop->run();
    EXPECT_TRUE(ran);
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    std::vector<int> order;
    loop->add_timer(60, [&] {
        order.push_back(60);
        loop->stop();
    });
    loop->add_timer(20, [&] { order.push_back(20); });
    loop->add_timer(40, [&] { order.push_back(40); });
    loop->add_timer(0, [&] { order.push_back(0); });
    loop->run();
    EXPECT_FALSE(hung);
    EXPECT_EQ(order, (std::vector<int>{0, 20, 40, 60}));
}

TEST(EventLoop, CancelledTimerDoesNotFire) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    bool cancelled_fired = false;
    auto doomed = loop->add_timer(10, [&] { cancelled_fired = true; });
    EXPECT_TRUE(doomed.pending());
    doomed.cancel();
    EXPECT_FALSE(doomed.pending());
    doomed.cancel();  // twice is harmless
    // A timer cancelled from another timer's callback, before its own deadline.
    bool later_fired = false;
    TimerHandle later = loop->add_timer(50, [&] { later_fired = true; });
    loop->add_timer(5, [&] { later.cancel(); });
    loop->add_timer(100, [&] { loop->stop(); });
    loop->run();
    EXPECT_FALSE(hung);
    EXPECT_FALSE(cancelled_fired);
    EXPECT_FALSE(later_fired);
}

TEST(EventLoop, TimerCanScheduleAnotherAndHandleOutlivesFiring) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    int count = 0;
    TimerHandle first;
    std::function<void()> tick = [&] {
        if (++count < 5) {
            loop->add_timer(1, tick);
        } else {
            loop->stop();
        }
    };
    first = loop->add_timer(1, tick);
    loop->run();
    EXPECT_FALSE(hung);
    EXPECT_EQ(count, 5);
    EXPECT_FALSE(first.pending());
    first.cancel();  // fired already: nothing happens
}

TEST(EventLoop, WeakGuardSkipsAFreedObject) {
    auto loop = make_loop();
    bool hung = false;
    guard_against_hang(*loop, hung);
    struct Session {
        int hits = 0;
    };
    auto alive = std::make_shared<Session>();
    auto freed = std::make_shared<Session>();
    int calls_on_freed = 0;
    loop->add_timer(10, EventLoop::guard(std::weak_ptr<Session>(alive), [](Session& s) { ++s.hits; }));
    loop->add_timer(10, EventLoop::guard(std::weak_ptr<Session>(freed), [&](Session& s) {
                        ++s.hits;
                        ++calls_on_freed;
                    }));
    freed.reset();
    loop->add_timer(30, [&] { loop->stop(); });
    loop->run();
    EXPECT_FALSE(hung);
    EXPECT_EQ(alive->hits, 1);
    EXPECT_EQ(calls_on_freed, 0);
}

TEST(EventLoop, HandleAfterLoopDestroyedIsInert) {
    TimerHandle h;
    {
        auto loop = make_loop();
        h = loop->add_timer(1000, [] {});
        EXPECT_TRUE(h.pending());
    }
    EXPECT_FALSE(h.pending());
    h.cancel();
}

TEST(EventLoop, VhostOnEphemeralPortReportsItsPort) {
    auto loop = make_loop();
    cpe::net::VhostOptions vo;
    vo.name = "probe";
    vo.port = 0;
    vo.bind_address = "127.0.0.1";
    lws_protocols p{};
    p.name = "http";
    p.callback = lws_callback_http_dummy;
    vo.protocols.push_back(p);
    auto vh = loop->create_vhost(vo);
    ASSERT_TRUE(vh.ok()) << vh.error().message;
    EXPECT_GT(lws_get_vhost_listen_port(*vh), 0);

    // A port some other socket holds cannot be bound: an error naming the vhost and the address.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t sl = sizeof(sa);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
    cpe::net::VhostOptions clash = vo;
    clash.name = "clash";
    clash.port = ntohs(sa.sin_port);
    auto second = loop->create_vhost(clash);
    ::close(fd);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("clash"), std::string::npos) << second.error().message;
    EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(clash.port)), std::string::npos)
        << second.error().message;
}

TEST(EventLoop, VhostOptionsAreChecked) {
    auto loop = make_loop();
    cpe::net::VhostOptions vo;
    vo.name = "bad";
    auto none = loop->create_vhost(vo);
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("no protocols"), std::string::npos);

    lws_protocols p{};
    p.name = "http";
    p.callback = lws_callback_http_dummy;
    vo.protocols.push_back(p);
    vo.port = 0;
    vo.tls_cert_path = "cert.pem";
    auto half = loop->create_vhost(vo);
    ASSERT_FALSE(half.ok());
    EXPECT_NE(half.error().message.find("key"), std::string::npos) << half.error().message;
}

namespace {

cpe::net::VhostOptions listener(const std::string& bind) {
    cpe::net::VhostOptions vo;
    vo.name = "probe";
    vo.port = 0;
    vo.bind_address = bind;
    lws_protocols p{};
    p.name = "http";
    p.callback = lws_callback_http_dummy;
    vo.protocols.push_back(p);
    return vo;
}

}  // namespace

// Issue 10 item 1: lws 4.1 bound "::" for an IPv4 literal on an IPv6-enabled vhost. 127.0.0.2 is another
// loopback address on Linux: a listener on 127.0.0.1 must refuse it.
TEST(EventLoop, Ipv4BindListensOnThatAddressOnly) {
    auto loop = make_loop();
    auto vh = loop->create_vhost(listener("127.0.0.1"));
    ASSERT_TRUE(vh.ok()) << vh.error().message;
    const int port = lws_get_vhost_listen_port(*vh);
    auto bound = loop->bound_address(*vh);
    ASSERT_TRUE(bound.has_value());
    EXPECT_EQ(bound->family, AF_INET);
    EXPECT_EQ(bound->address, "127.0.0.1");
    EXPECT_EQ(bound->port, port);
    EXPECT_EQ(bound->text(), "127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(connect_errno("127.0.0.1", port), 0);
    EXPECT_EQ(connect_errno("127.0.0.2", port), ECONNREFUSED);
}

TEST(EventLoop, Ipv6LiteralAndWildcardBindsAreWhatWasAsked) {
    auto loop = make_loop();
    auto v6 = loop->create_vhost(listener("::1"));
    if (v6.ok()) {  // a machine without IPv6 loopback cannot bind ::1 at all
        auto bound = loop->bound_address(*v6);
        ASSERT_TRUE(bound.has_value());
        EXPECT_EQ(bound->family, AF_INET6);
        EXPECT_EQ(bound->address, "::1");
        EXPECT_EQ(connect_errno("127.0.0.1", bound->port), ECONNREFUSED);
    }
    auto any = loop->create_vhost(listener(""));
    ASSERT_TRUE(any.ok()) << any.error().message;
    auto bound = loop->bound_address(*any);
    ASSERT_TRUE(bound.has_value());
    EXPECT_TRUE(bound->wildcard);
    EXPECT_EQ(connect_errno("127.0.0.2", bound->port), 0);
}

TEST(EventLoop, BoundAddressCheckNamesBothSides) {
    cpe::net::SocketAddress any6{AF_INET6, "::", 8080, true};
    cpe::net::SocketAddress lo4{AF_INET, "127.0.0.1", 8080, false};
    cpe::net::SocketAddress lo6{AF_INET6, "::1", 8080, false};
    auto wrong = cpe::net::check_bound_as_configured("127.0.0.1", any6);
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find("configured for 127.0.0.1 but bound to [::]:8080"),
              std::string::npos)
        << wrong.error().message;
    EXPECT_TRUE(cpe::net::check_bound_as_configured("127.0.0.1", lo4).ok());
    EXPECT_FALSE(cpe::net::check_bound_as_configured("127.0.0.2", lo4).ok());
    EXPECT_TRUE(cpe::net::check_bound_as_configured("::1", lo6).ok());
    EXPECT_FALSE(cpe::net::check_bound_as_configured("::1", lo4).ok());
    EXPECT_TRUE(cpe::net::check_bound_as_configured("", any6).ok());
    EXPECT_FALSE(cpe::net::check_bound_as_configured("", lo4).ok());
    EXPECT_TRUE(cpe::net::check_bound_as_configured("lo", lo4).ok());
    EXPECT_FALSE(cpe::net::check_bound_as_configured("lo", any6).ok());
}
