// Input: "<target>\n<version>\n<name>:<value>\n…" (the first byte's low bits set h2 / truncation facts).
// The target is split at '?' and decoded as the server sees it; the check must answer (never crash) and must
// refuse any decoded CR, LF or NUL in the target or a header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const unsigned flags = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto next_line = [&in]() {
        size_t nl = in.find('\n');
        std::string_view line = in.substr(0, nl);
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        return line;
    };
    cpe::net::Request req;
    req.method = "GET";
    std::string_view target = next_line();
    size_t q = target.find('?');
    req.path = cpe::net::percent_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) req.query = cpe::net::parse_query(target.substr(q + 1));
    cpe::net::RequestHeadFacts facts;
    facts.version = std::string(next_line());
    facts.h2 = flags & 1;
    facts.target_truncated = flags & 2;
    if (flags & 4) facts.truncated_header = "x";
    facts.transfer_encoding = flags & 8;
    facts.content_length_fields = (flags >> 4) & 3;
    bool control = false;
    auto has_control = [](std::string_view s) {
        return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
    };
    control = has_control(req.path);
    for (const auto& [k, v] : req.query) control = control || has_control(k) || has_control(v);
    while (!in.empty()) {
        std::string_view line = next_line();
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        std::string value(line.substr(colon + 1));
        req.headers[name] = value;  // a repeated name: the last one, as the check sees it
    }
    for (const auto& [name, value] : req.headers)
        control = control || has_control(name) || has_control(value);
    auto refused = cpe::net::check_request_head(req, facts);
    if (control && !refused) std::abort();  // a control byte reached "a handler"
    if (refused && (refused->status < 400 || refused->status > 499)) std::abort();
    return 0;
}
