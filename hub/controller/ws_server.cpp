#include "controller/ws_server.hpp"

#include "controller/cert_match.hpp"
#include "log/log.hpp"
#include "net/ws_util.hpp"
#include "usp/record.hpp"

namespace cpe::hub::controller {

namespace {
constexpr uint16_t kCloseUnsupportedData = 1003;  // RFC 6455 "cannot accept this type of data"
constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseNormal = 1000;
constexpr size_t kShown = 128;  // endpoint ids in log lines

// The public key of the peer's certificate as lws's TLS backend represents it ("" without one): compared only
// with another connection's, in this process.
std::string peer_public_key(lws* wsi) {
    std::vector<char> big(sizeof(lws_tls_cert_info_results) + 4096);
    auto* res = reinterpret_cast<lws_tls_cert_info_results*>(big.data());
    if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY, res, 4096) != 0 || res->ns.len <= 0)
        return {};
    return std::string(res->ns.name, static_cast<size_t>(res->ns.len));
}

net::UspWsServerOptions server_options(const UspWsOptions& o) {
    net::UspWsServerOptions so;
    so.name = o.name;
    so.bind_address = o.bind_address;
    so.port = o.port;
    so.tls = {o.tls_cert_path, o.tls_key_path, o.tls_ca_path, o.require_client_cert};
    so.local_id = o.controller_id;
    so.peer_noun = "endpoint";
    so.log_tag = "usp-ws";
    so.shown_id_max = kShown;
    so.max_record_bytes = o.max_record_bytes;
    so.max_queue_bytes = o.max_queue_bytes;
    so.rx_buffer_bytes = o.rx_buffer_bytes;
    return so;
}

}  // namespace

bool is_loopback_address(std::string_view a) {
    if (a == "localhost" || a == "::1" || a == "0:0:0:0:0:0:0:1") return true;
    if (a.starts_with("::ffff:")) a.remove_prefix(7);
    return a.starts_with("127.");
}

UspWsServer::UspWsServer(net::EventLoop& loop, UspWsOptions options, TransportSink& sink)
    : options_(std::move(options)), sink_(sink), server_(loop, server_options(options_), *this) {}

UspWsServer::~UspWsServer() = default;

Status UspWsServer::start() {
    return server_.start();
}

bool UspWsServer::is_connected(const std::string& endpoint_id) const {
    return server_.is_connected(endpoint_id);
}

Status UspWsServer::send(const std::string& endpoint_id, usp::Bytes msg) {
    if (!server_.is_connected(endpoint_id))
        return make_error(Errc::unavailable, "endpoint '" + endpoint_id + "' is not connected");
    return server_.send(endpoint_id, usp::encode_no_session_record(endpoint_id, options_.controller_id, msg));
}

void UspWsServer::close(const std::string& endpoint_id, const std::string& why) {
    server_.close(endpoint_id, kClosePolicy, why);
}

const UspWsStats& UspWsServer::stats() const {
    const net::UspWsCounters& c = server_.counters();
    stats_.accepted = c.accepted;
    stats_.refused = c.refused;
    stats_.bad_records = c.bad_records;
    stats_.replaced = c.replaced;
    stats_.id_in_use = c.id_in_use;
    return stats_;
}

// Who may claim an endpoint id (docs/security-identity.md): see ws_server.hpp.
std::string UspWsServer::admit(lws* wsi, net::UspWsSession& s) {
    const std::string shown = net::printable(s.id, kShown);
    if (options_.use_allow_list && !options_.allow_list.count(s.id)) {
        ++stats_.not_allowed;
        return "endpoint '" + shown + "' is not on the allow-list (usp.admission.allow)";
    }
    if (options_.require_client_cert && !s.cert_verified)
        return "endpoint '" + shown + "': no client certificate signed by the CA";
    if (s.cert_verified) {
        // Our libwebsockets (4.1, mbedTLS) exposes only the subject CN of the peer certificate; SAN entries
        // are matched by cert_match.hpp when a DER copy is available (see docs/usp.md "The hub"). A
        // presented, verified certificate must name the endpoint even where certificates are optional.
        CertIdentity cert;
        cert.cn = s.cert_cn;
        if (!endpoint_matches_cert(s.id, cert))
            return "endpoint '" + shown + "' does not match its certificate (" +
                   net::printable(describe(cert), kShown) + ")";
        s.proven = true;
        s.cert_key = peer_public_key(wsi);
    } else if (!is_loopback_address(s.peer)) {
        ++stats_.unproven;
        return "endpoint '" + shown +
               "': no client certificate proves the endpoint id, and unproven ids are accepted only from "
               "loopback";
    }
    return {};
}

// An endpoint id belongs to its first live connection; a newer one takes it over only with the same
// certificate (same CN and public key): a device reconnecting over a half-open connection.
std::string UspWsServer::may_replace(const net::UspWsSession& s, const net::UspWsSession& live) const {
    if (s.proven && live.proven && !s.cert_key.empty() && s.cert_key == live.cert_key &&
        s.cert_cn == live.cert_cn)
        return {};
    return "endpoint '" + net::printable(s.id, kShown) + "' is in use by a live connection from " +
           live.peer + (s.proven ? " with another certificate" : "") + ": refused while it lives";
}

void UspWsServer::connected(const net::UspWsSession& s) {
    ConnectionInfo info;
    info.peer = s.peer;
    info.tls = s.tls;
    info.cert_cn = s.cert_cn;
    info.proven = s.proven;
    if (s.cert_verified) {
        lws_tls_cert_info_results res{};
        if (lws_tls_peer_cert_info(s.wsi, LWS_TLS_CERT_INFO_VALIDITY_TO, &res, 0) == 0)
            info.cert_not_after = static_cast<int64_t>(res.time);
    }
    sink_.on_connected(s.id, info);
}

void UspWsServer::disconnected(const std::string& id) {
    sink_.on_disconnected(id);
}

net::UspWsVerdict UspWsServer::record(const std::string& id, std::span<const uint8_t> bytes) {
    auto rec = usp::decode_record(bytes, usp::DecodeLimits{options_.max_record_bytes});
    if (!rec) return {kCloseUnsupportedData, rec.error().message, false};
    if (rec->from_id() != id)
        return {kClosePolicy,
                "record from_id '" + net::printable(rec->from_id(), kShown) +
                    "' is not the connection's endpoint id",
                false};
    if (!rec->to_id().empty() && rec->to_id() != options_.controller_id) {
        LOG_LIMITED(log::Level::warn, 5, 60, "usp-ws",
                    "endpoint '%s': record for '%s' dropped (this is '%s')",
                    net::printable(id, kShown).c_str(), net::printable(rec->to_id(), kShown).c_str(),
                    options_.controller_id.c_str());
        return {};
    }
    switch (rec->type()) {
        case usp::RecordType::websocket_connect:
            return {};
        case usp::RecordType::disconnect:
            LOG_LIMITED(log::Level::info, 10, 60, "usp-ws", "endpoint '%s' disconnects: %u %s",
                        net::printable(id, kShown).c_str(), rec->disconnect_reason_code(),
                        net::printable(rec->disconnect_reason(), kShown).c_str());
            return {kCloseNormal, "", true};
        case usp::RecordType::no_session_context: {
            auto payload = rec->payload();
            if (!payload) return {kCloseUnsupportedData, payload.error().message, false};
            sink_.on_message(id, *payload);
            return {};
        }
        default:
            LOG_LIMITED(log::Level::warn, 5, 60, "usp-ws",
                        "endpoint '%s': %s record ignored (not supported here)",
                        net::printable(id, kShown).c_str(), usp::record_type_name(rec->type()));
            return {};
    }
}

}  // namespace cpe::hub::controller
