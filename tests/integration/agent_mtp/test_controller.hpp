// A USP controller for tests: a WebSocket server ("v1.usp") on 127.0.0.1 with an ephemeral port, on its own
// EventLoop thread. Everything it sees (connections, binary records, closes with their code) becomes an Event
// the test waits for; the test sends records and closes connections through it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/event_loop.hpp"

namespace cpe::test {

using Bytes = std::vector<uint8_t>;

struct ControllerEvent {
    enum class Kind { open, record, text, closed };
    Kind kind = Kind::open;
    int conn = 0;
    Bytes data;       // record
    std::string eid;  // open: the ?eid= the client sent
    bool cert_verified = false;
    std::string cert_cn;
    int close_code = 0;  // closed: the code of the client's close frame (0 if none)
};

struct ControllerTls {
    std::string cert, key, ca;
    bool require_client_cert = false;
};

class TestController {
  public:
    explicit TestController(std::optional<ControllerTls> tls = std::nullopt);
    ~TestController();

    int port() const { return port_; }
    bool ok() const { return port_ > 0; }
    // The next event, or nullopt after `timeout_s` (a broken agent fails the test instead of hanging it).
    std::optional<ControllerEvent> next(int timeout_s = 30);
    // The next event of this kind; others are dropped.
    std::optional<ControllerEvent> next_of(ControllerEvent::Kind kind, int timeout_s = 30);
    size_t opens_seen() const;

    void send(int conn, Bytes record);
    void close(int conn, int code = 1000);
    // Close connections 1..count right after their first record arrives (the agent's WebSocketConnectRecord).
    // Call before the agent connects.
    void close_first_connections(int count);

  private:
    struct Conn {
        lws* wsi = nullptr;
        std::deque<Bytes> out;
        Bytes rx;
        int close_code = 0;       // to send
        int peer_close_code = 0;  // received
        bool got_first = false;
    };
    struct Pss {
        int conn;
    };
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_event(lws* wsi, lws_callback_reasons reason, Pss* pss, void* in, size_t len);
    void push(ControllerEvent e);

    std::unique_ptr<net::EventLoop> loop_;
    std::thread thread_;
    int port_ = 0;
    bool require_client_cert_ = false;
    int close_first_ = 0;        // loop thread
    int next_conn_ = 1;          // loop thread
    std::map<int, Conn> conns_;  // loop thread
    mutable std::mutex mutex_;   // guards events_, opens_
    std::condition_variable cv_;
    std::deque<ControllerEvent> events_;
    size_t opens_ = 0;
};

}  // namespace cpe::test
