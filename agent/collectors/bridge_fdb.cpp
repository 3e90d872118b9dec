#include "collectors/bridge_fdb.hpp"

#include <algorithm>

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace text;
constexpr size_t kMaxLine = 256;
constexpr size_t kMaxEntries =
    1024;  // a home LAN has tens; the bound keeps a flooded table from growing memory
constexpr size_t kMaxPorts = 64;

bool add_entry(std::vector<FdbEntry>& out, const MacAddress& mac, std::string_view port,
               const std::string& at, ParseNotes& notes) {
    if (mac.is_multicast() || mac.is_zero()) return true;
    for (const FdbEntry& e : out)
        if (e.mac == mac) return true;  // the same MAC on several VLANs of one port: once
    if (out.size() == kMaxEntries) {
        notes.add(at + ": more than " + std::to_string(kMaxEntries) + " entries, the rest ignored");
        return false;
    }
    out.push_back({mac, std::string(port)});
    return true;
}

class BridgeFdbCollector final : public Collector {
  public:
    BridgeFdbCollector(std::string bridge, bool brctl, std::vector<std::string> argv, std::string dir)
        : bridge_(std::move(bridge)), brctl_(brctl), argv_(std::move(argv)), dir_(std::move(dir)) {}
    const char* type() const override { return "bridge_fdb"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.run(argv_);
        if (!text) return text.error().with_context("bridge_fdb " + bridge_);
        ParseNotes notes;
        std::vector<FdbEntry> found;
        // The bridge's member ports: brctl's port numbers are mapped through them; for the interface stack
        // (Bridging.Bridge.1.Port) they are read with either format, and are unknown when brif is absent
        // there.
        const std::string brif = dir_ + "/" + bridge_ + "/brif";
        auto names = source.list_dir(brif);
        if (!names && brctl_) return names.error().with_context("bridge_fdb " + bridge_);
        if (names) {
            out.bridge_ports.clear();
            for (const std::string& name : *names) {
                if (out.bridge_ports.size() == kMaxPorts) break;
                out.bridge_ports.push_back(name);
            }
            out.bridge_ports_known = true;
        }
        if (brctl_) {
            std::map<unsigned, std::string> ports;
            for (const std::string& name : out.bridge_ports) {
                auto number = source.read_file(brif + "/" + name + "/port_no", 64);
                if (!number) return number.error().with_context("bridge_fdb " + bridge_);
                auto n = token_u64_auto(*number);
                if (!n || *n == 0 || *n > 1023)
                    return make_error(Errc::parse_error, "bridge_fdb " + bridge_ + ": " + brif + "/" + name +
                                                             "/port_no: " + quote(trim(*number)) +
                                                             " is not a port number");
                ports[static_cast<unsigned>(*n)] = name;
            }
            found = parse_brctl_showmacs(*text, ports, notes);
        } else {
            found = parse_bridge_fdb(*text, bridge_, notes);
        }
        spec::log_notes(type(), bridge_, notes, spec::Wording::system);
        out.fdb = std::move(found);
        out.fdb_known = true;
        return {};
    }

  private:
    std::string bridge_;
    bool brctl_;
    std::vector<std::string> argv_;
    std::string dir_;
};

}  // namespace

std::vector<FdbEntry> parse_bridge_fdb(std::string_view text, const std::string& bridge, ParseNotes& notes) {
    std::vector<FdbEntry> out;
    for (const NumberedLine& line : BoundedLines(text, kMaxLine, notes)) {
        auto f = split_fields(line.text);
        if (f.empty()) continue;
        auto mac = MacAddress::parse(f[0]);
        if (!mac || f.size() < 3 || f[1] != "dev" || !is_interface_name(f[2])) {
            notes.add(line.where + ": expected \"<mac> dev <port> …\"");
            continue;
        }
        bool master = false, local = false;
        for (size_t i = 3; i < f.size(); ++i) {
            if (f[i] == "master" && i + 1 < f.size()) master = f[i + 1] == bridge;
            if (f[i] == "permanent") local = true;
        }
        if (!master || local) continue;
        if (!add_entry(out, *mac, f[2], line.where, notes)) break;
    }
    return out;
}

std::vector<FdbEntry> parse_brctl_showmacs(std::string_view text,
                                           const std::map<unsigned, std::string>& ports, ParseNotes& notes) {
    std::vector<FdbEntry> out;
    for (const NumberedLine& line : BoundedLines(text, kMaxLine, notes)) {
        auto f = split_fields(line.text);
        if (f.empty() || (line.number == 1 && f[0] == "port")) continue;  // the header
        const char* expected = ": expected \"<port no> <mac> <yes|no> <ageing>\"";
        if (f.size() < 3) {
            notes.add(line.where + expected);
            continue;
        }
        auto port = token_u64(f[0]);
        auto mac = MacAddress::parse(f[1]);
        if (!port || !mac || (f[2] != "yes" && f[2] != "no")) {
            notes.add(line.where + expected);
            continue;
        }
        if (f[2] == "yes") continue;  // the bridge's own addresses
        auto name = *port <= 1023 ? ports.find(static_cast<unsigned>(*port)) : ports.end();
        if (name == ports.end()) {
            notes.add(line.where + ": port " + std::to_string(*port) + " is not in the bridge's brif list");
            continue;
        }
        if (!add_entry(out, *mac, name->second, line.where, notes)) break;
    }
    return out;
}

Result<std::unique_ptr<Collector>> make_bridge_fdb_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"bridge", "format", "command", "dir"}); !ok)
        return ok.error();
    auto bridge = spec::interface_name(spec, "bridge", where);
    if (!bridge) return bridge.error();
    auto format = spec::string_option(spec, "format", where, "bridge");
    if (!format) return format.error();
    if (*format != "bridge" && *format != "brctl")
        return make_error(
            Errc::invalid_argument,
            std::string(where) + ".format: must be \"bridge\" or \"brctl\", not " + quote(*format));
    const bool brctl = *format == "brctl";
    auto argv = spec::string_list_option(spec, "command", where, 1);
    if (!argv) return argv.error();
    std::vector<std::string> command =
        argv->value_or(brctl ? std::vector<std::string>{"brctl", "showmacs", *bridge}
                             : std::vector<std::string>{"bridge", "fdb", "show", "br", *bridge});
    auto dir = spec::string_option(spec, "dir", where, "/sys/class/net");
    if (!dir) return dir.error();
    return std::unique_ptr<Collector>(
        std::make_unique<BridgeFdbCollector>(*bridge, brctl, std::move(command), *dir));
}

}  // namespace cpe::agent
