#include "diag/transfer.hpp"

#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "log/log.hpp"
#include "net/event_loop.hpp"
#include "usp/error_codes.hpp"

namespace cpe::agent::diag {

std::optional<HttpUrl> parse_http_url(const std::string& text) {
    HttpUrl u;
    std::string rest;
    if (text.starts_with("http://")) {
        rest = text.substr(7);
    } else if (text.starts_with("https://")) {
        rest = text.substr(8);
        u.tls = true;
        u.port = 443;
    } else {
        return std::nullopt;
    }
    const size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    u.path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;  // no user info
    if (authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        u.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority.front() != ':') return std::nullopt;
    } else {
        const size_t colon = authority.find(':');
        u.host = authority.substr(0, colon);
        authority = colon == std::string::npos ? "" : authority.substr(colon);
    }
    if (u.host.empty()) return std::nullopt;
    if (!authority.empty()) {
        const std::string port = authority.substr(1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        const unsigned long p = std::stoul(port);
        if (p == 0 || p > 65535) return std::nullopt;
        u.port = static_cast<uint16_t>(p);
    }
    for (char c : u.path)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
    return u;
}

std::string format_time_us(int64_t epoch_us) {
    if (epoch_us <= 0) return "0001-01-01T00:00:00Z";
    const time_t s = static_cast<time_t>(epoch_us / 1000000);
    tm t{};
    gmtime_r(&s, &t);
    char buf[64];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", t.tm_year + 1900, t.tm_mon + 1,
             t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(epoch_us % 1000000));
    return buf;
}

namespace {

constexpr uint32_t kMaxSeconds = 180;       // a file-based test ends with Error_Timeout after this
constexpr uint64_t kMaxBytes = 4ull << 30;  // download: more than this ends the test (Error_IncorrectSize)
constexpr uint32_t kMaxUploadBytes = 1u << 30;  // TestFileLength
constexpr uint32_t kMaxConnections = 8;
constexpr size_t kChunk = 16384;  // upload write size
// How much one read takes. lws 4.1 reads a response into its per-thread buffer (pt_serv_buf_size) and caps a
// read at that size whatever buffer the caller passes, so this sets the context's buffer, and the body is
// read into it (no second buffer of ours). Bigger reads cost less CPU per byte (fewer recv() and poll()
// calls, fewer window updates): curl reads up to 100 KiB. But the read that takes the response head keeps the
// body bytes that came with it in a copy per connection (lws's buflist) until they are handed over, so memory
// grows by about (1 + connections) × this at the start of a transfer. 48 KiB keeps a 4-connection download
// within 256 KiB of VmRSS growth (docs/diagnostics.md, "Benchmark").
constexpr unsigned kReadBuffer = 48 * 1024;

int64_t now_us() {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    return int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
}

struct Conn {
    lws* wsi = nullptr;
    bool done = false, failed = false, completed = false;
    int http_status = 0;
    int64_t tcp_open_request = 0, tcp_open_response = 0, rom = 0, bom = 0, eom = 0;
    uint64_t test_bytes = 0;    // body bytes (download) or sent body bytes (upload)
    uint64_t header_bytes = 0;  // request line + headers we sent (estimate from what we asked lws to send)
    uint64_t to_send = 0;       // upload: body bytes left
    std::string error;
};

struct Transfer {
    bool upload = false;
    HttpUrl url;
    std::string address;  // resolved
    int tclass = 0;
    uint64_t upload_length = 0;
    std::vector<Conn> conns;
    net::EventLoop* loop = nullptr;
    const usp::RunContext* ctx = nullptr;
    int64_t time_based_end_us = 0;  // 0 = file based
    std::string local_address;      // the first connection's source address (IPAddressUsed)
    bool stopping = false;
    bool timed_out = false;
    bool too_big = false;
    std::vector<uint8_t> zeros = std::vector<uint8_t>(LWS_PRE + kChunk, 0x5a);

    size_t open() const {
        size_t n = 0;
        for (const Conn& c : conns) n += c.done ? 0 : 1;
        return n;
    }
    void finished(Conn& c) {
        if (c.done) return;
        c.done = true;
        c.wsi = nullptr;
        if (!c.eom) c.eom = now_us();
        if (open() == 0) loop->stop();
    }
    void stop_all() {
        stopping = true;
        for (Conn& c : conns)
            if (c.wsi && !c.done) lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
};

Conn* conn_of(lws* wsi, Transfer*& t) {
    t = static_cast<Transfer*>(lws_get_opaque_user_data(wsi));
    if (!t) return nullptr;
    for (Conn& c : t->conns)
        if (c.wsi == wsi) return &c;
    return nullptr;
}

int callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    Transfer* t = nullptr;
    Conn* c = conn_of(wsi, t);
    if (!t || !c) return lws_callback_http_dummy(wsi, reason, nullptr, in, len);
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            c->failed = true;
            c->error = in ? std::string(static_cast<const char*>(in),
                                        strnlen(static_cast<const char*>(in), len ? len : 200))
                          : "connection failed";
            t->finished(*c);
            return 0;
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP: {
            // The response's status line and headers are in: the first byte of the response has arrived.
            c->http_status = static_cast<int>(lws_http_client_http_response(wsi));
            if (!c->bom) c->bom = now_us();
            const int fd = lws_get_socket_fd(wsi);
            if (fd >= 0 && t->local_address.empty()) {
                Address local;
                local.len = sizeof(local.sa);
                if (getsockname(fd, reinterpret_cast<sockaddr*>(&local.sa), &local.len) == 0)
                    t->local_address = local.text();
            }
            if (fd >= 0 && t->tclass) {
                setsockopt(fd, IPPROTO_IP, IP_TOS, &t->tclass, sizeof(t->tclass));
                setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &t->tclass, sizeof(t->tclass));
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            // The TCP connection is open (lws is writing the request): TCPOpenResponseTime, then ROMTime.
            c->tcp_open_response = now_us();
            c->rom = c->tcp_open_response;
            c->header_bytes = 64 + t->url.path.size() + t->url.host.size();
            if (!t->upload) return 0;
            auto** p = static_cast<unsigned char**>(in);
            unsigned char* end = *p + len;
            if (lws_add_http_header_content_length(wsi, t->upload_length, p, end)) return -1;
            lws_client_http_body_pending(wsi, 1);
            lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
            if (!t->upload || t->stopping) return 0;
            if (t->time_based_end_us && now_us() >= t->time_based_end_us) {
                t->stop_all();
                return 0;
            }
            const size_t n = static_cast<size_t>(std::min<uint64_t>(c->to_send, kChunk));
            const bool last = n == c->to_send;
            if (lws_write(wsi, t->zeros.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
                static_cast<int>(n))
                return -1;
            c->to_send -= n;
            c->test_bytes += n;
            if (!c->bom) c->bom = now_us();
            if (last) {
                lws_client_http_body_pending(wsi, 0);
                c->eom = now_us();
            } else {
                lws_callback_on_writable(wsi);
            }
            return 0;
        }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
            // No buffer of ours: lws reads into its per-thread buffer (kReadBuffer bytes) and hands the body
            // to LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ from there.
            char* px = nullptr;
            int lenx = 0;
            if (lws_http_client_read(wsi, &px, &lenx) < 0) return -1;
            return 0;
        }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            if (!t->upload) {
                c->test_bytes += len;
                if (c->test_bytes > kMaxBytes) {
                    t->too_big = true;
                    t->stop_all();
                }
                if (t->time_based_end_us && now_us() >= t->time_based_end_us) {
                    c->eom = now_us();
                    t->stop_all();
                }
            }
            return 0;
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
            c->completed = true;
            if (!t->upload || !c->eom) c->eom = now_us();
            t->finished(*c);
            return 0;
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            if (!c->completed && !t->stopping) {
                c->failed = true;
                if (c->error.empty()) c->error = "connection closed before the end of the transfer";
            }
            t->finished(*c);
            return 0;
        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, nullptr, in, len);
}

usp::Args failed(const std::string& status) {
    return {{"Status", status}};
}

usp::Args run_transfer(bool upload, const Resolver& resolver, const usp::RunContext& ctx) {
    const usp::Args& a = ctx.args;
    Transfer t;
    t.upload = upload;
    t.ctx = &ctx;
    t.url = *parse_http_url(a.at(upload ? "UploadURL" : "DownloadURL"));
    t.tclass = static_cast<int>(std::stoul(a.at("DSCP"))) << 2;
    if (upload) t.upload_length = std::stoull(a.at("TestFileLength"));
    auto addr = resolver(t.url.host, a.at("ProtocolVersion"), [&ctx] { return ctx.stop_now(); });
    if (!addr)
        return failed(addr.error().code == Errc::not_found ? "Error_CannotResolveHostName"
                                                           : "Error_Internal");
    t.address = addr->text();

    net::LoopOptions lo;
    lo.lws_log_mask = LLL_ERR;
    lo.io_timeout_s =
        10;            // a connection that stays silent this long fails (Error_NoResponse / TransferFailed)
    lo.fd_limit = 32;  // 8 connections and lws's own descriptors
    // lws's room for a response head (status line and headers; lws gives up on a larger one); a TR-143
    // server's is a few hundred bytes. Each connection holds one while it runs (LoopOptions' default: 8 KiB).
    lo.max_header_buffer_bytes = 4096;
    lo.serv_buf_bytes = kReadBuffer;
    auto loop = net::EventLoop::create(lo);
    if (!loop) return failed("Error_Internal");
    t.loop = loop->get();
    net::VhostOptions vo;
    vo.name = upload ? "tr143-upload" : "tr143-download";
    lws_protocols proto{};
    proto.name = "tr143";
    proto.callback = &callback;
    proto.rx_buffer_size = 0;
    vo.protocols.push_back(proto);
    if (t.url.tls) vo.client_ca_path = "/etc/ssl/certs/ca-certificates.crt";
    auto vh = (*loop)->create_vhost(std::move(vo));
    if (!vh) return failed("Error_Internal");

    const uint32_t n = static_cast<uint32_t>(std::stoul(a.at("NumberOfConnections")));
    const uint32_t duration = static_cast<uint32_t>(std::stoul(a.at("TimeBasedTestDuration")));
    t.conns.resize(n);
    const std::string method = upload ? "PUT" : "GET";
    const int64_t start = now_us();
    if (duration) t.time_based_end_us = start + int64_t{duration} * 1000000;
    for (Conn& c : t.conns) {
        c.to_send = t.upload_length;
        lws_client_connect_info ci{};
        ci.context = (*loop)->context();
        ci.vhost = *vh;
        ci.address = t.address.c_str();
        ci.port = t.url.port;
        ci.path = t.url.path.c_str();
        ci.host = t.url.host.c_str();
        ci.origin = t.url.host.c_str();
        ci.method = method.c_str();
        ci.protocol = nullptr;
        ci.local_protocol_name = "tr143";
        ci.ssl_connection = t.url.tls ? LCCSCF_USE_SSL : 0;
        ci.ssl_connection |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
        ci.opaque_user_data = &t;
        ci.pwsi = &c.wsi;
        c.tcp_open_request = now_us();
        if (!lws_client_connect_via_info(&ci)) {
            c.failed = true;
            c.error = "cannot start the connection";
            c.done = true;
            c.wsi = nullptr;
        }
    }
    if (t.open() > 0) {
        // Watch for a cancel, the command's deadline and the time-based end (every 100 ms).
        std::function<void()> watch = [&] {
            if (ctx.stop_now() && !t.stopping) {
                t.timed_out = !ctx.cancelled.load();
                t.stop_all();
            }
            if (t.time_based_end_us && now_us() >= t.time_based_end_us && !t.stopping) {
                for (Conn& c : t.conns)
                    if (!c.eom) c.eom = now_us();
                t.stop_all();
            }
            (*loop)->add_timer(100, watch);
        };
        (*loop)->add_timer(100, watch);
        (*loop)->run();
    }
    loop->reset();  // closes whatever is left

    // Totals over the connections (TR-143: ROM/BOM the earliest, EOM the latest).
    usp::Args out;
    uint64_t bytes = 0, headers = 0;
    int64_t rom = 0, bom = 0, eom = 0, tcp_req = 0, tcp_resp = 0;
    std::string status = "Complete";
    for (size_t i = 0; i < t.conns.size(); ++i) {
        const Conn& c = t.conns[i];
        bytes += c.test_bytes;
        headers += c.header_bytes;
        auto earliest = [](int64_t& acc, int64_t v) {
            if (v && (!acc || v < acc)) acc = v;
        };
        earliest(rom, c.rom);
        earliest(bom, c.bom);
        earliest(tcp_req, c.tcp_open_request);
        earliest(tcp_resp, c.tcp_open_response);
        eom = std::max(eom, c.eom);
        std::string s;
        if (c.failed && !t.stopping)
            s = c.tcp_open_response ? (c.bom ? "Error_TransferFailed" : "Error_NoResponse")
                                    : "Error_InitConnectionFailed";
        else if (c.http_status && (c.http_status < 200 || c.http_status > 299))
            s = "Error_TransferFailed";
        if (!s.empty() && status == "Complete") status = s;
        if (!c.error.empty())
            LOG_INFO("diag", "%s connection %zu: %s", upload ? "upload" : "download", i + 1, c.error.c_str());
        if (c.http_status && (c.http_status < 200 || c.http_status > 299))
            LOG_INFO("diag", "%s connection %zu: HTTP status %d", upload ? "upload" : "download", i + 1,
                     c.http_status);
        if (a.at("EnablePerConnectionResults") == "true") {
            const std::string p = "PerConnectionResult." + std::to_string(i + 1) + ".";
            out[p + "ROMTime"] = format_time_us(c.rom);
            out[p + "BOMTime"] = format_time_us(c.bom);
            out[p + "EOMTime"] = format_time_us(c.eom);
            out[p + (upload ? "TestBytesSent" : "TestBytesReceived")] = std::to_string(c.test_bytes);
            out[p + "TotalBytesReceived"] = std::to_string(upload ? 0 : c.test_bytes);
            out[p + "TotalBytesSent"] =
                std::to_string(upload ? c.test_bytes + c.header_bytes : c.header_bytes);
            out[p + "TCPOpenRequestTime"] = format_time_us(c.tcp_open_request);
            out[p + "TCPOpenResponseTime"] = format_time_us(c.tcp_open_response);
        }
    }
    if (t.timed_out) status = "Error_Timeout";
    if (t.too_big) status = "Error_IncorrectSize";
    out["Status"] = status;
    out["IPAddressUsed"] = t.local_address;
    out["ROMTime"] = format_time_us(rom);
    out["BOMTime"] = format_time_us(bom);
    out["EOMTime"] = format_time_us(eom);
    out["TCPOpenRequestTime"] = format_time_us(tcp_req);
    out["TCPOpenResponseTime"] = format_time_us(tcp_resp);
    // Bytes at the HTTP layer (the body, and the body plus our request heads): the agent does not read
    // interface counters, so TotalBytes* are what went through these sockets.
    if (upload) {
        out["TestFileLength"] = std::to_string(t.upload_length);
        out["TestBytesSent"] = std::to_string(bytes);
        out["TotalBytesSent"] = std::to_string(bytes + headers);
        out["TotalBytesReceived"] = "0";
    } else {
        out["TestBytesReceived"] = std::to_string(bytes);
        out["TotalBytesReceived"] = std::to_string(bytes);
        out["TotalBytesSent"] = std::to_string(headers);
    }
    return out;
}

usp::CommandSpec transfer_command(bool upload, Resolver resolver) {
    using tr181::Type;
    usp::CommandSpec c;
    c.path =
        upload ? "Device.IP.Diagnostics.UploadDiagnostics()" : "Device.IP.Diagnostics.DownloadDiagnostics()";
    c.kind = upload ? "upload" : "download";
    c.max_seconds = kMaxSeconds;
    const std::string url = upload ? "UploadURL" : "DownloadURL";
    c.inputs = {
        {"Interface", Type::string, false, "", 0, UINT64_MAX, 256, {}},
        {url, Type::string, true, "", 0, UINT64_MAX, 2048, {}},
        {"DSCP", Type::unsigned_int, false, "0", 0, 63, 0, {}},
        {"EthernetPriority", Type::unsigned_int, false, "0", 0, 7, 0, {}},
        {"TimeBasedTestDuration", Type::unsigned_int, false, "0", 0, kMaxSeconds - 10, 0, {}},
        {"TimeBasedTestMeasurementInterval", Type::unsigned_int, false, "0", 0, 0, 0, {}},
        {"TimeBasedTestMeasurementOffset", Type::unsigned_int, false, "0", 0, 255, 0, {}},
        {"ProtocolVersion", Type::string, false, "Any", 0, UINT64_MAX, 8, {"Any", "IPv4", "IPv6"}},
        {"NumberOfConnections", Type::unsigned_int, false, "1", 1, kMaxConnections, 0, {}},
        {"EnablePerConnectionResults", Type::boolean, false, "false", 0, UINT64_MAX, 8, {}},
    };
    if (upload)
        c.inputs.push_back({"TestFileLength", Type::unsigned_int, true, "", 1, kMaxUploadBytes, 0, {}});
    c.check = [url](const usp::Args& a) -> std::optional<usp::ArgError> {
        if (!parse_http_url(a.at(url)))
            return usp::ArgError{
                url, cpe::usp::err::invalid_value,
                url + " '" + a.at(url) + "' is not an http:// or https:// URL (host, optional port, path)"};
        if (a.count("Interface") && !a.at("Interface").empty())
            return usp::ArgError{
                "Interface", cpe::usp::err::invalid_value,
                "Interface: transfers use the routing table's interface (binding one is not supported)"};
        return std::nullopt;
    };
    c.run = [upload, resolver = std::move(resolver)](const usp::RunContext& ctx) {
        return run_transfer(upload, resolver, ctx);
    };
    return c;
}

}  // namespace

usp::CommandSpec download_command(Resolver resolver) {
    return transfer_command(false, std::move(resolver));
}
usp::CommandSpec upload_command(Resolver resolver) {
    return transfer_command(true, std::move(resolver));
}

}  // namespace cpe::agent::diag
