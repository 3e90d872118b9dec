#include "collectors/ip_addr.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using text::quote;
constexpr size_t kMaxLine = 512;
constexpr size_t kMaxAddresses = 64;

// "a.b.c.d[/n]" → address and prefix (32 when absent); false when either part is not valid.
bool split_prefix(std::string_view text, std::string_view& address, int& prefix) {
    size_t slash = text.find('/');
    address = text.substr(0, slash);
    prefix = 32;
    if (!text::is_ipv4(address)) return false;
    if (slash == std::string_view::npos) return true;
    std::string_view p = text.substr(slash + 1);
    auto v = text::parse_u64(p);
    if (!v || p.empty() || p.size() > 2 || *v > 32) return false;
    prefix = static_cast<int>(*v);
    return true;
}

class IpAddrCollector final : public Collector {
  public:
    explicit IpAddrCollector(std::vector<std::string> argv) : argv_(std::move(argv)) {}
    const char* type() const override { return "ip_addr"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.run(argv_);
        if (!text) return text.error().with_context("ip_addr");
        ParseNotes notes;
        std::vector<InterfaceAddress> found = parse_ip_addr_oneline(*text, notes);
        spec::log_notes(type(), argv_.front(), notes, spec::Wording::system);
        out.addresses = std::move(found);
        return {};
    }

  private:
    std::vector<std::string> argv_;
};

}  // namespace

std::vector<InterfaceAddress> parse_ip_addr_oneline(std::string_view text, ParseNotes& notes) {
    std::vector<InterfaceAddress> out;
    for (const text::NumberedLine& numbered : text::BoundedLines(text, kMaxLine, notes)) {
        std::string_view line = numbered.text;
        const std::string& at = numbered.where;
        if (size_t cont = line.find('\\'); cont != std::string_view::npos) line = line.substr(0, cont);
        auto f = text::split_fields(line);
        if (f.empty()) continue;
        if (f.size() < 4 || f[0].size() < 2 || f[0].back() != ':' ||
            !text::parse_u64(f[0].substr(0, f[0].size() - 1))) {
            notes.add(at + ": expected \"<index>: <interface> <family> <address>…\"");
            continue;
        }
        if (f[2] != "inet") continue;  // inet6, link: not this collector's
        std::string_view name = f[1].substr(0, f[1].find('@'));
        if (!text::is_interface_name(name)) {
            notes.add(at + ": " + quote(f[1]) + " is not an interface name");
            continue;
        }
        InterfaceAddress a;
        a.interface = std::string(name);
        std::string_view address;
        if (!split_prefix(f[3], address, a.prefix_len)) {
            notes.add(at + ": " + quote(f[3]) + " is not an IPv4 address with an optional /prefix");
            continue;
        }
        a.address = std::string(address);
        bool ok = true;
        for (size_t i = 4; i + 1 < f.size(); ++i) {
            if (f[i] == "peer") {
                std::string_view peer;
                if (!split_prefix(f[i + 1], peer, a.prefix_len)) {
                    notes.add(at + ": peer " + quote(f[i + 1]) +
                              " is not an IPv4 address with an optional /prefix");
                    ok = false;
                    break;
                }
                a.peer = std::string(peer);
                ++i;
            } else if (f[i] == "scope") {
                a.scope = std::string(f[i + 1].substr(0, 16));
                ++i;
            }
        }
        if (!ok) continue;
        if (out.size() == kMaxAddresses) {
            notes.add(at + ": more than " + std::to_string(kMaxAddresses) + " addresses, the rest ignored");
            break;
        }
        out.push_back(std::move(a));
    }
    return out;
}

Result<std::unique_ptr<Collector>> make_ip_addr_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"command"}); !ok) return ok.error();
    auto argv = spec::string_list_option(spec, "command", where, 1);
    if (!argv) return argv.error();
    std::vector<std::string> command =
        argv->value_or(std::vector<std::string>{"ip", "-o", "-4", "addr", "show"});
    return std::unique_ptr<Collector>(std::make_unique<IpAddrCollector>(std::move(command)));
}

}  // namespace cpe::agent
