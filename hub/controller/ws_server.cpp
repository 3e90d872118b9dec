#include "controller/ws_server.hpp"

#include <cstring>

#include "controller/cert_match.hpp"
#include "log/log.hpp"
#include "net/ws_util.hpp"
#include "usp/record.hpp"

namespace cpe::hub::controller {

namespace detail {
struct WsAnchor {
    UspWsServer* server = nullptr;
};

struct WsSession {
    lws* wsi = nullptr;
    std::string endpoint_id;
    ConnectionInfo info;
    bool offered_extension = false;  // the client sent Sec-WebSocket-Extensions: bbf-usp-protocol
    bool established = false;
    bool current = false;            // the endpoint's live connection (not replaced)
    std::string cert_key;            // the verified client certificate's public key (opaque), "" without one
    uint16_t close_code = 0;         // set: close at the next WRITEABLE
    std::string close_reason;
    std::vector<uint8_t> rx;         // fragments of the record being received
    std::deque<std::vector<uint8_t>> out;  // each with LWS_PRE bytes of headroom
    size_t out_bytes = 0;
};
}  // namespace detail

using detail::WsSession;

namespace {
constexpr const char* kSubprotocol = "v1.usp";
constexpr uint16_t kCloseUnsupportedData = 1003;  // RFC 6455 "cannot accept this type of data"
constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseNormal = 1000;

// The public key of the peer's certificate as lws's TLS backend represents it ("" without one): compared only
// with another connection's, in this process.
std::string peer_public_key(lws* wsi) {
    std::vector<char> big(sizeof(lws_tls_cert_info_results) + 4096);
    auto* res = reinterpret_cast<lws_tls_cert_info_results*>(big.data());
    if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY, res, 4096) != 0 || res->ns.len <= 0)
        return {};
    return std::string(res->ns.name, static_cast<size_t>(res->ns.len));
}

}  // namespace

bool is_loopback_address(std::string_view a) {
    if (a == "localhost" || a == "::1" || a == "0:0:0:0:0:0:0:1") return true;
    if (a.starts_with("::ffff:")) a.remove_prefix(7);
    return a.starts_with("127.");
}

UspWsServer::UspWsServer(net::EventLoop& loop, UspWsOptions options, TransportSink& sink)
    : loop_(loop), options_(std::move(options)), sink_(sink), anchor_(std::make_shared<detail::WsAnchor>()) {
    anchor_->server = this;
}

UspWsServer::~UspWsServer() {
    anchor_->server = nullptr;
    for (auto& [wsi, s] : sessions_) lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    sessions_.clear();
    by_endpoint_.clear();
    if (vhost_) lws_vhost_destroy(vhost_);
}

Status UspWsServer::start() {
    if (vhost_) return make_error(Errc::invalid_argument, "USP WebSocket server: already started");
    net::VhostOptions vo;
    vo.name = options_.name;
    vo.port = options_.port;
    vo.bind_address = options_.bind_address;
    vo.tls_cert_path = options_.tls_cert_path;
    vo.tls_key_path = options_.tls_key_path;
    vo.tls_ca_path = options_.tls_ca_path;
    vo.require_client_cert = options_.require_client_cert;
    lws_protocols proto{};
    proto.name = kSubprotocol;
    proto.callback = &UspWsServer::callback;
    proto.rx_buffer_size = options_.rx_buffer_bytes;
    proto.user = anchor_.get();
    vo.protocols.push_back(proto);
    vo.user = anchor_.get();
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) return vh.error().with_context("USP WebSocket server");
    vhost_ = *vh;
    port_ = lws_get_vhost_listen_port(vhost_);
    return {};
}

bool UspWsServer::is_connected(const std::string& endpoint_id) const { return by_endpoint_.count(endpoint_id) != 0; }

Status UspWsServer::send(const std::string& endpoint_id, usp::Bytes msg) {
    auto it = by_endpoint_.find(endpoint_id);
    if (it == by_endpoint_.end())
        return make_error(Errc::unavailable, "endpoint '" + endpoint_id + "' is not connected");
    return queue(*it->second, usp::encode_no_session_record(endpoint_id, options_.controller_id, msg));
}

Status UspWsServer::queue(WsSession& s, usp::Bytes record) {
    if (s.close_code) return make_error(Errc::unavailable, "endpoint '" + s.endpoint_id + "': connection closing");
    if (s.out_bytes + record.size() > options_.max_queue_bytes)
        return make_error(Errc::too_large, "endpoint '" + s.endpoint_id + "': send queue full (" +
                                               std::to_string(s.out_bytes) + " bytes waiting)");
    std::vector<uint8_t> frame(LWS_PRE + record.size());
    std::memcpy(frame.data() + LWS_PRE, record.data(), record.size());
    s.out_bytes += record.size();
    s.out.push_back(std::move(frame));
    lws_callback_on_writable(s.wsi);
    return {};
}

std::string UspWsServer::may_take_over(const WsSession& s) const {
    auto it = by_endpoint_.find(s.endpoint_id);
    if (it == by_endpoint_.end()) return {};
    const WsSession& live = *it->second;
    if (s.info.proven && live.info.proven && !s.cert_key.empty() && s.cert_key == live.cert_key &&
        s.info.cert_cn == live.info.cert_cn)
        return {};
    return "endpoint '" + net::printable(s.endpoint_id, 128) + "' is in use by a live connection from " + live.info.peer +
           (s.info.proven ? " with another certificate" : "") + ": refused while it lives";
}

void UspWsServer::close(const std::string& endpoint_id, const std::string& why) {
    auto it = by_endpoint_.find(endpoint_id);
    if (it == by_endpoint_.end()) return;
    WsSession& s = *it->second;
    if (s.close_code) return;
    s.close_code = kClosePolicy;
    s.close_reason = why.substr(0, 120);
    lws_callback_on_writable(s.wsi);
}

void UspWsServer::refuse_log(lws* wsi, const std::string& why) {
    ++stats_.refused;
    LOG_LIMITED(log::Level::warn, 10, 60, "usp-ws", "refused connection from %s: %s", net::peer_address(wsi).c_str(),
                why.c_str());
}

int UspWsServer::callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<detail::WsAnchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->server) {
        switch (reason) {
        case LWS_CALLBACK_HTTP:
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        case LWS_CALLBACK_RECEIVE:
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return -1;
        default:
            return 0;
        }
    }
    return anchor->server->on_callback(wsi, reason, in, len);
}

int UspWsServer::on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        refuse_log(wsi, "plain HTTP request (a USP agent opens a WebSocket with subprotocol v1.usp)");
        if (lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, "USP WebSocket endpoint: upgrade with v1.usp"))
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return on_filter(wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_ADD_HEADERS: {
        auto it = sessions_.find(wsi);
        if (it == sessions_.end() || !it->second->offered_extension) return 0;
        auto* args = static_cast<lws_process_html_args*>(in);
        std::string line = "Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"" + options_.controller_id + "\"\r\n";
        if (args->max_len < 0 || line.size() >= static_cast<size_t>(args->max_len)) return 0;
        std::memcpy(args->p, line.data(), line.size());
        args->p += line.size();
        args->max_len -= static_cast<int>(line.size());
        return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        auto it = sessions_.find(wsi);
        if (it == sessions_.end()) return -1;
        WsSession& s = *it->second;
        s.established = true;
        auto old = by_endpoint_.find(s.endpoint_id);
        if (old != by_endpoint_.end()) {
            // Two handshakes of one id may both pass on_filter; the first to finish owns the id.
            if (std::string why = may_take_over(s); !why.empty()) {
                ++stats_.id_in_use;
                refuse_log(wsi, why);
                s.close_code = kClosePolicy;
                s.close_reason = "endpoint id in use by a live connection";
                lws_callback_on_writable(wsi);
                return 0;
            }
            WsSession& prev = *old->second;
            prev.current = false;
            prev.close_code = kCloseNormal;
            prev.close_reason = "replaced by a newer connection of the same endpoint";
            lws_callback_on_writable(prev.wsi);
            ++stats_.replaced;
            LOG_LIMITED(log::Level::info, 10, 60, "usp-ws",
                        "endpoint '%s' reconnected from %s with the same certificate: old connection closed",
                        net::printable(s.endpoint_id, 128).c_str(), s.info.peer.c_str());
            by_endpoint_.erase(old);
            sink_.on_disconnected(s.endpoint_id);
        }
        s.current = true;
        by_endpoint_[s.endpoint_id] = &s;
        ++stats_.accepted;
        sink_.on_connected(s.endpoint_id, s.info);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        auto it = sessions_.find(wsi);
        if (it == sessions_.end()) return -1;
        return on_receive(wsi, *it->second, in, len);
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        auto it = sessions_.find(wsi);
        if (it == sessions_.end()) return -1;
        return on_writeable(wsi, *it->second);
    }
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        on_closed(wsi);
        return 0;
    default:
        return 0;
    }
}

int UspWsServer::on_filter(lws* wsi, const char* subprotocols) {
    std::string offered = subprotocols ? subprotocols : "";
    if (!net::header_list_has(offered, kSubprotocol)) {
        refuse_log(wsi, "no 'v1.usp' in Sec-WebSocket-Protocol ('" + net::printable(offered, 128) + "')");
        return -1;
    }
    char buf[512];
    const char* eid = lws_get_urlarg_by_name(wsi, "eid=", buf, sizeof buf);
    if (!eid || !*eid) {
        refuse_log(wsi, "no endpoint id: the URL needs ?eid=<EndpointID>");
        return -1;
    }
    std::string endpoint_id(eid);
    for (char c : endpoint_id) {
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
            refuse_log(wsi, "endpoint id '" + net::printable(endpoint_id, 128) + "' has a control character or space");
            return -1;
        }
    }
    const std::string shown = net::printable(endpoint_id, 128);
    if (options_.use_allow_list && !options_.allow_list.count(endpoint_id)) {
        ++stats_.not_allowed;
        refuse_log(wsi, "endpoint '" + shown + "' is not on the allow-list (usp.admission.allow)");
        return -1;
    }
    ConnectionInfo info;
    info.peer = net::peer_address(wsi);
    info.tls = lws_is_ssl(wsi) != 0;
    const bool verified = info.tls && net::peer_certificate_verified(wsi);
    if (verified) info.cert_cn = net::peer_certificate_cn(wsi).value_or("");
    if (options_.require_client_cert && !verified) {
        refuse_log(wsi, "endpoint '" + shown + "': no client certificate signed by the CA");
        return -1;
    }
    if (verified) {
        // Our libwebsockets (4.1, mbedTLS) exposes only the subject CN of the peer certificate; SAN entries
        // are matched by cert_match.hpp when a DER copy is available (see docs/usp.md "The hub"). A presented,
        // verified certificate must name the endpoint even where certificates are optional.
        CertIdentity cert;
        cert.cn = info.cert_cn;
        if (!endpoint_matches_cert(endpoint_id, cert)) {
            refuse_log(wsi, "endpoint '" + shown + "' does not match its certificate (" +
                                net::printable(describe(cert), 128) + ")");
            return -1;
        }
        info.proven = true;
    } else if (!is_loopback_address(info.peer)) {
        ++stats_.unproven;
        refuse_log(wsi, "endpoint '" + shown +
                            "': no client certificate proves the endpoint id, and unproven ids are accepted only "
                            "from loopback");
        return -1;
    }
    auto s = std::make_unique<WsSession>();
    s->wsi = wsi;
    s->endpoint_id = std::move(endpoint_id);
    s->info = std::move(info);
    if (s->info.proven) s->cert_key = peer_public_key(wsi);
    if (by_endpoint_.count(s->endpoint_id)) {
        if (std::string why = may_take_over(*s); !why.empty()) {
            ++stats_.id_in_use;
            refuse_log(wsi, why);
            return -1;
        }
    }
    s->offered_extension = net::header_list_has(net::header_value(wsi, WSI_TOKEN_EXTENSIONS), "bbf-usp-protocol");
    sessions_[wsi] = std::move(s);
    return 0;
}

int UspWsServer::on_receive(lws* wsi, WsSession& s, const void* in, size_t len) {
    auto close_bad = [&](uint16_t code, const std::string& why) {
        ++stats_.bad_records;
        LOG_LIMITED(log::Level::warn, 10, 60, "usp-ws", "endpoint '%s' (%s): closing (%u): %s",
                    net::printable(s.endpoint_id, 128).c_str(), s.info.peer.c_str(), code, why.c_str());
        std::string reason = why.substr(0, 120);  // a close frame carries at most 123 bytes of reason
        lws_close_reason(wsi, static_cast<lws_close_status>(code),
                         reinterpret_cast<unsigned char*>(reason.data()), reason.size());
        return -1;
    };
    if (!s.current) return 0;  // replaced: closing
    if (!lws_frame_is_binary(wsi)) return close_bad(kCloseUnsupportedData, "text frame (USP records are binary)");
    if (s.rx.size() + len > options_.max_record_bytes)
        return close_bad(kCloseUnsupportedData,
                         "record over the limit of " + std::to_string(options_.max_record_bytes) + " bytes");
    const auto* bytes = static_cast<const uint8_t*>(in);
    s.rx.insert(s.rx.end(), bytes, bytes + len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;

    std::vector<uint8_t> data;
    data.swap(s.rx);
    auto rec = usp::decode_record(data, usp::DecodeLimits{options_.max_record_bytes});
    if (!rec) return close_bad(kCloseUnsupportedData, rec.error().message);
    if (rec->from_id() != s.endpoint_id)
        return close_bad(kClosePolicy, "record from_id '" + net::printable(rec->from_id(), 128) +
                                           "' is not the connection's endpoint id");
    if (!rec->to_id().empty() && rec->to_id() != options_.controller_id) {
        LOG_LIMITED(log::Level::warn, 5, 60, "usp-ws", "endpoint '%s': record for '%s' dropped (this is '%s')",
                    net::printable(s.endpoint_id, 128).c_str(), net::printable(rec->to_id(), 128).c_str(), options_.controller_id.c_str());
        return 0;
    }
    switch (rec->type()) {
    case usp::RecordType::websocket_connect:
        return 0;
    case usp::RecordType::disconnect:
        LOG_LIMITED(log::Level::info, 10, 60, "usp-ws", "endpoint '%s' disconnects: %u %s",
                    net::printable(s.endpoint_id, 128).c_str(), rec->disconnect_reason_code(),
                    net::printable(rec->disconnect_reason(), 128).c_str());
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
        return -1;
    case usp::RecordType::no_session_context: {
        auto payload = rec->payload();
        if (!payload) return close_bad(kCloseUnsupportedData, payload.error().message);
        const std::string endpoint_id = s.endpoint_id;  // the sink may replace sessions
        sink_.on_message(endpoint_id, *payload);
        return 0;
    }
    default:
        LOG_LIMITED(log::Level::warn, 5, 60, "usp-ws", "endpoint '%s': %s record ignored (not supported here)",
                    net::printable(s.endpoint_id, 128).c_str(), usp::record_type_name(rec->type()));
        return 0;
    }
}

int UspWsServer::on_writeable(lws* wsi, WsSession& s) {
    if (s.close_code) {
        lws_close_reason(wsi, static_cast<lws_close_status>(s.close_code),
                         reinterpret_cast<unsigned char*>(s.close_reason.data()), s.close_reason.size());
        return -1;
    }
    if (s.out.empty()) return 0;
    std::vector<uint8_t>& frame = s.out.front();
    const size_t n = frame.size() - LWS_PRE;
    if (lws_write(wsi, frame.data() + LWS_PRE, n, LWS_WRITE_BINARY) < static_cast<int>(n)) return -1;
    s.out_bytes -= n;
    s.out.pop_front();
    if (!s.out.empty()) lws_callback_on_writable(wsi);
    return 0;
}

void UspWsServer::on_closed(lws* wsi) {
    auto it = sessions_.find(wsi);
    if (it == sessions_.end()) return;
    std::unique_ptr<WsSession> s = std::move(it->second);
    sessions_.erase(it);
    if (s->current) {
        by_endpoint_.erase(s->endpoint_id);
        sink_.on_disconnected(s->endpoint_id);
    }
}

}  // namespace cpe::hub::controller
