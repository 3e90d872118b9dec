#include "test_controller.hpp"

#include <cstring>

namespace cpe::test {

TestController::TestController(std::optional<ControllerTls> tls) {
    auto loop = net::EventLoop::create();
    if (!loop) return;
    loop_ = std::move(*loop);
    net::VhostOptions vo;
    vo.name = "test-controller";
    vo.port = 0;
    vo.bind_address = "127.0.0.1";
    if (tls) {
        vo.tls_cert_path = tls->cert;
        vo.tls_key_path = tls->key;
        vo.tls_ca_path = tls->ca;
        vo.require_client_cert = tls->require_client_cert;
        require_client_cert_ = tls->require_client_cert;
    }
    lws_protocols http{};
    http.name = "http";
    http.callback = lws_callback_http_dummy;
    lws_protocols usp{};
    usp.name = "v1.usp";
    usp.callback = &TestController::callback;
    usp.per_session_data_size = sizeof(Pss);
    usp.user = this;
    vo.protocols = {http, usp};
    auto vh = loop_->create_vhost(vo);
    if (!vh) return;
    port_ = lws_get_vhost_listen_port(*vh);
    thread_ = std::thread([this] { loop_->run(); });
}

TestController::~TestController() {
    if (loop_) {
        loop_->stop();
        if (thread_.joinable()) thread_.join();
        loop_.reset();
    }
}

void TestController::push(ControllerEvent e) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (e.kind == ControllerEvent::Kind::open) ++opens_;
        events_.push_back(std::move(e));
    }
    cv_.notify_all();
}

size_t TestController::opens_seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return opens_;
}

std::optional<ControllerEvent> TestController::next(int timeout_s) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, std::chrono::seconds(timeout_s), [this] { return !events_.empty(); }))
        return std::nullopt;
    ControllerEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

std::optional<ControllerEvent> TestController::next_of(ControllerEvent::Kind kind, int timeout_s) {
    while (auto e = next(timeout_s)) {
        if (e->kind == kind) return e;
    }
    return std::nullopt;
}

void TestController::send(int conn, Bytes record) {
    loop_->post([this, conn, record = std::move(record)]() mutable {
        auto it = conns_.find(conn);
        if (it == conns_.end()) return;
        it->second.out.push_back(std::move(record));
        lws_callback_on_writable(it->second.wsi);
    });
}

void TestController::close(int conn, int code) {
    loop_->post([this, conn, code] {
        auto it = conns_.find(conn);
        if (it == conns_.end()) return;
        it->second.close_code = code;
        lws_callback_on_writable(it->second.wsi);
    });
}

void TestController::close_first_connections(int count) {
    loop_->post([this, count] { close_first_ = count; });
}

int TestController::callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    const lws_protocols* proto = lws_get_protocol(wsi);
    auto* self = proto ? static_cast<TestController*>(proto->user) : nullptr;
    if (!self) return 0;
    return self->on_event(wsi, reason, static_cast<Pss*>(user), in, len);
}

int TestController::on_event(lws* wsi, lws_callback_reasons reason, Pss* pss, void* in, size_t len) {
    switch (reason) {
        case LWS_CALLBACK_ESTABLISHED: {
            pss->conn = next_conn_++;
            conns_[pss->conn].wsi = wsi;
            ControllerEvent e;
            e.kind = ControllerEvent::Kind::open;
            e.conn = pss->conn;
            char buf[256] = {0};
            if (lws_get_urlarg_by_name(wsi, "eid=", buf, sizeof(buf))) e.eid = buf;
            if (e.eid.rfind("eid=", 0) == 0) e.eid.erase(0, 4);  // lws leaves the name in
            e.cert_verified = net::peer_certificate_verified(wsi);
            e.cert_cn = net::peer_certificate_cn(wsi).value_or("");
            const bool reject = require_client_cert_ && !e.cert_verified;
            push(std::move(e));
            if (reject) return -1;
            return 0;
        }
        case LWS_CALLBACK_RECEIVE: {
            Conn& c = conns_[pss->conn];
            if (lws_is_first_fragment(wsi)) c.rx.clear();
            const auto* p = static_cast<const uint8_t*>(in);
            c.rx.insert(c.rx.end(), p, p + len);
            if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
            ControllerEvent e;
            e.kind = lws_frame_is_binary(wsi) ? ControllerEvent::Kind::record : ControllerEvent::Kind::text;
            e.conn = pss->conn;
            e.data.swap(c.rx);
            push(std::move(e));
            if (pss->conn <= close_first_ && !c.got_first) {
                c.close_code = 1000;
                lws_callback_on_writable(wsi);
            }
            c.got_first = true;
            return 0;
        }
        case LWS_CALLBACK_SERVER_WRITEABLE: {
            Conn& c = conns_[pss->conn];
            if (c.close_code) {
                lws_close_reason(wsi, static_cast<lws_close_status>(c.close_code), nullptr, 0);
                return -1;
            }
            if (c.out.empty()) return 0;
            Bytes& front = c.out.front();
            std::vector<unsigned char> buf(LWS_PRE + front.size());
            if (!front.empty()) memcpy(buf.data() + LWS_PRE, front.data(), front.size());
            int n = lws_write(wsi, buf.data() + LWS_PRE, front.size(), LWS_WRITE_BINARY);
            c.out.pop_front();
            if (n < 0) return -1;
            if (!c.out.empty()) lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
            const auto* p = static_cast<const uint8_t*>(in);
            if (len >= 2) conns_[pss->conn].peer_close_code = p[0] << 8 | p[1];
            return 0;
        }
        case LWS_CALLBACK_CLOSED: {
            ControllerEvent e;
            e.kind = ControllerEvent::Kind::closed;
            e.conn = pss->conn;
            e.close_code = conns_[pss->conn].peer_close_code;
            conns_.erase(pss->conn);
            push(std::move(e));
            return 0;
        }
        default:
            return 0;
    }
}

}  // namespace cpe::test
