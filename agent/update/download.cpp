#include "update/download.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log/log.hpp"

namespace cpe::agent::update {
namespace {
constexpr const char* kProtocol = "cpe-update-http";
}

Result<HttpUrl> parse_http_url(std::string_view text) {
    HttpUrl u;
    std::string_view rest;
    if (text.starts_with("https://")) {
        u.tls = true;
        rest = text.substr(8);
    } else if (text.starts_with("http://")) {
        rest = text.substr(7);
    } else {
        return make_error(Errc::invalid_argument, "URL must start with http:// or https://");
    }
    if (text.size() > 1024) return make_error(Errc::invalid_argument, "URL is longer than 1024 characters");
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return make_error(Errc::invalid_argument, "URL has a space or control character");
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos)
        return make_error(Errc::invalid_argument, "URL must not hold user information");
    std::string_view port_text;
    if (authority.starts_with("[")) {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return make_error(Errc::invalid_argument, "unterminated IPv6 address in URL");
        u.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':')
                return make_error(Errc::invalid_argument, "unexpected text after the IPv6 address");
            port_text = authority.substr(close + 2);
        }
    } else {
        const size_t colon = authority.find(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty()) return make_error(Errc::invalid_argument, "URL has no host");
    u.port = u.tls ? 443 : 80;
    if (!port_text.empty() || authority.ends_with(":")) {
        if (port_text.empty() || port_text.size() > 5 ||
            port_text.find_first_not_of("0123456789") != std::string_view::npos)
            return make_error(Errc::invalid_argument, "URL port must be a number from 1 to 65535");
        u.port = std::stoi(std::string(port_text));
        if (u.port < 1 || u.port > 65535)
            return make_error(Errc::invalid_argument, "URL port must be a number from 1 to 65535");
    }
    return u;
}

Download::Download(net::EventLoop& loop, DownloadOptions options, std::function<void(Result<uint64_t>)> done)
    : loop_(loop), options_(std::move(options)), done_(std::move(done)), anchor_(std::make_shared<Anchor>()) {
    anchor_->self = this;
}

Download::~Download() {
    anchor_->self = nullptr;
    timer_.cancel();
    if (out_) fclose(out_);
    if (!finished_) unlink(options_.dest_path.c_str());
}

Status Download::start() {
    auto u = parse_http_url(options_.url);
    if (!u) return u.error();
    url_ = *u;
    if (url_.tls && options_.ca_file.empty())
        return make_error(Errc::invalid_argument, "an https:// download needs a CA file");
    out_ = fopen(options_.dest_path.c_str(), "wb");
    if (!out_) return make_error(Errc::io_error, options_.dest_path + ": " + strerror(errno));
    net::VhostOptions vo;
    vo.name = "update-http-client";
    vo.port = net::VhostOptions::kNoListen;
    vo.client_ca_path = url_.tls ? options_.ca_file : std::string();
    lws_protocols proto{};
    proto.name = kProtocol;
    proto.callback = &Download::callback;
    proto.user = anchor_.get();
    vo.protocols.push_back(proto);
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) return vh.error().with_context("update download");
    vhost_ = *vh;
    in_addr a4;
    in6_addr a6;
    if (inet_pton(AF_INET, url_.host.c_str(), &a4) == 1 || inet_pton(AF_INET6, url_.host.c_str(), &a6) == 1) {
        if (Status st = connect_to(url_.host); !st) return st;
    } else {
        if (!options_.resolve)
            return make_error(Errc::unavailable, "no resolver for the host name " + url_.host);
        auto anchor = anchor_;
        const bool started = options_.resolve(url_.host, [anchor](Result<std::vector<std::string>> addrs) {
            if (!anchor->self || anchor->self->finished_) return;
            if (!addrs) return anchor->self->finish(addrs.error());
            if (addrs->empty())
                return anchor->self->finish(
                    make_error(Errc::not_found, anchor->self->url_.host + " has no address"));
            if (Status st = anchor->self->connect_to(addrs->front()); !st) anchor->self->finish(st.error());
        });
        if (!started)
            return make_error(Errc::unavailable, "the resolver is busy: cannot look up " + url_.host);
    }
    auto anchor = anchor_;
    timer_ = loop_.add_timer(uint64_t{options_.timeout_s} * 1000, [anchor] {
        if (!anchor->self) return;
        Download* self = anchor->self;
        self->error_ = "no complete answer within " + std::to_string(self->options_.timeout_s) + " s";
        if (self->wsi_)
            lws_set_timeout(self->wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        else
            self->finish(make_error(Errc::timeout, self->error_));
    });
    return {};
}

Status Download::connect_to(const std::string& address) {
    address_ = address;
    lws_client_connect_info ci{};
    ci.context = loop_.context();
    ci.vhost = vhost_;
    ci.address = address_.c_str();  // an IP literal: lws's getaddrinfo needs no NSS
    ci.port = url_.port;
    ci.path = url_.path.c_str();
    ci.host = url_.host.c_str();  // Host header, SNI and the certificate's name
    ci.origin = ci.host;
    ci.method = "GET";
    ci.protocol = kProtocol;
    ci.local_protocol_name = kProtocol;
    ci.ssl_connection = url_.tls ? LCCSCF_USE_SSL : 0;
    ci.pwsi = &wsi_;
    if (!lws_client_connect_via_info(&ci)) {
        wsi_ = nullptr;
        return make_error(Errc::unavailable,
                          "cannot start the download from " + url_.host + " (" + address_ + ")");
    }
    return {};
}

void Download::finish(Result<uint64_t> r) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    if (out_) {
        const bool ok = fflush(out_) == 0 && fsync(fileno(out_)) == 0;
        fclose(out_);
        out_ = nullptr;
        if (r && !ok)
            r = make_error(Errc::io_error, options_.dest_path + ": write failed: " + strerror(errno));
    }
    if (!r) unlink(options_.dest_path.c_str());
    auto done = std::move(done_);
    if (done) done(std::move(r));
}

int Download::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<Anchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->self) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return anchor->self->on_event(wsi, reason, in, len);
}

int Download::on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            wsi_ = nullptr;
            finish(make_error(Errc::unavailable,
                              !error_.empty() ? error_
                                              : "download from " + url_.host + " failed: " +
                                                    (in ? std::string(static_cast<const char*>(in), len)
                                                        : std::string("connection error"))));
            return 0;
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP: {
            const unsigned status = lws_http_client_http_response(wsi);
            if (status != 200) {
                error_ = "the server answered HTTP " + std::to_string(status);
                return -1;
            }
            char length[32];
            if (lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                strtoull(length, nullptr, 10) > options_.max_bytes) {
                error_ = "the file is larger than " + std::to_string(options_.max_bytes) + " bytes";
                return -1;
            }
            return 0;
        }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            if (written_ + len > options_.max_bytes) {
                error_ = "the file is larger than " + std::to_string(options_.max_bytes) + " bytes";
                return -1;
            }
            if (fwrite(in, 1, len, out_) != len) {
                error_ = options_.dest_path + ": write failed: " + strerror(errno) + " (is the flash full?)";
                return -1;
            }
            written_ += len;
            return 0;
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
            char buffer[4096 + LWS_PRE];
            char* p = buffer + LWS_PRE;
            int n = sizeof(buffer) - LWS_PRE;
            if (lws_http_client_read(wsi, &p, &n) < 0) return -1;
            return 0;
        }
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
            if (error_.empty()) {
                char length[32];
                if (lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                    strtoull(length, nullptr, 10) != written_) {
                    error_ = "truncated download: " + std::to_string(written_) + " of " + length + " bytes";
                } else {
                    finish(written_);
                }
            }
            return 0;
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            wsi_ = nullptr;
            if (!finished_)
                finish(make_error(Errc::unavailable, error_.empty()
                                                         ? "the download connection closed early (truncated)"
                                                         : error_));
            return 0;
        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, nullptr, in, len);
}

}  // namespace cpe::agent::update
