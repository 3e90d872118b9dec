// The WebSocket MTP, agent as the server (TR-369 "WebSocket Binding": either side may be the server): a vhost
// on the LAN address that controllers connect to. Each connection must ask for subprotocol "v1.usp", be made
// on the configured path and name the controller in "?eid="; with a non-empty allowed list only those ids
// are accepted; with require_client_cert the verified certificate's CN must be the same id. At most
// max_connections controllers at once (a second connection of the same id replaces the first); a connection
// that has sent no valid record within first_record_timeout_s is closed, so idle connections cannot hold the
// slots. Records are
// binary frames of at most max_record_bytes; larger ones, text frames and records the owner rejects close
// the connection (1003, or the owner's code) with one rate-limited log line. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "net/event_loop.hpp"
#include "net/usp_ws_server.hpp"
#include "util/result.hpp"

namespace cpe::agent::mtp {

struct WsServerOptions {
    std::string bind;  // an address or an interface name ("" = all: the config does not allow it)
    int port = 0;      // 0 = ephemeral (read back with port())
    std::string path = "/usp";
    std::string cert_file, key_file, ca_file;  // TLS when cert_file is set
    bool require_client_cert = false;
    std::vector<std::string> allowed_controllers;  // empty = any endpoint id
    std::string agent_id;                          // echoed in Sec-WebSocket-Extensions when offered
    size_t max_connections = 2;
    size_t max_record_bytes = 64 * 1024;
    size_t max_send_queue = 64;
    unsigned first_record_timeout_s = 10;  // from the handshake to the first record the owner accepts
};

struct ServerVerdict {
    uint16_t close_code = 0;  // non-zero: close the connection with this code
    std::string reason;
};

struct WsServerCallbacks {
    std::function<void(const std::string& controller_id)> connected;
    std::function<ServerVerdict(const std::string& controller_id, std::span<const uint8_t>)> record;
    std::function<void(const std::string& controller_id)> disconnected;
};

// The agent's rule on the common server (net/usp_ws_server.hpp): the allow-list, and with require_client_cert
// a verified certificate whose CN is the controller's id.
class WsServer : private net::UspWsRule {
  public:
    WsServer(net::EventLoop& loop, WsServerOptions options, WsServerCallbacks callbacks);
    ~WsServer() override;
    WsServer(const WsServer&) = delete;
    WsServer& operator=(const WsServer&) = delete;

    Status start();  // creates the listening vhost; the error names the address and the TLS files
    int port() const { return server_.port(); }
    // Queues one record for the controller's connection; false when it is not connected or its queue is full.
    bool send(const std::string& controller_id, std::vector<uint8_t> record);
    bool connected(const std::string& controller_id) const { return server_.is_connected(controller_id); }
    std::vector<std::string> controllers() const { return server_.ids(); }
    // Closes every connection with 1000; `done` runs once all are closed (at once if none).
    void stop(std::function<void()> done);

  private:
    std::string admit(lws* wsi, net::UspWsSession& s) override;
    void connected(const net::UspWsSession& s) override;
    net::UspWsVerdict record(const std::string& id, std::span<const uint8_t> bytes) override;
    void disconnected(const std::string& id) override;

    WsServerOptions options_;
    WsServerCallbacks callbacks_;
    net::UspWsServer server_;
};

}  // namespace cpe::agent::mtp
