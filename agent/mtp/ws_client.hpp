// The WebSocket MTP (TR-369 "WebSocket Binding"), agent as the client: connects to the controller's URL with
// subprotocol "v1.usp" and "?eid=<our endpoint id>", sends and receives USP records as binary frames,
// keeps the connection alive with pings (closed when a pong does not come back before the next ping) and
// reconnects with exponential back-off and full jitter. Runs on the shared EventLoop; loop thread only.
// A host name is resolved by `resolve` (our DNS client off the loop, mtp/resolve.hpp) before each attempt and
// libwebsockets connects to the address; the name stays the Host header, the TLS SNI and the name the
// certificate is checked against (lws 4.1 takes those from connect_info.host, the socket from .address).
#pragma once

#include <libwebsockets.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/backoff.hpp"
#include "net/event_loop.hpp"
#include "util/result.hpp"

namespace cpe::agent::mtp {

using Bytes = std::vector<uint8_t>;

// Looks up a host name off the loop; `done` runs on the loop thread (once). False: not started.
using ResolveDone = std::function<void(Result<std::vector<std::string>>)>;
using Resolve = std::function<bool(const std::string& host, ResolveDone done)>;

struct WsClientOptions {
    config::WsUrl url;
    std::string endpoint_id;  // ours, sent as ?eid=
    std::string ca_file;      // wss: the CA the controller's certificate must chain to
    std::string cert_file;    // optional client certificate + key (mutual TLS)
    std::string key_file;
    uint32_t ping_interval_s = 30;
    size_t max_record_bytes = 64 * 1024;  // a larger incoming record closes the connection with 1003
    size_t max_send_queue = 64;           // records waiting for the socket; more are dropped (logged)
    config::Reconnect reconnect;
    Resolve resolve;  // required for a host name (an IP literal connects directly)
};

// What to do with a received record.
struct Verdict {
    bool close = false;  // close with 1003 (unsupported data)
    std::string reason;  // for the close frame and the log line
};

struct WsClientCallbacks {
    std::function<void()> connected;  // the WebSocket is open: send the connect record
    std::function<Verdict(std::span<const uint8_t>)> record;  // one complete binary message
    std::function<void()> disconnected;
    // A connection attempt failed before the WebSocket opened (TCP, TLS handshake or upgrade refused).
    std::function<void(const std::string& why)> failed;
};

class WsClient {
  public:
    WsClient(net::EventLoop& loop, WsClientOptions options, WsClientCallbacks callbacks,
             net::Backoff::Random random = {});
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    // Creates the client vhost (TLS files are read here: the error names them) and connects.
    Status start();
    // Queues one record; false when not connected or the queue is full.
    bool send(Bytes record);
    // Closes the connection with 1000 and stops reconnecting; `done` runs once closed (at once if idle).
    void stop(std::function<void()> done);
    bool connected() const { return established_; }
    const std::string& url_text() const { return url_text_; }

  private:
    struct Anchor {
        WsClient* self = nullptr;
    };
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    void connect();
    void on_resolved(Result<std::vector<std::string>> addresses);
    void connect_to(const std::string& address);
    void schedule_reconnect();
    void on_ping_timer();
    void request_close(int code, std::string reason);
    void finish_close();

    net::EventLoop& loop_;
    WsClientOptions options_;
    WsClientCallbacks callbacks_;
    net::Backoff backoff_;
    std::shared_ptr<Anchor> anchor_;
    lws_vhost* vhost_ = nullptr;
    std::string url_text_;  // for log lines (no query)
    std::string request_path_;

    lws* wsi_ = nullptr;
    bool resolving_ = false;
    size_t next_address_ = 0;  // the resolved address to try next (rotates over failures)
    std::string address_;      // the address of the current attempt (lws keeps a pointer until connected)
    bool established_ = false;
    uint64_t established_at_s_ = 0;
    std::deque<Bytes> queue_;
    Bytes rx_;
    bool rx_discard_ = false;
    bool awaiting_pong_ = false;
    bool want_ping_ = false;
    int close_code_ = 0;  // non-zero: close on the next writable callback
    std::string close_reason_;
    bool stopping_ = false;
    std::function<void()> stopped_;
    net::TimerHandle reconnect_timer_;
    net::TimerHandle ping_timer_;
    int client_pem_fd_ = -1;  // certificate + key in one memory file (see start())
};

}  // namespace cpe::agent::mtp
