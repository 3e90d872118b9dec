// The USP WebSocket MTP, server side (TR-369 "WebSocket Binding"): a vhost on the EventLoop accepting agents.
// Each connection must ask for the "v1.usp" subprotocol and name its EndpointID in "?eid="; with
// require_client_cert the (verified) certificate must name the same endpoint (cert_match.hpp). Every
// record's from_id must be that endpoint. Undecodable, oversized or text records close the connection with
// 1003; refusals and bad records are logged one line each, rate-limited.
//
// Who may claim an endpoint id (docs/security-identity.md): a verified client certificate naming the id proves
// it; without one the id is unproven and accepted only from a loopback peer (plain ws is for a hub and agents on
// one host, or behind a local TLS terminator). An endpoint id belongs to its first live connection: a second one
// is refused (1008) while the first lives, unless both present the same certificate (same CN and public key):
// then the newer replaces the older (a device reconnecting over a half-open connection). With an allow-list,
// ids not on it are refused before the handshake completes. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controller/transport.hpp"
#include "net/event_loop.hpp"

namespace cpe::hub::controller {

struct UspWsOptions {
    std::string name = "usp-ws";
    std::string bind_address;  // "" = all addresses
    int port = 0;              // 0 = ephemeral
    std::string tls_cert_path;
    std::string tls_key_path;
    std::string tls_ca_path;
    bool require_client_cert = false;
    std::string controller_id = "self::cpe-hub";
    size_t max_record_bytes = 1 << 20;  // larger records: close 1003
    size_t max_queue_bytes = 4 << 20;   // per connection, records waiting to be written
    size_t rx_buffer_bytes = 4096;      // lws receive buffer per connection (larger records arrive in fragments)
    bool use_allow_list = false;        // true: only the ids in allow_list may connect
    std::set<std::string> allow_list;
};

struct UspWsStats {
    uint64_t accepted = 0;
    uint64_t refused = 0;
    uint64_t bad_records = 0;
    uint64_t replaced = 0;
    uint64_t id_in_use = 0;    // refused: the endpoint id belongs to another live connection
    uint64_t unproven = 0;     // refused: no certificate proves the id and the peer is not on loopback
    uint64_t not_allowed = 0;  // refused: not on the allow-list
};

namespace detail {
struct WsAnchor;
struct WsSession;
}  // namespace detail

// "127.x.y.z", "::1", "::ffff:127.x.y.z" or "localhost": an address only this host reaches.
bool is_loopback_address(std::string_view address);

class UspWsServer : public Transport {
public:
    UspWsServer(net::EventLoop& loop, UspWsOptions options, TransportSink& sink);
    // Closes every connection (the sink hears nothing more). Loop thread, not from inside a callback.
    ~UspWsServer() override;
    UspWsServer(const UspWsServer&) = delete;
    UspWsServer& operator=(const UspWsServer&) = delete;

    Status start();
    int port() const { return port_; }

    Status send(const std::string& endpoint_id, usp::Bytes msg) override;
    bool is_connected(const std::string& endpoint_id) const override;
    void close(const std::string& endpoint_id, const std::string& why) override;
    size_t connections() const { return by_endpoint_.size(); }
    const UspWsStats& stats() const { return stats_; }
    const UspWsOptions& options() const { return options_; }

private:
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    int on_filter(lws* wsi, const char* subprotocols);
    int on_receive(lws* wsi, detail::WsSession& s, const void* in, size_t len);
    int on_writeable(lws* wsi, detail::WsSession& s);
    void on_closed(lws* wsi);
    void refuse_log(lws* wsi, const std::string& why);
    Status queue(detail::WsSession& s, usp::Bytes record);
    // "" when `s` may take its endpoint id from the live connection holding it; else why not.
    std::string may_take_over(const detail::WsSession& s) const;

    net::EventLoop& loop_;
    UspWsOptions options_;
    TransportSink& sink_;
    std::shared_ptr<detail::WsAnchor> anchor_;
    lws_vhost* vhost_ = nullptr;
    int port_ = 0;
    UspWsStats stats_;
    std::unordered_map<lws*, std::unique_ptr<detail::WsSession>> sessions_;
    std::unordered_map<std::string, detail::WsSession*> by_endpoint_;  // established sessions
};

}  // namespace cpe::hub::controller
