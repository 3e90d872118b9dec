// The HTTP server: Responder, setup (routes, static mounts, start), lws callback dispatch, routing of a
// request to its handler and static files. The request head is parsed in http_server_request.cpp, SSE streams
// live in http_server_sse.cpp and responses are written in http_server_write.cpp.
#include "net/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "log/log.hpp"
#include "net/http_server_internal.hpp"
#include "net/ws_util.hpp"
#include "util/text.hpp"

namespace cpe::net {

namespace detail {

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

}  // namespace detail

using detail::Exchange;
using detail::kChunk;
using detail::kTag;
using detail::Phase;
using detail::split_path;

namespace {

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
}  // namespace cpe::net
