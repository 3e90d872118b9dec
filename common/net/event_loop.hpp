// One event loop per process, owned by libwebsockets: EventLoop owns the lws_context (created with explicit
// vhosts so servers and clients add their own), runs it on one thread, and is the only way other threads
// reach it (post()). Timers run on lws_sul. Everything except post() and stop() is for the loop thread only.
#pragma once

#include <libwebsockets.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "util/c_handle.hpp"
#include "util/result.hpp"

namespace cpe::net {

using LwsContextPtr = CHandle<lws_context, lws_context_destroy>;

struct LoopOptions {
    // libwebsockets' own log lines (LLL_* mask); errors and warnings by default.
    int lws_log_mask = LLL_ERR | LLL_WARN;
    // Seconds lws waits for headers/body before dropping an idle connection.
    unsigned io_timeout_s = 10;
    // lws's per-connection buffer for a request's headers; a request head larger than this is dropped by lws
    // without a status. Below it, a request target longer than max_target_bytes is cut there (servers answer
    // 414) and a header value longer than max_header_value_bytes likewise (431).
    unsigned short max_header_buffer_bytes = 8192;
    unsigned short max_target_bytes = 4096;
    unsigned short max_header_value_bytes = 4096;
    // Descriptors kept for the listeners that may use them (VhostOptions::use_descriptor_reserve: the HTTP
    // API) and for outgoing work: other listeners refuse a connection once fewer than this many are left
    // below RLIMIT_NOFILE. 0 = no reserve.
    unsigned descriptor_reserve = 0;
    // Connections one peer address may hold open on a listener that does not set its own limit; 0 = no limit.
    unsigned max_connections_per_address = 0;
    // lws's per-thread limits: descriptors it makes room for (0 = the process's limit) and the buffer each
    // read goes through (0 = lws's 4096). A small client-only loop (the agent's speed test) sets both.
    unsigned fd_limit = 0;
    unsigned serv_buf_bytes = 0;
};

// A vhost for a server (port >= 0) or for client connections (port = kNoListen).
struct VhostOptions {
    static constexpr int kNoListen = CONTEXT_PORT_NO_LISTEN;

    std::string name;
    int port = kNoListen;      // 0 = an ephemeral port (read it back with lws_get_vhost_listen_port)
    std::string bind_address;  // "" = all addresses; an IP ("127.0.0.1", "::1") or an interface name
    // Server TLS: both set = TLS. tls_ca_path is the CA client certificates are checked against.
    std::string tls_cert_path;
    std::string tls_key_path;
    std::string tls_ca_path;
    bool require_client_cert = false;
    // Client TLS (for outgoing connections made on this vhost).
    std::string client_ca_path;
    std::string client_cert_path;
    std::string client_key_path;
    // The protocol table; the terminating null entry is added here.
    std::vector<lws_protocols> protocols;
    void* user = nullptr;              // lws_vhost_user(vhost)
    std::shared_ptr<void> keep_alive;  // held until the context is destroyed (lws frees vhosts late)
    unsigned keepalive_timeout_s = 0;  // idle HTTP keep-alive; 0 = lws default (5 s)
    uint64_t extra_lws_options = 0;    // LWS_SERVER_OPTION_* bits
    // Listener admission (checked as lws accepts, before any byte is read; a refused socket is just closed):
    // the most connections one peer address may hold open (nullopt =
    // LoopOptions::max_connections_per_address, 0 = no limit), and whether this listener may use
    // LoopOptions::descriptor_reserve.
    std::optional<unsigned> max_connections_per_address;
    bool use_descriptor_reserve = false;
};

// The peer of a TLS connection presented a certificate that verified against the vhost's CA.
// Needed because our libwebsockets (mbedTLS backend) maps "require a client certificate" to mbedTLS's
// OPTIONAL mode: the handshake succeeds without one, so a server must check this itself before serving.
bool peer_certificate_verified(lws* wsi);
// The Common Name of the peer's certificate (whether or not it verified); nullopt without one.
std::optional<std::string> peer_certificate_cn(lws* wsi);

// The local address of a socket as the kernel reports it (getsockname).
struct SocketAddress {
    int family = 0;       // AF_INET or AF_INET6
    std::string address;  // "127.0.0.1", "::1"
    int port = 0;
    bool wildcard = false;  // 0.0.0.0 or ::
    static Result<SocketAddress> of_socket(int fd);
    std::string text() const;  // "127.0.0.1:8080", "[::1]:8080"
};
// Whether `bound` is exactly what `configured` asked for: "" = a wildcard; an IPv4/IPv6 literal = that
// address in that family; an interface name = not a wildcard. The error names both.
Status check_bound_as_configured(const std::string& configured, const SocketAddress& bound);

class EventLoop;

namespace detail {
struct TimerNode {  // standard layout: lws hands back &sul, which is also the node's address
    lws_sorted_usec_list_t sul;
    uint64_t id;
    EventLoop* loop;
};
struct TimerCore;
}  // namespace detail

// A scheduled timer. Copyable; cancel() on the loop thread. Safe to use after the timer fired or the loop
// was destroyed (then it does nothing).
class TimerHandle {
  public:
    TimerHandle() = default;
    void cancel();
    bool pending() const;

  private:
    friend class EventLoop;
    TimerHandle(std::weak_ptr<detail::TimerCore> core, uint64_t id) : core_(std::move(core)), id_(id) {}
    std::weak_ptr<detail::TimerCore> core_;
    uint64_t id_ = 0;
};

class EventLoop {
  public:
    static Result<std::unique_ptr<EventLoop>> create(const LoopOptions& options = {});
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Services the context until stop(). Returns at once if stop() came first; run() may be called again.
    void run();
    // Any thread: run() returns after the current callback.
    void stop();
    // Any thread: queue fn to run on the loop thread (in order). Tasks still queued when the loop is
    // destroyed are dropped.
    void post(std::function<void()> fn);
    // True on the thread running run() (or, before run(), the thread that created the loop).
    bool in_loop_thread() const;

    // Loop thread: fn runs once after `ms` milliseconds unless cancelled.
    TimerHandle add_timer(uint64_t ms, std::function<void()> fn);

    // Loop thread: adds a vhost. The strings, protocol table and keep_alive live as long as the context.
    // A listening vhost is checked after the bind: the address its socket got (getsockname) must be the one
    // configured (an error otherwise, and the vhost is destroyed); it is logged from the socket.
    Result<lws_vhost*> create_vhost(VhostOptions options);
    // The address a listening vhost made here is bound to; nullopt for others.
    std::optional<SocketAddress> bound_address(const lws_vhost* vhost) const;

    lws_context* context() const { return ctx_.get(); }
    const LoopOptions& options() const { return options_; }

    // Wraps fn so it runs only while `target` is alive: for timers and posted work that outlive objects.
    template <typename T, typename Fn>
    static std::function<void()> guard(std::weak_ptr<T> target, Fn fn) {
        return [target = std::move(target), fn = std::move(fn)]() mutable {
            if (auto locked = target.lock()) fn(*locked);
        };
    }

  private:
    EventLoop() = default;
    static int loop_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    static void timer_fired(lws_sorted_usec_list_t* sul);
    void drain();

    struct VhostRecord {
        VhostOptions options;
        lws_vhost* vhost = nullptr;
        std::optional<SocketAddress> bound;
        lws_callback_function* first_callback = nullptr;  // protocols[0]'s own, when admission wraps it
        unsigned per_address = 0;
        // Accepted sockets per peer address: (descriptor, peer port), pruned of closed ones at each accept.
        std::unordered_map<std::string, std::vector<std::pair<int, int>>> accepted;
    };
    static int admission_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    bool admit(VhostRecord& record, int fd);
    VhostRecord* creating_ = nullptr;

    LoopOptions options_;
    lws_token_limits token_limits_{};  // the context keeps a pointer to it
    LwsContextPtr ctx_;
    std::vector<std::unique_ptr<VhostRecord>> vhosts_;
    std::vector<lws_protocols> loop_protocols_;
    std::shared_ptr<detail::TimerCore> timers_;
    std::atomic<bool> stop_{false};
    std::atomic<std::thread::id> loop_thread_{};
    std::mutex mutex_;  // guards queue_
    std::deque<std::function<void()>> queue_;
};

}  // namespace cpe::net
