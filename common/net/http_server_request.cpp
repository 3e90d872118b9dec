// The HTTP server's reading of a request head: method, query, headers, peer, client certificate, the checks
// of the head and of Content-Length before the body is read or the request dispatched.
#include <algorithm>
#include <cstring>

#include "log/log.hpp"
#include "net/http_server.hpp"
#include "net/http_server_internal.hpp"
#include "net/ws_util.hpp"
#include "util/text.hpp"

namespace cpe::net {

using detail::Exchange;
using detail::kTag;
using detail::Phase;

namespace {

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

}  // namespace

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

}  // namespace cpe::net
