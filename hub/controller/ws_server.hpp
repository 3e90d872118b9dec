// The USP WebSocket MTP, server side (TR-369 "WebSocket Binding"): a vhost on the EventLoop accepting agents.
// Each connection must ask for the "v1.usp" subprotocol and name its EndpointID in "?eid="; with
// require_client_cert the (verified) certificate must name the same endpoint (cert_match.hpp). Every
// record's from_id must be that endpoint. Undecodable, oversized or text records close the connection with
// 1003; refusals and bad records are logged one line each, rate-limited.
//
// Who may claim an endpoint id (docs/security-identity.md): a verified client certificate naming the id
// proves it; without one the id is unproven and accepted only from a loopback peer (plain ws is for a hub and
// agents on one host, or behind a local TLS terminator). An endpoint id belongs to its first live connection:
// a second one is refused (1008) while the first lives, unless both present the same certificate (same CN and
// public key): then the newer replaces the older (a device reconnecting over a half-open connection). With an
// allow-list, ids not on it are refused before the handshake completes. Loop thread only.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "controller/transport.hpp"
#include "net/event_loop.hpp"
#include "net/usp_ws_server.hpp"

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
    size_t rx_buffer_bytes = 4096;  // lws receive buffer per connection (larger records arrive in fragments)
    bool use_allow_list = false;    // true: only the ids in allow_list may connect
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

// "127.x.y.z", "::1", "::ffff:127.x.y.z" or "localhost": an address only this host reaches.
bool is_loopback_address(std::string_view address);

// The hub's rule on the common server (net/usp_ws_server.hpp), and the controller's Transport.
class UspWsServer : public Transport, private net::UspWsRule {
  public:
    UspWsServer(net::EventLoop& loop, UspWsOptions options, TransportSink& sink);
    // Closes every connection (the sink hears nothing more). Loop thread, not from inside a callback.
    ~UspWsServer() override;
    UspWsServer(const UspWsServer&) = delete;
    UspWsServer& operator=(const UspWsServer&) = delete;

    Status start();
    int port() const { return server_.port(); }

    Status send(const std::string& endpoint_id, usp::Bytes msg) override;
    bool is_connected(const std::string& endpoint_id) const override;
    void close(const std::string& endpoint_id, const std::string& why) override;
    size_t connections() const { return server_.connections(); }
    const UspWsStats& stats() const;
    const UspWsOptions& options() const { return options_; }

  private:
    std::string admit(lws* wsi, net::UspWsSession& s) override;
    std::string may_replace(const net::UspWsSession& s, const net::UspWsSession& live) const override;
    void connected(const net::UspWsSession& s) override;
    net::UspWsVerdict record(const std::string& id, std::span<const uint8_t> bytes) override;
    void disconnected(const std::string& id) override;

    UspWsOptions options_;
    TransportSink& sink_;
    mutable UspWsStats stats_;  // the rule's own counts; the server's are copied in by stats()
    net::UspWsServer server_;
};

}  // namespace cpe::hub::controller
