#include "collectors/sysfs_net.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using text::quote;
constexpr size_t kMaxAttrBytes = 4096;  // a sysfs attribute is at most one page

// The attribute's single value: the first line, trimmed.
std::string_view value_of(const std::string& text) {
    return text::trim(std::string_view(text).substr(0, text.find('\n')));
}

class SysfsNetCollector final : public Collector {
  public:
    SysfsNetCollector(std::string dir, std::optional<std::vector<std::string>> interfaces)
        : dir_(std::move(dir)), interfaces_(std::move(interfaces)) {}
    const char* type() const override { return "sysfs_net"; }

    Status collect(SourceReader& source, BoardData& out) override {
        std::vector<std::string> names;
        if (interfaces_) {
            names = *interfaces_;
        } else {
            auto listed = source.list_dir(dir_);
            if (!listed) return listed.error().with_context("sysfs_net");
            names = std::move(*listed);
        }
        ParseNotes notes;
        std::vector<NetInterface> found;
        for (const std::string& name : names) {
            if (!text::is_interface_name(name)) {
                notes.add(quote(name) + ": not an interface name");
                continue;
            }
            const std::string base = dir_ + "/" + name + "/";
            auto read = [&](const std::string& rel) -> std::optional<std::string> {
                auto text = source.read_file(base + rel, kMaxAttrBytes);
                if (!text) return std::nullopt;
                return std::move(*text);
            };
            SysfsNetFiles files;
            files.operstate = read("operstate");
            files.address = read("address");
            if (!files.operstate && !files.address) {
                // Not an interface directory (e.g. bonding_masters) or a listed interface that does not
                // exist.
                if (interfaces_) notes.add(name + ": no such interface under " + dir_);
                continue;
            }
            files.carrier = read("carrier");
            files.speed = read("speed");
            files.duplex = read("duplex");
            for (size_t i = 0; i < kSysfsNetStats.size(); ++i)
                files.stats[i] = read(std::string("statistics/") + kSysfsNetStats[i]);
            found.push_back(parse_sysfs_interface(name, files, notes));
        }
        spec::log_notes(type(), dir_, notes, spec::Wording::system);
        if (found.empty() && !names.empty())
            return make_error(Errc::not_found, "sysfs_net: none of the interfaces found under " + dir_);
        out.interfaces = std::move(found);
        return {};
    }

  private:
    std::string dir_;
    std::optional<std::vector<std::string>> interfaces_;
};

}  // namespace

NetInterface parse_sysfs_interface(std::string_view name, const SysfsNetFiles& files, ParseNotes& notes) {
    NetInterface nic;
    nic.name = std::string(name);
    const std::string who(name);
    if (files.address) {
        std::string_view v = value_of(*files.address);
        // Interfaces without a link-layer address (tun, ppp) print nothing or a shorter/longer address.
        if (!v.empty()) {
            if (auto mac = MacAddress::parse(v))
                nic.mac = *mac;
            else
                notes.add(who + ": address " + quote(v) + " is not an Ethernet address");
        }
    }
    if (files.operstate) {
        std::string_view v = value_of(*files.operstate);
        static constexpr const char* kStates[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                                  "testing", "dormant",    "up"};
        bool known = false;
        for (const char* s : kStates) known = known || v == s;
        if (known)
            nic.operstate = std::string(v);
        else
            notes.add(who + ": operstate " + quote(v) + " is not an RFC 2863 state");
    }
    if (files.carrier) {
        std::string_view v = value_of(*files.carrier);
        if (v == "1")
            nic.carrier = true;
        else if (v != "0")
            notes.add(who + ": carrier " + quote(v) + " is not 0 or 1");
    }
    if (files.speed) {
        std::string_view v = value_of(*files.speed);
        auto mbps = text::parse_i64(v);
        if (!mbps)
            notes.add(who + ": speed " + quote(v) + " is not a number");
        else if (*mbps > 0 && *mbps <= 10'000'000)
            nic.speed_mbps = static_cast<int>(*mbps);
        // -1 (SPEED_UNKNOWN, printed by kernels ≥ 4.x for a down link), 0 and the unsigned form
        // 4294967295 (older kernels) mean unknown: left absent.
    }
    if (files.duplex) {
        std::string_view v = value_of(*files.duplex);
        if (v == "full" || v == "half")
            nic.duplex = std::string(v);
        else if (v != "unknown" && !v.empty())
            notes.add(who + ": duplex " + quote(v) + " is not full/half/unknown");
    }
    uint64_t* counters[kSysfsNetStats.size()] = {&nic.rx_bytes,   &nic.tx_bytes,  &nic.rx_packets,
                                                 &nic.tx_packets, &nic.rx_errors, &nic.tx_errors,
                                                 &nic.rx_dropped, &nic.tx_dropped};
    for (size_t i = 0; i < kSysfsNetStats.size(); ++i) {
        if (!files.stats[i]) continue;
        std::string_view v = value_of(*files.stats[i]);
        if (auto n = text::parse_u64(v))
            *counters[i] = *n;
        else
            notes.add(who + ": " + kSysfsNetStats[i] + " " + quote(v) + " is not a counter");
    }
    return nic;
}

Result<std::unique_ptr<Collector>> make_sysfs_net_collector(const cJSON* spec, std::string_view where) {
    if (auto st = spec::check_keys(spec, where, {"dir", "interfaces"}); !st) return st.error();
    auto dir = spec::string_option(spec, "dir", where, "/sys/class/net");
    if (!dir) return dir.error();
    while (dir->size() > 1 && dir->back() == '/') dir->pop_back();
    auto interfaces = spec::string_list_option(spec, "interfaces", where, 1);
    if (!interfaces) return interfaces.error();
    if (*interfaces) {
        for (size_t i = 0; i < (*interfaces)->size(); ++i)
            if (!text::is_interface_name((**interfaces)[i]))
                return make_error(Errc::invalid_argument,
                                  std::string(where) + ".interfaces[" + std::to_string(i) +
                                      "]: " + quote((**interfaces)[i]) + " is not an interface name");
    }
    return std::unique_ptr<Collector>(
        std::make_unique<SysfsNetCollector>(std::move(*dir), std::move(*interfaces)));
}

}  // namespace cpe::agent
