// Helpers for the net tests: a loop + server + client bundle, a blocking fetch through HttpClient, and a raw
// socket client for what curl would tidy up (malformed requests, traversal attempts, SSE streams).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace cpe::net::test {

// A blocking TCP client on loopback with a receive timeout, so a broken server fails the test instead of
// hanging it.
class RawSocket {
  public:
    explicit RawSocket(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
    }
    ~RawSocket() { close(); }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    bool connected() const { return connected_; }
    bool send_all(const std::string& data) {
        size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<size_t>(n);
        }
        return true;
    }
    // Appends what arrives to `buffer` until `done(buffer)` or EOF/timeout; false on EOF/timeout before done.
    bool read_until(std::string& buffer, const std::function<bool(const std::string&)>& done) {
        char chunk[4096];
        while (!done(buffer)) {
            ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
            if (n <= 0) return false;
            buffer.append(chunk, static_cast<size_t>(n));
        }
        return true;
    }
    // Reads to EOF (or timeout); true if EOF was seen.
    bool read_to_eof(std::string& buffer) {
        char chunk[4096];
        while (true) {
            ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
            if (n == 0) return true;
            if (n < 0) return false;
            buffer.append(chunk, static_cast<size_t>(n));
        }
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
};

inline int status_of(const std::string& raw) {
    if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return 0;
    return std::atoi(raw.c_str() + 9);
}

inline std::string body_of(const std::string& raw) {
    size_t p = raw.find("\r\n\r\n");
    return p == std::string::npos ? std::string() : raw.substr(p + 4);
}

// A port nobody listens on: bound, then closed.
inline int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    socklen_t sl = sizeof(sa);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl);
    ::close(fd);
    return ntohs(sa.sin_port);
}

class NetFixture : public ::testing::Test {
  protected:
    void make(HttpServerOptions options = {}) {
        auto l = EventLoop::create();
        ASSERT_TRUE(l.ok()) << l.error().message;
        loop = std::move(l).value();
        server = std::make_unique<HttpServer>(*loop, std::move(options));
        HttpClientOptions co;
        co.proxy = "";  // loopback: never through a proxy from the environment
        client = std::make_unique<HttpClient>(*loop, co);
    }
    void TearDown() override {
        client.reset();
        server.reset();
        loop.reset();
    }
    void start() {
        auto st = server->start();
        ASSERT_TRUE(st.ok()) << st.error().message;
        ASSERT_GT(server->port(), 0);
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(server->port()) + path;
    }

    // Runs the loop until `done` is called (or a 20 s hang guard trips, failing the test).
    void run_until_stopped() {
        bool hung = false;
        auto guard = loop->add_timer(20000, [&] {
            hung = true;
            loop->stop();
        });
        loop->run();
        guard.cancel();
        EXPECT_FALSE(hung) << "the loop never stopped";
    }

    Result<HttpResponse> fetch(HttpRequest req, HttpClient* via = nullptr) {
        std::optional<Result<HttpResponse>> got;
        (via ? via : client.get())->request(std::move(req), [&](Result<HttpResponse> r) {
            got.emplace(std::move(r));
            loop->stop();
        });
        run_until_stopped();
        if (!got) return make_error(Errc::timeout, "test: no completion");
        return std::move(*got);
    }
    Result<HttpResponse> get(const std::string& path) {
        HttpRequest r;
        r.url = url(path);
        return fetch(r);
    }

    // Runs `body` on its own thread while the loop serves; returns when it has finished.
    void with_client_thread(const std::function<void()>& body) {
        std::thread t([&] {
            body();
            loop->post([this] { loop->stop(); });
        });
        run_until_stopped();
        t.join();
    }

    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<HttpServer> server;
    std::unique_ptr<HttpClient> client;
};

}  // namespace cpe::net::test
