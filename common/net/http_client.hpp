// HTTP client on libcurl's multi interface, driven by one worker thread. request() may be called from any
// thread; the completion runs on the EventLoop thread. HTTP error statuses (4xx/5xx) are responses, not
// errors: a Result error means no usable response (refused, timeout, TLS, body too large, cancelled).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/http_types.hpp"
#include "util/result.hpp"

namespace cpe::net {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    HeaderList headers;  // {"Authorization", "token …"}
    std::string body;    // sent when not empty (or when the method is POST/PUT/PATCH)
    uint64_t connect_timeout_ms = 5000;
    uint64_t total_timeout_ms = 30000;
    size_t max_body_bytes = 0;  // 0 = the client's default
};

struct HttpResponse {
    long status = 0;
    std::string
        reason;  // the status line's reason phrase ("Task faulted"): GenieACS answers carry meaning there
    HeaderList headers;  // names as sent by the server
    std::string body;
    std::optional<std::string> header(std::string_view name) const;  // any case
};

struct HttpClientOptions {
    unsigned max_concurrent = 8;       // more requests wait in a queue
    size_t max_body_bytes = 8 << 20;   // default response body limit
    std::optional<std::string> proxy;  // nullopt: curl's default (environment); "": no proxy
    std::string ca_path;               // extra CA bundle for https (system store otherwise)
    std::string client_cert_path;      // PEM certificate and key for mutual TLS
    std::string client_key_path;
    bool verify_tls = true;
    std::string user_agent = "cpe-fleet/0.1";
};

class HttpClient {
  public:
    using Completion = std::function<void(Result<HttpResponse>)>;

    HttpClient(EventLoop& loop, HttpClientOptions options = {});
    // Cancels every transfer; no completion runs after this (destroy on the loop thread).
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Any thread. Returns an id for cancel().
    uint64_t request(HttpRequest request, Completion done);
    // Any thread: the transfer stops and its completion never runs.
    void cancel(uint64_t id);
    // Transfers running or queued (any thread).
    size_t in_flight() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cpe::net
