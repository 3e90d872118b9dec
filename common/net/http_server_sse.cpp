// Server-sent events of the HTTP server: SseStream's queue and framing, the start of a stream and its
// keep-alive comments.
#include "log/log.hpp"
#include "net/http_server.hpp"
#include "net/http_server_internal.hpp"

namespace cpe::net {

using detail::Exchange;
using detail::kTag;
using detail::Phase;

namespace {

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

}  // namespace cpe::net
