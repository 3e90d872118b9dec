#include "diagnostics/tr143.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "log/log.hpp"

namespace cpe::hub::diagnostics {

namespace {
constexpr size_t kChunk = 16 * 1024;

// The bytes every download sends, block after block: a fixed pseudo-random pattern (xorshift), so nothing on
// the path compresses it away.
const std::array<unsigned char, kChunk>& pattern() {
    static const std::array<unsigned char, kChunk> block = [] {
        std::array<unsigned char, kChunk> b{};
        uint32_t x = 2463534242u;
        for (auto& c : b) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            c = static_cast<unsigned char>(x);
        }
        return b;
    }();
    return block;
}

std::string header_text(lws* wsi, lws_token_indexes token) {
    int len = lws_hdr_total_length(wsi, token);
    if (len <= 0) return {};
    std::string out(static_cast<size_t>(len) + 1, '\0');
    int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
    if (n < 0) return {};
    out.resize(static_cast<size_t>(n));
    return out;
}

// The value of `key` in the query (lws splits and decodes it); nullopt when absent.
std::optional<std::string> query_value(lws* wsi, const std::string& key) {
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if (total <= 0) return std::nullopt;
    std::vector<char> buf(static_cast<size_t>(total) + 1);
    for (int i = 0;; ++i) {
        int n =
            lws_hdr_copy_fragment(wsi, buf.data(), static_cast<int>(buf.size()), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0) break;
        std::string_view frag(buf.data(), static_cast<size_t>(n));
        if (frag.substr(0, key.size() + 1) == key + "=") return std::string(frag.substr(key.size() + 1));
    }
    return std::nullopt;
}

std::optional<uint64_t> parse_count(const std::string& s) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoull(s);
}

std::string json_error(int status, const std::string& message) {
    std::string m;
    for (char c : message) {
        if (c == '"' || c == '\\') m += '\\';
        m += c;
    }
    return "{\"error\":\"" + m + "\",\"status\":" + std::to_string(status) + "}";
}
}  // namespace

struct Tr143Server::Anchor {
    Tr143Server* server = nullptr;
};

struct Tr143Server::Conn {
    enum class Kind { download, upload, reply } kind = Kind::reply;
    uint64_t remaining = 0;  // download: bytes still to send
    uint64_t received = 0;   // upload: bytes read
    bool over = false;       // upload: past the limit
    bool headers_sent = false;
    int status = 200;
    std::string body;      // a short JSON answer (upload result, errors)
    bool counted = false;  // holds one of max_connections
};

Tr143Server::Tr143Server(net::EventLoop& loop, Tr143Options options)
    : loop_(loop), options_(std::move(options)), anchor_(std::make_shared<Anchor>()) {
    anchor_->server = this;
}

Tr143Server::~Tr143Server() {
    anchor_->server = nullptr;  // lws may still report the vhost's connections while the context goes
    for (auto& [wsi, c] : conns_) lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    conns_.clear();
    if (vhost_) lws_vhost_destroy(vhost_);
}

std::string Tr143Server::base_url() const {
    if (!options_.public_url.empty()) return options_.public_url;
    std::string host = options_.bind.empty() ? "127.0.0.1" : options_.bind;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(port_);
}

Status Tr143Server::start() {
    net::VhostOptions vo;
    vo.name = "tr143";
    vo.port = options_.port;
    vo.bind_address = options_.bind;
    vo.max_connections_per_address = options_.max_connections_per_address;
    lws_protocols proto{};
    proto.name = "http";
    proto.callback = &Tr143Server::callback;
    proto.user = anchor_.get();
    vo.protocols.push_back(proto);
    vo.user = anchor_.get();
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) return vh.error().with_context("tr143");
    vhost_ = *vh;
    port_ = lws_get_vhost_listen_port(vhost_);
    return {};
}

int Tr143Server::callback(lws* wsi, lws_callback_reasons reason, void*, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<Anchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->server) {
        switch (reason) {
            case LWS_CALLBACK_HTTP:
            case LWS_CALLBACK_HTTP_BODY:
            case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            case LWS_CALLBACK_HTTP_WRITEABLE:
                return -1;
            default:
                return 0;
        }
    }
    return anchor->server->on_callback(wsi, reason, in, len);
}

void Tr143Server::reply(lws* wsi, Conn& c, int status, std::string body) {
    c.kind = Conn::Kind::reply;
    c.status = status;
    c.body = std::move(body);
    lws_callback_on_writable(wsi);
}

int Tr143Server::on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_HTTP:
            return on_request(wsi, std::string(static_cast<const char*>(in), len));
        case LWS_CALLBACK_HTTP_BODY: {
            auto it = conns_.find(wsi);
            if (it == conns_.end()) return -1;
            Conn& c = *it->second;
            if (c.kind != Conn::Kind::upload) return 0;  // a body on a download: ignored
            c.received += len;
            stats_.bytes_received += len;
            if (c.received > options_.max_upload_bytes) {
                // A chunked body past the limit: no more of it is read.
                ++stats_.refused;
                return -1;
            }
            return 0;
        }
        case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
            auto it = conns_.find(wsi);
            if (it == conns_.end()) return -1;
            Conn& c = *it->second;
            if (c.kind != Conn::Kind::upload) return 0;
            ++stats_.uploads;
            reply(wsi, c, 200, "{\"bytes\":" + std::to_string(c.received) + "}");
            return 0;
        }
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return on_writeable(wsi);
        case LWS_CALLBACK_CLOSED_HTTP: {
            auto it = conns_.find(wsi);
            if (it != conns_.end()) {
                if (it->second->counted) --stats_.active;
                conns_.erase(it);
            }
            return 0;
        }
        default:
            return 0;
    }
}

int Tr143Server::on_request(lws* wsi, const std::string& path) {
    auto& slot = conns_[wsi];
    if (slot && slot->counted) --stats_.active;  // keep-alive: the connection's next request
    slot = std::make_unique<Conn>();
    Conn& c = *slot;
    const bool get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    const bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    const bool put = lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) > 0;
    if (stats_.active >= options_.max_connections) {
        ++stats_.refused;
        reply(
            wsi, c, 503,
            json_error(503, "too many transfers at once (" + std::to_string(options_.max_connections) + ")"));
        return 0;
    }
    if (path == "/tr143/download") {
        if (!get) return reply(wsi, c, 405, json_error(405, "/tr143/download: use GET")), 0;
        auto text = query_value(wsi, "bytes");
        auto n = text ? parse_count(*text) : std::nullopt;
        if (!n || *n == 0 || *n > options_.max_download_bytes) {
            ++stats_.refused;
            reply(wsi, c, 400,
                  json_error(400, "query parameter 'bytes': expected an integer 1.." +
                                      std::to_string(options_.max_download_bytes)));
            return 0;
        }
        c.kind = Conn::Kind::download;
        c.remaining = *n;
        c.counted = true;
        ++stats_.active;
        ++stats_.downloads;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (path == "/tr143/upload") {
        if (!post && !put) return reply(wsi, c, 405, json_error(405, "/tr143/upload: use PUT or POST")), 0;
        std::string length = header_text(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if (!length.empty()) {
            auto n = parse_count(length);
            if (!n || *n > options_.max_upload_bytes) {
                ++stats_.refused;
                reply(wsi, c, 413,
                      json_error(
                          413, "upload larger than " + std::to_string(options_.max_upload_bytes) + " bytes"));
                return 0;
            }
            if (*n == 0) {
                ++stats_.uploads;
                reply(wsi, c, 200, "{\"bytes\":0}");
                return 0;
            }
        }
        c.kind = Conn::Kind::upload;
        c.counted = true;
        ++stats_.active;
        return 0;  // the body follows (LWS_CALLBACK_HTTP_BODY)
    }
    reply(wsi, c, 404,
          json_error(404, "not found: the TR-143 endpoints are /tr143/download and /tr143/upload"));
    return 0;
}

int Tr143Server::on_writeable(lws* wsi) {
    auto it = conns_.find(wsi);
    if (it == conns_.end()) return 0;
    Conn& c = *it->second;
    if (c.kind == Conn::Kind::upload) return 0;  // still reading
    std::array<unsigned char, LWS_PRE + 1024> head{};
    if (!c.headers_sent) {
        unsigned char* p = head.data() + LWS_PRE;
        unsigned char* end = head.data() + head.size() - 1;
        const bool download = c.kind == Conn::Kind::download;
        uint64_t length = download ? c.remaining : c.body.size();
        if (lws_add_http_common_headers(wsi, static_cast<unsigned>(download ? 200 : c.status),
                                        download ? "application/octet-stream" : "application/json",
                                        static_cast<lws_filepos_t>(length), &p, end) ||
            lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("cache-control:"),
                                        reinterpret_cast<const unsigned char*>("no-store"), 8, &p, end) ||
            lws_finalize_write_http_header(wsi, head.data() + LWS_PRE, &p, end))
            return -1;
        c.headers_sent = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    bool last = true;
    if (c.kind == Conn::Kind::download) {
        // One block per writeable callback: lws buffers nothing beyond it (memory per transfer stays fixed).
        static std::array<unsigned char, LWS_PRE + kChunk> out{};
        size_t n = static_cast<size_t>(std::min<uint64_t>(c.remaining, kChunk));
        std::memcpy(out.data() + LWS_PRE, pattern().data(), n);
        c.remaining -= n;
        last = c.remaining == 0;
        if (lws_write(wsi, out.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            static_cast<int>(n))
            return -1;
        stats_.bytes_sent += n;
    } else {
        std::vector<unsigned char> out(LWS_PRE + c.body.size());
        std::memcpy(out.data() + LWS_PRE, c.body.data(), c.body.size());
        if (lws_write(wsi, out.data() + LWS_PRE, c.body.size(), LWS_WRITE_HTTP_FINAL) !=
            static_cast<int>(c.body.size()))
            return -1;
    }
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (c.counted) --stats_.active;
    conns_.erase(it);
    if (lws_http_transaction_completed(wsi)) return -1;
    return 0;
}

}  // namespace cpe::hub::diagnostics
