#include "http.hpp"

#include <curl/curl.h>

#include <chrono>
#include <mutex>

#include "net/curl_handle.hpp"

namespace cpe::tplink {

namespace {

constexpr size_t kMaxBody = 4 << 20;
constexpr const char* kUserAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string body;
    bool overflow = false;
};

size_t on_data(char* ptr, size_t size, size_t nmemb, void* user) {
    auto* sink = static_cast<Sink*>(user);
    size_t n = size * nmemb;
    if (sink->body.size() + n > kMaxBody) {
        sink->overflow = true;
        return 0;
    }
    sink->body.append(ptr, n);
    return n;
}

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

struct HttpClient::Handle {
    net::CurlEasy curl;
};

uint64_t now_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

HttpClient::HttpClient(std::string host, HttpTimeouts timeouts, std::unique_ptr<Handle> h)
    : host_(std::move(host)), timeouts_(timeouts), h_(std::move(h)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::create(std::string host, HttpTimeouts timeouts) {
    if (!valid_host(host))
        return make_error(Errc::invalid_argument,
                          "modem host '" + host + "' is not a host name or address[:port]");
    if (timeouts.connect_ms <= 0 || timeouts.total_ms <= 0)
        return make_error(Errc::invalid_argument, "HTTP timeouts must be positive");
    global_init();
    auto h = std::make_unique<Handle>();
    h->curl.reset(curl_easy_init());
    if (!h->curl) return make_error(Errc::internal, "curl_easy_init failed");
    CURL* c = h->curl.get();
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // in-memory cookie engine: keeps JSESSIONID
    curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    // A new connection per request: curl silently re-sends a request whose reused connection died, and a
    // login must never be sent twice (each failed one counts towards the modem's lockout).
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    // Modems serve self-signed certificates with weak keys (tplink-web-api.md, Pitfalls); plain http is the
    // norm.
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeouts.connect_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeouts.total_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    return HttpClient(std::move(host), timeouts, std::move(h));
}

void HttpClient::set_token(std::string token) {
    token_ = std::move(token);
}

void HttpClient::reset_session() {
    token_.clear();
    curl_easy_setopt(h_->curl.get(), CURLOPT_COOKIELIST, "ALL");
}

Result<HttpResponse> HttpClient::get(std::string_view path) {
    return perform(path, nullptr);
}
Result<HttpResponse> HttpClient::post(std::string_view path, std::string_view body) {
    return perform(path, &body);
}

Result<HttpResponse> HttpClient::perform(std::string_view path, const std::string_view* body) {
    CURL* c = h_->curl.get();
    std::string url = "http://" + host_ + std::string(path);
    std::string referer = "Referer: http://" + host_ + "/";
    net::CurlSlist headers;
    auto add = [&](const std::string& line) { net::append(headers, line.c_str()); };
    add(referer);
    add("Accept: */*");
    if (!token_.empty()) add("TokenID: " + token_);
    if (body != nullptr) add("Content-Type: text/plain");
    add("Expect:");
    Sink sink;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (body != nullptr) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    std::string where = host_ + std::string(path.substr(0, path.find("?_=")));
    if (rc != CURLE_OK) {
        std::string what = curl_easy_strerror(rc);
        switch (rc) {
            case CURLE_OPERATION_TIMEDOUT:
                last_ = Transport::timeout;
                return make_error(Errc::timeout, where + ": no complete answer in time (" + what + ")");
            case CURLE_COULDNT_CONNECT:
            case CURLE_COULDNT_RESOLVE_HOST:
                last_ = Transport::refused;
                return make_error(Errc::unavailable, where + ": cannot connect (" + what + ")");
            case CURLE_GOT_NOTHING:
            case CURLE_RECV_ERROR:
            case CURLE_SEND_ERROR:
            case CURLE_PARTIAL_FILE:
                last_ = Transport::dropped;
                return make_error(Errc::io_error, where + ": connection dropped by the modem (" + what + ")");
            case CURLE_WRITE_ERROR:
                if (sink.overflow) {
                    last_ = Transport::too_large;
                    return make_error(Errc::too_large, where + ": answer larger than 4 MiB");
                }
                [[fallthrough]];
            default:
                last_ = Transport::other;
                return make_error(Errc::io_error, where + ": " + what);
        }
    }
    last_ = Transport::ok;
    HttpResponse resp;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
    resp.body = std::move(sink.body);
    return resp;
}

}  // namespace cpe::tplink
