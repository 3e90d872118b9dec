#include "app/events.hpp"

namespace cpe::hub::app {

std::vector<std::string> EventStream::topics_of(const net::Request& request) {
    std::vector<std::string> out;
    for (const auto& value : request.query_values("topics")) {
        size_t start = 0;
        while (start <= value.size()) {
            size_t end = value.find(',', start);
            if (end == std::string::npos) end = value.size();
            std::string t = value.substr(start, end - start);
            if (!t.empty() && t.size() <= 512) out.push_back(std::move(t));
            start = end + 1;
        }
    }
    return out;
}

void EventStream::subscribe(const std::vector<std::string>& topics,
                            const std::shared_ptr<net::SseStream>& stream) {
    net::SseStream* key = stream.get();
    Client& c = streams_[key];
    c.stream = stream;
    for (const auto& t : topics) {
        c.topics.insert(t);
        by_topic_[t].insert(key);
    }
    stream->on_close([this, key] { drop(key); });
}

void EventStream::drop(net::SseStream* stream) {
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    for (const auto& t : it->second.topics) {
        auto bt = by_topic_.find(t);
        if (bt == by_topic_.end()) continue;
        bt->second.erase(stream);
        if (bt->second.empty()) by_topic_.erase(bt);
    }
    streams_.erase(it);
}

size_t EventStream::publish(const std::vector<std::string>& topics, std::string_view event,
                            std::string_view data) {
    std::set<net::SseStream*> targets;
    for (const auto& t : topics) {
        auto bt = by_topic_.find(t);
        if (bt != by_topic_.end()) targets.insert(bt->second.begin(), bt->second.end());
    }
    size_t sent = 0;
    for (auto* key : targets) {
        auto it = streams_.find(key);
        if (it == streams_.end()) continue;
        auto s = it->second.stream.lock();
        if (s && s->send(event, data)) ++sent;
    }
    return sent;
}

}  // namespace cpe::hub::app
