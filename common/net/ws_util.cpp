#include "net/ws_util.hpp"

namespace cpe::net {

std::string header_value(lws* wsi, lws_token_indexes token, size_t max_len) {
    const int n = lws_hdr_total_length(wsi, token);
    if (n <= 0 || static_cast<size_t>(n) > max_len) return {};
    std::string out(static_cast<size_t>(n) + 1, '\0');
    const int got = lws_hdr_copy(wsi, out.data(), n + 1, token);
    if (got < 0) return {};
    out.resize(static_cast<size_t>(got));
    return out;
}

bool header_list_has(const std::string& list, std::string_view token) {
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find_first_of(",;", start);
        if (end == std::string::npos) end = list.size();
        std::string_view item(list.data() + start, end - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item == token) return true;
        start = end + 1;
    }
    return false;
}

std::string peer_address(lws* wsi) {
    char buf[64] = {0};
    lws_get_peer_simple(wsi, buf, sizeof buf);
    return buf;
}

std::string printable(std::string_view text, size_t max) {
    std::string out;
    for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > max) out += "...";
    return out;
}

int owner_gone(lws_callback_reasons reason) {
    switch (reason) {
        case LWS_CALLBACK_HTTP:
        case LWS_CALLBACK_HTTP_BODY:
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        case LWS_CALLBACK_HTTP_WRITEABLE:
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        case LWS_CALLBACK_RECEIVE:
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return -1;
        default:
            return 0;
    }
}

}  // namespace cpe::net
