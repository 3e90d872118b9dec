#include "layout.hpp"

#include <cJSON.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "json/json.hpp"

namespace cpe::stickers {
namespace {

constexpr double kPointsPerInch = 72.0;
constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double kEpsilon = 0.01;  // points: rounding of published template sizes

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

class Reader {
  public:
    Reader(const cJSON* obj, std::string where) : obj_(obj), where_(std::move(where)) {}

    Error fail(const std::string& key, const std::string& why) const {
        return make_error(Errc::parse_error, where_ + "." + key + ": " + why);
    }

    Result<double> number(const char* key) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj_, key);
        if (!v) return fail(key, "missing");
        if (!cJSON_IsNumber(v) || !std::isfinite(v->valuedouble)) return fail(key, "not a number");
        return v->valuedouble;
    }

    // [a, b] of two numbers.
    Result<std::pair<double, double>> pair(const char* key) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj_, key);
        if (!v) return fail(key, "missing");
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2) return fail(key, "not a list of two numbers");
        const cJSON* a = cJSON_GetArrayItem(v, 0);
        const cJSON* b = cJSON_GetArrayItem(v, 1);
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || !std::isfinite(a->valuedouble) ||
            !std::isfinite(b->valuedouble)) {
            return fail(key, "not a list of two numbers");
        }
        return std::pair{a->valuedouble, b->valuedouble};
    }

    Result<std::string> string(const char* key, bool required) const {
        const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj_, key);
        if (!v) {
            if (required) return fail(key, "missing");
            return std::string();
        }
        if (!cJSON_IsString(v)) return fail(key, "not a string");
        return std::string(v->valuestring);
    }

    const cJSON* has(const char* key) const { return cJSON_GetObjectItemCaseSensitive(obj_, key); }
    const std::string& where() const { return where_; }

  private:
    const cJSON* obj_;
    std::string where_;
};

Result<Layout> parse_one(const cJSON* obj, const std::string& where_index) {
    if (!cJSON_IsObject(obj)) return make_error(Errc::parse_error, where_index + ": not an object");
    Reader r(obj, where_index);
    Layout l;
    auto name = r.string("name", true);
    if (!name) return name.error();
    l.name = *name;
    if (l.name.empty() || l.name.size() > 40 ||
        l.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        return r.fail("name", "'" + l.name + "' must be 1-40 of a-z, 0-9 and '-'");
    }
    Reader n(obj, where_index + " (" + l.name + ")");
    auto desc = n.string("description", false);
    if (!desc) return desc.error();
    l.description = *desc;
    auto unit = n.string("unit", true);
    if (!unit) return unit.error();
    double scale;
    if (*unit == "mm") {
        scale = kPointsPerMm;
    } else if (*unit == "in") {
        scale = kPointsPerInch;
    } else {
        return n.fail("unit", "'" + *unit + "' is neither mm nor in");
    }
    struct PairKey {
        const char* key;
        double* a;
        double* b;
    };
    for (auto [key, a, b] :
         {PairKey{"page", &l.page_w, &l.page_h}, PairKey{"label", &l.label_w, &l.label_h},
          PairKey{"margin", &l.margin_left, &l.margin_top}, PairKey{"pitch", &l.pitch_x, &l.pitch_y}}) {
        auto p = n.pair(key);
        if (!p) return p.error();
        if (p->first < 0 || p->second < 0) return n.fail(key, "negative");
        *a = p->first * scale;
        *b = p->second * scale;
    }
    auto grid = n.pair("grid");
    if (!grid) return grid.error();
    if (grid->first < 1 || grid->second < 1 || grid->first > 50 || grid->second > 100 ||
        grid->first != std::floor(grid->first) || grid->second != std::floor(grid->second)) {
        return n.fail("grid", "[columns, rows] must be whole numbers, 1-50 columns and 1-100 rows");
    }
    l.columns = static_cast<int>(grid->first);
    l.rows = static_cast<int>(grid->second);
    if (n.has("padding")) {
        auto pad = n.number("padding");
        if (!pad) return pad.error();
        if (*pad < 0) return n.fail("padding", "negative");
        l.padding = *pad * scale;
    }
    if (n.has("font_pt")) {
        auto f = n.number("font_pt");
        if (!f) return f.error();
        if (*f < 3 || *f > 72) return n.fail("font_pt", "must be 3-72");
        l.font_pt = *f;
    }
    auto text = n.string("text", false);
    if (!text) return text.error();
    if (text->empty() || *text == "below") {
        l.text = TextPlacement::below;
    } else if (*text == "right") {
        l.text = TextPlacement::right;
    } else {
        return n.fail("text", "'" + *text + "' is neither below nor right");
    }
    // Geometry: the sizes make sense, labels do not overlap and stay on the page.
    if (l.page_w <= 0 || l.page_h <= 0) return n.fail("page", "width and height must be positive");
    if (l.label_w <= 0 || l.label_h <= 0) return n.fail("label", "width and height must be positive");
    if (l.columns > 1 && l.pitch_x + kEpsilon < l.label_w)
        return n.fail("pitch", "x is smaller than the label width");
    if (l.rows > 1 && l.pitch_y + kEpsilon < l.label_h)
        return n.fail("pitch", "y is smaller than the label height");
    const double right = l.margin_left + (l.columns - 1) * l.pitch_x + l.label_w;
    const double bottom = l.margin_top + (l.rows - 1) * l.pitch_y + l.label_h;
    if (right > l.page_w + kEpsilon) {
        return n.fail("grid", "the last column ends at " + num(right / scale) + " " + *unit +
                                  ", past the page width " + num(l.page_w / scale));
    }
    if (bottom > l.page_h + kEpsilon) {
        return n.fail("grid", "the last row ends at " + num(bottom / scale) + " " + *unit +
                                  ", past the page height " + num(l.page_h / scale));
    }
    if (2 * l.padding >= std::min(l.label_w, l.label_h))
        return n.fail("padding", "leaves no room on the label");
    return l;
}

}  // namespace

Result<std::vector<Layout>> parse_layouts(std::string_view json_text, std::string_view what) {
    auto doc = json::parse(json_text, what);
    if (!doc) return doc.error();
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(doc->get(), "layouts");
    if (!cJSON_IsArray(list)) {
        return make_error(Errc::parse_error, std::string(what) + ": no \"layouts\" list");
    }
    std::vector<Layout> out;
    int i = 0;
    const cJSON* item;
    cJSON_ArrayForEach(item, list) {
        auto l = parse_one(item, std::string(what) + ": layouts[" + std::to_string(i++) + "]");
        if (!l) return l.error();
        for (const auto& seen : out) {
            if (seen.name == l->name) {
                return make_error(Errc::parse_error,
                                  std::string(what) + ": the layout name '" + l->name + "' is used twice");
            }
        }
        out.push_back(std::move(*l));
    }
    if (out.empty())
        return make_error(Errc::parse_error, std::string(what) + ": the \"layouts\" list is empty");
    return out;
}

const std::vector<Layout>& builtin_layouts() {
    static const std::vector<Layout> layouts = [] {
        auto parsed = parse_layouts(builtin_layouts_json(), "layouts.json (built in)");
        if (!parsed) {
            // the build's own data: tests/unit/provisioning_stickers checks it parses; a broken edit stops
            // here loudly
            std::fprintf(stderr, "cpe-stickers: %s\n", parsed.error().message.c_str());
            std::abort();
        }
        return std::move(*parsed);
    }();
    return layouts;
}

}  // namespace cpe::stickers
