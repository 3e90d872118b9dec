#include "collectors/econet_pon.hpp"

#include <cmath>

#include "collectors/radio.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"
#include "util/units.hpp"

namespace cpe::agent {
namespace {

using namespace radio;
using namespace text;

constexpr double kNoLightDbm = -40.0;  // below any GPON class sensitivity: a reading this low is no light

std::string onu_state_of(std::string_view value) {
    value = trim(value);
    if (value.size() == 1 && value[0] >= '1' && value[0] <= '9') return "O" + std::string(value);
    if (value.size() >= 2 && (value[0] == 'O' || value[0] == 'o') && value[1] >= '1' && value[1] <= '9' &&
        (value.size() == 2 || value[2] == '.'))
        return "O" + std::string(1, value[1]);
    return {};
}

class EconetPonCollector final : public Collector {
  public:
    EconetPonCollector(std::string dir, std::string los_file, EconetPonOptions options)
        : dir_(std::move(dir)), los_file_(std::move(los_file)), options_(options) {}
    const char* type() const override { return "econet_pon"; }
    Status collect(SourceReader& source, BoardData& out) override {
        ParseNotes notes;
        OpticalReading reading;
        auto info = source.read_file(dir_ + "/info");
        if (info) parse_econet_pon_info(*info, options_, reading, notes);
        bool have_rssi = false;
        if (!reading.rx_dbm) {
            auto rssi = source.read_file(dir_ + "/RSSICurrent");
            if (rssi) {
                have_rssi = true;
                reading.rx_dbm = parse_econet_rssi(*rssi, notes);
            } else if (rssi.error().code != Errc::not_found) {
                notes.add(rssi.error().message);
            }
        }
        if (!info && !have_rssi)
            return info.error().with_context("econet_pon: neither info nor RSSICurrent readable");
        if (!info && info.error().code != Errc::not_found) notes.add(info.error().message);
        auto los = source.read_file(los_file_, 64);
        if (los)
            reading.los = parse_econet_los(*los, options_, notes);
        else if (los.error().code != Errc::not_found)
            notes.add(los.error().message);
        if (reading.los && *reading.los && reading.rx_dbm && *reading.rx_dbm > kNoLightDbm)
            notes.add("LOS asserted while RX power reads " + std::to_string(*reading.rx_dbm) +
                      " dBm: check los_active_value for this board");
        spec::log_notes(type(), dir_, notes, spec::Wording::radio);
        merge_optical(out.optical, reading);
        return {};
    }

  private:
    std::string dir_;
    std::string los_file_;
    EconetPonOptions options_;
};

}  // namespace

void parse_econet_pon_info(std::string_view text, const EconetPonOptions& options, OpticalReading& out,
                           ParseNotes& notes) {
    size_t line_no = 0;
    for (std::string_view raw : split_lines(text)) {
        ++line_no;
        std::string_view line = trim(raw);
        if (line.empty()) continue;
        std::string_view key, value;
        if (!split_key_value(line, ":=", key, value)) continue;
        auto bad = [&] {
            notes.add("info line " + std::to_string(line_no) + ": unreadable " + clip(key) + " '" +
                      clip(value) + "'");
        };
        if (iequals(key, "PonType")) {
            if (!value.empty()) out.pon_type = clip(value, 32);
        } else if (iequals(key, "GponSn")) {
            if (!value.empty()) out.gpon_serial = clip(value, 32);
        } else if (iequals(key, "OnuState")) {
            out.onu_state = onu_state_of(value);
            if (out.onu_state.empty()) bad();
        } else if (iequals(key, "Temperature")) {
            auto raw_value = token_u64_auto(value);
            if (!raw_value || *raw_value > 0xffff) {
                bad();
                continue;
            }
            // SFF-8472: a signed 16-bit two's-complement value in 1/256 °C.
            auto as_signed = static_cast<int16_t>(static_cast<uint16_t>(*raw_value));
            out.temperature_c = as_signed / 256.0;
        } else if (iequals(key, "Voltage") || iequals(key, "BiasCurrent")) {
            auto raw_value = token_u64_auto(value);
            if (!raw_value || *raw_value > 0xffffffffu) {
                bad();
                continue;
            }
            if (iequals(key, "Voltage"))
                out.voltage_v = static_cast<double>(*raw_value) * options.voltage_lsb_v;
            else
                out.bias_ma = static_cast<double>(*raw_value) * options.bias_lsb_ma;
        } else if (iequals(key, "TxPower") || iequals(key, "RxPower")) {
            auto raw_value = token_u64_auto(value);
            if (!raw_value || *raw_value > 0xffffffffu) {
                bad();
                continue;
            }
            auto dbm = units::tenth_microwatt_to_dbm(static_cast<double>(*raw_value));
            (iequals(key, "TxPower") ? out.tx_dbm : out.rx_dbm) = dbm;
        }
    }
}

std::optional<double> parse_econet_rssi(std::string_view text, ParseNotes& notes) {
    auto raw_value = token_u64_auto(text);
    if (!raw_value || *raw_value > 0xffffffffu) {
        notes.add("RSSICurrent: not a number: '" + clip(trim(text)) + "'");
        return std::nullopt;
    }
    return units::tenth_microwatt_to_dbm(static_cast<double>(*raw_value));
}

std::optional<bool> parse_econet_los(std::string_view text, const EconetPonOptions& options,
                                     ParseNotes& notes) {
    auto v = token_i64(text);
    if (!v) {
        notes.add("los_status: not an integer: '" + clip(trim(text)) + "'");
        return std::nullopt;
    }
    return *v == options.los_active_value;
}

Result<std::unique_ptr<Collector>> make_econet_pon_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where,
                                   {"dir", "los_file", "los_active_value", "voltage_lsb_v", "bias_lsb_ma"},
                                   spec::Wording::radio);
        !ok)
        return ok.error();
    auto dir = spec::opt_string(spec, "dir", where);
    if (!dir) return dir.error();
    auto los_file = spec::opt_string(spec, "los_file", where);
    if (!los_file) return los_file.error();
    EconetPonOptions options;
    auto los_value = spec::opt_number(spec, "los_active_value", where);
    if (!los_value) return los_value.error();
    if (*los_value) {
        double v = **los_value;
        if (v != std::floor(v) || v < -1e9 || v > 1e9)
            return make_error(Errc::invalid_argument,
                              std::string(where) + ".los_active_value: must be an integer");
        options.los_active_value = static_cast<int64_t>(v);
    }
    for (auto [key, field] : {std::pair{"voltage_lsb_v", &options.voltage_lsb_v},
                              std::pair{"bias_lsb_ma", &options.bias_lsb_ma}}) {
        auto v = spec::opt_number(spec, key, where);
        if (!v) return v.error();
        if (*v) {
            if (!(**v > 0) || **v > 1000)
                return make_error(Errc::invalid_argument,
                                  std::string(where) + "." + key + ": must be > 0 and <= 1000");
            *field = **v;
        }
    }
    std::string d = dir->value_or("/proc/pon_phy");
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return std::unique_ptr<Collector>(
        std::make_unique<EconetPonCollector>(d, los_file->value_or("/proc/tc3162/los_status"), options));
}

}  // namespace cpe::agent
