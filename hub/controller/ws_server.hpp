// The USP WebSocket MTP, server side (TR-369 "WebSocket Binding"): a vhost on the EventLoop accepting agents.
// Each connection must ask for the "v1.usp" subprotocol and name its EndpointID in "?eid="; with
// require_client_cert the (verified) certificate must name the same endpoint (cert_match.hpp). Every
// record's from_id must be that endpoint. Undecodable, oversized or text records close the connection with
// 1003; refusals and bad records are logged one line each, rate-limited. A second connection of an
// endpoint replaces the first. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
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
};

struct UspWsStats {
    uint64_t accepted = 0;
    uint64_t refused = 0;
    uint64_t bad_records = 0;
    uint64_t replaced = 0;
};

namespace detail {
struct WsAnchor;
struct WsSession;
}  // namespace detail

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
