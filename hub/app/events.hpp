// Server-Sent Events by topic: a client opens GET /sse?topics=a,b (or topics=a&topics=b) and receives
// every event published to any of its topics, once. Topics used by the USP controller: "devices" (all
// endpoints) and "device:<endpoint id>"; other hub modules publish their own ("customer:<id>"). Loop thread.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/http_server.hpp"

namespace cpe::hub::app {

class EventStream {
  public:
    // Topics from the request's "topics" query values (comma separated); empty when none given.
    static std::vector<std::string> topics_of(const net::Request& request);

    void subscribe(const std::vector<std::string>& topics, const std::shared_ptr<net::SseStream>& stream);
    // Sends `data` as `event` to each open stream subscribed to at least one of `topics`; returns how many.
    size_t publish(const std::vector<std::string>& topics, std::string_view event, std::string_view data);
    size_t clients() const { return streams_.size(); }

  private:
    struct Client {
        std::weak_ptr<net::SseStream> stream;
        std::set<std::string> topics;
    };
    void drop(net::SseStream* stream);
    std::map<net::SseStream*, Client> streams_;
    std::map<std::string, std::set<net::SseStream*>> by_topic_;
};

}  // namespace cpe::hub::app
