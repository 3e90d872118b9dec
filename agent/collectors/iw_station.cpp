#include "collectors/iw_station.hpp"

#include "collectors/radio.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace radio;
using namespace text;

// The generation named by an iw bitrate line's modulation tokens.
std::string standard_of_bitrate(std::string_view rest) {
    if (rest.find("EHT-MCS") != std::string_view::npos) return "be";
    if (rest.find("HE-MCS") != std::string_view::npos) return "ax";
    if (rest.find("VHT-MCS") != std::string_view::npos) return "ac";
    if (rest.find("MCS") != std::string_view::npos) return "n";
    return "";
}

std::optional<uint32_t> parse_bitrate(std::string_view value, std::string& standard) {
    std::string_view rest;
    auto mbit = leading_double(value, &rest);
    if (!mbit || !istarts_with(trim(rest), "MBit/s")) return std::nullopt;
    standard = newer_standard(standard, standard_of_bitrate(rest));
    return mbit_to_kbps(*mbit);
}

class IwStationCollector final : public Collector {
  public:
    IwStationCollector(std::string interface, std::vector<std::string> argv)
        : interface_(std::move(interface)), argv_(std::move(argv)) {}
    const char* type() const override { return "iw_station"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.run(argv_);
        if (!text) return text.error().with_context("iw_station " + interface_);
        ParseNotes notes;
        std::vector<Station> stations = parse_iw_station_dump(*text, interface_, notes);
        spec::log_notes(type(), interface_, notes, spec::Wording::radio);
        out.stations.insert(out.stations.end(), stations.begin(), stations.end());
        return {};
    }

  private:
    std::string interface_;
    std::vector<std::string> argv_;
};

}  // namespace

std::vector<Station> parse_iw_station_dump(std::string_view text, const std::string& interface,
                                           ParseNotes& notes) {
    std::vector<Station> out;
    std::optional<Station> current;
    bool skipping = false;  // inside a block whose header was unusable
    bool noted_preamble = false;
    bool have_avg = false;  // the current station's SignalStrength came from "signal avg"
    auto finish = [&] {
        if (current) out.push_back(std::move(*current));
        current.reset();
    };
    size_t line_no = 0;
    for (std::string_view raw : split_lines(text)) {
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty()) continue;
        if (line.substr(0, 8) == "Station ") {
            finish();
            std::string_view mac_text = first_token(line.substr(8));
            auto mac = MacAddress::parse(mac_text);
            if (!mac) {
                notes.add("line " + std::to_string(line_no) + ": station with invalid MAC '" +
                          clip(mac_text) + "'");
                skipping = true;
                continue;
            }
            skipping = false;
            current.emplace();
            have_avg = false;
            current->mac = *mac;
            current->interface = interface;
            continue;
        }
        if (!current) {
            if (!skipping && !noted_preamble) {
                notes.add("line " + std::to_string(line_no) + ": text before the first 'Station' line");
                noted_preamble = true;
            }
            continue;
        }
        std::string_view key, value;
        if (!split_key_value(line, ":", key, value)) continue;
        Station& s = *current;
        bool bad = false;
        if (key == "inactive time") {
            s.inactive_ms = to_u32(token_u64(first_token(value)));
            bad = !s.inactive_ms;
        } else if (key == "connected time") {
            s.connected_s = to_u32(token_u64(first_token(value)));
            bad = !s.connected_s;
        } else if (key == "rx bytes") {
            s.rx_bytes = token_u64(value);
            bad = !s.rx_bytes;
        } else if (key == "tx bytes") {
            s.tx_bytes = token_u64(value);
            bad = !s.tx_bytes;
        } else if (key == "rx packets") {
            s.rx_packets = token_u64(value);
            bad = !s.rx_packets;
        } else if (key == "tx packets") {
            s.tx_packets = token_u64(value);
            bad = !s.tx_packets;
        } else if (key == "signal avg" || (key == "signal" && !have_avg)) {
            // TR-181 SignalStrength is an average over the recent past: iw's "signal avg" where it prints
            // one, else the last frame's "signal".
            auto dbm = leading_int_in(value, -200, 0);
            if (dbm) s.signal_dbm = static_cast<int>(*dbm);
            if (dbm && key == "signal avg") have_avg = true;
            bad = !dbm;
        } else if (key == "tx retries") {
            s.tx_retries = to_u32(token_u64(value));
            bad = !s.tx_retries;
        } else if (key == "tx failed") {
            s.tx_failed = to_u32(token_u64(value));
            bad = !s.tx_failed;
        } else if (key == "authenticated") {
            if (value == "yes" || value == "no") s.authenticated = value == "yes";
            bad = !s.authenticated;
        } else if (key == "tx bitrate") {
            s.downlink_kbps = parse_bitrate(value, s.standard);
            bad = !s.downlink_kbps;
        } else if (key == "rx bitrate") {
            s.uplink_kbps = parse_bitrate(value, s.standard);
            bad = !s.uplink_kbps;
        }
        if (bad)
            notes.add("station " + s.mac.str() + ": unreadable '" + clip(key) + "' value '" + clip(value) +
                      "'");
    }
    finish();
    return out;
}

Result<std::unique_ptr<Collector>> make_iw_station_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"interface", "command"}, spec::Wording::radio); !ok)
        return ok.error();
    auto interface = spec::interface_name(spec, "interface", where);
    if (!interface) return interface.error();
    auto argv = spec::opt_argv(spec, "command", where);
    if (!argv) return argv.error();
    std::vector<std::string> command =
        argv->value_or(std::vector<std::string>{"iw", "dev", *interface, "station", "dump"});
    return std::unique_ptr<Collector>(std::make_unique<IwStationCollector>(*interface, std::move(command)));
}

}  // namespace cpe::agent
