#include "net/http_types.hpp"

#include <algorithm>
#include <cctype>

#include "json/json.hpp"
#include "util/text.hpp"

namespace cpe::net {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<std::string> Request::query_value(std::string_view key) const {
    for (const auto& [k, v] : query)
        if (k == key) return v;
    return std::nullopt;
}

std::vector<std::string> Request::query_values(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query)
        if (k == key) out.push_back(v);
    return out;
}

std::optional<std::string> Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (text::iequals(k, name)) return v;
    return std::nullopt;
}

const std::string& Request::param(const std::string& name) const {
    static const std::string empty;
    auto it = params.find(name);
    return it == params.end() ? empty : it->second;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    return r;
}

Response Response::error(int status, std::string_view message) {
    auto obj = json::make_object();
    json::add_string(obj.get(), "error", message);
    json::add_number(obj.get(), "status", status);
    return json(status, json::print(obj.get()));
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
    return out;
}

HeaderList parse_query(std::string_view query) {
    HeaderList out;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(percent_decode(part, true), std::string());
        } else {
            out.emplace_back(percent_decode(part.substr(0, eq), true),
                             percent_decode(part.substr(eq + 1), true));
        }
    }
    return out;
}

const char* status_reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

const char* content_type_for(std::string_view filename) {
    static const std::pair<const char*, const char*> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".webmanifest", "application/manifest+json"},
        {".map", "application/json"},
        {".wasm", "application/wasm"},
    };
    size_t dot = filename.rfind('.');
    if (dot == std::string_view::npos || filename.find('/', dot) != std::string_view::npos)
        return "application/octet-stream";
    std::string_view ext = filename.substr(dot);
    for (const auto& [e, type] : kTypes)
        if (text::iequals(ext, e)) return type;
    return "application/octet-stream";
}

std::string redact_url(std::string_view url) {
    std::string_view scheme;
    size_t sep = url.find("://");
    if (sep != std::string_view::npos) {
        scheme = url.substr(0, sep + 3);
        url = url.substr(sep + 3);
    }
    size_t end = url.find_first_of("?#");
    url = url.substr(0, end);
    size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority = authority.substr(at + 1);
    std::string out(scheme);
    out += authority;
    out += path;
    return out;
}

namespace {
bool has_control_break(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}
}  // namespace

std::optional<Response> check_request_head(const Request& req, const RequestHeadFacts& facts) {
    if (facts.target_truncated) return Response::error(414, "request target too long");
    if (!facts.truncated_header.empty())
        return Response::error(431, "request header '" + facts.truncated_header + "' too large");
    bool bad_target = has_control_break(req.path);
    for (const auto& [k, v] : req.query)
        bad_target = bad_target || has_control_break(k) || has_control_break(v);
    if (bad_target) return Response::error(400, "request target holds CR, LF or NUL after decoding");
    if (!facts.h2 && facts.version != "HTTP/1.1" && facts.version != "HTTP/1.0")
        return Response::error(400,
                               facts.version.empty()
                                   ? "request line without an HTTP version (a line break inside the target?)"
                                   : "unsupported HTTP version");
    for (const auto& [name, value] : req.headers) {
        if (has_control_break(name) || has_control_break(value))
            return Response::error(400, "request header '" + name + "' holds CR, LF or NUL");
    }
    if (facts.content_length_fields > 1) return Response::error(400, "more than one Content-Length header");
    if (facts.transfer_encoding && facts.content_length_fields > 0)
        return Response::error(400, "Content-Length together with Transfer-Encoding is refused");
    return std::nullopt;
}

}  // namespace cpe::net
