#include "collectors/wifi_info.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace text;
constexpr size_t kMaxLine = 256;
constexpr size_t kMaxSsid = 32;  // IEEE 802.11: at most 32 octets

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// iw's escaped SSID back to its bytes; nullopt when an escape is broken or it is longer than 32 bytes.
std::optional<std::string> unescape_ssid(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\') {
            if (i + 3 >= s.size() || s[i + 1] != 'x') return std::nullopt;
            const int hi = hex_digit(s[i + 2]), lo = hex_digit(s[i + 3]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 3;
        } else {
            out += s[i];
        }
        if (out.size() > kMaxSsid) return std::nullopt;
    }
    return out;
}

class WifiInfoCollector final : public Collector {
  public:
    WifiInfoCollector(std::string interface, std::vector<std::string> argv)
        : interface_(std::move(interface)), argv_(std::move(argv)) {}
    const char* type() const override { return "wifi_info"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.run(argv_);
        if (!text) return text.error().with_context("wifi_info " + interface_);
        ParseNotes notes;
        std::optional<WifiIfaceInfo> info = parse_iw_info(*text, interface_, notes);
        spec::log_notes(type(), interface_, notes, spec::Wording::radio);
        if (!info)
            return make_error(Errc::parse_error,
                              "wifi_info " + interface_ + ": no 'Interface " + interface_ + "' block");
        out.wifi_info.push_back(std::move(*info));
        return {};
    }

  private:
    std::string interface_;
    std::vector<std::string> argv_;
};

}  // namespace

std::optional<WifiIfaceInfo> parse_iw_info(std::string_view text, const std::string& interface,
                                           ParseNotes& notes) {
    std::optional<WifiIfaceInfo> found;
    bool inside = false;
    for (const NumberedLine& numbered : BoundedLines(text, kMaxLine, notes)) {
        const std::string_view raw = numbered.text;
        if (trim(raw).empty()) continue;
        const bool indented = raw[0] == '\t' || raw[0] == ' ';
        std::string_view rest;
        const std::string_view key = first_token(trim(raw), &rest);
        if (!indented) {
            // "Interface <name>" opens a block; `iw dev` without a name also prints "phy#0" headers.
            inside = key == "Interface" && rest == interface && !found;
            if (inside) {
                found.emplace();
                found->interface = interface;
            }
            continue;
        }
        if (!inside) continue;
        WifiIfaceInfo& info = *found;
        if (key == "ssid") {
            // The SSID is the rest of the line as iw printed it: inner spaces are part of it.
            std::string_view value = trim(raw);
            value = value.substr(4);
            if (!value.empty() && (value[0] == ' ' || value[0] == '\t')) value = value.substr(1);
            auto ssid = unescape_ssid(value);
            if (!ssid) {
                notes.add(numbered.where + ": unreadable ssid " + quote(value));
                continue;
            }
            info.ssid = std::move(*ssid);
        } else if (key == "type") {
            info.type = std::string(rest.substr(0, 16));
        } else if (key == "channel") {
            // "10 (2457 MHz), width: 40 MHz, center1: 2447 MHz"
            auto fields = split_fields(rest);
            auto channel = fields.empty() ? std::nullopt : token_u64(fields[0]);
            if (!channel || *channel == 0 || *channel > 233) {
                notes.add(numbered.where + ": unreadable channel " + quote(rest));
                continue;
            }
            info.channel = static_cast<int>(*channel);
            if (fields.size() > 1 && fields[1].size() > 1 && fields[1][0] == '(') {
                if (auto mhz = token_u64(fields[1].substr(1)); mhz && *mhz < 100000)
                    info.frequency_mhz = static_cast<int>(*mhz);
            }
            for (size_t i = 0; i + 1 < fields.size(); ++i) {
                if (fields[i] == "width:") {
                    if (auto w = token_u64(fields[i + 1]); w && *w <= 320)
                        info.width_mhz = static_cast<int>(*w);
                }
            }
        }
    }
    if (!found) notes.add("no 'Interface " + interface + "' block");
    return found;
}

Result<std::unique_ptr<Collector>> make_wifi_info_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"interface", "command"}, spec::Wording::radio); !ok)
        return ok.error();
    auto interface = spec::interface_name(spec, "interface", where);
    if (!interface) return interface.error();
    auto argv = spec::opt_argv(spec, "command", where);
    if (!argv) return argv.error();
    std::vector<std::string> command =
        argv->value_or(std::vector<std::string>{"iw", "dev", *interface, "info"});
    return std::unique_ptr<Collector>(std::make_unique<WifiInfoCollector>(*interface, std::move(command)));
}

}  // namespace cpe::agent
