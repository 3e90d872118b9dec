#include "tr181/instances.hpp"

#include <vector>

namespace cpe::tr181 {

void InstanceNumbers::begin_refresh() {
    ++generation_;
    for (auto it = tables_.begin(); it != tables_.end();) {
        if (generation_ - it->second.last_touched > max_idle_) {
            it = tables_.erase(it);
        } else {
            ++it;
        }
    }
}

uint32_t InstanceNumbers::number(std::string_view table_path, std::string_view key) {
    auto tit = tables_.find(table_path);
    if (tit == tables_.end()) tit = tables_.emplace(std::string(table_path), TableState{}).first;
    TableState& table = tit->second;
    table.last_touched = generation_;
    auto it = table.by_key.find(key);
    if (it != table.by_key.end()) {
        it->second.last_seen = generation_;
        return it->second.number;
    }
    const uint32_t n = table.next++;
    table.by_key.emplace(std::string(key), Entry{n, generation_});
    if (table.by_key.size() > max_keys_) evict(table);
    return n;
}

void InstanceNumbers::evict(TableState& table) {
    // Forget the keys seen longest ago, never one present in the current refresh.
    while (table.by_key.size() > max_keys_) {
        auto oldest = table.by_key.end();
        for (auto it = table.by_key.begin(); it != table.by_key.end(); ++it) {
            if (it->second.last_seen == generation_) continue;
            if (oldest == table.by_key.end() || it->second.last_seen < oldest->second.last_seen) oldest = it;
        }
        if (oldest == table.by_key.end()) return;  // everything is present now: keep them all
        table.by_key.erase(oldest);
    }
}

size_t InstanceNumbers::key_count(std::string_view table_path) const {
    auto it = tables_.find(table_path);
    return it == tables_.end() ? 0 : it->second.by_key.size();
}

}  // namespace cpe::tr181
