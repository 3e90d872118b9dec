// HTTP/1.1 server on the EventLoop: routes by method and pattern ("/devices/:id/hosts"), captured requests,
// body size limit, async responses, static files and Server-Sent Events. JSON errors everywhere:
// {"error": "...", "status": N}. Loop thread only (a Responder may be completed from any thread: it posts).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/event_loop.hpp"
#include "net/http_types.hpp"
#include "util/result.hpp"

namespace cpe::net {

namespace detail {
struct Exchange;
struct ServerAnchor;
}  // namespace detail

struct HttpServerOptions {
    std::string name = "http";               // vhost name, also used in log lines
    std::string bind_address = "127.0.0.1";  // "" = all addresses
    int port = 0;                            // 0 = ephemeral; read port() after start()
    size_t max_body_bytes = 1 << 20;         // larger request bodies get 413
    uint64_t handler_timeout_ms = 30000;     // a handler that has not answered by then: 504
    // TLS: cert + key make it HTTPS; with require_client_cert, clients must present a cert signed by
    // tls_ca_path.
    std::string tls_cert_path;
    std::string tls_key_path;
    std::string tls_ca_path;
    bool require_client_cert = false;
    // Standard headers are always captured; non-standard ones only if listed here (lower-case): each program
    // names the ones it reads (the hub: its http.capture_headers).
    std::vector<std::string> capture_headers;
    size_t sse_queue_limit = 256;           // per client; when full the oldest event is dropped
    size_t sse_max_queued_bytes = 1 << 20;  // per client; a client that lets more pile up is disconnected
    uint64_t sse_keepalive_ms = 15000;      // a ": keep-alive" comment when idle this long
    size_t max_static_file_bytes = 8 << 20;
    // Admission (see VhostOptions): connections per peer address (0 = no limit: an API behind a proxy sees
    // one address), and whether this server may use the loop's descriptor reserve (the API: yes).
    unsigned max_connections_per_address = 0;
    bool use_descriptor_reserve = true;
};

// Completes one request. Copyable; the first send() wins. After the client went away (or the handler
// timed out) send() does nothing. Any thread: off the loop thread it posts to the loop.
class Responder {
  public:
    void send(Response response) const;
    void json(int status, std::string body) const { send(Response::json(status, std::move(body))); }
    void error(int status, std::string_view message) const { send(Response::error(status, message)); }
    // Loop thread: the client is still connected and no response was sent yet.
    bool pending() const;

  private:
    friend class HttpServer;
    Responder(EventLoop* loop, std::weak_ptr<detail::Exchange> exchange)
        : loop_(loop), ex_(std::move(exchange)) {}
    EventLoop* loop_ = nullptr;
    std::weak_ptr<detail::Exchange> ex_;
};

// One Server-Sent Events client. Loop thread only.
class SseStream {
  public:
    // Queues "event: <event>\ndata: <line>…\n\n" ("event:" omitted when empty). False once closed.
    bool send(std::string_view event, std::string_view data);
    // Queues ": <text>\n\n".
    bool comment(std::string_view text);
    // Sends what is queued, then closes the connection.
    void close();
    // Before the first event: answers the request with this response (an HTTP error status) instead of
    // opening the stream. Later (the stream is already 200): an "error" event with its body, then close().
    void refuse(Response response);
    bool is_open() const { return open_ && !closing_; }
    // Events dropped because this client read too slowly.
    uint64_t dropped() const { return dropped_; }
    size_t queued() const { return queue_.size(); }
    size_t queued_bytes() const { return queued_bytes_; }
    // The client was disconnected because more than the byte limit piled up unread.
    bool overrun() const { return overrun_; }
    // Called once when the connection ends (client left, close(), or server shutdown).
    void on_close(std::function<void()> fn) { on_close_ = std::move(fn); }

  private:
    friend class HttpServer;
    bool enqueue(std::string message);
    void wake();

    std::weak_ptr<detail::Exchange> ex_;
    std::deque<std::string> queue_;
    size_t queued_bytes_ = 0;
    size_t byte_limit_ = 0;
    bool overrun_ = false;
    bool started_ = false;  // the 200 headers went out
    std::optional<Response> refusal_;
    size_t limit_ = 0;
    uint64_t dropped_ = 0;
    bool open_ = true;
    bool closing_ = false;
    std::function<void()> on_close_;
    TimerHandle keepalive_;
};

class HttpServer {
  public:
    using Handler = std::function<void(const Request&, Responder)>;
    using SseHandler = std::function<void(const Request&, std::shared_ptr<SseStream>)>;

    HttpServer(EventLoop& loop, HttpServerOptions options);
    // Loop thread (or with the loop not running), never from inside one of this server's callbacks.
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Routes may be added before or after start(). Segments starting with ':' match one path segment.
    void route(std::string method, std::string pattern, Handler handler);
    // GET on `pattern` opens an event stream and hands it to `handler`.
    void sse(std::string pattern, SseHandler handler);
    // GET under url_prefix ("/" or "/static") serve files from directory ("index.html" for a directory).
    void serve_static(std::string url_prefix, std::string directory);

    // Binds and starts accepting; the error names the address.
    Status start();
    int port() const { return port_; }
    size_t open_connections() const { return exchanges_.size(); }

  private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        Handler handler;
        SseHandler sse_handler;
    };
    struct StaticMount {
        std::string prefix;
        std::string directory;
    };

    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    int on_request(lws* wsi, std::string path);
    int on_writeable(lws* wsi);
    void on_closed(lws* wsi);
    void dispatch(const std::shared_ptr<detail::Exchange>& ex);
    void start_sse(const std::shared_ptr<detail::Exchange>& ex, const Route& route);
    void arm_keepalive(const std::shared_ptr<SseStream>& stream);
    bool serve_file(const std::shared_ptr<detail::Exchange>& ex, const StaticMount& mount);
    void respond(detail::Exchange& ex, Response response);
    void finish_closed(detail::Exchange& ex);

    friend class Responder;
    friend class SseStream;

    EventLoop& loop_;
    HttpServerOptions options_;
    std::shared_ptr<detail::ServerAnchor> anchor_;
    lws_vhost* vhost_ = nullptr;
    int port_ = 0;
    std::vector<Route> routes_;
    std::vector<StaticMount> mounts_;
    std::unordered_map<lws*, std::shared_ptr<detail::Exchange>>
        exchanges_;  // the request in progress per connection
    std::vector<unsigned char> scratch_;
};

}  // namespace cpe::net
