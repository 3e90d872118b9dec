// Plain HTTP values shared by the server and the client, and the small text helpers behind them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cpe::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An incoming request, fully captured (it stays valid after the connection is gone).
struct Request {
    std::string method;                          // "GET", "POST", …
    std::string path;                            // percent-decoded, without the query string
    HeaderList query;                            // decoded key/value pairs in order; repeated keys kept
    std::map<std::string, std::string> params;   // ":name" segments of the matched route
    std::map<std::string, std::string> headers;  // names lower-case; a repeated header's values comma-joined
    std::string body;
    std::string peer;            // the client's IP address
    std::string client_cert_cn;  // TLS: CN of a verified client certificate, else ""

    // First value of a query key; nullopt if absent ("?refresh" gives an empty string).
    std::optional<std::string> query_value(std::string_view key) const;
    std::vector<std::string> query_values(std::string_view key) const;
    bool has_query(std::string_view key) const { return query_value(key).has_value(); }
    // Header by name, any case.
    std::optional<std::string> header(std::string_view name) const;
    // Route parameter; "" if the route has no such parameter.
    const std::string& param(const std::string& name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    HeaderList headers;  // extra headers, e.g. {"Cache-Control", "no-store"}

    static Response json(int status, std::string body);
    static Response text(int status, std::string body,
                         std::string content_type = "text/plain; charset=utf-8");
    // {"error": message, "status": status}
    static Response error(int status, std::string_view message);
};

// What the HTTP parser (lws) reports about a request head beyond the Request itself.
struct RequestHeadFacts {
    std::string version;            // "HTTP/1.1"; "" when the request line had none
    bool h2 = false;                // an HTTP/2 stream (no request line)
    bool target_truncated = false;  // the request target reached the parser's limit and was cut
    std::string truncated_header;   // a header whose value reached the parser's limit ("" = none)
    unsigned content_length_fields = 0;
    bool transfer_encoding = false;
};
// The checks every request passes before any handler sees it; the refusal (414, 431 or 400, naming what was
// wrong) or nullopt. Refused: a target or header that was cut; CR, LF or NUL anywhere in the decoded path,
// query or header values (a "%0a" in the target ends the request line inside lws's parser, so what follows
// it would become a header: such a request has no HTTP version); a request line without "HTTP/1.0" or
// "HTTP/1.1"; repeated Content-Length; Content-Length together with Transfer-Encoding (request smuggling).
std::optional<Response> check_request_head(const Request& req, const RequestHeadFacts& facts);

// "%41+b" → "A b" (plus as space when `plus_is_space`). Malformed escapes are kept literally.
std::string percent_decode(std::string_view text, bool plus_is_space);
// Splits "a=1&b=2&a=3" into decoded pairs; a key without '=' gets an empty value.
HeaderList parse_query(std::string_view query);
// The standard reason phrase ("Not Found"), or "Unknown".
const char* status_reason(int status);
// Content type for a file name by its extension; application/octet-stream if unknown.
const char* content_type_for(std::string_view filename);
// A URL safe for logs and error messages: scheme://host[:port]/path, without credentials, query or fragment.
std::string redact_url(std::string_view url);

}  // namespace cpe::net
