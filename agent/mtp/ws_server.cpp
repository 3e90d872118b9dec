#include "mtp/ws_server.hpp"

#include "log/log.hpp"
#include "net/ws_util.hpp"

namespace cpe::agent::mtp {
namespace {

constexpr size_t kShown = 96;  // endpoint ids in log lines

net::UspWsServerOptions server_options(const WsServerOptions& o) {
    net::UspWsServerOptions so;
    so.name = "usp-ws-server";
    so.bind_address = o.bind;
    so.port = o.port;
    so.tls = {o.cert_file, o.key_file, o.ca_file, o.require_client_cert};
    so.path = o.path;
    so.local_id = o.agent_id;
    so.peer_noun = "controller";
    so.log_tag = "mtp";
    so.shown_id_max = kShown;
    so.max_connections = o.max_connections;
    so.max_record_bytes = o.max_record_bytes;
    so.max_queue_records = o.max_send_queue;
    so.rx_buffer_bytes = 4096;
    so.first_record_timeout_s = o.first_record_timeout_s;
    so.log_connections = true;
    return so;
}

}  // namespace

WsServer::WsServer(net::EventLoop& loop, WsServerOptions options, WsServerCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      server_(loop, server_options(options_), *this) {}

WsServer::~WsServer() = default;

Status WsServer::start() {
    return server_.start();
}

bool WsServer::send(const std::string& controller_id, std::vector<uint8_t> record) {
    Status st = server_.send(controller_id, record);
    if (!st && st.error().code == Errc::too_large)
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp",
                    "controller '%s': send queue full (%zu records): dropped one",
                    net::printable(controller_id, kShown).c_str(), server_.queued_records(controller_id));
    return st.ok();
}

void WsServer::stop(std::function<void()> done) {
    server_.stop("agent stopping", std::move(done));
}

std::string WsServer::admit(lws* /*wsi*/, net::UspWsSession& s) {
    const std::string shown = net::printable(s.id, kShown);
    if (!options_.allowed_controllers.empty()) {
        bool allowed = false;
        for (const std::string& a : options_.allowed_controllers) allowed = allowed || a == s.id;
        if (!allowed) return "controller '" + shown + "' is not in server.allowed_controllers";
    }
    if (options_.require_client_cert) {
        if (!s.cert_verified)
            return "controller '" + shown + "': no client certificate signed by server.tls.ca_file";
        if (s.cert_cn != s.id)
            return "controller '" + shown + "' does not match its certificate (CN '" +
                   net::printable(s.cert_cn, kShown) + "')";
        s.proven = true;
    }
    return {};
}

void WsServer::connected(const net::UspWsSession& s) {
    if (callbacks_.connected) callbacks_.connected(s.id);
}

net::UspWsVerdict WsServer::record(const std::string& id, std::span<const uint8_t> bytes) {
    if (!callbacks_.record) return {};
    ServerVerdict v = callbacks_.record(id, bytes);
    return {v.close_code, std::move(v.reason), false};
}

void WsServer::disconnected(const std::string& id) {
    if (callbacks_.disconnected) callbacks_.disconnected(id);
}

}  // namespace cpe::agent::mtp
