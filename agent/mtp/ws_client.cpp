#include "mtp/ws_client.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "log/log.hpp"
#include "mtp/resolve.hpp"
#include "util/text.hpp"

namespace cpe::agent::mtp {
namespace {

constexpr const char* kSubprotocol = "v1.usp";

// Query-string escaping for the endpoint id: unreserved characters and ':' (as in "os::…") stay.
std::string escape_query(const std::string& text) {
    return cpe::text::percent_encode(text, "-._~:");
}

Result<std::string> read_pem(const std::string& path) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::not_found, path + ": cannot open");
    std::string text;
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && text.size() <= 64 * 1024) text.append(buf, n);
    fclose(f);
    if (text.size() > 64 * 1024) return make_error(Errc::too_large, path + ": larger than 64 KiB");
    return text;
}

}  // namespace

WsClient::WsClient(net::EventLoop& loop, WsClientOptions options, WsClientCallbacks callbacks,
                   net::Backoff::Random random)
    : loop_(loop),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      backoff_({options_.reconnect.base_ms, options_.reconnect.cap_ms, options_.reconnect.min_ms},
               std::move(random)),
      anchor_(std::make_shared<Anchor>()) {
    anchor_->self = this;
    const config::WsUrl& u = options_.url;
    const bool v6 = u.host.find(':') != std::string::npos;
    url_text_ = std::string(u.tls ? "wss://" : "ws://") + (v6 ? "[" + u.host + "]" : u.host) + ":" +
                std::to_string(u.port) + u.path.substr(0, u.path.find('?'));
    request_path_ = u.path + (u.path.find('?') == std::string::npos ? "?" : "&") +
                    "eid=" + escape_query(options_.endpoint_id);
}

WsClient::~WsClient() {
    anchor_->self = nullptr;  // lws may still call the protocol while the context closes the connection
    reconnect_timer_.cancel();
    ping_timer_.cancel();
    if (client_pem_fd_ >= 0) close(client_pem_fd_);
    // A client replaced with another identity (certificate renewal) frees its vhost and TLS context now, not
    // at exit; lws defers the free while a connection of it is still closing.
    if (vhost_) lws_vhost_destroy(vhost_);
}

Status WsClient::start() {
    net::VhostOptions vo;
    vo.name = "usp-ws-client";
    vo.port = net::VhostOptions::kNoListen;
    vo.client_ca_path = options_.ca_file;
    vo.client_cert_path = options_.cert_file;
    vo.client_key_path = options_.key_file;
    if (!options_.cert_file.empty() && options_.key_file != options_.cert_file) {
        // libwebsockets 4.1 with mbedTLS reads the client's private key from the certificate file and ignores
        // the key file, so both go into one memory file (never onto the flash) that lws reads by path.
        auto cert = read_pem(options_.cert_file);
        if (!cert) return cert.error().with_context("USP WebSocket client certificate");
        auto key = read_pem(options_.key_file);
        if (!key) return key.error().with_context("USP WebSocket client key");
        client_pem_fd_ = memfd_create("usp-client-pem", MFD_CLOEXEC);
        if (client_pem_fd_ < 0)
            return make_error(Errc::io_error, "USP WebSocket client: memfd_create failed");
        const std::string pem = *cert + "\n" + *key + "\n";
        if (write(client_pem_fd_, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size()))
            return make_error(Errc::io_error,
                              "USP WebSocket client: cannot write the certificate memory file");
        vo.client_cert_path = "/proc/self/fd/" + std::to_string(client_pem_fd_);
        vo.client_key_path = vo.client_cert_path;
    }
    lws_protocols proto{};
    proto.name = kSubprotocol;
    proto.callback = &WsClient::callback;
    proto.user = anchor_.get();
    proto.rx_buffer_size = 0;
    vo.protocols.push_back(proto);
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) {
        std::string files = options_.ca_file;
        if (!options_.cert_file.empty()) files += ", " + options_.cert_file + ", " + options_.key_file;
        return vh.error().with_context("USP WebSocket client" +
                                       (files.empty() ? std::string() : " (TLS files " + files + ")"));
    }
    vhost_ = *vh;
    const uint64_t spread_ms = options_.reconnect.initial_jitter_ms;
    if (spread_ms == 0) {
        connect();
        return {};
    }
    // Agents that power up together (a neighbourhood's power coming back) must not reach the controller in
    // the same second: the first attempt waits a uniform random time in [0, initial_jitter_ms].
    net::Backoff spread({spread_ms, spread_ms, 0});
    const uint64_t delay = spread.next_ms();
    LOG_INFO("mtp", "%s: first connection in %llu ms", url_text_.c_str(),
             static_cast<unsigned long long>(delay));
    auto anchor = anchor_;
    reconnect_timer_ = loop_.add_timer(delay, [anchor] {
        if (anchor->self) anchor->self->connect();
    });
    return {};
}

void WsClient::connect() {
    if (stopping_ || wsi_ || resolving_) return;
    const std::string& host = options_.url.host;
    if (is_ip_literal(host)) {
        connect_to(host);
        return;
    }
    if (!options_.resolve) {
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: no resolver for the host name '%s'",
                    url_text_.c_str(), host.c_str());
        schedule_reconnect();
        return;
    }
    auto anchor = anchor_;
    resolving_ = options_.resolve(host, [anchor](Result<std::vector<std::string>> addresses) {
        if (anchor->self) anchor->self->on_resolved(std::move(addresses));
    });
    if (!resolving_) schedule_reconnect();
}

void WsClient::on_resolved(Result<std::vector<std::string>> addresses) {
    resolving_ = false;
    if (stopping_) {
        finish_close();
        return;
    }
    if (!addresses || addresses->empty()) {
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: %s", url_text_.c_str(),
                    addresses ? "the name has no address" : addresses.error().message.c_str());
        schedule_reconnect();
        return;
    }
    // Several addresses: each failed attempt moves to the next one.
    const std::string& address = (*addresses)[next_address_++ % addresses->size()];
    LOG_DEBUG("mtp", "%s: %s is %s", url_text_.c_str(), options_.url.host.c_str(), address.c_str());
    connect_to(address);
}

void WsClient::connect_to(const std::string& address) {
    address_ = address;
    lws_client_connect_info ci{};
    ci.context = loop_.context();
    ci.vhost = vhost_;
    ci.address = address_.c_str();  // the socket's peer: an IP literal, so lws's getaddrinfo needs no NSS
    ci.port = options_.url.port;
    ci.path = request_path_.c_str();
    ci.host = options_.url.host.c_str();  // Host header, SNI and the certificate's name
    ci.origin = ci.host;
    ci.protocol = kSubprotocol;
    ci.local_protocol_name = kSubprotocol;
    ci.ssl_connection = options_.url.tls ? LCCSCF_USE_SSL : 0;
    ci.pwsi = &wsi_;
    LOG_DEBUG("mtp", "connecting to %s (%s)", url_text_.c_str(), address_.c_str());
    if (!lws_client_connect_via_info(&ci)) {
        wsi_ = nullptr;
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: cannot start a connection to %s", url_text_.c_str(),
                    address_.c_str());
        schedule_reconnect();
    }
}

void WsClient::schedule_reconnect() {
    if (stopping_ || reconnect_timer_.pending()) return;
    const uint64_t ceiling = backoff_.ceiling_ms();
    const uint64_t delay = backoff_.next_ms();
    LOG_LIMITED(log::Level::info, 10, 60, "mtp", "%s: reconnecting in %llu ms (attempt %u, ceiling %llu ms)",
                url_text_.c_str(), static_cast<unsigned long long>(delay), backoff_.failures(),
                static_cast<unsigned long long>(ceiling));
    auto anchor = anchor_;
    reconnect_timer_ = loop_.add_timer(delay, [anchor] {
        if (anchor->self) anchor->self->connect();
    });
}

void WsClient::on_ping_timer() {
    if (!wsi_ || !established_) return;
    if (awaiting_pong_) {
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: no pong within %u s: closing", url_text_.c_str(),
                    options_.ping_interval_s);
        request_close(LWS_CLOSE_STATUS_GOINGAWAY, "no pong");
        return;
    }
    awaiting_pong_ = true;
    want_ping_ = true;
    lws_callback_on_writable(wsi_);
    auto anchor = anchor_;
    ping_timer_ = loop_.add_timer(uint64_t{options_.ping_interval_s} * 1000, [anchor] {
        if (anchor->self) anchor->self->on_ping_timer();
    });
}

bool WsClient::send(Bytes record) {
    if (!wsi_ || !established_ || close_code_) return false;
    if (queue_.size() >= options_.max_send_queue) {
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: send queue full (%zu records): dropped one",
                    url_text_.c_str(), queue_.size());
        return false;
    }
    queue_.push_back(std::move(record));
    lws_callback_on_writable(wsi_);
    return true;
}

void WsClient::request_close(int code, std::string reason) {
    if (!wsi_) return;
    close_code_ = code;
    close_reason_ = std::move(reason);
    if (close_reason_.size() > 120) close_reason_.resize(120);  // a close frame carries at most 123 bytes
    lws_callback_on_writable(wsi_);
}

void WsClient::stop(std::function<void()> done) {
    stopping_ = true;
    reconnect_timer_.cancel();
    ping_timer_.cancel();
    stopped_ = std::move(done);
    if (wsi_ && established_) {
        request_close(LWS_CLOSE_STATUS_NORMAL, "agent stopping");
    } else {
        finish_close();
    }
}

void WsClient::finish_close() {
    if (stopping_ && stopped_) {
        auto done = std::move(stopped_);
        stopped_ = nullptr;
        done();
    }
}

int WsClient::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<Anchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->self) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return anchor->self->on_event(wsi, reason, in, len);
}

int WsClient::on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
            const char* why = in ? static_cast<const char*>(in) : "unknown error";
            LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: connection failed: %.*s", url_text_.c_str(),
                        static_cast<int>(len ? strnlen(why, len) : strlen(why)), why);
            if (wsi == wsi_ || !wsi_) wsi_ = nullptr;
            established_ = false;
            queue_.clear();
            if (callbacks_.failed) callbacks_.failed(std::string(why, len ? strnlen(why, len) : strlen(why)));
            if (stopping_)
                finish_close();
            else
                schedule_reconnect();
            return 0;
        }
        case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: {
            // RFC 6455: the server must pick our subprotocol; USP needs exactly "v1.usp".
            char proto[32] = {0};
            if (lws_hdr_copy(wsi, proto, sizeof(proto), WSI_TOKEN_PROTOCOL) <= 0 ||
                strcmp(proto, kSubprotocol) != 0) {
                LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: the server did not accept subprotocol %s",
                            url_text_.c_str(), kSubprotocol);
                return 1;
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_ESTABLISHED: {
            wsi_ = wsi;
            established_ = true;
            established_at_s_ = log::monotonic_seconds();
            awaiting_pong_ = false;
            want_ping_ = false;
            close_code_ = 0;
            rx_.clear();
            rx_discard_ = false;
            LOG_INFO("mtp", "%s: connected", url_text_.c_str());
            auto anchor = anchor_;
            ping_timer_ = loop_.add_timer(uint64_t{options_.ping_interval_s} * 1000, [anchor] {
                if (anchor->self) anchor->self->on_ping_timer();
            });
            if (callbacks_.connected) callbacks_.connected();
            return 0;
        }
        case LWS_CALLBACK_CLIENT_RECEIVE: {
            if (close_code_) return 0;  // closing: ignore the rest
            if (lws_is_first_fragment(wsi)) {
                rx_.clear();
                rx_discard_ = false;
                if (!lws_frame_is_binary(wsi)) {
                    LOG_LIMITED(log::Level::warn, 5, 300, "mtp",
                                "%s: text frame from the controller: closing (1003)", url_text_.c_str());
                    lws_close_reason(
                        wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                        reinterpret_cast<unsigned char*>(const_cast<char*>("binary frames only")), 18);
                    return -1;
                }
            }
            if (rx_.size() + len > options_.max_record_bytes) {
                LOG_LIMITED(log::Level::warn, 5, 300, "mtp",
                            "%s: record larger than %zu bytes: closing (1003)", url_text_.c_str(),
                            options_.max_record_bytes);
                static const char kWhy[] = "record too large";
                lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                                 reinterpret_cast<unsigned char*>(const_cast<char*>(kWhy)), sizeof(kWhy) - 1);
                return -1;
            }
            const auto* p = static_cast<const uint8_t*>(in);
            rx_.insert(rx_.end(), p, p + len);
            if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
            Bytes record;
            record.swap(rx_);
            Verdict v = callbacks_.record ? callbacks_.record(record) : Verdict{};
            if (v.close) {
                LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "%s: undecodable record: %s: closing (1003)",
                            url_text_.c_str(), v.reason.c_str());
                std::string why = v.reason.substr(0, 120);
                lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
                                 reinterpret_cast<unsigned char*>(why.data()), why.size());
                return -1;
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
            awaiting_pong_ = false;
            return 0;
        case LWS_CALLBACK_CLIENT_WRITEABLE: {
            if (close_code_) {
                lws_close_reason(wsi, static_cast<lws_close_status>(close_code_),
                                 reinterpret_cast<unsigned char*>(close_reason_.data()),
                                 close_reason_.size());
                return -1;
            }
            if (want_ping_) {
                want_ping_ = false;
                unsigned char buf[LWS_PRE + 4];
                if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
                if (!queue_.empty()) lws_callback_on_writable(wsi);
                return 0;
            }
            if (queue_.empty()) return 0;
            Bytes& front = queue_.front();
            std::vector<unsigned char> buf(LWS_PRE + front.size());
            if (!front.empty()) memcpy(buf.data() + LWS_PRE, front.data(), front.size());
            const int n = lws_write(wsi, buf.data() + LWS_PRE, front.size(), LWS_WRITE_BINARY);
            queue_.pop_front();
            if (n < 0) return -1;
            if (!queue_.empty()) lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
            const auto* p = static_cast<const uint8_t*>(in);
            const unsigned code = len >= 2 ? (unsigned{p[0]} << 8 | p[1]) : 0;
            LOG_LIMITED(log::Level::info, 5, 300, "mtp", "%s: the controller closed the connection (%u)",
                        url_text_.c_str(), code);
            return 0;
        }
        case LWS_CALLBACK_CLIENT_CLOSED: {
            const bool was_up = established_;
            wsi_ = nullptr;
            established_ = false;
            queue_.clear();
            rx_.clear();
            ping_timer_.cancel();
            close_code_ = 0;
            if (was_up) {
                const uint64_t up_for = log::monotonic_seconds() - established_at_s_;
                LOG_INFO("mtp", "%s: disconnected after %llu s", url_text_.c_str(),
                         static_cast<unsigned long long>(up_for));
                if (up_for >= options_.reconnect.stable_s) backoff_.reset();
                if (callbacks_.disconnected) callbacks_.disconnected();
            }
            if (stopping_)
                finish_close();
            else
                schedule_reconnect();
            return 0;
        }
        default:
            return 0;
    }
}

}  // namespace cpe::agent::mtp
