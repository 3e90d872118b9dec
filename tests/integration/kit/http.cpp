#include "kit/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "net/curl_handle.hpp"

namespace cpe::testkit {
namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
    std::string line(p, size * n);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * n;
}

}  // namespace

Http request(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
             const std::string& body, const HttpOptions& options) {
    Http r;
    net::CurlEasy c(curl_easy_init());
    if (!c) {
        r.error = "curl_easy_init failed";
        return r;
    }
    net::CurlSlist list;
    for (const auto& h : headers) net::append(list, h.c_str());
    const bool post = method == "POST";
    if (!body.empty() || post) net::append(list, "Content-Type: application/json");
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    if (post || !body.empty()) {
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    if (list) curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.get(), CURLOPT_NOPROXY, "*");
    if (!options.source_ip.empty()) curl_easy_setopt(c.get(), CURLOPT_INTERFACE, options.source_ip.c_str());
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) {
        r.error = curl_easy_strerror(rc);
        return r;
    }
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

}  // namespace cpe::testkit
