// One-shot HTTP for tests, through libcurl: a status, the body, the response headers; no proxy.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cpe::testkit {

struct Http {
    long status = 0;  // 0: no answer (error says why)
    std::string body;
    std::string error;                           // curl's text when there was no answer
    std::map<std::string, std::string> headers;  // response headers, names in lower case
};

struct HttpOptions {
    long timeout_ms = 60000;
    std::string source_ip;  // the local address to connect from ("" = the kernel's choice)
};

// `headers` are "Name: value" lines. A POST (or any request with a body) is sent as application/json.
Http request(const std::string& method, const std::string& url, const std::vector<std::string>& headers = {},
             const std::string& body = "", const HttpOptions& options = {});
// The same with a source address (the form several tests use).
inline Http request(const std::string& method, const std::string& url,
                    const std::vector<std::string>& headers, const std::string& body,
                    const std::string& source_ip) {
    HttpOptions o;
    o.source_ip = source_ip;
    return request(method, url, headers, body, o);
}

}  // namespace cpe::testkit
