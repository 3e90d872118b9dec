#include "collectors/realtek_pon.hpp"

#include <cctype>
#include <vector>

#include "collectors/radio.hpp"
#include "collectors/spec.hpp"
#include "collectors/text.hpp"

namespace cpe::agent {
namespace {

using namespace radio;
using namespace text;

constexpr double kNoLightDbm = -60.0;

struct Unit {
    const char* name;
    double scale;  // to the record's unit
};

// Accepted units per quantity; the first is the record's own. An absent unit means the first.
std::vector<Unit> units_of(RealtekQuantity q) {
    switch (q) {
        case RealtekQuantity::rx_power:
        case RealtekQuantity::tx_power:
            return {{"dBm", 1.0}};
        case RealtekQuantity::temperature:
            return {{"C", 1.0}, {"°C", 1.0}, {"degC", 1.0}};
        case RealtekQuantity::voltage:
            return {{"V", 1.0}, {"mV", 0.001}};
        case RealtekQuantity::bias_current:
            return {{"mA", 1.0}, {"uA", 0.001}, {"µA", 0.001}};
    }
    return {};
}

// Plausible physical range per quantity, in the record's unit; outside it the value is garbage.
bool plausible(RealtekQuantity q, double v) {
    switch (q) {
        case RealtekQuantity::rx_power:
        case RealtekQuantity::tx_power:
            return v >= -100 && v <= 30;
        case RealtekQuantity::temperature:
            return v >= -60 && v <= 200;
        case RealtekQuantity::voltage:
            return v >= 0 && v <= 20;
        case RealtekQuantity::bias_current:
            return v >= 0 && v <= 500;
    }
    return false;
}

class RealtekPonCollector final : public Collector {
  public:
    RealtekPonCollector(std::vector<std::string> command, std::vector<std::string> state_command)
        : command_(std::move(command)), state_command_(std::move(state_command)) {}
    const char* type() const override { return "realtek_pon"; }
    Status collect(SourceReader& source, BoardData& out) override {
        ParseNotes notes;
        OpticalReading reading;
        size_t failures = 0;
        std::string last_error;
        for (RealtekQuantity q :
             {RealtekQuantity::rx_power, RealtekQuantity::tx_power, RealtekQuantity::temperature,
              RealtekQuantity::voltage, RealtekQuantity::bias_current}) {
            std::vector<std::string> argv = command_;
            argv.emplace_back(realtek_quantity_arg(q));
            auto text = source.run(argv);
            if (!text) {
                ++failures;
                last_error = text.error().message;
                notes.add(std::string(realtek_quantity_arg(q)) + ": " + text.error().message);
                continue;
            }
            bool no_light = false;
            auto v = parse_realtek_transceiver(*text, q, notes, &no_light);
            switch (q) {
                case RealtekQuantity::rx_power:
                    reading.rx_dbm = v;
                    if (no_light) reading.los = true;
                    break;
                case RealtekQuantity::tx_power:
                    reading.tx_dbm = v;
                    break;
                case RealtekQuantity::temperature:
                    reading.temperature_c = v;
                    break;
                case RealtekQuantity::voltage:
                    reading.voltage_v = v;
                    break;
                case RealtekQuantity::bias_current:
                    reading.bias_ma = v;
                    break;
            }
        }
        auto state = source.run(state_command_);
        if (state) {
            reading.onu_state = parse_realtek_onu_state(*state, notes);
            if (!reading.onu_state.empty()) reading.pon_type = "GPON";
        } else {
            ++failures;
            last_error = state.error().message;
            notes.add("onu-state: " + state.error().message);
        }
        if (failures == 6)
            return make_error(Errc::unavailable,
                              "realtek_pon: every diag command failed (last: " + last_error + ")");
        spec::log_notes(type(), command_.front(), notes, spec::Wording::radio);
        merge_optical(out.optical, reading);
        return {};
    }

  private:
    std::vector<std::string> command_;
    std::vector<std::string> state_command_;
};

}  // namespace

const char* realtek_quantity_arg(RealtekQuantity q) {
    switch (q) {
        case RealtekQuantity::rx_power:
            return "rx-power";
        case RealtekQuantity::tx_power:
            return "tx-power";
        case RealtekQuantity::temperature:
            return "temperature";
        case RealtekQuantity::voltage:
            return "voltage";
        case RealtekQuantity::bias_current:
            return "bias-current";
    }
    return "";
}

const char* realtek_quantity_label(RealtekQuantity q) {
    switch (q) {
        case RealtekQuantity::rx_power:
            return "Rx Power";
        case RealtekQuantity::tx_power:
            return "Tx Power";
        case RealtekQuantity::temperature:
            return "Temperature";
        case RealtekQuantity::voltage:
            return "Voltage";
        case RealtekQuantity::bias_current:
            return "Bias Current";
    }
    return "";
}

std::optional<double> parse_realtek_transceiver(std::string_view text, RealtekQuantity q, ParseNotes& notes,
                                                bool* no_light) {
    const std::string_view label = realtek_quantity_label(q);
    for (std::string_view raw : split_lines(text)) {
        size_t at = ifind(raw, label);
        if (at == std::string_view::npos) continue;
        std::string_view after = trim(raw.substr(at + label.size()));
        if (after.empty() || after.front() != ':') continue;  // an echoed command line, not the value line
        after = trim(after.substr(1));
        if (q == RealtekQuantity::rx_power && (istarts_with(after, "-inf") || istarts_with(after, "inf"))) {
            if (no_light) *no_light = true;
            return std::nullopt;
        }
        std::string_view rest;
        auto v = leading_double(after, &rest);
        if (!v) {
            notes.add(std::string(label) + ": not a number: '" + clip(after) + "'");
            return std::nullopt;
        }
        std::string_view unit = first_token(rest);
        std::vector<Unit> units = units_of(q);
        const Unit* matched = unit.empty() ? &units.front() : nullptr;
        for (const Unit& u : units)
            if (!matched && unit == u.name) matched = &u;
        if (!matched) {
            notes.add(std::string(label) + ": unknown unit '" + clip(unit) + "'");
            return std::nullopt;
        }
        double value = *v * matched->scale;
        if (q == RealtekQuantity::rx_power && value <= kNoLightDbm) {
            if (no_light) *no_light = true;
            return std::nullopt;
        }
        if (!plausible(q, value)) {
            notes.add(std::string(label) + ": implausible value '" + clip(after) + "'");
            return std::nullopt;
        }
        return value;
    }
    notes.add(std::string(label) + ": no '" + std::string(label) + ":' line in the output");
    return std::nullopt;
}

std::string parse_realtek_onu_state(std::string_view text, ParseNotes& notes) {
    for (std::string_view raw : split_lines(text)) {
        std::string_view line = trim(raw);
        bool bare = line.size() == 2 || (line.size() > 2 && line[2] == '.');
        if (ifind(line, "state") == std::string_view::npos && !bare) continue;
        for (size_t i = 0; i + 1 < line.size(); ++i) {
            char c = line[i];
            char d = line[i + 1];
            bool starts_word = i == 0 || !std::isalnum(static_cast<unsigned char>(line[i - 1]));
            bool ends_word = i + 2 >= line.size() || !std::isalnum(static_cast<unsigned char>(line[i + 2]));
            if ((c == 'O' || c == 'o') && d >= '1' && d <= '9' && starts_word && ends_word)
                return std::string("O") + d;
        }
    }
    notes.add("onu-state: no O1..O9 state in '" + clip(trim(text)) + "'");
    return {};
}

Result<std::unique_ptr<Collector>> make_realtek_pon_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"command", "state_command"}, spec::Wording::radio); !ok)
        return ok.error();
    auto command = spec::opt_argv(spec, "command", where);
    if (!command) return command.error();
    auto state = spec::opt_argv(spec, "state_command", where);
    if (!state) return state.error();
    return std::unique_ptr<Collector>(std::make_unique<RealtekPonCollector>(
        command->value_or(std::vector<std::string>{"diag", "pon", "get", "transceiver"}),
        state->value_or(std::vector<std::string>{"diag", "gpon", "get", "onu-state"})));
}

}  // namespace cpe::agent
