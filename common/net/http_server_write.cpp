// The HTTP server's writing side: response headers and body (in chunks), SSE events, and the end of an
// exchange when lws closes the connection.
#include <algorithm>
#include <cstring>
#include <vector>

#include "net/http_server.hpp"
#include "net/http_server_internal.hpp"
#include "util/text.hpp"

namespace cpe::net {

using detail::Exchange;
using detail::kChunk;
using detail::Phase;

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
