#include "mtp/ws_server.hpp"

#include <cstring>

#include "log/log.hpp"
#include "net/ws_util.hpp"

namespace cpe::agent::mtp {
namespace {

constexpr const char* kSubprotocol = "v1.usp";
constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseUnsupportedData = 1003;


}  // namespace

WsServer::WsServer(net::EventLoop& loop, WsServerOptions options, WsServerCallbacks callbacks)
    : loop_(loop), options_(std::move(options)), callbacks_(std::move(callbacks)), anchor_(std::make_shared<Anchor>()) {
    anchor_->self = this;
}

WsServer::~WsServer() {
    anchor_->self = nullptr;  // lws may still call the protocol while the context closes the connections
    for (auto& [wsi, s] : sessions_) lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

Status WsServer::start() {
    net::VhostOptions vo;
    vo.name = "usp-ws-server";
    vo.port = options_.port;
    vo.bind_address = options_.bind;
    vo.tls_cert_path = options_.cert_file;
    vo.tls_key_path = options_.key_file;
    vo.tls_ca_path = options_.ca_file;
    vo.require_client_cert = options_.require_client_cert;
    lws_protocols proto{};
    proto.name = kSubprotocol;
    proto.callback = &WsServer::callback;
    proto.user = anchor_.get();
    proto.rx_buffer_size = 4096;  // larger records arrive in fragments
    vo.protocols.push_back(proto);
    vo.keep_alive = anchor_;
    auto vh = loop_.create_vhost(std::move(vo));
    if (!vh) {
        std::string what = "USP WebSocket server on " + options_.bind + ":" + std::to_string(options_.port);
        if (!options_.cert_file.empty())
            what += " (TLS files " + options_.cert_file + ", " + options_.key_file +
                    (options_.ca_file.empty() ? "" : ", " + options_.ca_file) + ")";
        return vh.error().with_context(what);
    }
    vhost_ = *vh;
    port_ = lws_get_vhost_listen_port(vhost_);
    return {};
}

std::vector<std::string> WsServer::controllers() const {
    std::vector<std::string> out;
    for (const auto& [id, s] : by_id_) out.push_back(id);
    return out;
}

bool WsServer::send(const std::string& controller_id, std::vector<uint8_t> record) {
    auto it = by_id_.find(controller_id);
    if (it == by_id_.end()) return false;
    Session& s = *it->second;
    if (s.close_code) return false;
    if (s.out.size() >= options_.max_send_queue) {
        LOG_LIMITED(log::Level::warn, 5, 300, "mtp", "controller '%s': send queue full (%zu records): dropped one",
                    net::printable(s.id, 96).c_str(), s.out.size());
        return false;
    }
    std::vector<uint8_t> frame(LWS_PRE + record.size());
    if (!record.empty()) std::memcpy(frame.data() + LWS_PRE, record.data(), record.size());
    s.out.push_back(std::move(frame));
    lws_callback_on_writable(s.wsi);
    return true;
}

void WsServer::close_session(Session& s, uint16_t code, std::string reason) {
    s.close_code = code;
    s.close_reason = std::move(reason);
    if (s.close_reason.size() > 120) s.close_reason.resize(120);  // a close frame carries at most 123 bytes
    lws_callback_on_writable(s.wsi);
}

void WsServer::stop(std::function<void()> done) {
    stopping_ = true;
    stopped_ = std::move(done);
    for (auto& [wsi, s] : sessions_) close_session(*s, kCloseNormal, "agent stopping");
    if (sessions_.empty() && stopped_) {
        auto d = std::move(stopped_);
        stopped_ = nullptr;
        d();
    }
}

void WsServer::refuse(lws* wsi, const std::string& why) {
    LOG_LIMITED(log::Level::warn, 10, 60, "mtp", "USP server: refused a connection from %s: %s", net::peer_address(wsi).c_str(),
                why.c_str());
}

int WsServer::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* anchor = proto ? static_cast<Anchor*>(proto->user) : nullptr;
    if (!anchor || !anchor->self) {
        switch (reason) {
            case LWS_CALLBACK_HTTP:
            case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            case LWS_CALLBACK_RECEIVE:
            case LWS_CALLBACK_SERVER_WRITEABLE:
                return -1;
            default:
                return lws_callback_http_dummy(wsi, reason, user, in, len);
        }
    }
    return anchor->self->on_event(wsi, reason, in, len);
}

int WsServer::on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_HTTP:
            refuse(wsi, "plain HTTP request (a controller opens a WebSocket with subprotocol v1.usp)");
            if (lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, "USP WebSocket endpoint: upgrade with v1.usp"))
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return on_filter(wsi, static_cast<const char*>(in));
        case LWS_CALLBACK_ADD_HEADERS: {
            // TR-369: the server echoes bbf-usp-protocol only when the client offered it.
            auto it = sessions_.find(wsi);
            if (it == sessions_.end() || !it->second->offered_extension) return 0;
            auto* args = static_cast<lws_process_html_args*>(in);
            const std::string line = "Sec-WebSocket-Extensions: bbf-usp-protocol; eid=\"" + options_.agent_id + "\"\r\n";
            if (args->max_len < 0 || line.size() >= static_cast<size_t>(args->max_len)) return 0;
            std::memcpy(args->p, line.data(), line.size());
            args->p += line.size();
            args->max_len -= static_cast<int>(line.size());
            return 0;
        }
        case LWS_CALLBACK_ESTABLISHED: {
            auto it = sessions_.find(wsi);
            if (it == sessions_.end()) return -1;
            Session& s = *it->second;
            if (stopping_) return -1;
            auto old = by_id_.find(s.id);
            if (old != by_id_.end()) {
                Session& prev = *old->second;
                prev.current = false;
                close_session(prev, kCloseNormal, "replaced by a newer connection of the same controller");
                by_id_.erase(old);
                LOG_LIMITED(log::Level::info, 10, 60, "mtp", "controller '%s' reconnected: old connection closed",
                            net::printable(s.id, 96).c_str());
                if (callbacks_.disconnected) callbacks_.disconnected(s.id);
            }
            s.current = true;
            by_id_[s.id] = &s;
            // Until its first valid record the connection holds a slot on credit only.
            if (options_.first_record_timeout_s)
                lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, static_cast<int>(options_.first_record_timeout_s));
            LOG_INFO("mtp", "USP server: controller '%s' connected from %s", net::printable(s.id, 96).c_str(), net::peer_address(wsi).c_str());
            if (callbacks_.connected) callbacks_.connected(s.id);
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

int WsServer::on_filter(lws* wsi, const char* subprotocols) {
    if (stopping_) return -1;
    const std::string offered = subprotocols ? subprotocols : "";
    if (!net::header_list_has(offered, kSubprotocol)) {
        refuse(wsi, "no 'v1.usp' in Sec-WebSocket-Protocol ('" + net::printable(offered, 96) + "')");
        return -1;
    }
    std::string path = net::header_value(wsi, WSI_TOKEN_GET_URI, 1024);
    path = path.substr(0, path.find('?'));
    if (path != options_.path) {
        refuse(wsi, "path '" + net::printable(path, 96) + "' is not " + options_.path);
        return -1;
    }
    char buf[512];
    const char* eid = lws_get_urlarg_by_name(wsi, "eid=", buf, sizeof buf);
    if (!eid || !*eid) {
        refuse(wsi, "no endpoint id: the URL needs ?eid=<EndpointID>");
        return -1;
    }
    std::string id(eid);
    for (char c : id) {
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
            refuse(wsi, "endpoint id '" + net::printable(id, 96) + "' has a control character or space");
            return -1;
        }
    }
    if (!options_.allowed_controllers.empty()) {
        bool allowed = false;
        for (const std::string& a : options_.allowed_controllers) allowed = allowed || a == id;
        if (!allowed) {
            refuse(wsi, "controller '" + net::printable(id, 96) + "' is not in server.allowed_controllers");
            return -1;
        }
    }
    if (options_.require_client_cert) {
        if (!lws_is_ssl(wsi) || !net::peer_certificate_verified(wsi)) {
            refuse(wsi, "controller '" + net::printable(id, 96) + "': no client certificate signed by server.tls.ca_file");
            return -1;
        }
        const std::string cn = net::peer_certificate_cn(wsi).value_or("");
        if (cn != id) {
            refuse(wsi, "controller '" + net::printable(id, 96) + "' does not match its certificate (CN '" + net::printable(cn, 96) + "')");
            return -1;
        }
    }
    // The same id reconnecting replaces its old connection, so it does not count against the limit.
    const size_t others = sessions_.size() - (by_id_.count(id) ? 1 : 0);
    if (others >= options_.max_connections) {
        refuse(wsi, "controller '" + net::printable(id, 96) + "': already " + std::to_string(sessions_.size()) +
                        " connections (server.max_connections)");
        return -1;
    }
    auto s = std::make_unique<Session>();
    s->wsi = wsi;
    s->id = std::move(id);
    s->offered_extension = net::header_list_has(net::header_value(wsi, WSI_TOKEN_EXTENSIONS, 1024), "bbf-usp-protocol");
    sessions_[wsi] = std::move(s);
    return 0;
}

int WsServer::on_receive(lws* wsi, Session& s, const void* in, size_t len) {
    auto close_bad = [&](uint16_t code, const std::string& why) {
        LOG_LIMITED(log::Level::warn, 10, 60, "mtp", "controller '%s': %s: closing (%u)", net::printable(s.id, 96).c_str(),
                    why.c_str(), code);
        std::string reason = why.substr(0, 120);
        lws_close_reason(wsi, static_cast<lws_close_status>(code), reinterpret_cast<unsigned char*>(reason.data()),
                         reason.size());
        return -1;
    };
    if (!s.current || s.close_code) return 0;  // closing: ignore the rest
    if (lws_is_first_fragment(wsi)) s.rx.clear();
    if (!lws_frame_is_binary(wsi)) return close_bad(kCloseUnsupportedData, "text frame (USP records are binary)");
    if (s.rx.size() + len > options_.max_record_bytes)
        return close_bad(kCloseUnsupportedData, "record larger than " + std::to_string(options_.max_record_bytes) + " bytes");
    const auto* p = static_cast<const uint8_t*>(in);
    s.rx.insert(s.rx.end(), p, p + len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
    std::vector<uint8_t> record;
    record.swap(s.rx);
    const std::string id = s.id;  // the callback may send, which must not see a moved session
    ServerVerdict v = callbacks_.record ? callbacks_.record(id, record) : ServerVerdict{};
    if (v.close_code) return close_bad(v.close_code, v.reason);
    auto still = sessions_.find(wsi);
    if (still != sessions_.end() && !still->second->proven) {
        still->second->proven = true;
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    }
    return 0;
}

int WsServer::on_writeable(lws* wsi, Session& s) {
    if (s.close_code) {
        lws_close_reason(wsi, static_cast<lws_close_status>(s.close_code),
                         reinterpret_cast<unsigned char*>(s.close_reason.data()), s.close_reason.size());
        return -1;
    }
    if (s.out.empty()) return 0;
    std::vector<uint8_t>& frame = s.out.front();
    const size_t n = frame.size() - LWS_PRE;
    if (lws_write(wsi, frame.data() + LWS_PRE, n, LWS_WRITE_BINARY) < static_cast<int>(n)) return -1;
    s.out.pop_front();
    if (!s.out.empty()) lws_callback_on_writable(wsi);
    return 0;
}

void WsServer::on_closed(lws* wsi) {
    auto it = sessions_.find(wsi);
    if (it == sessions_.end()) return;
    std::unique_ptr<Session> s = std::move(it->second);
    sessions_.erase(it);
    if (s->current) {
        by_id_.erase(s->id);
        LOG_INFO("mtp", "USP server: controller '%s' disconnected", net::printable(s->id, 96).c_str());
        if (callbacks_.disconnected) callbacks_.disconnected(s->id);
    }
    if (stopping_ && sessions_.empty() && stopped_) {
        auto d = std::move(stopped_);
        stopped_ = nullptr;
        d();
    }
}

}  // namespace cpe::agent::mtp
