// The lookup's cache: repeated lookups of a device within a short freshness window are answered from what the
// sources said last time, with each field's real age (docs/api.md "Cache").
//   - per source, the last answer (found or "does not know this device"), kept for that source's window
//     (cache.agent_s, genieacs_s, erpnext_s, bridge_s; 0 = always ask). Failures are never kept;
//   - the agent's window applies to its last full snapshot (DevicesApi keeps those), void once the agent
//   sends a
//     notification or a task is sent to it;
//   - the optical history read for the trend, until a reading is added for that device;
//   - the rendered answer per query, until any age it shows would change (the next second boundary of any
//     source's data), until a source answer it used leaves its window, or until the device's data changes.
// Each store is an LRU bounded by cache.max_devices entries (the rendered answers by at most 512); the
// GenieACS documents also by cache.genieacs_max_mb (approximate bytes). ?refresh bypasses every read and
// refills the entries. Loop thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/parse.hpp"
#include "api/source_clients.hpp"
#include "diag/optical.hpp"
#include "json/json.hpp"

namespace cpe::hub::api {

// Bounded map; the least recently used entry goes first. The index views the list's copy of each key.
// Bounded by a number of entries and, optionally, by a total weight (approximate bytes) given with each put;
// the entry just put always stays.
template <typename V>
class Lru {
  public:
    explicit Lru(size_t capacity, size_t max_weight = SIZE_MAX)
        : capacity_(std::max<size_t>(1, capacity)), max_weight_(max_weight) {}
    Lru(const Lru&) = delete;
    Lru& operator=(const Lru&) = delete;
    // Called with every value that leaves (evicted, erased, replaced, cleared).
    void on_drop(std::function<void(const V&)> fn) { on_drop_ = std::move(fn); }

    // Marks the entry most recently used.
    V* find(std::string_view key) {
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, it->second);
        return &it->second->value;
    }
    V& put(std::string key, V value, size_t weight = 0) {
        auto it = index_.find(key);
        if (it != index_.end()) {
            weight_ -= it->second->weight;
            dropped(it->second->value);
            it->second->value = std::move(value);
            it->second->weight = weight;
            weight_ += weight;
            order_.splice(order_.begin(), order_, it->second);
        } else {
            order_.push_front(Node{std::move(key), std::move(value), weight});
            index_.emplace(std::string_view(order_.front().key), order_.begin());
            weight_ += weight;
        }
        while (order_.size() > capacity_ || (weight_ > max_weight_ && order_.size() > 1)) {
            weight_ -= order_.back().weight;
            index_.erase(std::string_view(order_.back().key));
            dropped(order_.back().value);
            order_.pop_back();
            ++evicted_;
        }
        return order_.front().value;
    }
    bool erase(std::string_view key) {
        auto it = index_.find(key);
        if (it == index_.end()) return false;
        auto node = it->second;
        index_.erase(it);
        weight_ -= node->weight;
        dropped(node->value);
        order_.erase(node);
        return true;
    }
    // Removes every entry for which pred(key, value) is true; returns how many.
    template <typename Pred>
    size_t erase_if(Pred pred) {
        size_t n = 0;
        for (auto it = order_.begin(); it != order_.end();) {
            if (pred(std::string_view(it->key), it->value)) {
                index_.erase(std::string_view(it->key));
                weight_ -= it->weight;
                dropped(it->value);
                it = order_.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        return n;
    }
    void clear() {
        for (const auto& n : order_) dropped(n.value);
        index_.clear();
        order_.clear();
        weight_ = 0;
    }
    size_t size() const { return order_.size(); }
    size_t capacity() const { return capacity_; }
    size_t weight() const { return weight_; }
    uint64_t evicted() const { return evicted_; }

  private:
    struct Node {
        std::string key;
        V value;
        size_t weight = 0;
    };
    void dropped(const V& v) {
        if (on_drop_) on_drop_(v);
    }
    std::function<void(const V&)> on_drop_;
    std::list<Node> order_;  // front: most recently used
    std::unordered_map<std::string_view, typename std::list<Node>::iterator> index_;
    size_t capacity_, max_weight_;
    size_t weight_ = 0;
    uint64_t evicted_ = 0;
};

// A source's answer: value null = "answered, does not know this device".
template <typename T>
struct SourceAnswer {
    std::shared_ptr<const T> value;
    int64_t fetched_ms = 0;
};

struct CacheWindows {
    int64_t agent_ms = 5000, genieacs_ms = 60000, erpnext_ms = 300000, bridge_ms = 30000;
    size_t max_devices = 1000;
    size_t genieacs_max_bytes = 64u << 20;  // GenieACS documents are the big entries (~0.4 MB for an XX230v)
};

// Approximate heap bytes of a parameter map (strings + tree nodes), for the GenieACS store's bound.
size_t approx_bytes(const diag::Params& params);

class LookupCache {
  public:
    explicit LookupCache(CacheWindows windows);

    const CacheWindows& windows() const { return w_; }

    // A source's answer still inside its window at `now`, else nullptr (counted as a hit or a miss).
    const SourceAnswer<GenieHit>* genieacs(const std::string& query, int64_t now);
    const SourceAnswer<ErpData>* erpnext(const std::string& key, int64_t now);
    const SourceAnswer<json::Ptr>* bridge(const std::string& modem_id, int64_t now);
    // Stores an answer fetched at `fetched_ms` (nothing when that source's window is 0).
    void put_genieacs(const std::string& query, std::shared_ptr<const GenieHit> hit, int64_t fetched_ms);
    void put_erpnext(const std::string& key, std::shared_ptr<const ErpData> data, int64_t fetched_ms);
    void put_bridge(const std::string& modem_id, std::shared_ptr<const json::Ptr> reading,
                    int64_t fetched_ms);
    void drop_genieacs(const std::string& query) { genie_.erase(query); }
    // Forgets GenieACS answers about a device (tasks): those whose hit satisfies pred.
    template <typename Pred>
    size_t drop_genieacs_if(Pred pred) {
        return genie_.erase_if(
            [&](std::string_view, const SourceAnswer<GenieHit>& a) { return a.value && pred(*a.value); });
    }

    // The agent's full snapshot taken at snapshot_ms can stand for a live Get at `now`: younger than the
    // window and newer than the agent's last change (notification, task). Counted as a hit or a miss.
    bool agent_fresh(const std::string& endpoint_id, int64_t snapshot_ms, int64_t now);
    void agent_changed(const std::string& endpoint_id, int64_t now);

    // The optical history read for a device's trend; dropped when a reading is added.
    const std::vector<diag::Reading>* history(const std::string& device_id);
    void put_history(const std::string& device_id, std::vector<diag::Reading> readings);
    void drop_history(const std::string& device_id) { history_.erase(device_id); }

    // The rendered answer to a query, while valid at `now` (nullptr otherwise; counted).
    const std::string* answer(const std::string& query, int64_t now);
    void put_answer(const std::string& query, const std::string& device_id, std::string body,
                    int64_t valid_until_ms);
    void drop_answers_of(const std::string& device_id);
    void drop_answers() { answers_.clear(); }

    // {"windows_s": {…}, "max_devices", "entries": {…}, "hits": {…}, "misses": {…}, "evicted"}: no device
    // data.
    json::Ptr stats_json() const;

  private:
    struct Answer {
        std::string body, device_id;
        int64_t valid_until_ms = 0;
    };
    struct Counter {
        uint64_t hits = 0, misses = 0;
    };
    template <typename T>
    const SourceAnswer<T>* fresh(Lru<SourceAnswer<T>>& lru, const std::string& key, int64_t window_ms,
                                 int64_t now, Counter& c);

    CacheWindows w_;
    Lru<SourceAnswer<GenieHit>> genie_;
    Lru<SourceAnswer<ErpData>> erp_;
    Lru<SourceAnswer<json::Ptr>> bridge_;
    Lru<std::vector<diag::Reading>> history_;
    Lru<Answer> answers_;
    std::unordered_map<std::string, int64_t> agent_changed_;
    std::unordered_map<std::string, unsigned> answer_devices_;  // device id → rendered answers held
    Counter c_agent_, c_genie_, c_erp_, c_bridge_, c_answer_;
};

// When an answer rendered at `now` stops being exact: the first instant one of its whole-second ages
// (age_s = (now − data_ms) / 1000, 0 for data from the future) would read one more, for each data time given.
int64_t next_age_change(int64_t now, int64_t data_ms);

}  // namespace cpe::hub::api
