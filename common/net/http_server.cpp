#include "net/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "log/log.hpp"
#include "net/ws_util.hpp"
#include "util/text.hpp"

namespace cpe::net {

namespace detail {

struct ServerAnchor {
    HttpServer* self = nullptr;  // null once the server is gone; lws may still call while it frees the vhost
};

enum class Phase { reading_body, handling, sending, closing, sse };

struct Exchange {
    lws* wsi = nullptr;
    Phase phase = Phase::reading_body;
    Request request;
    size_t declared_length = 0;
    bool too_large = false;
    bool responded = false;
    bool close_after = false;  // close the connection after the response (unread body left)
    bool head = false;         // a HEAD request: headers only
    // response in progress
    Response response;
    bool headers_sent = false;
    size_t body_offset = 0;
    TimerHandle handler_timer;
    std::shared_ptr<SseStream> sse;
};

}  // namespace detail

using detail::Exchange;
using detail::Phase;

namespace {

constexpr size_t kChunk = 16 * 1024;
constexpr const char* kTag = "http";

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
           std::map<std::string, std::string>& params) {
    if (pattern.size() != segments.size()) return false;
    std::map<std::string, std::string> found;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (!pattern[i].empty() && pattern[i][0] == ':') {
            found[pattern[i].substr(1)] = segments[i];
        } else if (pattern[i] != segments[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

struct MethodToken {
    lws_token_indexes token;
    const char* name;
};
const MethodToken kMethods[] = {
    {WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},     {WSI_TOKEN_PUT_URI, "PUT"},
    {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

std::string copy_header(lws* wsi, lws_token_indexes token) {
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0) return {};
    std::string out(static_cast<size_t>(len) + 1, '\0');
    int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
    if (n < 0) return {};
    out.resize(static_cast<size_t>(n));
    return out;
}

// "event: x\ndata: line1\ndata: line2\n\n"; CR/LF inside the event name would break framing and are dropped.
std::string format_event(std::string_view event, std::string_view data) {
    std::string out;
    if (!event.empty()) {
        out += "event: ";
        for (char c : event)
            if (c != '\n' && c != '\r') out.push_back(c);
        out += '\n';
    }
    size_t start = 0;
    while (true) {
        size_t nl = data.find('\n', start);
        std::string_view line =
            data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += "data: ";
        out += line;
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    out += '\n';
    return out;
}

}  // namespace

// ---------------------------------------------------------------- Responder

void Responder::send(Response response) const {
    if (!loop_) return;
    if (!loop_->in_loop_thread()) {
        loop_->post([loop = loop_, ex = ex_, r = std::move(response)]() mutable {
            Responder(loop, ex).send(std::move(r));
        });
        return;
    }
    auto ex = ex_.lock();
    if (!ex || ex->responded) return;
    auto* anchor = static_cast<detail::ServerAnchor*>(lws_get_protocol(ex->wsi)->user);
    if (!anchor || !anchor->self) return;
    anchor->self->respond(*ex, std::move(response));
}

bool Responder::pending() const {
    auto ex = ex_.lock();
    return ex && !ex->responded;
}

// ---------------------------------------------------------------- SseStream

bool SseStream::enqueue(std::string message) {
    if (!is_open()) return false;
    if (limit_ && queue_.size() >= limit_) {
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        ++dropped_;
    }
    if (byte_limit_ && queued_bytes_ + message.size() > byte_limit_) {
        // A client that does not read: drop it rather than hold its backlog (the socket is not writeable, so
        // lws is asked to kill the connection, not to flush it).
        auto ex = ex_.lock();
        LOG_LIMITED(cpe::log::Level::warn, 10, 60, kTag,
                    "SSE client %s dropped: more than %zu bytes queued unread (%zu events)",
                    ex ? ex->request.peer.c_str() : "?", byte_limit_, queue_.size());
        overrun_ = true;
        open_ = false;
        queue_.clear();
        queued_bytes_ = 0;
        keepalive_.cancel();
        if (ex) lws_set_timeout(ex->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        return false;
    }
    queued_bytes_ += message.size();
    queue_.push_back(std::move(message));
    wake();
    return true;
}

void SseStream::refuse(Response response) {
    if (!is_open()) return;
    if (started_) {
        send("error", response.body);
        close();
        return;
    }
    refusal_ = std::move(response);
    closing_ = true;
    keepalive_.cancel();
    wake();
}

void SseStream::wake() {
    if (auto ex = ex_.lock()) lws_callback_on_writable(ex->wsi);
}

bool SseStream::send(std::string_view event, std::string_view data) {
    return enqueue(format_event(event, data));
}

bool SseStream::comment(std::string_view text) {
    std::string msg = ": ";
    for (char c : text)
        if (c != '\n' && c != '\r') msg.push_back(c);
    msg += "\n\n";
    return enqueue(std::move(msg));
}

void SseStream::close() {
    if (!open_ || closing_) return;
    closing_ = true;
    keepalive_.cancel();
    wake();
}

// ---------------------------------------------------------------- HttpServer

HttpServer::HttpServer(EventLoop& loop, HttpServerOptions options)
    : loop_(loop), options_(std::move(options)), anchor_(std::make_shared<detail::ServerAnchor>()) {
    anchor_->self = this;
    for (auto& h : options_.capture_headers) h = text::lower(h);
    scratch_.resize(LWS_PRE + kChunk);
}

HttpServer::~HttpServer() {
    anchor_->self = nullptr;
    auto exchanges = std::move(exchanges_);
    exchanges_.clear();
    for (auto& [wsi, ex] : exchanges) {
        finish_closed(*ex);
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);  // lws closes it next turn
    }
    exchanges.clear();
    if (vhost_) lws_vhost_destroy(vhost_);
}

void HttpServer::route(std::string method, std::string pattern, Handler handler) {
    for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), nullptr});
}

void HttpServer::sse(std::string pattern, SseHandler handler) {
    routes_.push_back(Route{"GET", split_path(pattern), nullptr, std::move(handler)});
}

void HttpServer::serve_static(std::string url_prefix, std::string directory) {
    if (url_prefix.empty() || url_prefix.back() != '/') url_prefix += '/';
    mounts_.push_back(StaticMount{std::move(url_prefix), std::move(directory)});
}

Status HttpServer::start() {
    if (vhost_)
        return make_error(Errc::invalid_argument, "http server '" + options_.name + "': already started");
    VhostOptions vo;
    vo.name = options_.name;
    vo.port = options_.port;
    vo.bind_address = options_.bind_address;
    vo.tls_cert_path = options_.tls_cert_path;
    vo.tls_key_path = options_.tls_key_path;
    vo.tls_ca_path = options_.tls_ca_path;
    vo.require_client_cert = options_.require_client_cert;
    vo.max_connections_per_address = options_.max_connections_per_address;
    vo.use_descriptor_reserve = options_.use_descriptor_reserve;
    lws_protocols proto{};
    proto.name = "http";
    proto.callback = &HttpServer::callback;
    proto.user = anchor_.get();
    vo.protocols.push_back(proto);
    vo.user = anchor_.get();
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) return vh.error().with_context("http server '" + options_.name + "'");
    vhost_ = *vh;
    port_ = lws_get_vhost_listen_port(vhost_);
    return {};
}

int HttpServer::callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    return dispatch_to_owner<detail::ServerAnchor>(
        wsi, reason, [&](HttpServer& self) { return self.on_callback(wsi, reason, in, len); });
}

int HttpServer::on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_HTTP:
            return on_request(wsi, std::string(static_cast<const char*>(in), len));
        case LWS_CALLBACK_HTTP_BODY: {
            auto it = exchanges_.find(wsi);
            if (it == exchanges_.end()) return -1;
            Exchange& ex = *it->second;
            if (!ex.too_large) {
                if (ex.request.body.size() + len > options_.max_body_bytes) {
                    ex.too_large = true;
                    ex.request.body.clear();
                    ex.request.body.shrink_to_fit();
                } else {
                    ex.request.body.append(static_cast<const char*>(in), len);
                }
            }
            return 0;
        }
        case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
            auto it = exchanges_.find(wsi);
            if (it == exchanges_.end()) return -1;
            auto ex = it->second;
            if (ex->phase != Phase::reading_body) return 0;
            if (ex->too_large) {
                respond(*ex, Response::error(413, "request body exceeds the limit of " +
                                                      std::to_string(options_.max_body_bytes) + " bytes"));
            } else {
                dispatch(ex);
            }
            return 0;
        }
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return on_writeable(wsi);
        case LWS_CALLBACK_CLOSED_HTTP:
            on_closed(wsi);
            return 0;
        default:
            return 0;
    }
}

int HttpServer::on_request(lws* wsi, std::string path) {
    if (auto old = exchanges_.find(wsi); old != exchanges_.end()) {
        old->second->handler_timer.cancel();
        exchanges_.erase(old);
    }
    auto ex = std::make_shared<Exchange>();
    ex->wsi = wsi;
    exchanges_[wsi] = ex;
    Request& req = ex->request;
    req.path = std::move(path);
    for (const auto& m : kMethods) {
        if (lws_hdr_total_length(wsi, m.token) > 0) {
            req.method = m.name;
            break;
        }
    }

    // Query: lws has already percent-decoded each fragment and split on unescaped '&'.
    std::vector<char> buf(
        static_cast<size_t>(std::max(lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS), 0)) + 1);
    for (int i = 0;; ++i) {
        int n =
            lws_hdr_copy_fragment(wsi, buf.data(), static_cast<int>(buf.size()), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0) break;
        if (n == 0) continue;
        std::string_view frag(buf.data(), static_cast<size_t>(n));
        size_t eq = frag.find('=');
        if (eq == std::string_view::npos) {
            req.query.emplace_back(std::string(frag), std::string());
        } else {
            req.query.emplace_back(std::string(frag.substr(0, eq)), std::string(frag.substr(eq + 1)));
        }
    }

    const LoopOptions& limits = loop_.options();
    RequestHeadFacts facts;
    facts.version = copy_header(wsi, WSI_TOKEN_HTTP);
#if defined(LWS_ROLE_H2)
    facts.h2 =
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_PATH) > 0;  // an HTTP/2 stream has no request line
#endif
    for (const auto& m : kMethods)
        facts.target_truncated =
            facts.target_truncated || lws_hdr_total_length(wsi, m.token) >= limits.max_target_bytes;
    for (const auto& [k, v] : req.query)
        facts.target_truncated = facts.target_truncated || k.size() + v.size() + 1 >= limits.max_target_bytes;
    for (int t = 0; t < WSI_TOKEN_COUNT; ++t) {
        auto token = static_cast<lws_token_indexes>(t);
        const char* name = reinterpret_cast<const char*>(lws_token_to_string(token));
        if (!name) continue;
        size_t nlen = std::strlen(name);
        if (nlen < 2 || name[0] == ':' || name[nlen - 1] != ':') continue;  // methods, pseudo headers
        if (lws_hdr_total_length(wsi, token) <= 0) continue;
        std::string key(name, nlen - 1);
        for (int frag = 0; lws_hdr_fragment_length(wsi, token, frag) > 0; ++frag) {
            if (lws_hdr_fragment_length(wsi, token, frag) >= limits.max_header_value_bytes)
                facts.truncated_header = key;
            if (token == WSI_TOKEN_HTTP_CONTENT_LENGTH) ++facts.content_length_fields;
        }
        if (token == WSI_TOKEN_HTTP_TRANSFER_ENCODING) facts.transfer_encoding = true;
        req.headers[key] = std::string(text::trim(copy_header(wsi, token), " \t\r\n"));
    }
    for (const auto& name : options_.capture_headers) {
        std::string key = name + ":";
        int len = lws_hdr_custom_length(wsi, key.c_str(), static_cast<int>(key.size()));
        if (len < 0) continue;
        if (len >= limits.max_header_value_bytes) facts.truncated_header = name;
        std::string value(static_cast<size_t>(len) + 1, '\0');
        int n = lws_hdr_custom_copy(wsi, value.data(), len + 1, key.c_str(), static_cast<int>(key.size()));
        if (n < 0) continue;
        value.resize(static_cast<size_t>(n));
        // As sent, untrimmed first: a control byte inside must be seen by the check below.
        req.headers[name] = value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos
                                ? std::string(text::trim(value, " \t"))
                                : std::move(value);
    }
    char peer[64] = {0};
    if (lws_get_peer_simple(wsi, peer, sizeof(peer))) req.peer = peer;
    if (req.peer.rfind("::ffff:", 0) == 0) req.peer.erase(0, 7);  // IPv4-mapped

    if (options_.require_client_cert && !peer_certificate_verified(wsi)) {
        ex->close_after = true;
        respond(*ex, Response::error(401, "a client certificate signed by the configured CA is required"));
        return 0;
    }
    if (auto cn = peer_certificate_cn(wsi); cn && peer_certificate_verified(wsi)) req.client_cert_cn = *cn;

    if (auto refused = check_request_head(req, facts)) {
        LOG_LIMITED(cpe::log::Level::warn, 10, 60, kTag, "%s: refused a request from %s: %d %s",
                    options_.name.c_str(), req.peer.c_str(), refused->status,
                    printable(refused->body, 200).c_str());
        ex->close_after = true;
        respond(*ex, std::move(*refused));
        return 0;
    }
    if (req.method.empty()) {
        ex->close_after = true;
        respond(*ex, Response::error(405, "unsupported HTTP method"));
        return 0;
    }

    // Body: lws reads Content-Length bytes (POST/PUT/PATCH without one would wait for 100 MB).
    auto cl = req.header("content-length");
    bool explicit_zero = false;
    if (cl) {
        const std::string& v = *cl;
        if (v.empty() || v.size() > 18 ||
            !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            ex->close_after = true;
            respond(*ex, Response::error(400, "invalid Content-Length '" + v.substr(0, 32) + "'"));
            return 0;
        }
        ex->declared_length = std::stoull(v);
        explicit_zero = ex->declared_length == 0;
    } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
        ex->close_after = true;
        respond(*ex, Response::error(
                         411, req.method + " needs a Content-Length (chunked bodies are not accepted)"));
        return 0;
    }
    if (ex->declared_length > options_.max_body_bytes) {
        ex->too_large = true;
        // Reading (and discarding) a moderately oversized body lets the client see the 413; beyond that,
        // close.
        if (ex->declared_length > options_.max_body_bytes * 4 + (1 << 20)) {
            ex->close_after = true;
            respond(*ex, Response::error(413, "request body exceeds the limit of " +
                                                  std::to_string(options_.max_body_bytes) + " bytes"));
            return 0;
        }
    }
    if (ex->declared_length > 0 || (explicit_zero && req.method == "POST")) {
        ex->phase = Phase::reading_body;
        return 0;
    }
    dispatch(ex);
    return 0;
}

void HttpServer::dispatch(const std::shared_ptr<Exchange>& ex) {
    ex->phase = Phase::handling;
    lws_set_timeout(ex->wsi, NO_PENDING_TIMEOUT, 0);  // our own handler timeout applies from here
    Request& req = ex->request;
    const auto segments = split_path(req.path);
    // HEAD is GET without the body (RFC 9110 9.3.2): the handler runs as for GET, on_writeable sends no body.
    ex->head = req.method == "HEAD";
    const std::string& method = ex->head ? std::string("GET") : req.method;
    std::string allowed;
    for (const auto& r : routes_) {
        std::map<std::string, std::string> params;
        if (!match(r.segments, segments, params)) continue;
        if (r.method != method) {
            if (allowed.find(r.method) == std::string::npos)
                allowed += (allowed.empty() ? "" : ", ") + r.method;
            continue;
        }
        req.params = std::move(params);
        if (r.sse_handler && ex->head) {
            respond(*ex, Response::text(200, "", "text/event-stream"));
            return;
        }
        if (r.sse_handler) {
            start_sse(ex, r);
            return;
        }
        Responder responder(&loop_, ex);
        std::weak_ptr<Exchange> weak = ex;
        ex->handler_timer = loop_.add_timer(options_.handler_timeout_ms, [this, weak] {
            if (auto e = weak.lock(); e && !e->responded)
                respond(*e, Response::error(504, "handler did not answer within " +
                                                     std::to_string(options_.handler_timeout_ms) + " ms"));
        });
        try {
            r.handler(req, responder);
        } catch (const std::exception& e) {
            LOG_LIMITED(cpe::log::Level::error, 10, 60, kTag, "%s %s: handler threw: %s", req.method.c_str(),
                        req.path.c_str(), e.what());
            responder.error(500, "internal error");
        }
        return;
    }
    if (allowed.empty() && method == "GET") {
        for (const auto& m : mounts_) {
            if (req.path.rfind(m.prefix, 0) == 0 || req.path + "/" == m.prefix) {
                if (serve_file(ex, m)) return;
            }
        }
    }
    if (!allowed.empty()) {
        Response r = Response::error(
            405, "method " + req.method + " not allowed on " + req.path + " (allowed: " + allowed + ")");
        r.headers.emplace_back("Allow", allowed);
        respond(*ex, std::move(r));
        return;
    }
    respond(*ex, Response::error(404, "no such resource: " + req.method + " " + req.path));
}

bool HttpServer::serve_file(const std::shared_ptr<Exchange>& ex, const StaticMount& mount) {
    namespace fs = std::filesystem;
    const std::string& path = ex->request.path;
    std::string rel = path.size() >= mount.prefix.size() ? path.substr(mount.prefix.size()) : std::string();
    if (rel.empty() || rel.back() == '/') rel += "index.html";
    // lws already collapses "/../"; refuse anything that still looks like a way out, whatever its encoding.
    if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos) {
        respond(*ex, Response::error(400, "invalid file path"));
        return true;
    }
    for (const auto& seg : split_path(rel)) {
        if (seg == ".." || seg == ".") {
            respond(*ex, Response::error(400, "invalid file path"));
            return true;
        }
    }
    std::error_code ec;
    const fs::path root = fs::canonical(mount.directory, ec);
    if (ec) return false;
    const fs::path full = fs::weakly_canonical(root / rel, ec);
    if (ec) return false;
    auto [root_end, nothing] = std::mismatch(root.begin(), root.end(), full.begin(), full.end());
    (void)nothing;
    if (root_end != root.end()) {  // a symlink pointing outside the directory
        respond(*ex, Response::error(404, "no such file: " + path));
        return true;
    }
    if (fs::is_directory(full, ec)) {
        Response r = Response::text(301, "");
        r.headers.emplace_back("Location", path + "/");
        respond(*ex, std::move(r));
        return true;
    }
    if (!fs::is_regular_file(full, ec)) return false;
    const auto size = fs::file_size(full, ec);
    if (ec || size > options_.max_static_file_bytes) {
        respond(*ex, Response::error(500, "file too large to serve: " + path));
        return true;
    }
    std::ifstream in(full, std::ios::binary);
    std::string body(static_cast<size_t>(size), '\0');
    if (!in.read(body.data(), static_cast<std::streamsize>(size))) {
        respond(*ex, Response::error(500, "cannot read file: " + path));
        return true;
    }
    Response r = Response::text(200, std::move(body), content_type_for(full.filename().string()));
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    respond(*ex, std::move(r));
    return true;
}

void HttpServer::respond(Exchange& ex, Response response) {
    if (ex.responded) return;
    ex.responded = true;
    ex.handler_timer.cancel();
    ex.phase = Phase::sending;
    ex.response = std::move(response);
    lws_callback_on_writable(ex.wsi);
}

void HttpServer::start_sse(const std::shared_ptr<Exchange>& ex, const Route& route) {
    ex->phase = Phase::sse;
    ex->responded = true;
    auto stream = std::make_shared<SseStream>();
    stream->ex_ = ex;
    stream->limit_ = options_.sse_queue_limit;
    stream->byte_limit_ = options_.sse_max_queued_bytes;
    ex->sse = stream;
    lws_callback_on_writable(ex->wsi);  // headers
    arm_keepalive(stream);
    try {
        route.sse_handler(ex->request, stream);
    } catch (const std::exception& e) {
        LOG_LIMITED(cpe::log::Level::error, 10, 60, kTag, "SSE %s: handler threw: %s",
                    ex->request.path.c_str(), e.what());
        stream->close();
    }
}

void HttpServer::arm_keepalive(const std::shared_ptr<SseStream>& stream) {
    std::weak_ptr<SseStream> weak = stream;
    stream->keepalive_ = loop_.add_timer(options_.sse_keepalive_ms, [this, weak] {
        auto s = weak.lock();
        if (!s || !s->is_open()) return;
        if (s->queue_.empty()) s->comment("keep-alive");
        arm_keepalive(s);
    });
}

int HttpServer::on_writeable(lws* wsi) {
    auto it = exchanges_.find(wsi);
    if (it == exchanges_.end()) return 0;
    auto ex = it->second;
    unsigned char* const start = scratch_.data() + LWS_PRE;
    unsigned char* const end = scratch_.data() + scratch_.size() - 1;

    if (ex->phase == Phase::closing) return -1;

    if (ex->phase == Phase::sse && !ex->headers_sent && ex->sse->refusal_) {
        // Refused before the stream opened: an ordinary HTTP error response instead.
        SseStream& s = *ex->sse;
        ex->response = std::move(*s.refusal_);
        s.refusal_.reset();
        s.queue_.clear();
        s.queued_bytes_ = 0;
        ex->phase = Phase::sending;
        ex->close_after = true;
    }
    if (ex->phase == Phase::sse) {
        SseStream& s = *ex->sse;
        if (!ex->headers_sent) {
            unsigned char* p = start;
            if (lws_add_http_common_headers(wsi, 200, "text/event-stream", LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
                                            end) ||
                lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("cache-control:"),
                                            reinterpret_cast<const unsigned char*>("no-cache"), 8, &p, end) ||
                lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("x-accel-buffering:"),
                                            reinterpret_cast<const unsigned char*>("no"), 2, &p, end) ||
                lws_finalize_write_http_header(wsi, start, &p, end))
                return -1;
            ex->headers_sent = true;
            s.started_ = true;
            // Long-lived: give the header buffer back to lws's pool (what lws_http_mark_sse does on h1,
            // without its h2-only complaint in the log).
            lws_http_headers_detach(wsi);
            lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
            if (!s.queue_.empty() || s.closing_) lws_callback_on_writable(wsi);
            return 0;
        }
        if (!s.queue_.empty()) {
            std::string msg = std::move(s.queue_.front());
            s.queue_.pop_front();
            s.queued_bytes_ -= msg.size();
            // An event larger than the scratch buffer goes out in pieces over several writeable callbacks.
            size_t n = std::min(msg.size(), kChunk);
            std::memcpy(start, msg.data(), n);
            if (n < msg.size()) {
                s.queue_.push_front(msg.substr(n));
                s.queued_bytes_ += msg.size() - n;
            }
            if (lws_write(wsi, start, n, LWS_WRITE_HTTP) != static_cast<int>(n)) return -1;
            if (!s.queue_.empty() || s.closing_) lws_callback_on_writable(wsi);
            return 0;
        }
        if (s.closing_) return -1;
        return 0;
    }

    if (ex->phase != Phase::sending) return 0;
    Response& r = ex->response;
    if (!ex->headers_sent) {
        size_t need = 512 + r.content_type.size();
        for (const auto& [k, v] : r.headers) need += k.size() + v.size() + 8;
        std::vector<unsigned char> hbuf(LWS_PRE + need);
        unsigned char* hs = hbuf.data() + LWS_PRE;
        unsigned char* he = hbuf.data() + hbuf.size() - 1;
        unsigned char* p = hs;
        if (lws_add_http_common_headers(wsi, static_cast<unsigned>(r.status), r.content_type.c_str(),
                                        static_cast<lws_filepos_t>(r.body.size()), &p, he))
            return -1;
        for (const auto& [k, v] : r.headers) {
            std::string name = text::lower(k) + ":";
            if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name.c_str()),
                                            reinterpret_cast<const unsigned char*>(v.data()),
                                            static_cast<int>(v.size()), &p, he))
                return -1;
        }
        if (ex->close_after &&
            lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("connection:"),
                                        reinterpret_cast<const unsigned char*>("close"), 5, &p, he))
            return -1;
        if (lws_finalize_write_http_header(wsi, hs, &p, he)) return -1;
        ex->headers_sent = true;
        if (!r.body.empty() && !ex->head) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    } else {
        size_t n = std::min(r.body.size() - ex->body_offset, kChunk);
        std::memcpy(start, r.body.data() + ex->body_offset, n);
        ex->body_offset += n;
        const bool last = ex->body_offset >= r.body.size();
        if (lws_write(wsi, start, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != static_cast<int>(n))
            return -1;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    // Response complete.
    if (ex->close_after) {
        ex->phase = Phase::closing;  // close once lws has flushed what it buffered
        lws_callback_on_writable(wsi);
        return 0;
    }
    exchanges_.erase(wsi);
    if (lws_http_transaction_completed(wsi)) return -1;
    return 0;
}

void HttpServer::on_closed(lws* wsi) {
    auto it = exchanges_.find(wsi);
    if (it == exchanges_.end()) return;
    auto ex = it->second;
    exchanges_.erase(it);
    finish_closed(*ex);
}

void HttpServer::finish_closed(Exchange& ex) {
    ex.handler_timer.cancel();
    ex.responded = true;
    if (ex.sse) {
        auto stream = ex.sse;
        stream->keepalive_.cancel();
        stream->open_ = false;
        stream->queue_.clear();
        stream->queued_bytes_ = 0;
        if (auto fn = std::move(stream->on_close_)) fn();
    }
}

}  // namespace cpe::net
