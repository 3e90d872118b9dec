#include "collectors/identity.hpp"

#include "collectors/spec.hpp"
#include "collectors/text.hpp"
#include "log/log.hpp"

namespace cpe::agent {
namespace {

struct Field {
    const char* key;
    std::string Identity::*member;
};
constexpr Field kFields[] = {
    {"Manufacturer", &Identity::manufacturer},
    {"ManufacturerOUI", &Identity::manufacturer_oui},
    {"ModelName", &Identity::model_name},
    {"ProductClass", &Identity::product_class},
    {"SerialNumber", &Identity::serial_number},
    {"HardwareVersion", &Identity::hardware_version},
    {"SoftwareVersion", &Identity::software_version},
    {"Description", &Identity::description},
};
constexpr size_t kMaxValueBytes = 256;  // DeviceInfo strings are at most 256 characters (TR-181)

class IdentityCollector final : public Collector {
  public:
    explicit IdentityCollector(std::vector<IdentityValue> values) : values_(std::move(values)) {}
    const char* type() const override { return "identity"; }

    // Values that can be read are set; one that cannot is left empty and logged (rate-limited), so a missing
    // /etc/fw_version does not hide the serial number. Fails only when no value could be produced at all.
    Status collect(SourceReader& source, BoardData& out) override {
        Identity id;
        size_t produced = 0;
        std::string first_error;
        for (const IdentityValue& v : values_) {
            Result<std::string> text = read(source, v);
            if (!text) {
                if (first_error.empty()) first_error = "identity." + v.key + ": " + text.error().message;
                LOG_LIMITED(::cpe::log::Level::warn, 5, 300, "collector", "identity.%s: %s", v.key.c_str(),
                            text.error().message.c_str());
                continue;
            }
            set_identity_field(id, v.key, std::move(*text));
            ++produced;
        }
        if (produced == 0 && !values_.empty()) return make_error(Errc::unavailable, first_error);
        out.identity = std::move(id);
        return {};
    }

  private:
    static Result<std::string> read(SourceReader& source, const IdentityValue& v) {
        switch (v.kind) {
            case IdentityValue::Kind::literal:
                return v.text;
            case IdentityValue::Kind::file: {
                auto text = source.read_file(v.text, 64 * 1024);
                if (!text) return text.error();
                return identity_first_line(*text);
            }
            case IdentityValue::Kind::command: {
                auto text = source.run(v.argv, kDefaultCommandTimeoutMs, 64 * 1024);
                if (!text) return text.error();
                return identity_first_line(*text);
            }
        }
        return make_error(Errc::internal, "identity: unknown value kind");
    }

    std::vector<IdentityValue> values_;
};

}  // namespace

std::string identity_first_line(std::string_view text) {
    size_t nl = text.find('\n');
    std::string_view line = text::trim(text.substr(0, nl));
    if (line.size() > kMaxValueBytes) line = line.substr(0, kMaxValueBytes);
    std::string out;
    out.reserve(line.size());
    for (char c : line) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return out;
}

bool set_identity_field(Identity& identity, std::string_view key, std::string value) {
    for (const Field& f : kFields) {
        if (key == f.key) {
            identity.*(f.member) = std::move(value);
            return true;
        }
    }
    return false;
}

Result<std::vector<IdentityValue>> parse_identity_spec(const cJSON* identity, std::string_view where) {
    const std::string base(where);
    if (!cJSON_IsObject(identity)) return make_error(Errc::invalid_argument, base + ": must be an object");
    std::vector<IdentityValue> values;
    for (const cJSON* item = identity->child; item; item = item->next) {
        const std::string key = item->string ? item->string : "";
        const std::string at = base + "." + key;
        bool known = false;
        for (const Field& f : kFields) known = known || key == f.key;
        if (!known) {
            std::string list;
            for (const Field& f : kFields) list += std::string(list.empty() ? "" : ", ") + f.key;
            return make_error(Errc::invalid_argument, at + ": unknown identity key (known: " + list + ")");
        }
        IdentityValue v;
        v.key = key;
        if (cJSON_IsString(item) && item->valuestring) {
            v.kind = IdentityValue::Kind::literal;
            v.text = identity_first_line(item->valuestring);
        } else if (cJSON_IsObject(item)) {
            const cJSON* file = cJSON_GetObjectItemCaseSensitive(item, "file");
            const cJSON* command = cJSON_GetObjectItemCaseSensitive(item, "command");
            if ((file != nullptr) == (command != nullptr))
                return make_error(Errc::invalid_argument,
                                  at + ": needs exactly one of \"file\" or \"command\"");
            if (auto st = spec::check_keys(item, at, {"file", "command"}); !st) return st.error();
            if (file) {
                auto path = spec::string_option(item, "file", at, "");
                if (!path) return path.error();
                v.kind = IdentityValue::Kind::file;
                v.text = *path;
            } else {
                auto argv = spec::string_list_option(item, "command", at, 1);
                if (!argv) return argv.error();
                v.kind = IdentityValue::Kind::command;
                v.argv = std::move(**argv);
            }
        } else {
            return make_error(
                Errc::invalid_argument,
                at + ": must be a string, {\"file\": \"/path\"} or {\"command\": [\"argv\", ...]}");
        }
        for (const IdentityValue& seen : values)
            if (seen.key == key) return make_error(Errc::invalid_argument, at + ": given twice");
        values.push_back(std::move(v));
    }
    return values;
}

Result<std::unique_ptr<Collector>> make_identity_collector(const cJSON* spec, std::string_view where) {
    if (auto st = spec::check_keys(spec, where, {"identity"}); !st) return st.error();
    const cJSON* identity = cJSON_GetObjectItemCaseSensitive(spec, "identity");
    if (!identity)
        return make_error(Errc::invalid_argument,
                          std::string(where) + ".identity: missing (the profile's identity block)");
    auto values = parse_identity_spec(identity, std::string(where) + ".identity");
    if (!values) return values.error();
    return std::unique_ptr<Collector>(std::make_unique<IdentityCollector>(std::move(*values)));
}

}  // namespace cpe::agent
