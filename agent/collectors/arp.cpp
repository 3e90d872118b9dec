#include "collectors/arp.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using text::quote;
constexpr size_t kMaxLine = 512;
constexpr uint64_t kAtfCom = 0x2;

class ArpCollector final : public Collector {
  public:
    explicit ArpCollector(std::string file) : file_(std::move(file)) {}
    const char* type() const override { return "arp"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.read_file(file_);
        if (!text) return text.error().with_context("arp");
        ParseNotes notes;
        size_t unresolved = 0;
        std::vector<Neighbour> found = parse_proc_net_arp(*text, notes, &unresolved);
        // Unresolved entries are normal (a host that went away); only malformed lines are worth a log line.
        if (notes.skipped > unresolved) spec::log_notes(type(), file_, notes, spec::Wording::system);
        out.neighbours = std::move(found);
        return {};
    }

  private:
    std::string file_;
};

}  // namespace

std::vector<Neighbour> parse_proc_net_arp(std::string_view text, ParseNotes& notes, size_t* unresolved) {
    std::vector<Neighbour> out;
    if (unresolved) *unresolved = 0;
    for (const text::NumberedLine& numbered : text::BoundedLines(text, kMaxLine, notes)) {
        std::string_view line = numbered.text;
        const size_t n = numbered.number;
        const std::string& at = numbered.where;
        if (n == 1 && line.substr(0, 10) == "IP address") continue;  // the header
        auto f = text::split_fields(line);
        if (f.empty()) continue;
        if (f.size() != 6) {
            notes.add(at + ": expected 6 fields, found " + std::to_string(f.size()));
            continue;
        }
        if (!text::is_ipv4(f[0])) {
            notes.add(at + ": address " + quote(f[0]) + " is not an IPv4 address");
            continue;
        }
        auto flags = text::parse_hex(f[2]);
        if (!flags || f[2].substr(0, 2) != "0x") {
            notes.add(at + ": flags " + quote(f[2]) + " are not hexadecimal");
            continue;
        }
        if (!text::is_interface_name(f[5])) {
            notes.add(at + ": device " + quote(f[5]) + " is not an interface name");
            continue;
        }
        if (!(*flags & kAtfCom)) {
            notes.add(at + ": " + std::string(f[0]) + " on " + std::string(f[5]) + " unresolved");
            if (unresolved) ++*unresolved;
            continue;
        }
        auto mac = MacAddress::parse(f[3]);
        if (!mac) {
            notes.add(at + ": hardware address " + quote(f[3]) + " is not an Ethernet address");
            continue;
        }
        Neighbour nb;
        nb.ip = std::string(f[0]);
        nb.mac = *mac;
        nb.device = std::string(f[5]);
        nb.complete = true;
        out.push_back(std::move(nb));
    }
    return out;
}

Result<std::unique_ptr<Collector>> make_arp_collector(const cJSON* spec, std::string_view where) {
    auto file = spec::file_only_spec(spec, where, "/proc/net/arp");
    if (!file) return file.error();
    return std::unique_ptr<Collector>(std::make_unique<ArpCollector>(std::move(*file)));
}

}  // namespace cpe::agent
