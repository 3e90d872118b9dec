#include "collectors/mesh.hpp"

#include <cmath>

#include "collectors/spec.hpp"
#include "collectors/text.hpp"
#include "json/json.hpp"

namespace cpe::agent {
namespace {

using namespace text;

constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53: beyond it a JSON number is not exact

// Typed reads of one object's members; each wrong type or range is noted with its JSON path.
class Reader {
  public:
    Reader(const cJSON* obj, std::string path, ParseNotes& notes)
        : obj_(obj), path_(std::move(path)), notes_(notes) {}

    const cJSON* get(const char* key) const {
        const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj_, key);
        return item && !cJSON_IsNull(item) ? item : nullptr;
    }
    void note(const char* key, const std::string& what) const { notes_.add(path_ + "." + key + ": " + what); }

    std::string str(const char* key) const {
        const cJSON* item = get(key);
        if (!item) return {};
        if (!cJSON_IsString(item) || !item->valuestring) {
            note(key, "must be a string");
            return {};
        }
        std::string value = item->valuestring;
        if (value.size() > 256) {
            note(key, "longer than 256 bytes, cut");
            value.resize(256);
        }
        return value;
    }
    // One of `allowed`, else "" (noted).
    std::string one_of(const char* key, std::initializer_list<const char*> allowed) const {
        std::string value = str(key);
        if (value.empty()) return value;
        for (const char* a : allowed)
            if (value == a) return value;
        note(key, "unknown value '" + clip(value) + "'");
        return {};
    }
    std::optional<double> integer(const char* key, double lo, double hi) const {
        const cJSON* item = get(key);
        if (!item) return std::nullopt;
        double v = item->valuedouble;
        if (!cJSON_IsNumber(item) || !std::isfinite(v) || v != std::floor(v) || v < lo || v > hi) {
            note(key, "must be an integer in " + std::to_string(static_cast<int64_t>(lo)) + ".." +
                          std::to_string(static_cast<uint64_t>(hi)));
            return std::nullopt;
        }
        return v;
    }
    std::optional<uint32_t> u32(const char* key) const {
        auto v = integer(key, 0, 4294967295.0);
        return v ? std::optional<uint32_t>(static_cast<uint32_t>(*v)) : std::nullopt;
    }
    std::optional<uint64_t> u64(const char* key) const {
        auto v = integer(key, 0, kMaxSafeInteger);
        return v ? std::optional<uint64_t>(static_cast<uint64_t>(*v)) : std::nullopt;
    }
    // RCPI 0..255; 255 means "not measured" and is absent.
    std::optional<int> rcpi(const char* key) const {
        auto v = integer(key, 0, 255);
        if (!v || *v == 255) return std::nullopt;
        return static_cast<int>(*v);
    }
    // A MAC member; `required` notes its absence too.
    std::optional<MacAddress> mac(const char* key, bool required) const {
        const cJSON* item = get(key);
        if (!item) {
            if (required) note(key, "missing");
            return std::nullopt;
        }
        if (!cJSON_IsString(item) || !item->valuestring) {
            note(key, "must be a MAC address string");
            return std::nullopt;
        }
        auto parsed = MacAddress::parse(item->valuestring);
        if (!parsed) {
            note(key, parsed.error().message);
            return std::nullopt;
        }
        return *parsed;
    }
    // An array member; absent/null gives nullptr silently, another type is noted.
    const cJSON* array(const char* key) const {
        const cJSON* item = get(key);
        if (!item) return nullptr;
        if (!cJSON_IsArray(item)) {
            note(key, "must be an array");
            return nullptr;
        }
        return item;
    }
    const std::string& path() const { return path_; }

  private:
    const cJSON* obj_;
    std::string path_;
    ParseNotes& notes_;
};

std::string index_path(const std::string& parent, const char* key, int i) {
    return (parent.empty() ? std::string() : parent + ".") + key + "[" + std::to_string(i) + "]";
}

// Iterates the objects of an array, noting (and skipping) members that are not objects.
template <typename F>
void each_object(const cJSON* array, const std::string& parent, const char* key, ParseNotes& notes, F&& f) {
    if (!array) return;
    int i = 0;
    for (const cJSON* item = array->child; item; item = item->next, ++i) {
        std::string path = index_path(parent, key, i);
        if (!cJSON_IsObject(item)) {
            notes.add(path + ": must be an object");
            continue;
        }
        f(item, path);
    }
}

std::optional<MeshStation> read_station(const cJSON* obj, const std::string& path, ParseNotes& notes) {
    Reader r(obj, path, notes);
    auto mac = r.mac("mac", true);
    if (!mac) return std::nullopt;
    MeshStation s;
    s.mac = *mac;
    s.rcpi = r.rcpi("rcpi");
    s.downlink_kbps = r.u32("downlink_kbps");
    s.uplink_kbps = r.u32("uplink_kbps");
    s.association_s = r.u32("association_s");
    s.last_seen_ms = r.u32("last_seen_ms");
    s.rx_bytes = r.u64("rx_bytes");
    s.tx_bytes = r.u64("tx_bytes");
    s.standard = r.str("standard");
    s.hostname = r.str("hostname");
    s.ipv4 = r.str("ipv4");
    return s;
}

std::optional<MeshRadio> read_radio(const cJSON* obj, const std::string& path, ParseNotes& notes) {
    Reader r(obj, path, notes);
    auto id = r.mac("id", true);
    if (!id) return std::nullopt;
    MeshRadio radio;
    radio.id = *id;
    radio.band = r.one_of("band", {"2.4GHz", "5GHz", "6GHz"});
    if (auto ch = r.integer("channel", 1, 233)) radio.channel = static_cast<int>(*ch);
    radio.noise_rcpi = r.rcpi("noise_rcpi");
    each_object(r.array("bss"), path, "bss", notes, [&](const cJSON* bss_obj, const std::string& bss_path) {
        Reader b(bss_obj, bss_path, notes);
        auto bssid = b.mac("bssid", true);
        if (!bssid) return;
        MeshBss bss;
        bss.bssid = *bssid;
        bss.ssid = b.str("ssid");
        each_object(b.array("stations"), bss_path, "stations", notes,
                    [&](const cJSON* sta_obj, const std::string& sta_path) {
                        if (auto sta = read_station(sta_obj, sta_path, notes))
                            bss.stations.push_back(std::move(*sta));
                    });
        radio.bss.push_back(std::move(bss));
    });
    return radio;
}

std::optional<MeshNode> read_device(const cJSON* obj, const std::string& path, ParseNotes& notes) {
    Reader r(obj, path, notes);
    auto id = r.mac("id", true);
    if (!id) return std::nullopt;
    MeshNode node;
    node.id = *id;
    node.name = r.str("name");
    node.role = r.one_of("role", {"controller", "agent"});
    node.model = r.str("model");
    node.serial = r.str("serial");
    node.software_version = r.str("software_version");
    if (const cJSON* backhaul = r.get("backhaul")) {
        if (!cJSON_IsObject(backhaul)) {
            r.note("backhaul", "must be an object or null");
        } else {
            Reader b(backhaul, path + ".backhaul", notes);
            node.backhaul = b.one_of("type", {"ethernet", "wifi"});
            node.backhaul_parent = b.mac("parent", false);
            node.backhaul_rcpi = b.rcpi("rcpi");
            node.backhaul_rate_kbps = b.u32("rate_kbps");
        }
    }
    each_object(r.array("radios"), path, "radios", notes,
                [&](const cJSON* radio_obj, const std::string& radio_path) {
                    if (auto radio = read_radio(radio_obj, radio_path, notes))
                        node.radios.push_back(std::move(*radio));
                });
    return node;
}

class MeshCollector final : public Collector {
  public:
    explicit MeshCollector(std::string file) : file_(std::move(file)) {}
    const char* type() const override { return "mesh"; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto text = source.read_file(file_);
        if (!text) return text.error().with_context("mesh");
        ParseNotes notes;
        auto nodes = parse_mesh_json(*text, notes);
        if (!nodes) return nodes.error().with_context("mesh " + file_);
        spec::log_notes(type(), file_, notes, spec::Wording::radio);
        out.mesh.insert(out.mesh.end(), nodes->begin(), nodes->end());
        return {};
    }

  private:
    std::string file_;
};

}  // namespace

Result<std::vector<MeshNode>> parse_mesh_json(std::string_view text, ParseNotes& notes) {
    auto root = json::parse(text, "mesh JSON");
    if (!root) return root.error();
    if (!cJSON_IsObject(root->get()))
        return make_error(Errc::parse_error, "mesh JSON: top level must be an object");
    const cJSON* version = cJSON_GetObjectItemCaseSensitive(root->get(), "version");
    if (version && !(cJSON_IsNumber(version) && version->valuedouble == 1.0))
        return make_error(Errc::parse_error, "mesh JSON: version: only 1 is supported");
    const cJSON* devices = cJSON_GetObjectItemCaseSensitive(root->get(), "devices");
    if (!cJSON_IsArray(devices))
        return make_error(Errc::parse_error, "mesh JSON: devices: missing or not an array");
    std::vector<MeshNode> nodes;
    each_object(devices, "", "devices", notes, [&](const cJSON* obj, const std::string& path) {
        if (auto node = read_device(obj, path, notes)) nodes.push_back(std::move(*node));
    });
    return nodes;
}

Result<std::unique_ptr<Collector>> make_mesh_collector(const cJSON* spec, std::string_view where) {
    if (auto ok = spec::check_keys(spec, where, {"file"}, spec::Wording::radio); !ok) return ok.error();
    auto file = spec::opt_string(spec, "file", where);
    if (!file) return file.error();
    return std::unique_ptr<Collector>(std::make_unique<MeshCollector>(file->value_or("/tmp/cpe-mesh.json")));
}

}  // namespace cpe::agent
