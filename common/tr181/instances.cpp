#include "tr181/instances.hpp"

#include <algorithm>
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
    changed_ = true;
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
        changed_ = true;
    }
}

std::string InstanceNumbers::save() {
    std::string out = "cpe-instance-numbers 1\n";
    for (const auto& [path, table] : tables_) {
        out += "N\t" + path + "\t" + std::to_string(table.next) + "\n";
        for (const auto& [key, entry] : table.by_key)
            out += "K\t" + path + "\t" + std::to_string(entry.number) + "\t" + key + "\n";
    }
    changed_ = false;
    return out;
}

namespace {

bool parse_number(std::string_view s, uint32_t& out) {
    if (s.empty() || s.size() > 10) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v == 0 || v > UINT32_MAX) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

// Splits `line` at tabs into at most `n` fields (the last keeps any further tabs).
std::vector<std::string_view> fields(std::string_view line, size_t n) {
    std::vector<std::string_view> out;
    while (out.size() + 1 < n) {
        size_t tab = line.find('\t');
        if (tab == std::string_view::npos) break;
        out.push_back(line.substr(0, tab));
        line.remove_prefix(tab + 1);
    }
    out.push_back(line);
    return out;
}

}  // namespace

Status InstanceNumbers::load(std::string_view text) {
    std::map<std::string, TableState, std::less<>> tables;
    size_t line_no = 0;
    auto bad = [&](const char* what) {
        return make_error(Errc::parse_error,
                          "instance numbers, line " + std::to_string(line_no) + ": " + what);
    };
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        if (line_no == 1) {
            if (line != "cpe-instance-numbers 1") return bad("expected the header 'cpe-instance-numbers 1'");
            continue;
        }
        if (line.empty()) continue;
        auto f = fields(line, 4);
        const bool next_line = f[0] == "N" && f.size() == 3;
        const bool key_line = f[0] == "K" && f.size() == 4;
        if (!next_line && !key_line)
            return bad("expected 'N<TAB>table<TAB>next' or 'K<TAB>table<TAB>number<TAB>key'");
        if (f[1].empty() || f[1].back() != '.') return bad("the table path must end with '.'");
        uint32_t n = 0;
        if (!parse_number(f[2], n)) return bad("not an instance number (1..4294967295)");
        auto it = tables.find(f[1]);
        if (it == tables.end()) {
            if (tables.size() == kMaxTables) return bad("too many tables");
            it = tables.emplace(std::string(f[1]), TableState{}).first;
        }
        TableState& table = it->second;
        if (next_line) {
            table.next = std::max(table.next, n);
        } else {
            if (f[3].empty()) return bad("empty key");
            if (table.by_key.size() == max_keys_) continue;  // bounded like a running table
            table.by_key[std::string(f[3])] = Entry{n, 0};
            if (n >= table.next) table.next = n + 1;  // never hand out a number a key holds
        }
    }
    if (line_no == 0) return make_error(Errc::parse_error, "instance numbers: empty");
    for (auto& [path, table] : tables) table.last_touched = generation_;
    tables_ = std::move(tables);
    changed_ = false;
    return {};
}

size_t InstanceNumbers::key_count(std::string_view table_path) const {
    auto it = tables_.find(table_path);
    return it == tables_.end() ? 0 : it->second.by_key.size();
}

}  // namespace cpe::tr181
