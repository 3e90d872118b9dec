#include "collectors/realtek_wlan.hpp"

#include "collectors/radio.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace radio;
using namespace text;

// " 12: stat_info..." → true.
bool is_block_header(std::string_view line) {
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || !token_u64(line.substr(0, colon))) return false;
    return trim(line.substr(colon + 1)).substr(0, 9) == "stat_info";
}

// "MCS7 72.2" / "54" / "VHT NSS2-MCS9 866.7": the last number is the rate in Mbit/s.
std::optional<uint32_t> parse_rate(std::string_view value, std::string& standard) {
    std::optional<double> last;
    std::string_view rest = value;
    std::string found;
    while (!trim(rest).empty()) {
        std::string_view token = first_token(rest, &rest);
        if (istarts_with(token, "VHT"))
            found = newer_standard(found, "ac");
        else if (istarts_with(token, "HE"))
            found = newer_standard(found, "ax");
        else if (istarts_with(token, "MCS"))
            found = newer_standard(found, "n");
        if (auto v = token_double(token)) last = v;
    }
    if (!last) return std::nullopt;
    standard = newer_standard(standard, found);
    return mbit_to_kbps(*last);
}

// "1 day 2 hr 3 min 4 sec" → seconds.
std::optional<uint32_t> parse_link_time(std::string_view value) {
    uint64_t total = 0;
    bool any = false;
    std::string_view rest = value;
    while (!trim(rest).empty()) {
        auto n = token_u64(first_token(rest, &rest));
        std::string_view unit = first_token(rest, &rest);
        if (!n || *n > UINT32_MAX) return std::nullopt;
        uint64_t scale;
        if (unit == "day" || unit == "days")
            scale = 86400;
        else if (unit == "hr" || unit == "hrs")
            scale = 3600;
        else if (unit == "min" || unit == "mins")
            scale = 60;
        else if (unit == "sec" || unit == "secs")
            scale = 1;
        else
            return std::nullopt;
        total += *n * scale;
        if (total > UINT32_MAX) return std::nullopt;
        any = true;
    }
    if (!any) return std::nullopt;
    return static_cast<uint32_t>(total);
}

class RealtekWlanCollector final : public Collector {
  public:
    RealtekWlanCollector(std::string interface, std::string file)
        : interface_(std::move(interface)), file_(std::move(file)) {}
    const char* type() const override { return "realtek_wlan"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.read_file(file_);
        if (!text) return text.error().with_context("realtek_wlan " + interface_);
        ParseNotes notes;
        std::vector<Station> stations = parse_realtek_sta_info(*text, interface_, notes);
        spec::log_notes(type(), file_, notes, spec::Wording::radio);
        out.stations.insert(out.stations.end(), stations.begin(), stations.end());
        return {};
    }

  private:
    std::string interface_;
    std::string file_;
};

}  // namespace

std::vector<Station> parse_realtek_sta_info(std::string_view text, const std::string& interface,
                                            ParseNotes& notes) {
    std::vector<Station> out;
    std::optional<Station> current;
    bool have_mac = false;
    size_t block_line = 0, line_no = 0;
    auto finish = [&] {
        if (current) {
            if (have_mac)
                out.push_back(std::move(*current));
            else
                notes.add("block at line " + std::to_string(block_line) + ": no valid hwaddr, skipped");
        }
        current.reset();
        have_mac = false;
    };
    for (std::string_view raw : split_lines(text)) {
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty() || line.substr(0, 2) == "--") continue;
        if (is_block_header(line)) {
            finish();
            current.emplace();
            current->interface = interface;
            block_line = line_no;
            continue;
        }
        if (!current) continue;
        std::string_view key, value;
        if (!split_key_value(line, ":", key, value)) continue;
        Station& s = *current;
        bool bad = false;
        if (key == "hwaddr") {
            auto mac = MacAddress::parse(value);
            if (mac) {
                s.mac = *mac;
                have_mac = true;
            } else {
                notes.add("block at line " + std::to_string(block_line) + ": invalid hwaddr '" + clip(value) +
                          "'");
            }
        } else if (key == "tx_bytes") {
            s.tx_bytes = token_u64(value);
            bad = !s.tx_bytes;
        } else if (key == "rx_bytes") {
            s.rx_bytes = token_u64(value);
            bad = !s.rx_bytes;
        } else if (key == "tx_pkts") {
            s.tx_packets = token_u64(value);
            bad = !s.tx_packets;
        } else if (key == "rx_pkts") {
            s.rx_packets = token_u64(value);
            bad = !s.rx_packets;
        } else if (key == "rssi") {
            // A 0-100 percentage; the driver maps −100..0 dBm to it as 100 + dBm.
            auto percent = leading_int_in(value, 0, 100);
            if (percent) s.signal_dbm = static_cast<int>(*percent) - 100;
            bad = !percent;
        } else if (key == "current_tx_rate") {
            s.downlink_kbps = parse_rate(value, s.standard);
            bad = !s.downlink_kbps;
        } else if (key == "current_rx_rate") {
            s.uplink_kbps = parse_rate(value, s.standard);
            bad = !s.uplink_kbps;
        } else if (key == "link_time") {
            s.connected_s = parse_link_time(value);
            bad = !s.connected_s;
        }
        if (bad)
            notes.add("block at line " + std::to_string(block_line) + ": unreadable '" + clip(key) +
                      "' value '" + clip(value) + "'");
    }
    finish();
    return out;
}

Result<std::unique_ptr<Collector>> make_realtek_wlan_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"interface", "file"}, spec::Wording::radio); !ok)
        return ok.error();
    auto interface = spec::interface_name(spec, "interface", where);
    if (!interface) return interface.error();
    auto file = spec::opt_string(spec, "file", where);
    if (!file) return file.error();
    std::string path = file->value_or("/proc/" + *interface + "/sta_info");
    return std::unique_ptr<Collector>(std::make_unique<RealtekWlanCollector>(*interface, std::move(path)));
}

}  // namespace cpe::agent
