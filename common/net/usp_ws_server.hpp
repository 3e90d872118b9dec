// The USP WebSocket server (TR-369 "WebSocket Binding"), one for every program that accepts USP peers: the
// hub's controller (agents connect to it) and the agent's server mode (controllers connect to it). A vhost on
// the EventLoop; each connection must ask for subprotocol "v1.usp", be made on the configured path (when one
// is set) and name its EndpointID in "?eid=" (no control characters or spaces). Who may claim an endpoint id
// is the owner's rule (UspWsRule): an allow-list, a client certificate naming the id, loopback-only unproven
// ids.
//
// One session per connection; an id's live connection is the one an established handshake holds. A second
// connection of the same id replaces the first unless the rule refuses it (then it is refused while the first
// lives, 1008 when the refusal comes after the handshake). Records are binary frames of at most
// max_record_bytes: larger ones and text frames close the connection with 1003; the owner's verdict on a
// record may close it with its own code. Write queues are bounded in records and/or bytes. Refusals and bad
// records are logged one rate-limited line each. Loop thread only.
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

namespace cpe::net {

// A TLS listener's files, the same in every server's options.
struct TlsFiles {
    std::string cert_file;  // TLS when set (with key_file)
    std::string key_file;
    std::string ca_file;  // the CA client certificates must chain to
    bool require_client_cert = false;
};

struct UspWsServerOptions {
    std::string name = "usp-ws";  // the vhost's name
    std::string bind_address;     // "" = all addresses
    int port = 0;                 // 0 = ephemeral (read back with port())
    TlsFiles tls;
    std::string path;      // "" = any request path
    std::string local_id;  // our endpoint id, echoed in Sec-WebSocket-Extensions when the peer offers it
    std::string peer_noun =
        "endpoint";  // how log lines and close reasons name a peer ("controller", "endpoint")
    std::string log_tag = "usp-ws";
    size_t shown_id_max = 128;   // endpoint ids in log lines are cut here
    size_t max_connections = 0;  // 0 = no limit here (a reconnecting id does not count against it)
    size_t max_record_bytes = 1 << 20;
    size_t max_queue_records = 0;         // per connection; 0 = no record limit
    size_t max_queue_bytes = 0;           // per connection; 0 = no byte limit
    size_t rx_buffer_bytes = 4096;        // lws receive buffer (larger records arrive in fragments)
    unsigned first_record_timeout_s = 0;  // > 0: a connection must send an accepted record within this time
    bool log_connections = false;         // a line per connect / disconnect
};

// One connection. The rule fills `proven` and `cert_key` when it admits one.
struct UspWsSession {
    lws* wsi = nullptr;
    std::string id;    // the EndpointID the peer named (?eid=)
    std::string peer;  // remote address
    bool tls = false;
    bool cert_verified = false;      // a client certificate chaining to the CA was presented
    std::string cert_cn;             // its subject CN ("" without one)
    std::string cert_key;            // its public key, opaque ("" unless the rule asked for it)
    bool proven = false;             // the rule found the id proven by the certificate
    bool offered_extension = false;  // the peer sent Sec-WebSocket-Extensions: bbf-usp-protocol
    bool current = false;            // established and the id's live connection
    bool accepted_record = false;    // has sent a record the owner accepted
    uint16_t close_code = 0;         // set: close at the next WRITEABLE
    std::string close_reason;
    std::vector<uint8_t> rx;               // fragments of the record being received
    std::deque<std::vector<uint8_t>> out;  // each with LWS_PRE bytes of headroom
    size_t out_bytes = 0;
};

// What the owner says about a record: close_code 0 keeps the connection; otherwise it closes with that code
// and reason, logged as a bad record unless `quiet` (an orderly close the peer asked for).
struct UspWsVerdict {
    uint16_t close_code = 0;
    std::string reason;
    bool quiet = false;
};

// The owner's rule for endpoint ids and what it is told. Called on the loop thread.
class UspWsRule {
  public:
    virtual ~UspWsRule() = default;
    // After the subprotocol, path and id syntax checks: "" admits the connection (the rule may set
    // s.proven / s.cert_key), anything else is why it is refused (logged).
    virtual std::string admit(lws* wsi, UspWsSession& s) = 0;
    // `s` claims the id `live` holds: "" lets it replace `live`, anything else is why it may not.
    virtual std::string may_replace(const UspWsSession& /*s*/, const UspWsSession& /*live*/) const {
        return {};
    }
    virtual void connected(const UspWsSession& s) = 0;
    virtual UspWsVerdict record(const std::string& id, std::span<const uint8_t> bytes) = 0;
    virtual void disconnected(const std::string& id) = 0;
};

struct UspWsCounters {
    uint64_t accepted = 0;
    uint64_t refused = 0;  // every refusal, the rule's included
    uint64_t bad_records = 0;
    uint64_t replaced = 0;
    uint64_t id_in_use = 0;  // refused: the id belongs to another live connection the rule would not replace
};

class UspWsServer {
  public:
    UspWsServer(EventLoop& loop, UspWsServerOptions options, UspWsRule& rule);
    // Ends every connection (the rule hears nothing more) and the vhost. Loop thread, not from inside a
    // callback.
    ~UspWsServer();
    UspWsServer(const UspWsServer&) = delete;
    UspWsServer& operator=(const UspWsServer&) = delete;

    Status start();  // the error names the address and the TLS files
    int port() const { return port_; }

    // Queues one record (already framed as a USP Record) for the id's live connection. Errors:
    // Errc::unavailable (not connected, or closing), Errc::too_large (its queue is full).
    Status send(const std::string& id, std::span<const uint8_t> record);
    bool is_connected(const std::string& id) const { return by_id_.count(id) != 0; }
    std::vector<std::string> ids() const;
    size_t connections() const { return by_id_.size(); }
    size_t queued_records(const std::string& id) const;
    // Closes the id's live connection with `code` and `reason` (cut to 120 bytes), if it has one.
    void close(const std::string& id, uint16_t code, const std::string& reason);
    // Refuses new connections and closes every one with 1000 and `reason`; `done` runs once all are closed
    // (at once if none).
    void stop(std::string reason, std::function<void()> done);
    const UspWsCounters& counters() const { return counters_; }
    const UspWsServerOptions& options() const { return options_; }

  private:
    struct Anchor {
        UspWsServer* self = nullptr;
    };
    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
    int on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
    int on_filter(lws* wsi, const char* subprotocols);
    int on_established(lws* wsi);
    int on_receive(lws* wsi, UspWsSession& s, const void* in, size_t len);
    int on_writeable(lws* wsi, UspWsSession& s);
    void on_closed(lws* wsi);
    void refuse(lws* wsi, const std::string& why);
    void close_session(UspWsSession& s, uint16_t code, std::string reason);
    std::string shown(const std::string& id) const;

    EventLoop& loop_;
    UspWsServerOptions options_;
    UspWsRule& rule_;
    std::shared_ptr<Anchor> anchor_;
    lws_vhost* vhost_ = nullptr;
    int port_ = 0;
    UspWsCounters counters_;
    std::map<lws*, std::unique_ptr<UspWsSession>> sessions_;
    std::map<std::string, UspWsSession*> by_id_;  // established, current sessions
    bool stopping_ = false;
    std::function<void()> stopped_;
};

}  // namespace cpe::net
