#include "net/event_loop.hpp"

#include <cstring>

#include "log/log.hpp"

namespace cpe::net {

namespace detail {
struct Timer {
    TimerNode node{};
    std::function<void()> fn;
};
struct TimerCore {
    uint64_t next_id = 1;
    std::unordered_map<uint64_t, std::unique_ptr<Timer>> timers;
};
}  // namespace detail

namespace {
void lws_log_to_ours(int level, const char* line) {
    // lws lines end with a newline; ours add their own.
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (level & LLL_ERR) {
        LOG_LIMITED(cpe::log::Level::error, 20, 60, "lws", "%s", text.c_str());
    } else {
        LOG_LIMITED(cpe::log::Level::warn, 20, 60, "lws", "%s", text.c_str());
    }
}
}  // namespace

bool peer_certificate_verified(lws* wsi) {
    if (!lws_is_ssl(wsi)) return false;  // lws would dereference a null TLS session
    lws_tls_cert_info_results info{};
    if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_VERIFIED, &info, 0) != 0) return false;  // no certificate
    return info.verified != 0;
}

std::optional<std::string> peer_certificate_cn(lws* wsi) {
    if (!lws_is_ssl(wsi)) return std::nullopt;
    lws_tls_cert_info_results info{};
    if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, &info, sizeof(info.ns.name)) != 0)
        return std::nullopt;
    return std::string(info.ns.name, strnlen(info.ns.name, sizeof(info.ns.name)));
}

void TimerHandle::cancel() {
    auto core = core_.lock();
    if (!core) return;
    auto it = core->timers.find(id_);
    if (it == core->timers.end()) return;
    lws_sul_cancel(&it->second->node.sul);
    core->timers.erase(it);
}

bool TimerHandle::pending() const {
    auto core = core_.lock();
    return core && core->timers.count(id_) != 0;
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(const LoopOptions& options) {
    lws_set_log_level(options.lws_log_mask, lws_log_to_ours);
    std::unique_ptr<EventLoop> loop(new EventLoop());  // private constructor: make_unique cannot reach it
    loop->timers_ = std::make_shared<detail::TimerCore>();
    loop->loop_thread_ = std::this_thread::get_id();

    lws_context_creation_info info{};
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.user = loop.get();
    info.timeout_secs = options.io_timeout_s;
    loop->ctx_.reset(lws_create_context(&info));
    if (!loop->ctx_) return make_error(Errc::internal, "event loop: lws_create_context failed");

    // A listener-less vhost carrying the loop's own protocol: lws delivers EVENT_WAIT_CANCELLED (the wake-up
    // from post()) only to protocols bound to a vhost.
    VhostOptions vo;
    vo.name = "cpe-loop";
    lws_protocols proto{};
    proto.name = "cpe-loop";
    proto.callback = &EventLoop::loop_callback;
    vo.protocols.push_back(proto);
    auto vh = loop->create_vhost(std::move(vo));
    if (!vh) return vh.error();
    return loop;
}

EventLoop::~EventLoop() {
    ctx_.reset();  // closes every connection (their callbacks still find their anchors in vhosts_)
    timers_.reset();
    vhosts_.clear();
}

void EventLoop::run() {
    loop_thread_ = std::this_thread::get_id();
    drain();  // work posted before run() started
    while (!stop_.load()) {
        if (lws_service(ctx_.get(), 0) < 0) break;
    }
    stop_ = false;
}

void EventLoop::stop() {
    stop_ = true;
    lws_cancel_service(ctx_.get());
}

void EventLoop::post(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(fn));
    }
    lws_cancel_service(ctx_.get());
}

bool EventLoop::in_loop_thread() const { return loop_thread_.load() == std::this_thread::get_id(); }

void EventLoop::drain() {
    // Only what is queued now: work posted by a task runs on the next wake-up, so a task that re-posts
    // itself cannot starve the sockets.
    std::deque<std::function<void()>> batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        batch.swap(queue_);
    }
    for (auto& fn : batch) {
        if (fn) fn();
    }
}

int EventLoop::loop_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
        auto* self = static_cast<EventLoop*>(lws_context_user(lws_get_context(wsi)));
        if (self && self->ctx_) self->drain();
        return 0;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

TimerHandle EventLoop::add_timer(uint64_t ms, std::function<void()> fn) {
    auto timer = std::make_unique<detail::Timer>();
    const uint64_t id = timers_->next_id++;
    timer->node.id = id;
    timer->node.loop = this;
    timer->fn = std::move(fn);
    lws_sul_schedule(ctx_.get(), 0, &timer->node.sul, &EventLoop::timer_fired,
                     static_cast<lws_usec_t>(ms) * LWS_US_PER_MS);
    timers_->timers.emplace(id, std::move(timer));
    return TimerHandle(timers_, id);
}

void EventLoop::timer_fired(lws_sorted_usec_list_t* sul) {
    auto* node = reinterpret_cast<detail::TimerNode*>(sul);
    EventLoop* self = node->loop;
    auto it = self->timers_->timers.find(node->id);
    if (it == self->timers_->timers.end()) return;
    std::function<void()> fn = std::move(it->second->fn);
    self->timers_->timers.erase(it);  // node is gone from here on
    if (fn) fn();
}

Result<lws_vhost*> EventLoop::create_vhost(VhostOptions options) {
    auto record = std::make_unique<VhostRecord>();
    record->options = std::move(options);
    VhostOptions& o = record->options;
    if (o.protocols.empty()) return make_error(Errc::invalid_argument, "vhost '" + o.name + "': no protocols");
    o.protocols.push_back(lws_protocols{});  // terminator

    lws_context_creation_info info{};
    info.vhost_name = o.name.c_str();
    info.port = o.port;
    info.iface = o.bind_address.empty() ? nullptr : o.bind_address.c_str();
    info.protocols = o.protocols.data();
    info.user = o.user;
    info.keepalive_timeout = static_cast<int>(o.keepalive_timeout_s);
    info.options = o.extra_lws_options | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    const bool server_tls = !o.tls_cert_path.empty() || !o.tls_key_path.empty();
    if (server_tls) {
        if (o.tls_cert_path.empty() || o.tls_key_path.empty())
            return make_error(Errc::invalid_argument, "vhost '" + o.name + "': TLS needs both a certificate and a key");
        info.ssl_cert_filepath = o.tls_cert_path.c_str();
        info.ssl_private_key_filepath = o.tls_key_path.c_str();
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        // HTTP/1.1 only: a libwebsockets built with HTTP/2 (Debian's) would otherwise offer h2 in ALPN, and our
        // servers (SSE, WebSocket upgrade, header checks) are written for HTTP/1.1.
        info.alpn = "http/1.1";
    }
    if (!o.tls_ca_path.empty()) info.ssl_ca_filepath = o.tls_ca_path.c_str();
    if (o.require_client_cert) {
        if (!server_tls || o.tls_ca_path.empty())
            return make_error(Errc::invalid_argument,
                              "vhost '" + o.name + "': require_client_cert needs a TLS certificate, key and CA");
        info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
    }
    if (!o.client_ca_path.empty()) info.client_ssl_ca_filepath = o.client_ca_path.c_str();
    if (!o.client_cert_path.empty()) info.client_ssl_cert_filepath = o.client_cert_path.c_str();
    if (!o.client_key_path.empty()) info.client_ssl_private_key_filepath = o.client_key_path.c_str();
    if (!o.client_ca_path.empty() || !o.client_cert_path.empty()) info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;

    lws_vhost* vh = lws_create_vhost(ctx_.get(), &info);
    if (!vh) {
        std::string where = o.port == VhostOptions::kNoListen
                                ? std::string("(no listener)")
                                : (o.bind_address.empty() ? std::string("*") : o.bind_address) + ":" +
                                      std::to_string(o.port);
        return make_error(Errc::unavailable, "vhost '" + o.name + "' on " + where +
                                                 ": lws_create_vhost failed (address in use, bad address or "
                                                 "unreadable TLS files)");
    }
    vhosts_.push_back(std::move(record));
    return vh;
}

}  // namespace cpe::net
