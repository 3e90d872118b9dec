#include "net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "log/log.hpp"
#include "net/curl_handle.hpp"
#include "util/lifetime.hpp"
#include "util/text.hpp"

namespace cpe::net {

namespace {

std::once_flag g_curl_init;

struct Transfer {
    uint64_t id = 0;
    HttpRequest request;
    HttpClient::Completion done;
    CurlEasy easy;
    CurlSlist header_list;
    HttpResponse response;
    size_t limit = 0;
    bool too_large = false;
    std::string what;  // "GET http://host/path" for messages
    char errbuf[CURL_ERROR_SIZE] = {0};
};

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * nmemb;
    if (t->response.body.size() + n > t->limit) {
        t->too_large = true;
        return 0;  // curl aborts with CURLE_WRITE_ERROR
    }
    t->response.body.append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * nmemb;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear();  // a new response (after 100 Continue or a redirect)
        // "HTTP/1.1 202 Task faulted\r\n": the reason is what follows the status code.
        t->response.reason.clear();
        size_t code = line.find(' ');
        size_t reason = code == std::string_view::npos ? code : line.find(' ', code + 1);
        if (reason != std::string_view::npos)
            t->response.reason = std::string(text::trim(line.substr(reason + 1), " \t\r\n").substr(0, 200));
        return n;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && t->response.headers.size() < 200)
        t->response.headers.emplace_back(text::trim(line.substr(0, colon), " \t\r\n"),
                                         text::trim(line.substr(colon + 1), " \t\r\n"));
    return n;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (text::iequals(k, name)) return v;
    return std::nullopt;
}

struct HttpClient::Impl {
    Impl(EventLoop& l, HttpClientOptions o) : loop(l), options(std::move(o)) {}

    EventLoop& loop;
    HttpClientOptions options;
    Lifetime alive;  // posted completions check it
    CurlMulti multi;

    mutable std::mutex mutex;  // guards the members down to `worker`
    std::deque<std::unique_ptr<Transfer>> queued;
    std::vector<uint64_t> cancel_requests;
    std::unordered_set<uint64_t> live;  // requested, not yet completed or cancelled
    bool shutting_down = false;
    uint64_t next_id = 1;

    std::unordered_map<CURL*, std::unique_ptr<Transfer>> running;  // worker thread only
    std::thread worker;

    void run();
    Status start(Transfer& t);
    void finish(std::unique_ptr<Transfer> t, CURLcode code);
    void deliver(uint64_t id, Completion done, Result<HttpResponse> result);
};

void HttpClient::Impl::deliver(uint64_t id, Completion done, Result<HttpResponse> result) {
    // Worker thread: the guard's token is copied here, checked on the loop thread (the client is gone:
    // nothing).
    loop.post(alive.guard([this, id, done = std::move(done), result = std::move(result)]() mutable {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (live.erase(id) == 0) return;  // cancelled
        }
        if (done) done(std::move(result));
    }));
}

Status HttpClient::Impl::start(Transfer& t) {
    CURL* h = curl_easy_init();
    if (!h) return make_error(Errc::internal, t.what + ": curl_easy_init failed");
    t.easy.reset(h);
    const HttpRequest& r = t.request;
    curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout_ms));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    if (!options.user_agent.empty()) curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
    if (options.proxy) curl_easy_setopt(h, CURLOPT_PROXY, options.proxy->c_str());
    if (!options.ca_path.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_path.c_str());
    if (!options.client_cert_path.empty())
        curl_easy_setopt(h, CURLOPT_SSLCERT, options.client_cert_path.c_str());
    if (!options.client_key_path.empty())
        curl_easy_setopt(h, CURLOPT_SSLKEY, options.client_key_path.c_str());
    if (!options.verify_tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    const bool has_body = !r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
    if (r.method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        if (r.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (has_body && r.method != "GET" && r.method != "HEAD") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
    }

    auto add = [&](const std::string& line) { return append(t.header_list, line.c_str()); };
    for (const auto& [k, v] : r.headers) {
        if (k.find_first_of("\r\n:") != std::string::npos || v.find_first_of("\r\n") != std::string::npos)
            return make_error(Errc::invalid_argument,
                              t.what + ": header '" + k + "' contains a line break or colon");
        if (!add(k + ": " + v)) return make_error(Errc::internal, t.what + ": out of memory for headers");
    }
    if (!add("Expect:"))
        return make_error(Errc::internal, t.what + ": out of memory for headers");  // no 100-continue wait
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.header_list.get());

    CURLMcode mc = curl_multi_add_handle(multi.get(), h);
    if (mc != CURLM_OK)
        return make_error(Errc::internal, t.what + ": curl_multi_add_handle: " + curl_multi_strerror(mc));
    return {};
}

void HttpClient::Impl::finish(std::unique_ptr<Transfer> t, CURLcode code) {
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &status);
        t->response.status = status;
        deliver(t->id, std::move(t->done), std::move(t->response));
        return;
    }
    std::string reason = t->errbuf[0] ? std::string(t->errbuf) : std::string(curl_easy_strerror(code));
    Errc errc = Errc::io_error;
    std::string message;
    if (t->too_large) {
        errc = Errc::too_large;
        message = t->what + ": response body exceeds the limit of " + std::to_string(t->limit) + " bytes";
    } else {
        switch (code) {
            case CURLE_OPERATION_TIMEDOUT:
                errc = Errc::timeout;
                message = t->what + ": timed out (connect limit " +
                          std::to_string(t->request.connect_timeout_ms) + " ms, total limit " +
                          std::to_string(t->request.total_timeout_ms) + " ms): " + reason;
                break;
            case CURLE_COULDNT_CONNECT:
            case CURLE_COULDNT_RESOLVE_HOST:
            case CURLE_COULDNT_RESOLVE_PROXY:
                errc = Errc::unavailable;
                break;
            case CURLE_URL_MALFORMAT:
            case CURLE_UNSUPPORTED_PROTOCOL:
                errc = Errc::invalid_argument;
                break;
            case CURLE_PEER_FAILED_VERIFICATION:
            case CURLE_SSL_CONNECT_ERROR:
            case CURLE_SSL_CERTPROBLEM:
            case CURLE_SSL_CACERT_BADFILE:
                errc = Errc::denied;
                break;
            default:
                break;
        }
        if (message.empty()) message = t->what + ": " + reason;
    }
    deliver(t->id, std::move(t->done), make_error(errc, std::move(message)));
}

void HttpClient::Impl::run() {
    while (true) {
        std::vector<std::unique_ptr<Transfer>> to_start;
        std::vector<uint64_t> cancels;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (shutting_down) break;
            cancels.swap(cancel_requests);
            while (!queued.empty() &&
                   running.size() + to_start.size() < std::max(options.max_concurrent, 1u)) {
                to_start.push_back(std::move(queued.front()));
                queued.pop_front();
            }
        }
        for (uint64_t id : cancels) {
            for (auto it = running.begin(); it != running.end(); ++it) {
                if (it->second->id == id) {
                    curl_multi_remove_handle(multi.get(), it->first);
                    running.erase(it);
                    break;
                }
            }
        }
        for (auto& t : to_start) {
            Status started = start(*t);
            if (!started) {
                if (t->easy) curl_multi_remove_handle(multi.get(), t->easy.get());
                deliver(t->id, std::move(t->done), started.error());
                continue;
            }
            CURL* h = t->easy.get();
            running.emplace(h, std::move(t));
        }

        int still_running = 0;
        curl_multi_perform(multi.get(), &still_running);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* h = msg->easy_handle;
            CURLcode code = msg->data.result;
            curl_multi_remove_handle(multi.get(), h);
            auto it = running.find(h);
            if (it == running.end()) continue;
            auto t = std::move(it->second);
            running.erase(it);
            finish(std::move(t), code);
        }
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (shutting_down) break;
            if (!cancel_requests.empty() ||
                (!queued.empty() && running.size() < std::max(options.max_concurrent, 1u)))
                continue;  // more to do before sleeping
        }
        curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
    }
    for (auto& [h, t] : running) curl_multi_remove_handle(multi.get(), h);
    running.clear();
}

HttpClient::HttpClient(EventLoop& loop, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    impl_->multi.reset(curl_multi_init());
    if (!impl_->multi) {
        LOG_ERROR("http-client", "curl_multi_init failed: every request will fail");
        return;
    }
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

HttpClient::~HttpClient() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->shutting_down = true;
        impl_->live.clear();
    }
    if (impl_->multi) curl_multi_wakeup(impl_->multi.get());
    if (impl_->worker.joinable()) impl_->worker.join();
}  // impl_ and its Lifetime go last: completions posted before now find it expired

uint64_t HttpClient::request(HttpRequest request, Completion done) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    t->limit = t->request.max_body_bytes ? t->request.max_body_bytes : impl_->options.max_body_bytes;
    t->what = t->request.method + " " + redact_url(t->request.url);
    uint64_t id;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        id = impl_->next_id++;
        t->id = id;
        impl_->live.insert(id);
        if (!impl_->multi) {
            impl_->deliver(id, std::move(t->done),
                           make_error(Errc::internal, t->what + ": no curl multi handle"));
            return id;
        }
        impl_->queued.push_back(std::move(t));
    }
    curl_multi_wakeup(impl_->multi.get());
    return id;
}

void HttpClient::cancel(uint64_t id) {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        if (impl_->live.erase(id) == 0) return;
        auto it = std::find_if(impl_->queued.begin(), impl_->queued.end(),
                               [id](const auto& t) { return t->id == id; });
        if (it != impl_->queued.end()) {
            impl_->queued.erase(it);
            return;
        }
        impl_->cancel_requests.push_back(id);
    }
    if (impl_->multi) curl_multi_wakeup(impl_->multi.get());
}

size_t HttpClient::in_flight() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->live.size();
}

}  // namespace cpe::net
