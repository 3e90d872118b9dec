#include "mtp/resolve.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>

#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "net/dns.hpp"

namespace cpe::agent::mtp {
namespace {

constexpr size_t kMaxFileBytes = 64 * 1024;  // a hosts file or resolv.conf larger than this is cut

Result<std::string> read_text(const std::string& path) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::not_found, path + ": cannot open");
    std::string text;
    char buf[4096];
    size_t n = 0;
    while (text.size() < kMaxFileBytes && (n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    fclose(f);
    if (text.size() > kMaxFileBytes) text.resize(kMaxFileBytes);
    return text;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

bool is_ip_literal(const std::string& host) {
    in_addr a4;
    in6_addr a6;
    return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

Result<std::vector<std::string>> resolve_host(const std::string& host, const ResolveOptions& options,
                                              const std::function<bool()>& stop) {
    if (is_ip_literal(host)) return std::vector<std::string>{host};
    const std::string what = "cannot resolve '" + host + "'";
    if (!options.hosts_file.empty()) {
        if (auto text = read_text(options.hosts_file)) {
            auto found = net::dns::hosts_lookup(*text, host, true, true);
            if (!found.empty()) return found;
        }
    }
    // RFC 6761 §6.3: "localhost." and names under it are the loopback, whatever the hosts file and DNS say
    // (a CPE image may have no hosts file).
    std::string lower;
    for (char c : host) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.ends_with('.')) lower.pop_back();
    if (lower == "localhost" || lower.ends_with(".localhost"))
        return std::vector<std::string>{"127.0.0.1", "::1"};
    auto conf = read_text(options.resolv_conf);
    if (!conf)
        return make_error(Errc::unavailable, what + ": " + conf.error().message + " (no DNS servers known)");
    const std::vector<std::string> servers = net::dns::parse_resolv_conf(*conf);
    if (servers.empty())
        return make_error(Errc::unavailable, what + ": no nameserver line in " + options.resolv_conf);
    const std::string asked = "DNS server" + std::string(servers.size() > 1 ? "s " : " ") + join(servers) +
                              " (from " + options.resolv_conf + ")";
    Error last = make_error(Errc::timeout, "no answer");
    int timeout_ms = options.timeout_ms;
    for (int round = 0; round < options.attempts; ++round, timeout_ms *= 2) {
        if (stop && stop()) break;
        // IPv4 first (most CPE WANs), then IPv6 when the name has no A record.
        auto v4 = net::dns::resolve(host, servers, true, false, timeout_ms, stop);
        if (v4) return v4;
        if (v4.error().code == Errc::invalid_argument)
            return make_error(Errc::invalid_argument, what + ": " + v4.error().message);
        if (v4.error().code == Errc::not_found) {
            auto v6 = net::dns::resolve(host, servers, false, true, timeout_ms, stop);
            if (v6) return v6;
            if (v6.error().code == Errc::not_found)
                return make_error(Errc::not_found,
                                  what + ": no such name or no address for it from " + asked);
            last = v6.error();
            continue;
        }
        last = v4.error();
    }
    return make_error(last.code, what + ": " + asked + " did not answer (" +
                                     std::to_string(options.attempts) + " attempts, last: " + last.message +
                                     ")");
}

struct ControllerResolver::State {
    struct Request {
        std::string host;
        Done done;
    };
    Post post;
    ResolveOptions options;
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;             // guarded by mutex
    std::deque<Request> requests;  // guarded by mutex
    std::thread thread;

    void run() {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, nullptr);  // signals go to the agent's sigwait thread
        std::unique_lock lock(mutex);
        while (true) {
            wake.wait(lock, [this] { return stop || !requests.empty(); });
            if (stop) return;
            Request r = std::move(requests.front());
            requests.pop_front();
            lock.unlock();
            auto result = resolve_host(r.host, options, [this] {
                std::lock_guard g(mutex);
                return stop;
            });
            lock.lock();
            if (stop) return;
            auto shared = std::make_shared<Result<std::vector<std::string>>>(std::move(result));
            post([done = std::move(r.done), shared] { done(std::move(*shared)); });
        }
    }
};

ControllerResolver::ControllerResolver(Post post, ResolveOptions options)
    : state_(std::make_shared<State>()) {
    state_->post = std::move(post);
    state_->options = std::move(options);
    state_->thread = std::thread([s = state_.get()] { s->run(); });
}

ControllerResolver::~ControllerResolver() {
    {
        std::lock_guard g(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_all();
    state_->thread.join();
}

bool ControllerResolver::resolve(const std::string& host, Done done) {
    {
        std::lock_guard g(state_->mutex);
        if (state_->stop || state_->requests.size() >= kMaxQueued) return false;
        state_->requests.push_back({host, std::move(done)});
    }
    state_->wake.notify_one();
    return true;
}

}  // namespace cpe::agent::mtp
