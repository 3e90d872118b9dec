#include "api/lookup_cache.hpp"

#include <cmath>

namespace cpe::hub::api {

namespace {
constexpr size_t kMaxAnswers = 512;  // rendered answers live about a second: only the hot ones matter
}

int64_t next_age_change(int64_t now, int64_t data_ms) {
    if (data_ms > now) return data_ms + 1000;  // shown as 0 until it is a second old
    return data_ms + ((now - data_ms) / 1000 + 1) * 1000;
}

size_t approx_bytes(const diag::Params& params) {
    // Per entry: the tree node (~48 bytes) and two std::string objects (32 each), plus heap buffers beyond
    // the small-string size.
    size_t n = 0;
    for (const auto& [k, v] : params) {
        n += 112;
        if (k.size() > 15) n += k.capacity() + 1;
        if (v.size() > 15) n += v.capacity() + 1;
    }
    return n;
}

LookupCache::LookupCache(CacheWindows windows)
    : w_(windows),
      genie_(windows.max_devices, std::max<size_t>(1, windows.genieacs_max_bytes)),
      erp_(windows.max_devices),
      bridge_(windows.max_devices),
      history_(windows.max_devices),
      answers_(std::min(windows.max_devices, kMaxAnswers)) {
    // Which devices have answers, so that a device's change costs nothing when it has none (the common case).
    answers_.on_drop([this](const Answer& a) {
        auto it = answer_devices_.find(a.device_id);
        if (it != answer_devices_.end() && --it->second == 0) answer_devices_.erase(it);
    });
}

template <typename T>
const SourceAnswer<T>* LookupCache::fresh(Lru<SourceAnswer<T>>& lru, const std::string& key,
                                          int64_t window_ms, int64_t now, Counter& c) {
    if (window_ms <= 0) return nullptr;
    const SourceAnswer<T>* a = lru.find(key);
    if (a && now - a->fetched_ms < window_ms && a->fetched_ms <= now) {
        ++c.hits;
        return a;
    }
    ++c.misses;
    return nullptr;
}

const SourceAnswer<GenieHit>* LookupCache::genieacs(const std::string& query, int64_t now) {
    return fresh(genie_, query, w_.genieacs_ms, now, c_genie_);
}
const SourceAnswer<ErpData>* LookupCache::erpnext(const std::string& key, int64_t now) {
    return fresh(erp_, key, w_.erpnext_ms, now, c_erp_);
}
const SourceAnswer<json::Ptr>* LookupCache::bridge(const std::string& modem_id, int64_t now) {
    return fresh(bridge_, modem_id, w_.bridge_ms, now, c_bridge_);
}

void LookupCache::put_genieacs(const std::string& query, std::shared_ptr<const GenieHit> hit,
                               int64_t fetched_ms) {
    if (w_.genieacs_ms <= 0) return;
    size_t weight = 256 + query.size() + (hit ? approx_bytes(hit->params) : 0);
    genie_.put(query, SourceAnswer<GenieHit>{std::move(hit), fetched_ms}, weight);
}
void LookupCache::put_erpnext(const std::string& key, std::shared_ptr<const ErpData> data,
                              int64_t fetched_ms) {
    if (w_.erpnext_ms > 0) erp_.put(key, SourceAnswer<ErpData>{std::move(data), fetched_ms});
}
void LookupCache::put_bridge(const std::string& modem_id, std::shared_ptr<const json::Ptr> reading,
                             int64_t fetched_ms) {
    if (w_.bridge_ms > 0) bridge_.put(modem_id, SourceAnswer<json::Ptr>{std::move(reading), fetched_ms});
}

bool LookupCache::agent_fresh(const std::string& endpoint_id, int64_t snapshot_ms, int64_t now) {
    bool ok = w_.agent_ms > 0 && snapshot_ms <= now && now - snapshot_ms < w_.agent_ms;
    if (ok) {
        auto it = agent_changed_.find(endpoint_id);
        ok = it == agent_changed_.end() || snapshot_ms > it->second;
    }
    ++(ok ? c_agent_.hits : c_agent_.misses);
    return ok;
}

void LookupCache::agent_changed(const std::string& endpoint_id, int64_t now) {
    agent_changed_[endpoint_id] = now;
    // A change older than the agent's window cannot void a snapshot young enough to be used: forget those.
    if (agent_changed_.size() > 2 * w_.max_devices) {
        for (auto it = agent_changed_.begin(); it != agent_changed_.end();)
            it = now - it->second >= w_.agent_ms ? agent_changed_.erase(it) : std::next(it);
    }
}

const std::vector<diag::Reading>* LookupCache::history(const std::string& device_id) {
    return history_.find(device_id);
}

void LookupCache::put_history(const std::string& device_id, std::vector<diag::Reading> readings) {
    history_.put(device_id, std::move(readings));
}

const std::string* LookupCache::answer(const std::string& query, int64_t now) {
    const Answer* a = answers_.find(query);
    if (a && now < a->valid_until_ms) {
        ++c_answer_.hits;
        return &a->body;
    }
    if (a) answers_.erase(query);
    ++c_answer_.misses;
    return nullptr;
}

void LookupCache::put_answer(const std::string& query, const std::string& device_id, std::string body,
                             int64_t valid_until_ms) {
    answers_.put(query, Answer{std::move(body), device_id, valid_until_ms});
    ++answer_devices_[device_id];
}

void LookupCache::drop_answers_of(const std::string& device_id) {
    if (!answer_devices_.count(device_id)) return;
    answers_.erase_if([&](std::string_view, const Answer& a) { return a.device_id == device_id; });
}

json::Ptr LookupCache::stats_json() const {
    auto o = json::make_object();
    auto win = json::make_object();
    json::add_number(win.get(), "agent", static_cast<double>(w_.agent_ms / 1000));
    json::add_number(win.get(), "genieacs", static_cast<double>(w_.genieacs_ms / 1000));
    json::add_number(win.get(), "erpnext", static_cast<double>(w_.erpnext_ms / 1000));
    json::add_number(win.get(), "bridge", static_cast<double>(w_.bridge_ms / 1000));
    json::add(o.get(), "windows_s", std::move(win));
    json::add_number(o.get(), "max_devices", static_cast<double>(w_.max_devices));
    json::add_number(o.get(), "genieacs_max_mb", static_cast<double>(w_.genieacs_max_bytes >> 20));
    json::add_number(o.get(), "genieacs_mb",
                     std::round(static_cast<double>(genie_.weight()) / (1 << 20) * 10) / 10);
    auto entries = json::make_object();
    json::add_number(entries.get(), "genieacs", static_cast<double>(genie_.size()));
    json::add_number(entries.get(), "erpnext", static_cast<double>(erp_.size()));
    json::add_number(entries.get(), "bridge", static_cast<double>(bridge_.size()));
    json::add_number(entries.get(), "history", static_cast<double>(history_.size()));
    json::add_number(entries.get(), "answers", static_cast<double>(answers_.size()));
    json::add(o.get(), "entries", std::move(entries));
    auto hits = json::make_object(), misses = json::make_object();
    for (auto [name, c] : {std::pair{"answer", &c_answer_},
                           {"agent", &c_agent_},
                           {"genieacs", &c_genie_},
                           {"erpnext", &c_erp_},
                           {"bridge", &c_bridge_}}) {
        json::add_number(hits.get(), name, static_cast<double>(c->hits));
        json::add_number(misses.get(), name, static_cast<double>(c->misses));
    }
    json::add(o.get(), "hits", std::move(hits));
    json::add(o.get(), "misses", std::move(misses));
    json::add_number(
        o.get(), "evicted",
        static_cast<double>(genie_.evicted() + erp_.evicted() + bridge_.evicted() + history_.evicted()));
    return o;
}

}  // namespace cpe::hub::api
