// One libcurl easy handle per modem session (RAII): browser-like headers, the JSESSIONID cookie kept by
// curl's cookie engine, the TokenID header once known, connect and total timeouts on every call.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace cpe::tplink {

struct HttpTimeouts {
    long connect_ms = 3000;
    long total_ms = 10000;
};

struct HttpResponse {
    long status = 0;
    std::string body;
};

// Why the last request failed at the transport level. `dropped` = the peer closed the connection without a
// (complete) answer — what a TP-Link modem does on a bad sign (tplink-web-api.md, Pitfalls).
enum class Transport { ok, refused, dropped, timeout, too_large, other };

class HttpClient {
  public:
    // `host` is "name-or-ip[:port]"; nothing is sent yet.
    static Result<HttpClient> create(std::string host, HttpTimeouts timeouts);
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    ~HttpClient();

    Result<HttpResponse> get(std::string_view path);
    Result<HttpResponse> post(std::string_view path, std::string_view body);

    void set_token(std::string token);
    void reset_session();  // forget the cookie and the token
    Transport last_transport() const { return last_; }
    const std::string& host() const { return host_; }

  private:
    struct Handle;
    HttpClient(std::string host, HttpTimeouts timeouts, std::unique_ptr<Handle> h);
    Result<HttpResponse> perform(std::string_view path, const std::string_view* body);

    std::string host_;
    HttpTimeouts timeouts_;
    std::unique_ptr<Handle> h_;
    std::string token_;
    Transport last_ = Transport::ok;
};

// Milliseconds since the epoch, for the `_=<ms>` cache busters.
uint64_t now_ms();

}  // namespace cpe::tplink
