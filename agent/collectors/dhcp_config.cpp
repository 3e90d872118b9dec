#include "collectors/dhcp_config.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace text;
constexpr size_t kMaxLine = 512;
constexpr int64_t kMaxLeaseS = 10LL * 365 * 86400;

class DhcpConfigCollector final : public Collector {
  public:
    DhcpConfigCollector(std::string file, bool dnsmasq) : file_(std::move(file)), dnsmasq_(dnsmasq) {}
    const char* type() const override { return "dhcp_config"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.read_file(file_);
        if (!text) return text.error().with_context("dhcp_config");
        ParseNotes notes;
        auto pool = dnsmasq_ ? parse_dnsmasq_conf(*text, notes) : parse_udhcpd_conf(*text, notes);
        spec::log_notes(type(), file_, notes, spec::Wording::system);
        if (!pool) return make_error(Errc::parse_error, "dhcp_config " + file_ + ": no IPv4 address range");
        out.dhcp_pool = std::move(*pool);
        return {};
    }

  private:
    std::string file_;
    bool dnsmasq_;
};

}  // namespace

std::optional<int64_t> parse_dnsmasq_lease_time(std::string_view t) {
    if (t == "infinite") return -1;
    if (t.empty()) return std::nullopt;
    int64_t unit = 1;
    switch (t.back()) {
        case 's':
        case 'S':
            unit = 1;
            break;
        case 'm':
        case 'M':
            unit = 60;
            break;
        case 'h':
        case 'H':
            unit = 3600;
            break;
        case 'd':
        case 'D':
            unit = 86400;
            break;
        case 'w':
        case 'W':
            unit = 7 * 86400;
            break;
        default:
            unit = 0;
    }
    if (unit)
        t.remove_suffix(1);
    else
        unit = 1;
    auto n = parse_u64(t);
    if (!n || *n > static_cast<uint64_t>(kMaxLeaseS / unit)) return std::nullopt;
    return static_cast<int64_t>(*n) * unit;
}

std::optional<DhcpPoolConfig> parse_udhcpd_conf(std::string_view text, ParseNotes& notes) {
    DhcpPoolConfig pool;
    for (const NumberedLine& line : BoundedLines(text, kMaxLine, notes)) {
        std::string_view l = line.text.substr(0, line.text.find('#'));
        auto f = split_fields(l);
        if (f.empty()) continue;
        if ((f[0] == "start" || f[0] == "end") && f.size() >= 2) {
            if (!is_ipv4(f[1])) {
                notes.add(line.where + ": " + std::string(f[0]) + " " + quote(f[1]) +
                          " is not an IPv4 address");
                continue;
            }
            (f[0] == "start" ? pool.min_address : pool.max_address) = std::string(f[1]);
        } else if ((f[0] == "option" || f[0] == "opt") && f.size() >= 3) {
            if (f[1] == "lease") {
                auto s = parse_u64(f[2]);
                if (!s || *s > static_cast<uint64_t>(kMaxLeaseS)) {
                    notes.add(line.where + ": lease " + quote(f[2]) + " is not a number of seconds");
                    continue;
                }
                pool.lease_time_s = static_cast<int64_t>(*s);
            } else if (f[1] == "subnet") {
                if (!is_ipv4(f[2])) {
                    notes.add(line.where + ": subnet " + quote(f[2]) + " is not an IPv4 mask");
                    continue;
                }
                pool.subnet_mask = std::string(f[2]);
            }
        }
    }
    if (pool.min_address.empty() || pool.max_address.empty()) return std::nullopt;
    return pool;
}

std::optional<DhcpPoolConfig> parse_dnsmasq_conf(std::string_view text, ParseNotes& notes) {
    for (const NumberedLine& line : BoundedLines(text, kMaxLine, notes)) {
        std::string_view l = trim(line.text);
        if (l.substr(0, 11) != "dhcp-range=") continue;
        l.remove_prefix(11);
        std::vector<std::string_view> items;
        while (true) {
            size_t comma = l.find(',');
            items.push_back(trim(l.substr(0, comma)));
            if (comma == std::string_view::npos || items.size() == 12) break;
            l.remove_prefix(comma + 1);
        }
        size_t i = 0;
        while (i < items.size() && (items[i].substr(0, 4) == "tag:" || items[i].substr(0, 4) == "set:" ||
                                    items[i].substr(0, 10) == "interface:"))
            ++i;
        if (i + 1 >= items.size() || !is_ipv4(items[i]) || !is_ipv4(items[i + 1])) {
            // An IPv6 range (constructor:, ::) or a malformed one: not this pool.
            if (i < items.size() && items[i].find(':') == std::string_view::npos)
                notes.add(line.where + ": dhcp-range without an IPv4 start and end address");
            continue;
        }
        DhcpPoolConfig pool;
        pool.min_address = std::string(items[i]);
        pool.max_address = std::string(items[i + 1]);
        for (size_t k = i + 2; k < items.size(); ++k) {
            if (is_ipv4(items[k])) {
                if (pool.subnet_mask.empty()) pool.subnet_mask = std::string(items[k]);  // then the broadcast
            } else if (k + 1 == items.size()) {
                pool.lease_time_s = parse_dnsmasq_lease_time(items[k]);
                if (!pool.lease_time_s && items[k] != "static" && items[k] != "proxy")
                    notes.add(line.where + ": lease time " + quote(items[k]) + " not understood");
            }
        }
        return pool;
    }
    return std::nullopt;
}

Result<std::unique_ptr<Collector>> make_dhcp_config_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"file", "format"}); !ok) return ok.error();
    auto file = spec::string_option(spec, "file", where, "/etc/udhcpd.conf");
    if (!file) return file.error();
    auto format = spec::string_option(spec, "format", where, "udhcpd");
    if (!format) return format.error();
    if (*format != "udhcpd" && *format != "dnsmasq")
        return make_error(
            Errc::invalid_argument,
            std::string(where) + ".format: must be \"udhcpd\" or \"dnsmasq\", not " + quote(*format));
    return std::unique_ptr<Collector>(std::make_unique<DhcpConfigCollector>(*file, *format == "dnsmasq"));
}

}  // namespace cpe::agent
