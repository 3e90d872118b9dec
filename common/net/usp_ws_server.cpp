#include "net/usp_ws_server.hpp"

#include <cstring>

#include "log/log.hpp"
#include "net/ws_util.hpp"

namespace cpe::net {

namespace {
constexpr const char* kSubprotocol = "v1.usp";
constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseUnsupportedData = 1003;  // RFC 6455 "cannot accept this type of data"
constexpr uint16_t kClosePolicy = 1008;
constexpr size_t kCloseReasonMax = 120;  // a close frame carries at most 123 bytes of reason
}  // namespace

UspWsServer::UspWsServer(EventLoop& loop, UspWsServerOptions options, UspWsRule& rule)
    : loop_(loop), options_(std::move(options)), rule_(rule), anchor_(std::make_shared<Anchor>()) {
    anchor_->self = this;
}

UspWsServer::~UspWsServer() {
    anchor_->self = nullptr;  // lws may still call the protocol while the context closes the connections
    for (auto& [wsi, s] : sessions_)
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    sessions_.clear();
    by_id_.clear();
    if (vhost_) lws_vhost_destroy(vhost_);
}

std::string UspWsServer::shown(const std::string& id) const {
    return printable(id, options_.shown_id_max);
}

Status UspWsServer::start() {
    if (vhost_) return make_error(Errc::invalid_argument, "USP WebSocket server: already started");
    VhostOptions vo;
    vo.name = options_.name;
    vo.port = options_.port;
    vo.bind_address = options_.bind_address;
    vo.tls_cert_path = options_.tls.cert_file;
    vo.tls_key_path = options_.tls.key_file;
    vo.tls_ca_path = options_.tls.ca_file;
    vo.require_client_cert = options_.tls.require_client_cert;
    lws_protocols proto{};
    proto.name = kSubprotocol;
    proto.callback = &UspWsServer::callback;
    proto.user = anchor_.get();
    proto.rx_buffer_size = options_.rx_buffer_bytes;
    vo.protocols.push_back(proto);
    vo.user = anchor_.get();
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) {
        std::string what =
            "USP WebSocket server on " + options_.bind_address + ":" + std::to_string(options_.port);
        if (!options_.tls.cert_file.empty())
            what += " (TLS files " + options_.tls.cert_file + ", " + options_.tls.key_file +
                    (options_.tls.ca_file.empty() ? "" : ", " + options_.tls.ca_file) + ")";
        return vh.error().with_context(what);
    }
    vhost_ = *vh;
    port_ = lws_get_vhost_listen_port(vhost_);
    return {};
}

std::vector<std::string> UspWsServer::ids() const {
    std::vector<std::string> out;
    for (const auto& [id, s] : by_id_) out.push_back(id);
    return out;
}

size_t UspWsServer::queued_records(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? 0 : it->second->out.size();
}

Status UspWsServer::send(const std::string& id, std::span<const uint8_t> record) {
    auto it = by_id_.find(id);
    if (it == by_id_.end())
        return make_error(Errc::unavailable, options_.peer_noun + " '" + id + "' is not connected");
    UspWsSession& s = *it->second;
    if (s.close_code)
        return make_error(Errc::unavailable, options_.peer_noun + " '" + id + "': connection closing");
    if (options_.max_queue_records && s.out.size() >= options_.max_queue_records)
        return make_error(Errc::too_large, options_.peer_noun + " '" + id + "': send queue full (" +
                                               std::to_string(s.out.size()) + " records waiting)");
    if (options_.max_queue_bytes && s.out_bytes + record.size() > options_.max_queue_bytes)
        return make_error(Errc::too_large, options_.peer_noun + " '" + id + "': send queue full (" +
                                               std::to_string(s.out_bytes) + " bytes waiting)");
    std::vector<uint8_t> frame(LWS_PRE + record.size());
    if (!record.empty()) std::memcpy(frame.data() + LWS_PRE, record.data(), record.size());
    s.out_bytes += record.size();
    s.out.push_back(std::move(frame));
    lws_callback_on_writable(s.wsi);
    return {};
}

void UspWsServer::close_session(UspWsSession& s, uint16_t code, std::string reason) {
    s.close_code = code;
    s.close_reason = std::move(reason);
    if (s.close_reason.size() > kCloseReasonMax) s.close_reason.resize(kCloseReasonMax);
    lws_callback_on_writable(s.wsi);
}

void UspWsServer::close(const std::string& id, uint16_t code, const std::string& reason) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second->close_code) return;
    close_session(*it->second, code, reason);
}

void UspWsServer::stop(std::string reason, std::function<void()> done) {
    stopping_ = true;
    stopped_ = std::move(done);
    for (auto& [wsi, s] : sessions_) close_session(*s, kCloseNormal, reason);
    if (sessions_.empty() && stopped_) {
        auto d = std::move(stopped_);
        stopped_ = nullptr;
        d();
    }
}

void UspWsServer::refuse(lws* wsi, const std::string& why) {
    ++counters_.refused;
    LOG_LIMITED(log::Level::warn, 10, 60, options_.log_tag.c_str(), "refused connection from %s: %s",
                peer_address(wsi).c_str(), why.c_str());
}

int UspWsServer::callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    return dispatch_to_owner<Anchor>(
        wsi, reason, [&](UspWsServer& self) { return self.on_callback(wsi, reason, in, len); });
}

int UspWsServer::on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_HTTP:
            refuse(wsi, "plain HTTP request (a " + options_.peer_noun +
                            " opens a WebSocket with subprotocol v1.usp)");
            if (lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST,
                                       "USP WebSocket endpoint: upgrade with v1.usp"))
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return on_filter(wsi, static_cast<const char*>(in));
        case LWS_CALLBACK_ADD_HEADERS: {
            // TR-369: the server echoes bbf-usp-protocol only when the client offered it.
            auto it = sessions_.find(wsi);
            if (it == sessions_.end() || !it->second->offered_extension) return 0;
            auto* args = static_cast<lws_process_html_args*>(in);
            const std::string line =
                "Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"" + options_.local_id + "\"\r\n";
            if (args->max_len < 0 || line.size() >= static_cast<size_t>(args->max_len)) return 0;
            std::memcpy(args->p, line.data(), line.size());
            args->p += line.size();
            args->max_len -= static_cast<int>(line.size());
            return 0;
        }
        case LWS_CALLBACK_ESTABLISHED:
            return on_established(wsi);
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
    if (stopping_) return -1;
    const std::string offered = subprotocols ? subprotocols : "";
    if (!header_list_has(offered, kSubprotocol)) {
        refuse(wsi,
               "no 'v1.usp' in Sec-WebSocket-Protocol ('" + printable(offered, options_.shown_id_max) + "')");
        return -1;
    }
    if (!options_.path.empty()) {
        std::string path = header_value(wsi, WSI_TOKEN_GET_URI, 1024);
        path = path.substr(0, path.find('?'));
        if (path != options_.path) {
            refuse(wsi, "path '" + printable(path, options_.shown_id_max) + "' is not " + options_.path);
            return -1;
        }
    }
    char buf[512];
    const char* eid = lws_get_urlarg_by_name(wsi, "eid=", buf, sizeof buf);
    if (!eid || !*eid) {
        refuse(wsi, "no endpoint id: the URL needs ?eid=<EndpointID>");
        return -1;
    }
    auto s = std::make_unique<UspWsSession>();
    s->id = eid;
    for (char c : s->id) {
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
            refuse(wsi, "endpoint id '" + shown(s->id) + "' has a control character or space");
            return -1;
        }
    }
    s->wsi = wsi;
    s->peer = peer_address(wsi);
    s->tls = lws_is_ssl(wsi) != 0;
    s->cert_verified = s->tls && peer_certificate_verified(wsi);
    if (s->cert_verified) s->cert_cn = peer_certificate_cn(wsi).value_or("");
    if (std::string why = rule_.admit(wsi, *s); !why.empty()) {
        refuse(wsi, why);
        return -1;
    }
    auto live = by_id_.find(s->id);
    if (live != by_id_.end()) {
        if (std::string why = rule_.may_replace(*s, *live->second); !why.empty()) {
            ++counters_.id_in_use;
            refuse(wsi, why);
            return -1;
        }
    }
    // The same id reconnecting replaces its old connection, so it does not count against the limit.
    const size_t others = sessions_.size() - (live != by_id_.end() ? 1 : 0);
    if (options_.max_connections && others >= options_.max_connections) {
        refuse(wsi, options_.peer_noun + " '" + shown(s->id) + "': already " +
                        std::to_string(sessions_.size()) + " connections (the limit is " +
                        std::to_string(options_.max_connections) + ")");
        return -1;
    }
    s->offered_extension = header_list_has(header_value(wsi, WSI_TOKEN_EXTENSIONS), "bbf-usp-protocol");
    sessions_[wsi] = std::move(s);
    return 0;
}

int UspWsServer::on_established(lws* wsi) {
    auto it = sessions_.find(wsi);
    if (it == sessions_.end() || stopping_) return -1;
    UspWsSession& s = *it->second;
    auto old = by_id_.find(s.id);
    if (old != by_id_.end()) {
        // Two handshakes of one id may both pass on_filter; the first to finish owns the id.
        if (std::string why = rule_.may_replace(s, *old->second); !why.empty()) {
            ++counters_.id_in_use;
            refuse(wsi, why);
            close_session(s, kClosePolicy, options_.peer_noun + " id in use by a live connection");
            return 0;
        }
        UspWsSession& prev = *old->second;
        prev.current = false;
        close_session(prev, kCloseNormal, "replaced by a newer connection of the same " + options_.peer_noun);
        ++counters_.replaced;
        LOG_LIMITED(log::Level::info, 10, 60, options_.log_tag.c_str(),
                    "%s '%s' reconnected from %s: old connection closed", options_.peer_noun.c_str(),
                    shown(s.id).c_str(), s.peer.c_str());
        by_id_.erase(old);
        rule_.disconnected(s.id);
    }
    s.current = true;
    by_id_[s.id] = &s;
    ++counters_.accepted;
    // Until its first accepted record the connection holds a slot on credit only.
    if (options_.first_record_timeout_s)
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, static_cast<int>(options_.first_record_timeout_s));
    if (options_.log_connections)
        LOG_INFO(options_.log_tag.c_str(), "USP server: %s '%s' connected from %s",
                 options_.peer_noun.c_str(), shown(s.id).c_str(), s.peer.c_str());
    rule_.connected(s);
    return 0;
}

int UspWsServer::on_receive(lws* wsi, UspWsSession& s, const void* in, size_t len) {
    auto close_with = [&](const UspWsVerdict& v) {
        if (!v.quiet) {
            ++counters_.bad_records;
            LOG_LIMITED(log::Level::warn, 10, 60, options_.log_tag.c_str(),
                        "%s '%s': %s (from %s): closing (%u)", options_.peer_noun.c_str(),
                        shown(s.id).c_str(), v.reason.c_str(), s.peer.c_str(), v.close_code);
        }
        std::string reason = v.reason.substr(0, kCloseReasonMax);
        lws_close_reason(wsi, static_cast<lws_close_status>(v.close_code),
                         reason.empty() ? nullptr : reinterpret_cast<unsigned char*>(reason.data()),
                         reason.size());
        return -1;
    };
    if (!s.current || s.close_code) return 0;  // replaced or closing: the rest is ignored
    if (lws_is_first_fragment(wsi)) s.rx.clear();
    if (!lws_frame_is_binary(wsi))
        return close_with({kCloseUnsupportedData, "text frame (USP records are binary)", false});
    if (s.rx.size() + len > options_.max_record_bytes)
        return close_with({kCloseUnsupportedData,
                           "record over the limit of " + std::to_string(options_.max_record_bytes) + " bytes",
                           false});
    const auto* bytes = static_cast<const uint8_t*>(in);
    s.rx.insert(s.rx.end(), bytes, bytes + len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;

    std::vector<uint8_t> record;
    record.swap(s.rx);
    const std::string id = s.id;  // the owner may send or replace sessions: `s` is not touched after this
    UspWsVerdict v = rule_.record(id, record);
    if (v.close_code) return close_with(v);
    auto still = sessions_.find(wsi);
    if (still != sessions_.end() && !still->second->accepted_record) {
        still->second->accepted_record = true;
        if (options_.first_record_timeout_s) lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    }
    return 0;
}

int UspWsServer::on_writeable(lws* wsi, UspWsSession& s) {
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
    std::unique_ptr<UspWsSession> s = std::move(it->second);
    sessions_.erase(it);
    if (s->current) {
        by_id_.erase(s->id);
        if (options_.log_connections)
            LOG_INFO(options_.log_tag.c_str(), "USP server: %s '%s' disconnected", options_.peer_noun.c_str(),
                     shown(s->id).c_str());
        rule_.disconnected(s->id);
    }
    if (stopping_ && sessions_.empty() && stopped_) {
        auto d = std::move(stopped_);
        stopped_ = nullptr;
        d();
    }
}

}  // namespace cpe::net
