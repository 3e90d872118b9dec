// Small helpers for the servers on lws (the USP WebSocket server, the HTTP server): headers, peers, log-safe
// text, and the one protocol callback trampoline. Loop thread only, like every lws call.
#pragma once

#include <libwebsockets.h>

#include <string>
#include <string_view>

namespace cpe::net {

// A request header's value ("" when absent or longer than max_len).
std::string header_value(lws* wsi, lws_token_indexes token, size_t max_len = 4096);
// Whether a comma/semicolon-separated header list ("v1.usp, foo" or "bbf-usp-protocol; eid=…") holds `token`.
bool header_list_has(const std::string& list, std::string_view token);
// The peer's address as text ("127.0.0.1").
std::string peer_address(lws* wsi);
// Text from the network made safe for one log line: unprintable bytes become '?', cut at max with "...".
std::string printable(std::string_view text, size_t max);

// What a protocol answers lws once its owner is gone: -1 (end the connection) for callbacks that carry a
// connection's traffic, 0 for the rest.
int owner_gone(lws_callback_reasons reason);

// The one lws protocol trampoline. A protocol's `user` points at an anchor `{T* self}` that the vhost keeps
// alive (VhostOptions::keep_alive) and the owner nulls when it goes; `fn(*self)` handles the callback while
// it lives.
template <typename Anchor, typename Fn>
int dispatch_to_owner(lws* wsi, lws_callback_reasons reason, Fn&& fn) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<Anchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->self) return owner_gone(reason);
    return fn(*anchor->self);
}

}  // namespace cpe::net
