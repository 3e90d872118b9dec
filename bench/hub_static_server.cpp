// Baseline for hub_bench.py's throughput figure: the hub's own HTTP stack (common/net EventLoop + HttpServer
// on libwebsockets) answering one route with a fixed JSON body from memory — no access check, no sources, no
// consolidation. What the hub's lookup could at best reach on the same server code.
//   hub_static_server [body_bytes=2048]    prints "LISTENING 127.0.0.1 <port>", serves until SIGTERM/SIGINT
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "net/event_loop.hpp"
#include "net/http_server.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}
}  // namespace

int main(int argc, char** argv) {
    const long want = argc > 1 ? std::atol(argv[1]) : 2048;
    // A body the size of a lookup answer: one JSON object padded to `want` bytes.
    std::string body = "{\"id\":\"bench\",\"pad\":\"";
    while (static_cast<long>(body.size()) + 3 < want) body.push_back('x');
    body += "\"}";
    auto loop = cpe::net::EventLoop::create();
    if (!loop) {
        std::fprintf(stderr, "hub_static_server: %s\n", loop.error().message.c_str());
        return 1;
    }
    cpe::net::HttpServerOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    cpe::net::HttpServer server(**loop, o);
    server.route("GET", "/devices/lookup",
                 [&body](const cpe::net::Request&, cpe::net::Responder res) { res.json(200, body); });
    if (auto st = server.start(); !st) {
        std::fprintf(stderr, "hub_static_server: %s\n", st.error().message.c_str());
        return 1;
    }
    std::printf("LISTENING 127.0.0.1 %d\n", server.port());
    std::fflush(stdout);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    std::function<void()> tick;
    tick = [&] {
        if (g_stop) return (*loop)->stop();
        (*loop)->add_timer(200, tick);
    };
    (*loop)->add_timer(200, tick);
    (*loop)->run();
    return 0;
}
