#include "net/event_loop.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

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
// Every listening TCP socket of this process (its descriptor numbers), read from /proc/self/fd, or by trying
// the low descriptors where /proc is not mounted.
std::set<int> listening_sockets() {
    std::set<int> fds;
    auto consider = [&fds](int fd) {
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return;
        int listening = 0;
        socklen_t len = sizeof(listening);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening) fds.insert(fd);
    };
    if (DIR* dir = opendir("/proc/self/fd")) {
        while (dirent* e = readdir(dir)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            const int fd = std::atoi(e->d_name);
            if (fd != dirfd(dir)) consider(fd);
        }
        closedir(dir);
    } else {
        for (int fd = 0; fd < 4096; ++fd) consider(fd);
    }
    return fds;
}

}  // namespace

Result<SocketAddress> SocketAddress::of_socket(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return make_error(Errc::internal, "getsockname failed on descriptor " + std::to_string(fd));
    SocketAddress out;
    char text[INET6_ADDRSTRLEN] = {0};
    if (ss.ss_family == AF_INET) {
        const auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &sa->sin_addr, text, sizeof(text));
        out.port = ntohs(sa->sin_port);
        out.wildcard = sa->sin_addr.s_addr == htonl(INADDR_ANY);
    } else if (ss.ss_family == AF_INET6) {
        const auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof(text));
        out.port = ntohs(sa->sin6_port);
        out.wildcard = IN6_IS_ADDR_UNSPECIFIED(&sa->sin6_addr);
    } else {
        return make_error(Errc::internal, "descriptor " + std::to_string(fd) + " is not an IP socket");
    }
    out.family = ss.ss_family;
    out.address = text;
    return out;
}

std::string SocketAddress::text() const {
    return (family == AF_INET6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Status check_bound_as_configured(const std::string& configured, const SocketAddress& bound) {
    in_addr v4{};
    in6_addr v6{};
    if (configured.empty()) {
        if (bound.wildcard) return {};
        return make_error(Errc::internal, "configured for all addresses but bound to " + bound.text());
    }
    if (inet_pton(AF_INET, configured.c_str(), &v4) == 1) {
        in_addr got{};
        if (bound.family == AF_INET && inet_pton(AF_INET, bound.address.c_str(), &got) == 1 &&
            got.s_addr == v4.s_addr)
            return {};
        return make_error(Errc::internal, "configured for " + configured + " but bound to " + bound.text());
    }
    if (inet_pton(AF_INET6, configured.c_str(), &v6) == 1) {
        in6_addr got{};
        if (bound.family == AF_INET6 && inet_pton(AF_INET6, bound.address.c_str(), &got) == 1 &&
            std::memcmp(&got, &v6, sizeof(got)) == 0)
            return {};
        return make_error(Errc::internal, "configured for " + configured + " but bound to " + bound.text());
    }
    // An interface name: lws picked one of its addresses; anything but a wildcard is that interface's.
    if (!bound.wildcard) return {};
    return make_error(Errc::internal,
                      "configured for interface " + configured + " but bound to " + bound.text());
}

bool peer_certificate_verified(lws* wsi) {
    if (!lws_is_ssl(wsi)) return false;  // lws would dereference a null TLS session
    lws_tls_cert_info_results info{};
    if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_VERIFIED, &info, 0) != 0)
        return false;  // no certificate
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

    loop->options_ = options;
    for (int t = 0; t < WSI_TOKEN_COUNT; ++t)
        loop->token_limits_.token_limit[t] = options.max_header_value_bytes;
    for (auto t : {WSI_TOKEN_GET_URI, WSI_TOKEN_POST_URI, WSI_TOKEN_OPTIONS_URI, WSI_TOKEN_PUT_URI,
                   WSI_TOKEN_PATCH_URI, WSI_TOKEN_DELETE_URI, WSI_TOKEN_HEAD_URI, WSI_TOKEN_CONNECT,
                   WSI_TOKEN_HTTP_URI_ARGS})
        loop->token_limits_.token_limit[t] = options.max_target_bytes;

    lws_context_creation_info info{};
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.user = loop.get();
    info.timeout_secs = options.io_timeout_s;
    info.max_http_header_data = options.max_header_buffer_bytes;
    info.token_limits = &loop->token_limits_;
    if (options.fd_limit) info.fd_limit_per_thread = options.fd_limit;
    if (options.serv_buf_bytes) info.pt_serv_buf_size = options.serv_buf_bytes;
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

bool EventLoop::in_loop_thread() const {
    return loop_thread_.load() == std::this_thread::get_id();
}

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
    if (o.protocols.empty())
        return make_error(Errc::invalid_argument, "vhost '" + o.name + "': no protocols");
    o.protocols.push_back(lws_protocols{});  // terminator

    lws_context_creation_info info{};
    info.vhost_name = o.name.c_str();
    info.port = o.port;
    info.iface = o.bind_address.empty() ? nullptr : o.bind_address.c_str();
    info.protocols = o.protocols.data();
    info.user = o.user;
    info.keepalive_timeout = static_cast<int>(o.keepalive_timeout_s);
    info.options = o.extra_lws_options | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    // lws 4.1 on an IPv6-enabled vhost parses an IPv4 literal `iface` into the wrong field of a sockaddr_in6
    // and binds "::" (every address). An IPv4 listener is an IPv4 socket.
    in_addr v4{};
    if (!o.bind_address.empty() && inet_pton(AF_INET, o.bind_address.c_str(), &v4) == 1)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    const bool server_tls = !o.tls_cert_path.empty() || !o.tls_key_path.empty();
    if (server_tls) {
        if (o.tls_cert_path.empty() || o.tls_key_path.empty())
            return make_error(Errc::invalid_argument,
                              "vhost '" + o.name + "': TLS needs both a certificate and a key");
        info.ssl_cert_filepath = o.tls_cert_path.c_str();
        info.ssl_private_key_filepath = o.tls_key_path.c_str();
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        // HTTP/1.1 only: a libwebsockets built with HTTP/2 (Debian's) would otherwise offer h2 in ALPN, and
        // our servers (SSE, WebSocket upgrade, header checks) are written for HTTP/1.1.
        info.alpn = "http/1.1";
    }
    if (!o.tls_ca_path.empty()) info.ssl_ca_filepath = o.tls_ca_path.c_str();
    if (o.require_client_cert) {
        if (!server_tls || o.tls_ca_path.empty())
            return make_error(
                Errc::invalid_argument,
                "vhost '" + o.name + "': require_client_cert needs a TLS certificate, key and CA");
        info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
    }
    if (!o.client_ca_path.empty()) info.client_ssl_ca_filepath = o.client_ca_path.c_str();
    if (!o.client_cert_path.empty()) info.client_ssl_cert_filepath = o.client_cert_path.c_str();
    if (!o.client_key_path.empty()) info.client_ssl_private_key_filepath = o.client_key_path.c_str();
    if (!o.client_ca_path.empty() || !o.client_cert_path.empty())
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;

    const bool listens = o.port != VhostOptions::kNoListen;
    const std::set<int> before = listens ? listening_sockets() : std::set<int>{};
    record->per_address = o.max_connections_per_address.value_or(options_.max_connections_per_address);
    if (listens &&
        (record->per_address > 0 || (options_.descriptor_reserve > 0 && !o.use_descriptor_reserve))) {
        // lws asks protocols[0] whether to keep each accepted socket
        // (LWS_CALLBACK_FILTER_NETWORK_CONNECTION).
        record->first_callback = o.protocols[0].callback;
        o.protocols[0].callback = &EventLoop::admission_callback;
    }
    creating_ = record.get();
    lws_vhost* vh = lws_create_vhost(ctx_.get(), &info);
    creating_ = nullptr;
    if (!vh) {
        std::string where =
            o.port == VhostOptions::kNoListen
                ? std::string("(no listener)")
                : (o.bind_address.empty() ? std::string("*") : o.bind_address) + ":" + std::to_string(o.port);
        return make_error(Errc::unavailable, "vhost '" + o.name + "' on " + where +
                                                 ": lws_create_vhost failed (address in use, bad address or "
                                                 "unreadable TLS files)");
    }
    if (listens) {
        // What the kernel bound, not what we asked for: the new listening socket(s) of this vhost.
        const std::string wanted = o.bind_address.empty() ? std::string("*") : o.bind_address;
        const int port = lws_get_vhost_listen_port(vh);
        std::vector<SocketAddress> bound;
        const std::set<int> now = listening_sockets();
        for (int fd : now) {
            if (before.count(fd)) continue;
            auto a = SocketAddress::of_socket(fd);
            if (a.ok() && a->port == port) bound.push_back(*a);
        }
        // lws shares one listener between vhosts on the same address and port: then it is an older socket.
        for (int fd : now) {
            if (!bound.empty()) break;
            auto a = SocketAddress::of_socket(fd);
            if (a.ok() && a->port == port && check_bound_as_configured(o.bind_address, *a))
                bound.push_back(*a);
        }
        Status verdict =
            bound.empty()
                ? make_error(Errc::internal, "no listening socket found for port " + std::to_string(port))
                : Status{};
        for (const auto& b : bound) {
            if (!verdict) break;
            verdict = check_bound_as_configured(o.bind_address, b);
        }
        if (!verdict) {
            lws_vhost_destroy(vh);
            vhosts_.push_back(std::move(record));  // lws frees the vhost later; its strings must outlive that
            return verdict.error().with_context("vhost '" + o.name + "' (bind " + wanted + ":" +
                                                std::to_string(o.port) + ")");
        }
        for (const auto& b : bound) LOG_INFO("net", "%s listening on %s", o.name.c_str(), b.text().c_str());
        record->bound = bound.front();
    }
    record->vhost = vh;
    vhosts_.push_back(std::move(record));
    return vh;
}

int EventLoop::admission_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* self = static_cast<EventLoop*>(lws_context_user(lws_get_context(wsi)));
    if (!self) return 0;
    VhostRecord* record = nullptr;
    const lws_vhost* vh = lws_get_vhost(wsi);
    for (const auto& r : self->vhosts_)
        if (vh && r->vhost == vh) record = r.get();
    // While lws_create_vhost runs (PROTOCOL_INIT, the listener), the record does not know its vhost yet.
    if (!record && self->creating_ && self->creating_->first_callback) record = self->creating_;
    if (!record || !record->first_callback) return 0;
    if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION &&
        !self->admit(*record, static_cast<int>(reinterpret_cast<intptr_t>(in))))
        return 1;  // lws closes the socket
    return record->first_callback(wsi, reason, user, in, len);
}

namespace {
// The peer of a connected socket ("" when it is not connected any more).
std::string peer_of(int fd, int* port) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof(ss);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) return {};
    char text[INET6_ADDRSTRLEN] = {0};
    if (ss.ss_family == AF_INET) {
        const auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &sa->sin_addr, text, sizeof(text));
        *port = ntohs(sa->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof(text));
        *port = ntohs(sa->sin6_port);
    } else {
        return {};
    }
    return text;
}
}  // namespace

bool EventLoop::admit(VhostRecord& record, int fd) {
    const std::string& name = record.options.name;
    int peer_port = 0;
    std::string peer = peer_of(fd, &peer_port);
    if (peer.empty()) peer = "?";
    if (options_.descriptor_reserve > 0 && !record.options.use_descriptor_reserve) {
        rlimit rl{};
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            static_cast<rlim_t>(fd) + options_.descriptor_reserve >= rl.rlim_cur) {
            LOG_LIMITED(
                cpe::log::Level::warn, 5, 60, "net",
                "%s: refused a connection from %s: descriptor %d of %llu, the last %u are kept for the API",
                name.c_str(), peer.c_str(), fd, static_cast<unsigned long long>(rl.rlim_cur),
                options_.descriptor_reserve);
            return false;
        }
    }
    if (record.per_address == 0) return true;
    // Sockets still connected to the peer they were accepted from (a closed descriptor may have been reused).
    auto prune = [fd](const std::string& address, std::vector<std::pair<int, int>>& list) {
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const std::pair<int, int>& e) {
                                      int port = 0;
                                      return e.first == fd || peer_of(e.first, &port) != address ||
                                             port != e.second;
                                  }),
                   list.end());
    };
    if (record.accepted.size() > 1024) {
        for (auto it = record.accepted.begin(); it != record.accepted.end();) {
            prune(it->first, it->second);
            it = it->second.empty() ? record.accepted.erase(it) : std::next(it);
        }
    }
    auto& open = record.accepted[peer];
    prune(peer, open);
    if (open.size() >= record.per_address) {
        LOG_LIMITED(cpe::log::Level::warn, 5, 60, "net",
                    "%s: refused a connection from %s: it already holds %zu", name.c_str(), peer.c_str(),
                    open.size());
        return false;
    }
    open.emplace_back(fd, peer_port);
    return true;
}

std::optional<SocketAddress> EventLoop::bound_address(const lws_vhost* vhost) const {
    for (const auto& r : vhosts_)
        if (r->vhost == vhost && r->bound) return r->bound;
    return std::nullopt;
}

}  // namespace cpe::net
