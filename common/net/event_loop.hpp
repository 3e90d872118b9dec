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

#include "util/result.hpp"

namespace cpe::net {

struct LwsContextDeleter {
    void operator()(lws_context* ctx) const { lws_context_destroy(ctx); }
};
using LwsContextPtr = std::unique_ptr<lws_context, LwsContextDeleter>;

struct LoopOptions {
    // libwebsockets' own log lines (LLL_* mask); errors and warnings by default.
    int lws_log_mask = LLL_ERR | LLL_WARN;
    // Seconds lws waits for headers/body before dropping an idle connection.
    unsigned io_timeout_s = 10;
};

// A vhost for a server (port >= 0) or for client connections (port = kNoListen).
struct VhostOptions {
    static constexpr int kNoListen = CONTEXT_PORT_NO_LISTEN;

    std::string name;
    int port = kNoListen;        // 0 = an ephemeral port (read it back with lws_get_vhost_listen_port)
    std::string bind_address;    // "" = all addresses; an IP ("127.0.0.1", "::1") or an interface name
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
    void* user = nullptr;               // lws_vhost_user(vhost)
    std::shared_ptr<void> keep_alive;   // held until the context is destroyed (lws frees vhosts late)
    unsigned keepalive_timeout_s = 0;   // idle HTTP keep-alive; 0 = lws default (5 s)
    uint64_t extra_lws_options = 0;     // LWS_SERVER_OPTION_* bits
};

// The peer of a TLS connection presented a certificate that verified against the vhost's CA.
// Needed because our libwebsockets (mbedTLS backend) maps "require a client certificate" to mbedTLS's
// OPTIONAL mode: the handshake succeeds without one, so a server must check this itself before serving.
bool peer_certificate_verified(lws* wsi);
// The Common Name of the peer's certificate (whether or not it verified); nullopt without one.
std::optional<std::string> peer_certificate_cn(lws* wsi);

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
    Result<lws_vhost*> create_vhost(VhostOptions options);

    lws_context* context() const { return ctx_.get(); }

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
    };

    LwsContextPtr ctx_;
    std::vector<std::unique_ptr<VhostRecord>> vhosts_;
    std::vector<lws_protocols> loop_protocols_;
    std::shared_ptr<detail::TimerCore> timers_;
    std::atomic<bool> stop_{false};
    std::atomic<std::thread::id> loop_thread_{};
    std::mutex mutex_;                              // guards queue_
    std::deque<std::function<void()>> queue_;
};

}  // namespace cpe::net
