// Get `Device.` round trip through the hub's HTTP API to an agent and back, against a baseline measured
// in the same run: GET /health, answered by the same HTTP server from memory without USP. Both over
// loopback with one kept-alive curl handle. Prints p50/p99 and the ratio to the baseline.
//   usp_roundtrip_bench [requests=2000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "fake_agent.hpp"
#include "hub_process.hpp"
#include "usp_bench_util.hpp"

using namespace cpe::hub::test;
using cpe::hub::bench::percentile;

namespace {
size_t sink(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}
struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

std::vector<double> timed_gets(CURL* c, const std::string& url, int n, int& failures) {
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(n));
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    for (int i = 0; i < n; ++i) {
        body.clear();
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
    const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
    TempDir dir;
    HubProcess hub(CPE_HUB_BIN, dir,
                   R"({"http": {"port": 0}, "log": {"level": "info"}, "store": {"path": "hub.db"},
                       "usp": {"bind": "127.0.0.1", "port": 0, "subscribe": false}})");
    // The hub runs at info: its ports are read from the start-up lines; nothing is logged per request.
    if (!hub.started()) {
        std::fprintf(stderr, "usp_roundtrip_bench: cpe-hub did not start\n");
        return 1;
    }
    FakeAgentOptions o;
    o.port = hub.usp_port();
    FakeAgent agent(o, [] {
        // A model the size of a small CPE's Device. tree: 40 objects × 8 parameters.
        FakeAgent::Model m = FakeAgent::default_model();
        for (int i = 1; i <= 40; ++i) {
            cpe::usp::StrMap p;
            for (int k = 0; k < 8; ++k)
                p["Param" + std::to_string(k)] = "value-" + std::to_string(i * 10 + k);
            m["Device.Bench.Object." + std::to_string(i) + "."] = p;
        }
        return m;
    }());
    if (!agent.wait_connected()) {
        std::fprintf(stderr, "usp_roundtrip_bench: agent did not connect: %s\n", agent.error().c_str());
        return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let Boot!/identify settle
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
    curl_easy_setopt(c.get(), CURLOPT_NOPROXY, "*");
    // The hub's access middleware (hub/api) protects /usp: the same service token the hub was given.
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> auth(
        curl_slist_append(nullptr, (std::string("Authorization: Bearer ") + kServiceToken).c_str()),
        curl_slist_free_all);
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, auth.get());
    int fail_base = 0, fail_usp = 0;
    const std::string base = "http://127.0.0.1:" + std::to_string(hub.http_port());
    timed_gets(c.get(), base + "/health", 50, fail_base);  // warm-up
    auto baseline = timed_gets(c.get(), base + "/health", n, fail_base);
    auto usp = timed_gets(c.get(), base + "/usp/" + o.endpoint_id + "/get?path=Device.", n, fail_usp);
    const double b50 = percentile(baseline, 50), b99 = percentile(baseline, 99);
    const double u50 = percentile(usp, 50), u99 = percentile(usp, 99);
    std::printf("usp_roundtrip_bench: %d requests each, loopback, one connection\n", n);
    std::printf("  baseline GET /health                 p50 %.3f ms  p99 %.3f ms  failures %d\n", b50, b99,
                fail_base);
    std::printf("  GET /usp/<ep>/get?path=Device.       p50 %.3f ms  p99 %.3f ms  failures %d\n", u50, u99,
                fail_usp);
    std::printf("  ratio to baseline                    p50 %.2fx    p99 %.2fx\n", u50 / b50, u99 / b99);
    std::printf("  goal: p99 < 20 ms -> %s\n", u99 < 20.0 ? "met" : "NOT met");
    curl_global_cleanup();
    return fail_usp == 0 ? 0 : 1;
}
