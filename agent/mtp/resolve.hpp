// The controller's host name to addresses without the C library's resolver: a static glibc agent would need
// NSS at run time and its getaddrinfo blocks (libwebsockets 4.1 calls it on the event loop). The hosts file
// first, then our DNS client (common/net/dns.hpp) to the `nameserver`s of the configured resolv.conf, re-read
// at each call (a WAN reconnect may change them). Blocking with a timeout: run it off the loop
// (ControllerResolver below does).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace cpe::agent::mtp {

struct ResolveOptions {
    std::string resolv_conf = "/etc/resolv.conf";
    std::string hosts_file = "/etc/hosts";  // "" = no hosts file
    int timeout_ms = 1000;                  // one query's wait in the first round; doubled each round
    int attempts = 3;                       // rounds over every server when none answered
};

// True for an IPv4 or IPv6 literal (those skip the lookup).
bool is_ip_literal(const std::string& host);

// Addresses of `host`: a literal as it is; else the hosts file's; else the loopback for localhost names
// (RFC 6761); else DNS (A records first, then AAAA).
// Rounds over the servers with a doubling timeout while no server answered; a name error ends at once.
// Errors name the host, the servers asked and the file they came from. `stop` is asked between waits.
Result<std::vector<std::string>> resolve_host(const std::string& host, const ResolveOptions& options,
                                              const std::function<bool()>& stop = {});

// One thread that resolves requests in order and hands each answer back through `post` (EventLoop::post): the
// loop never waits on DNS. Users: the controller connection and the self-update download.
class ControllerResolver {
  public:
    using Post = std::function<void(std::function<void()>)>;
    using Done = std::function<void(Result<std::vector<std::string>>)>;

    ControllerResolver(Post post, ResolveOptions options);
    // Stops the thread: a running lookup ends at its next wait slice (100 ms), its answer is not posted.
    ~ControllerResolver();
    ControllerResolver(const ControllerResolver&) = delete;
    ControllerResolver& operator=(const ControllerResolver&) = delete;

    static constexpr size_t kMaxQueued = 4;
    // Queues a lookup; `done` runs through `post`. False when kMaxQueued wait already or it is stopping.
    bool resolve(const std::string& host, Done done);

  private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace cpe::agent::mtp
