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

#include <libwebsockets.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/event_loop.hpp"
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

class WsServer {
public:
    WsServer(net::EventLoop& loop, WsServerOptions options, WsServerCallbacks callbacks);
    ~WsServer();
    WsServer(const WsServer&) = delete;
    WsServer& operator=(const WsServer&) = delete;

    Status start();  // creates the listening vhost; the error names the address and the TLS files
    int port() const { return port_; }
    // Queues one record for the controller's connection; false when it is not connected or its queue is full.
    bool send(const std::string& controller_id, std::vector<uint8_t> record);
    bool connected(const std::string& controller_id) const { return by_id_.count(controller_id) != 0; }
    std::vector<std::string> controllers() const;
    // Closes every connection with 1000; `done` runs once all are closed (at once if none).
    void stop(std::function<void()> done);

private:
    struct Anchor {
        WsServer* self = nullptr;
    };
    struct Session {
        lws* wsi = nullptr;
        std::string id;
        bool offered_extension = false;
        bool current = false;  // established and the id's live connection
        bool proven = false;   // has sent a record the owner accepted (the first-record timeout is off)
        std::vector<uint8_t> rx;
        std::deque<std::vector<uint8_t>> out;  // each with LWS_PRE bytes of headroom
        uint16_t close_code = 0;               // close at the next WRITEABLE
        std::string close_reason;
    };
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    int on_filter(lws* wsi, const char* subprotocols);
    int on_receive(lws* wsi, Session& s, const void* in, size_t len);
    int on_writeable(lws* wsi, Session& s);
    void on_closed(lws* wsi);
    void refuse(lws* wsi, const std::string& why);
    void close_session(Session& s, uint16_t code, std::string reason);

    net::EventLoop& loop_;
    WsServerOptions options_;
    WsServerCallbacks callbacks_;
    std::shared_ptr<Anchor> anchor_;
    lws_vhost* vhost_ = nullptr;
    int port_ = 0;
    std::map<lws*, std::unique_ptr<Session>> sessions_;
    std::map<std::string, Session*> by_id_;
    bool stopping_ = false;
    std::function<void()> stopped_;
};

}  // namespace cpe::agent::mtp
