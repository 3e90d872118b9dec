#include "sources/bridge_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "sources/bridge_document.hpp"
#include "sources/call.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

namespace {
int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <typename T>
void fail_later(net::EventLoop& loop, std::function<void(Result<T>)> done, Error e) {
    loop.post([done = std::move(done), e = std::move(e)] { done(e); });
}

// The bridge's own words for a failed call ({"error": "..."}, docs/bridge.md), bounded; "" when it gave none.
std::string bridge_error_text(const net::HttpResponse& res) {
    auto doc = json::parse(res.body, "bridge error");
    if (!doc) return "";
    const cJSON* e = cJSON_GetObjectItemCaseSensitive(doc->get(), "error");
    if (!cJSON_IsString(e)) return "";
    std::string text = e->valuestring;
    if (text.size() > 300) text = text.substr(0, 300) + "…";
    return text;
}
}  // namespace

BridgeClient::BridgeClient(net::EventLoop& loop, net::HttpClient& http, std::string base_url,
                           uint64_t budget_ms, BreakerOptions breaker)
    : loop_(loop), http_(http), base_(std::move(base_url)), budget_ms_(budget_ms), breaker_(breaker) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

json::Ptr BridgeClient::health() const {
    auto s = breaker_.snapshot();
    auto o = json::make_object();
    json::add_string(o.get(), "circuit", breaker_state_name(s.state));
    json::add_number(o.get(), "consecutive_failures", s.consecutive_failures);
    json::add_number(o.get(), "failures", static_cast<double>(s.total_failures));
    json::add_number(o.get(), "rejected", static_cast<double>(s.rejected));
    json::add_number(o.get(), "calls", static_cast<double>(calls_));
    if (s.retry_in_ms > 0) json::add_number(o.get(), "retry_in_ms", static_cast<double>(s.retry_in_ms));
    // last_error is left out: /health/devices is open and it can name a device (the modem id).
    if (last_ok_ms_)
        json::add_number(o.get(), "last_ok_age_s",
                         static_cast<double>(std::max<int64_t>(0, steady_ms() - last_ok_ms_) / 1000));
    json::add_bool(o.get(), "configured", configured());
    return o;
}

void BridgeClient::succeeded() {
    breaker_.record_success();
    last_ok_ms_ = steady_ms();
}

template <typename T>
void BridgeClient::fetch(std::string path,
                         std::function<Result<std::optional<T>>(const net::HttpResponse&)> parse,
                         std::function<void(Result<std::optional<T>>)> done) {
    using R = std::optional<T>;
    if (!configured())
        return fail_later<R>(loop_, std::move(done),
                             make_error(Errc::unavailable, "the bridge is not configured"));
    ++calls_;
    if (!breaker_.allow())
        return fail_later<R>(loop_, std::move(done),
                             make_error(Errc::unavailable, "bridge: " + breaker_.refusal_message()));
    net::HttpRequest r;
    r.url = base_ + path;
    r.total_timeout_ms = budget_ms_;
    r.connect_timeout_ms = std::min<uint64_t>(budget_ms_, 2000);
    // The HttpClient (owned beside this client, destroyed after it) drops its callbacks when it goes.
    http_.request(r, [this, parse = std::move(parse), done = std::move(done)](Result<net::HttpResponse> res) {
        if (!res) {
            breaker_.record_failure(res.error().message);
            return done(res.error().with_context("bridge"));
        }
        if (res->status == 404) {
            succeeded();
            return done(R{});
        }
        if (res->status != 200) {
            std::string text = bridge_error_text(*res);
            std::string msg =
                "bridge: HTTP " + std::to_string(res->status) + (text.empty() ? "" : ": " + text);
            breaker_.record_failure("HTTP " + std::to_string(res->status));
            return done(make_error(res->status == 504 ? Errc::timeout : Errc::unavailable, msg));
        }
        auto out = parse(*res);
        if (!out) {
            breaker_.record_failure(out.error().message);
            return done(out.error());
        }
        succeeded();
        done(std::move(out));
    });
}

void BridgeClient::optical(const std::string& modem_id,
                           std::function<void(Result<std::optional<json::Ptr>>)> done) {
    fetch<json::Ptr>(
        "/modems/" + url_component(modem_id) + "/optical",
        [](const net::HttpResponse& res) -> Result<std::optional<json::Ptr>> {
            auto out = parse_bridge_optical(res.body);
            if (!out) return out.error();
            return std::optional<json::Ptr>(std::move(out).value());
        },
        std::move(done));
}

void BridgeClient::onu(const std::string& olt, int slot, int port, int onu,
                       std::function<void(Result<std::optional<json::Ptr>>)> done) {
    fetch<json::Ptr>(
        "/olts/" + url_component(olt) + "/pons/" + std::to_string(slot) + "/" + std::to_string(port),
        [onu](const net::HttpResponse& res) { return parse_bridge_onu(res.body, onu); }, std::move(done));
}

void BridgeClient::mesh(const std::string& modem_id,
                        std::function<void(Result<std::optional<json::Ptr>>)> done) {
    fetch<json::Ptr>(
        "/modems/" + url_component(modem_id) + "/mesh",
        [](const net::HttpResponse& res) { return parse_bridge_mesh(res.body); }, std::move(done));
}

void BridgeClient::hosts(const std::string& modem_id, bool refresh,
                         std::function<void(Result<std::optional<BridgeHosts>>)> done) {
    fetch<BridgeHosts>(
        "/modems/" + url_component(modem_id) + "/hosts" + (refresh ? "?refresh=1" : ""),
        [modem_id](const net::HttpResponse& res) -> Result<std::optional<BridgeHosts>> {
            auto view = parse_bridge_hosts(res.body, modem_id);
            if (!view) return view.error().with_context("modem '" + modem_id + "'");
            BridgeHosts out;
            out.view = std::move(view).value();
            // Age: seconds since the bridge read the modem (its cache); leases count down from that read.
            int64_t age_s = 0;
            if (auto a = res.header("Age")) {
                char* end = nullptr;
                long long v = std::strtoll(a->c_str(), &end, 10);
                if (end != a->c_str() && *end == '\0' && v > 0 && v < 86400LL * 366) age_s = v;
            }
            out.data_ms = wall_ms() - age_s * 1000;
            for (auto& h : out.view.hosts)
                if (h.lease_s) h.lease_s = std::max<int64_t>(0, *h.lease_s - age_s);
            return std::optional<BridgeHosts>(std::move(out));
        },
        std::move(done));
}

}  // namespace cpe::hub::sources
