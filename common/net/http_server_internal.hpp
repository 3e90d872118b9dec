// Internal to the HTTP server's translation units (http_server*.cpp): the per-connection exchange state and
// the helpers they share. Not part of the public API.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_server.hpp"

namespace cpe::net::detail {

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

inline constexpr size_t kChunk = 16 * 1024;
inline constexpr const char* kTag = "http";

std::vector<std::string> split_path(std::string_view path);

}  // namespace cpe::net::detail
