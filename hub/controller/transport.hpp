// What the controller needs from an MTP, and what an MTP tells the controller. The WebSocket server
// (ws_server.hpp) is the real one; unit tests use a fake. Loop thread only.
#pragma once

#include <cstdint>
#include <string>

#include "usp/record.hpp"
#include "util/result.hpp"

namespace cpe::hub::controller {

struct ConnectionInfo {
    std::string peer;  // remote IP address
    bool tls = false;
    std::string cert_cn;         // subject CN of a verified client certificate, "" without one
    bool proven = false;         // a verified client certificate names the endpoint id (cert_match.hpp)
    int64_t cert_not_after = 0;  // that certificate's notAfter (unix seconds), 0 without one
};

// Implemented by the controller; called by a transport on the loop thread.
class TransportSink {
  public:
    virtual ~TransportSink() = default;
    // An endpoint connected and passed the transport's identity checks.
    virtual void on_connected(const std::string& endpoint_id, const ConnectionInfo& info) = 0;
    // A no_session_context record's Msg from an endpoint (the record's from_id already checked).
    virtual void on_message(const std::string& endpoint_id, std::span<const uint8_t> msg) = 0;
    virtual void on_disconnected(const std::string& endpoint_id) = 0;
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Queues a serialized Msg for the endpoint (the transport wraps it in a Record). Errors:
    // Errc::unavailable (not connected), Errc::too_large (the endpoint's send queue is full).
    virtual Status send(const std::string& endpoint_id, usp::Bytes msg) = 0;
    virtual bool is_connected(const std::string& endpoint_id) const = 0;
    // Closes the endpoint's connection (policy violation), if it has one; on_disconnected follows.
    virtual void close(const std::string& /*endpoint_id*/, const std::string& /*why*/) {}
};

}  // namespace cpe::hub::controller
