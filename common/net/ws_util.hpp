// Small helpers for the WebSocket servers on lws (the hub's USP server, the agent's LAN-side server).
// Loop thread only, like every lws call.
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

}  // namespace cpe::net
