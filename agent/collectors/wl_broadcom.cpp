#include "collectors/wl_broadcom.hpp"

#include <cmath>

#include "collectors/radio.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace radio;
using namespace text;

// Mean of the non-zero dBm values of a per-antenna list ("-51 -54 0 0"); 0 marks an absent antenna.
std::optional<int> mean_nonzero_dbm(std::string_view list, bool& bad) {
    double sum = 0;
    int count = 0;
    std::string_view rest = list;
    while (!trim(rest).empty()) {
        std::string_view token = first_token(rest, &rest);
        auto v = token_i64(token);
        if (!v || *v < -200 || *v > 0) {
            bad = true;
            return std::nullopt;
        }
        if (*v != 0) {
            sum += static_cast<double>(*v);
            ++count;
        }
    }
    if (count == 0) return std::nullopt;
    return static_cast<int>(std::lround(sum / count));
}

class WlBroadcomCollector final : public Collector {
  public:
    WlBroadcomCollector(std::string interface, std::string tool)
        : interface_(std::move(interface)), tool_(std::move(tool)) {}
    const char* type() const override { return "wl_broadcom"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto list = source.run({tool_, "-i", interface_, "assoclist"});
        if (!list) return list.error().with_context("wl_broadcom " + interface_ + " assoclist");
        ParseNotes notes;
        std::vector<Station> stations;
        for (const WlAssociation& assoc : parse_wl_assoclist(*list, notes)) {
            auto info = source.run({tool_, "-i", interface_, "sta_info", assoc.printed});
            if (!info) {
                notes.add("sta_info " + assoc.printed + ": " + info.error().message);
                Station bare;
                bare.mac = assoc.mac;
                bare.interface = interface_;
                stations.push_back(std::move(bare));
                continue;
            }
            stations.push_back(parse_wl_sta_info(*info, assoc.mac, interface_, notes));
        }
        spec::log_notes(type(), interface_, notes, spec::Wording::radio);
        out.stations.insert(out.stations.end(), stations.begin(), stations.end());
        return {};
    }

  private:
    std::string interface_;
    std::string tool_;
};

}  // namespace

std::vector<WlAssociation> parse_wl_assoclist(std::string_view text, ParseNotes& notes) {
    std::vector<WlAssociation> out;
    size_t line_no = 0;
    for (std::string_view raw : split_lines(text)) {
        ++line_no;
        std::string_view rest;
        std::string_view token = first_token(raw, &rest);
        if (token.empty()) continue;
        if (token == "assoclist") token = first_token(rest, &rest);
        auto mac = MacAddress::parse(token);
        if (!mac || !trim(rest).empty()) {
            notes.add("assoclist line " + std::to_string(line_no) + ": not 'assoclist <MAC>': '" + clip(raw) +
                      "'");
            continue;
        }
        bool seen = false;
        for (const WlAssociation& a : out) seen = seen || a.mac == *mac;
        if (seen) continue;
        if (out.size() >= kWlMaxStations) {
            notes.add("assoclist: more than " + std::to_string(kWlMaxStations) +
                      " stations, the rest ignored");
            break;
        }
        out.push_back({*mac, std::string(token)});
    }
    return out;
}

Station parse_wl_sta_info(std::string_view text, const MacAddress& mac, const std::string& interface,
                          ParseNotes& notes) {
    Station s;
    s.mac = mac;
    s.interface = interface;
    std::optional<uint64_t> tx_data_bytes, tx_data_pkts, rx_data_bytes, rx_data_pkts;
    std::optional<int> rssi_avg, rssi_last;
    const std::string who = "sta_info " + mac.str();
    auto bad_value = [&](std::string_view key, std::string_view value) {
        notes.add(who + ": unreadable '" + clip(key) + "' value '" + clip(value) + "'");
    };
    for (std::string_view raw : split_lines(text)) {
        std::string_view line = trim(raw);
        if (line.empty()) continue;
        if (line.substr(0, 4) == "STA ") {
            std::string_view printed = trim(line.substr(4));
            if (!printed.empty() && printed.back() == ':') printed.remove_suffix(1);
            auto header_mac = MacAddress::parse(printed);
            if (header_mac && *header_mac != mac)
                notes.add(who + ": output names another station " + header_mac->str());
            continue;
        }
        if (line.substr(0, 5) == "idle ") {
            auto v = to_u32(token_u64(first_token(line.substr(5))));
            if (v && *v <= UINT32_MAX / 1000)
                s.inactive_ms = *v * 1000;
            else
                bad_value("idle", line.substr(5));
            continue;
        }
        if (line.substr(0, 11) == "in network ") {
            s.connected_s = to_u32(token_u64(first_token(line.substr(11))));
            if (!s.connected_s) bad_value("in network", line.substr(11));
            continue;
        }
        if (line.substr(0, 6) == "flags ") {
            size_t colon = line.find(':');
            std::string_view rest =
                colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
            while (!trim(rest).empty()) {
                std::string_view flag = first_token(rest, &rest);
                if (flag == "EHT_CAP")
                    s.standard = newer_standard(s.standard, "be");
                else if (flag == "HE_CAP")
                    s.standard = newer_standard(s.standard, "ax");
                else if (flag == "VHT_CAP")
                    s.standard = newer_standard(s.standard, "ac");
                else if (flag == "N_CAP")
                    s.standard = newer_standard(s.standard, "n");
            }
            continue;
        }
        std::string_view key, value;
        if (!split_key_value(line, ":", key, value)) continue;
        auto counter = [&](std::optional<uint64_t>& field) {
            field = token_u64(value);
            if (!field) bad_value(key, value);
        };
        if (key == "tx total bytes")
            counter(s.tx_bytes);
        else if (key == "tx total pkts")
            counter(s.tx_packets);
        else if (key == "rx total bytes")
            counter(s.rx_bytes);
        else if (key == "rx total pkts")
            counter(s.rx_packets);
        else if (key == "tx data bytes")
            counter(tx_data_bytes);
        else if (key == "tx data pkts")
            counter(tx_data_pkts);
        else if (key == "rx data bytes")
            counter(rx_data_bytes);
        else if (key == "rx data pkts")
            counter(rx_data_pkts);
        else if (key == "rate of last tx pkt" || key == "rate of last rx pkt") {
            std::string_view unit;
            auto kbps = token_u64(first_token(value, &unit));
            std::optional<uint32_t> rate = unit == "kbps" ? to_u32(kbps) : std::nullopt;
            if (!rate) bad_value(key, value);
            (key == "rate of last tx pkt" ? s.downlink_kbps : s.uplink_kbps) = rate;
        } else if (key == "smoothed rssi") {
            auto dbm = leading_int_in(value, -200, 0);
            // 0 is what the driver prints before it has measured anything.
            if (dbm && *dbm != 0)
                s.signal_dbm = static_cast<int>(*dbm);
            else if (!dbm)
                bad_value(key, value);
        } else if (key == "per antenna average rssi of rx data frames" ||
                   key == "per antenna rssi of last rx data frame" || key == "per antenna noise floor") {
            bool bad = false;
            auto mean = mean_nonzero_dbm(value, bad);
            if (bad) bad_value(key, value);
            if (key == "per antenna noise floor")
                s.noise_dbm = mean;
            else if (key == "per antenna average rssi of rx data frames")
                rssi_avg = mean;
            else
                rssi_last = mean;
        }
    }
    if (!s.tx_bytes) s.tx_bytes = tx_data_bytes;
    if (!s.tx_packets) s.tx_packets = tx_data_pkts;
    if (!s.rx_bytes) s.rx_bytes = rx_data_bytes;
    if (!s.rx_packets) s.rx_packets = rx_data_pkts;
    if (!s.signal_dbm) s.signal_dbm = rssi_avg ? rssi_avg : rssi_last;
    return s;
}

Result<std::unique_ptr<Collector>> make_wl_broadcom_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"interface", "tool"}, spec::Wording::radio); !ok)
        return ok.error();
    auto interface = spec::interface_name(spec, "interface", where);
    if (!interface) return interface.error();
    auto tool = spec::opt_string(spec, "tool", where);
    if (!tool) return tool.error();
    return std::unique_ptr<Collector>(
        std::make_unique<WlBroadcomCollector>(*interface, tool->value_or("wl")));
}

}  // namespace cpe::agent
