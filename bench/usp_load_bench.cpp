// Load generator: N simulated agents (one lws context, WebSocket clients spread over several 127.x source
// addresses) connect to the real cpe-hub, send the WebSocketConnect record and Boot!, and answer the
// hub's identify Get. Reports connections accepted per second, the hub's RSS per connection, and the Get
// round trip through the HTTP API while all are connected, against GET /health measured in the same run.
//   usp_load_bench [agents=2000] [gets=500]
// Raises RLIMIT_NOFILE (soft and, as root, hard) for itself and the hub it starts; prints what it set.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "hub_process.hpp"
#include "json/json.hpp"
#include "net/event_loop.hpp"
#include "usp/msg.hpp"
#include "usp/record.hpp"
#include "usp_bench_util.hpp"

using namespace cpe;
using namespace cpe::hub::test;
using cpe::hub::bench::percentile;
using cpe::hub::bench::rss_kib;

namespace {

struct Agent {
    std::string eid;
    std::string path;
    lws* wsi = nullptr;
    std::vector<std::vector<uint8_t>> out;
    std::vector<uint8_t> rx;
    bool connected = false;
    bool failed = false;
};

struct Load {
    std::vector<std::unique_ptr<Agent>> agents;
    std::atomic<size_t> established{0};
    std::atomic<size_t> failed{0};
    std::atomic<size_t> gets_answered{0};
    std::string controller = "self::cpe-hub";
};

Load g_load;

void queue(Agent& a, std::vector<uint8_t> bytes) {
    a.out.push_back(std::move(bytes));
    if (a.wsi) lws_callback_on_writable(a.wsi);
}

int agent_callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
    auto* a = static_cast<Agent*>(lws_get_opaque_user_data(wsi));
    if (!a) return 0;
    switch (reason) {
        case LWS_CALLBACK_CLIENT_ESTABLISHED: {
            a->connected = true;
            ++g_load.established;
            queue(*a, usp::encode_websocket_connect_record(g_load.controller, a->eid));
            usp::Notify boot;
            boot.notification = usp::Notify::Event{"Device.", "Boot!", {{"Cause", "LocalReboot"}}};
            queue(*a,
                  usp::encode_no_session_record(g_load.controller, a->eid, usp::encode_msg("boot", boot)));
            return 0;
        }
        case LWS_CALLBACK_CLIENT_RECEIVE: {
            const auto* b = static_cast<const uint8_t*>(in);
            a->rx.insert(a->rx.end(), b, b + len);
            if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
            std::vector<uint8_t> bytes;
            bytes.swap(a->rx);
            auto rec = usp::decode_record(bytes);
            if (!rec || rec->type() != usp::RecordType::no_session_context) return 0;
            auto payload = rec->payload();
            if (!payload) return 0;
            auto msg = usp::decode_msg(*payload);
            if (!msg || msg->type() != usp::MsgType::get) return 0;
            usp::GetResp resp;
            auto get = msg->get();
            for (const auto& p : get->param_paths) {
                usp::GetResp::RequestedPathResult r;
                r.requested_path = p;
                r.resolved_path_results.push_back({"Device.DeviceInfo.",
                                                   {{"ModelName", "LoadModel"},
                                                    {"SerialNumber", a->eid.substr(a->eid.size() - 8)},
                                                    {"ManufacturerOUI", "0C8063"},
                                                    {"SoftwareVersion", "1.0"}}});
                resp.req_path_results.push_back(std::move(r));
            }
            ++g_load.gets_answered;
            queue(*a, usp::encode_no_session_record(g_load.controller, a->eid,
                                                    usp::encode_msg(std::string(msg->msg_id()), resp)));
            return 0;
        }
        case LWS_CALLBACK_CLIENT_WRITEABLE: {
            if (a->out.empty()) return 0;
            std::vector<uint8_t> bytes = std::move(a->out.front());
            a->out.erase(a->out.begin());
            std::vector<uint8_t> frame(LWS_PRE + bytes.size());
            std::memcpy(frame.data() + LWS_PRE, bytes.data(), bytes.size());
            if (lws_write(wsi, frame.data() + LWS_PRE, bytes.size(), LWS_WRITE_BINARY) <
                static_cast<int>(bytes.size()))
                return -1;
            if (!a->out.empty()) lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            if (!a->failed) ++g_load.failed;
            a->failed = true;
            a->wsi = nullptr;
            return 0;
        case LWS_CALLBACK_CLIENT_CLOSED:
            a->wsi = nullptr;
            if (a->connected) --g_load.established;
            a->connected = false;
            return 0;
        default:
            return 0;
    }
}

size_t sink(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}
struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

long health_online(CURL* c, const std::string& base) {
    std::string body;
    std::string url = base + "/health";
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (curl_easy_perform(c) != CURLE_OK) return -1;
    auto doc = json::parse(body, "health");
    if (!doc) return -1;
    const cJSON* u = cJSON_GetObjectItemCaseSensitive(doc->get(), "usp");
    return static_cast<long>(json::opt_int(u, "online").value_or(-1));
}

std::vector<double> timed(CURL* c, const std::vector<std::string>& urls, int& failures) {
    std::vector<double> ms;
    std::string body;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    for (const auto& u : urls) {
        body.clear();
        curl_easy_setopt(c, CURLOPT_URL, u.c_str());
        auto t0 = std::chrono::steady_clock::now();
        CURLcode rc = curl_easy_perform(c);
        auto t1 = std::chrono::steady_clock::now();
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) ++failures;
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return ms;
}

}  // namespace

int main(int argc, char** argv) {
    const size_t n = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 2000;
    const int gets = argc > 2 ? std::atoi(argv[2]) : 500;
    const size_t per_source = 20000;  // below the 28,232 ephemeral ports per (source, destination) pair

    // One descriptor per agent here and in the hub (which inherits the limit), plus slack.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    const rlim_t want = static_cast<rlim_t>(n) + 1024;
    if (rl.rlim_max < want) rl.rlim_max = want;  // needs CAP_SYS_RESOURCE; kept as is otherwise
    rl.rlim_cur = std::max<rlim_t>(rl.rlim_cur, want);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    std::printf("usp_load_bench: %zu agents; RLIMIT_NOFILE set to %llu (soft) / %llu (hard)\n", n,
                static_cast<unsigned long long>(rl.rlim_cur), static_cast<unsigned long long>(rl.rlim_max));
    if (rl.rlim_cur < want) {
        std::fprintf(stderr, "usp_load_bench: need %llu descriptors, have %llu\n",
                     static_cast<unsigned long long>(want), static_cast<unsigned long long>(rl.rlim_cur));
        return 1;
    }

    TempDir dir;
    // The simulated agents share a few loopback source addresses, where a real fleet has one address per CPE:
    // the hub's per-address connection limit (usp.max_connections_per_address) is lifted for them.
    HubProcess hub(CPE_HUB_BIN, dir,
                   R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                       "usp": {"bind": "127.0.0.1", "port": 0, "subscribe": false,
                               "max_connections_per_address": 0}})");
    if (!hub.started()) {
        std::fprintf(stderr, "usp_load_bench: cpe-hub did not start\n");
        return 1;
    }
    const int hub_pid = hub.pid();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long rss0 = rss_kib(hub_pid);

    net::LoopOptions lo;
    lo.lws_log_mask = LLL_ERR;
    lo.io_timeout_s = 60;
    auto loop = std::move(net::EventLoop::create(lo)).value();
    net::VhostOptions vo;
    vo.name = "load";
    lws_protocols p{};
    p.name = "v1.usp";
    p.callback = agent_callback;
    p.rx_buffer_size = 4096;
    vo.protocols.push_back(p);
    lws_vhost* vh = *loop->create_vhost(vo);

    std::vector<std::string> sources;
    // Round-robin over at least 4 source addresses, more when one would need over `per_source` ports.
    const size_t source_count = std::max<size_t>(4, (n + per_source - 1) / per_source);
    for (size_t i = 0; i < source_count; ++i) sources.push_back("127.0.1." + std::to_string(i + 1));
    char eid[64];
    for (size_t i = 0; i < n; ++i) {
        auto a = std::make_unique<Agent>();
        std::snprintf(eid, sizeof eid, "os::0C8063-LOAD%08zu", i);
        a->eid = eid;
        a->path = "/usp?eid=" + a->eid;
        g_load.agents.push_back(std::move(a));
    }
    // Connections are opened from the loop thread in batches so the listener's backlog is not flooded.
    size_t next = 0;
    const std::string host = "127.0.0.1";
    std::function<void()> open_batch;
    open_batch = [&] {
        for (int k = 0; k < 200 && next < n; ++k, ++next) {
            if (next - g_load.established - g_load.failed > 1000) break;  // at most 1000 handshakes in flight
            Agent& a = *g_load.agents[next];
            lws_client_connect_info ci{};
            ci.context = loop->context();
            ci.vhost = vh;
            ci.address = host.c_str();
            ci.port = hub.usp_port();
            ci.path = a.path.c_str();
            ci.host = host.c_str();
            ci.origin = host.c_str();
            ci.protocol = "v1.usp";
            ci.local_protocol_name = "v1.usp";
            ci.iface = sources[next % sources.size()].c_str();
            ci.opaque_user_data = &a;
            ci.pwsi = &a.wsi;
            if (!lws_client_connect_via_info(&ci)) {
                a.failed = true;
                ++g_load.failed;
            }
        }
        if (next < n) loop->add_timer(2, open_batch);
    };
    std::thread lt([&] { loop->run(); });
    const auto t0 = std::chrono::steady_clock::now();
    loop->post([&] { open_batch(); });

    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
    curl_easy_setopt(c.get(), CURLOPT_NOPROXY, "*");
    // The hub's access middleware (hub/api) protects /usp: the same service token the hub was given.
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> auth(
        curl_slist_append(nullptr, (std::string("Authorization: Bearer ") + kServiceToken).c_str()),
        curl_slist_free_all);
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, auth.get());
    const std::string base = "http://127.0.0.1:" + std::to_string(hub.http_port());
    long online = 0;
    auto t_all = t0;
    for (int i = 0; i < 6000; ++i) {  // bounded: 10 minutes
        online = health_online(c.get(), base);
        if (online >= static_cast<long>(n) ||
            (g_load.failed > 0 && next >= n &&
             online + static_cast<long>(g_load.failed) >= static_cast<long>(n)))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    t_all = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t_all - t0).count();
    // Let identify answers land, then measure memory.
    for (int i = 0; i < 100 && g_load.gets_answered < n; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss1 = rss_kib(hub_pid);
    const size_t identify_gets = g_load.gets_answered;
    const size_t log_lines = hub.log_lines().size();

    std::vector<std::string> health(static_cast<size_t>(gets), base + "/health");
    std::vector<std::string> usp_urls;
    for (int i = 0; i < gets; ++i)
        usp_urls.push_back(base + "/usp/" + g_load.agents[static_cast<size_t>(i) * 7919 % n]->eid +
                           "/get?path=Device.DeviceInfo.");
    int fb = 0, fu = 0;
    auto hb = timed(c.get(), health, fb);
    auto ug = timed(c.get(), usp_urls, fu);

    std::printf(
        "  connected %ld of %zu (failed %zu) from %zu source addresses in %.2f s: %.0f connections/s\n",
        online, n, g_load.failed.load(), sources.size(), secs, static_cast<double>(online) / secs);
    std::printf("  identify Gets answered by the agents: %zu; hub log lines for the whole run: %zu\n",
                identify_gets, log_lines);
    std::printf("  hub RSS: %.1f MiB idle -> %.1f MiB with %ld agents: %.1f KiB per connection\n",
                rss0 / 1024.0, rss1 / 1024.0, online,
                online > 0 ? static_cast<double>(rss1 - rss0) / static_cast<double>(online) : 0.0);
    std::printf(
        "  projected for 50,000 agents: %.0f MiB (goal 2048 MiB)\n",
        (rss0 + (online > 0 ? static_cast<double>(rss1 - rss0) / static_cast<double>(online) * 50000 : 0)) /
            1024.0);
    std::printf(
        "  under load: GET /health p50 %.3f ms p99 %.3f ms; GET /usp/<ep>/get p50 %.3f ms p99 %.3f ms "
        "(ratio p99 %.2fx, failures %d)\n",
        percentile(hb, 50), percentile(hb, 99), percentile(ug, 50), percentile(ug, 99),
        percentile(ug, 99) / percentile(hb, 99), fu);
    int shown = 0;
    for (const auto& line : hub.log_lines()) {
        if (line.find(" INFO ") != std::string::npos || ++shown > 10) continue;
        std::printf("  hub log: %s\n", line.c_str());
    }
    hub.stop();
    loop->stop();
    lt.join();
    curl_global_cleanup();
    return online >= static_cast<long>(n) ? 0 : 1;
}
