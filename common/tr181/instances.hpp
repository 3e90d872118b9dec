// Stable instance numbers for multi-instance objects, keyed by each table's unique key (Host by
// PhysAddress, AssociatedDevice by MACAddress, …): an entry that leaves and comes back keeps its
// number while the process runs. Numbers are never reused within a table. Memory is bounded: per
// table at most `max_keys` remembered keys (absent ones are forgotten oldest-first), and tables
// not touched for `max_idle_refreshes` refreshes are dropped. save()/load() carry the numbers across process
// restarts (the agent keeps them in its state directory), so a controller's references do not jump.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace cpe::tr181 {

class InstanceNumbers {
  public:
    explicit InstanceNumbers(size_t max_keys_per_table = 512, uint64_t max_idle_refreshes = 64)
        : max_keys_(max_keys_per_table), max_idle_(max_idle_refreshes) {}

    // Call once before each rebuild of the model.
    void begin_refresh();
    // The instance number of `key` in the table at `table_path` ("Device.Hosts.Host."), assigning the
    // next free number to a new key.
    uint32_t number(std::string_view table_path, std::string_view key);

    size_t table_count() const { return tables_.size(); }
    // True when a number was assigned or forgotten since the last save() (or load()).
    bool changed() const { return changed_; }
    // Text form of every table's keys and next number ("cpe-instance-numbers 1" header, then
    // "N\t<table>\t<next>" and "K\t<table>\t<number>\t<key>" lines); clears changed().
    std::string save();
    // Replaces the state with `text` as save() wrote it. A malformed line is an error naming its line number,
    // and leaves the state untouched; at most max_keys per table and kMaxTables tables are taken.
    Status load(std::string_view text);
    static constexpr size_t kMaxTables = 256;
    size_t key_count(std::string_view table_path) const;

  private:
    struct Entry {
        uint32_t number;
        uint64_t last_seen;
    };
    struct TableState {
        std::map<std::string, Entry, std::less<>> by_key;
        uint32_t next = 1;
        uint64_t last_touched = 0;
    };
    void evict(TableState& table);

    std::map<std::string, TableState, std::less<>> tables_;
    uint64_t generation_ = 1;
    bool changed_ = false;
    size_t max_keys_;
    uint64_t max_idle_;
};

}  // namespace cpe::tr181
