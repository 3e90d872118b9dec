#include "sources/genieacs_document.hpp"

#include <cmath>
#include <cstdio>

#include "json/json.hpp"

namespace cpe::hub::sources {

namespace {

std::string number_text(double d) {
    char buf[64];
    if (std::isfinite(d) && std::fabs(d) < 9.0e15 && d == std::floor(d))
        std::snprintf(buf, sizeof buf, "%.0f", d);
    else
        std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

Result<std::string> scalar_text(const cJSON* v, const std::string& where) {
    if (cJSON_IsString(v)) return std::string(v->valuestring);
    if (cJSON_IsNumber(v)) return number_text(v->valuedouble);
    if (cJSON_IsBool(v)) return std::string(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNull(v)) return std::string();
    return make_error(Errc::parse_error, where + ": expected a string, number or boolean");
}

std::string opt_str(const cJSON* obj, const char* key) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}

struct Walker {
    GenieDevice& dev;
    const GenieParseLimits& limits;
    std::string where;

    Status walk(const cJSON* node, const std::string& path, int depth) {
        if (depth > limits.max_depth)
            return make_error(Errc::too_large, where + ": " + path + " is nested deeper than " +
                                                   std::to_string(limits.max_depth) + " levels");
        bool has_attr = false;
        GenieParam p;
        for (const cJSON* c = node->child; c; c = c->next) {
            const char* k = c->string ? c->string : "";
            if (k[0] == '_') {
                has_attr = true;
                // Named only when something is wrong (built for every attribute, it cost more than the
                // parse).
                auto attr_where = [&] { return where + ": " + path + "." + k; };
                if (std::string_view(k) == "_object") {
                    if (!cJSON_IsBool(c))
                        return make_error(Errc::parse_error, attr_where() + ": expected a boolean");
                    p.object = cJSON_IsTrue(c);
                } else if (std::string_view(k) == "_value") {
                    if (cJSON_IsString(c)) {
                        p.value = c->valuestring;
                    } else {
                        auto t = scalar_text(c, attr_where());
                        if (!t) return t.error();
                        p.value = std::move(*t);
                    }
                    p.has_value = true;
                } else if (std::string_view(k) == "_type") {
                    if (!cJSON_IsString(c))
                        return make_error(Errc::parse_error, attr_where() + ": expected a string");
                    p.type = c->valuestring;
                } else if (std::string_view(k) == "_timestamp") {
                    if (cJSON_IsString(c)) p.timestamp = c->valuestring;
                } else if (std::string_view(k) == "_writable") {
                    p.writable = cJSON_IsTrue(c);
                }
                continue;  // other attributes (_orig, _notification, …) are not used
            }
            if (!*k || std::string_view(k).find('.') != std::string_view::npos)
                return make_error(Errc::parse_error, where + ": " + path + " has a child named '" + k +
                                                         "' (empty or containing '.')");
            if (!cJSON_IsObject(c))
                return make_error(Errc::parse_error, where + ": " + path + "." + k + ": expected an object");
            std::string child = path + "." + k;
            if (child.size() > limits.max_path)
                return make_error(Errc::too_large, where + ": a path longer than " +
                                                       std::to_string(limits.max_path) +
                                                       " characters under " + path);
            if (auto st = walk(c, child, depth + 1); !st) return st;
        }
        if (has_attr) {
            if (dev.params.size() >= limits.max_params)
                return make_error(Errc::too_large,
                                  where + ": more than " + std::to_string(limits.max_params) + " parameters");
            dev.params[path] = std::move(p);
        }
        return {};
    }
};

}  // namespace

const GenieParam* GenieDevice::find(const std::string& path) const {
    auto it = params.find(path);
    return it == params.end() ? nullptr : &it->second;
}

std::string GenieDevice::value(const std::string& path) const {
    const GenieParam* p = find(path);
    return p && p->has_value ? p->value : std::string();
}

Result<GenieDevice> parse_device(const cJSON* doc, std::string_view where_in,
                                 const GenieParseLimits& limits) {
    std::string where(where_in);
    if (!cJSON_IsObject(doc)) return make_error(Errc::parse_error, where + ": expected a device object");
    GenieDevice dev;
    const cJSON* id = cJSON_GetObjectItemCaseSensitive(doc, "_id");
    if (!cJSON_IsString(id) || !*id->valuestring)
        return make_error(Errc::parse_error, where + ": missing or non-string _id");
    dev.id = id->valuestring;
    where = "device " + dev.id;
    if (const cJSON* di = cJSON_GetObjectItemCaseSensitive(doc, "_deviceId")) {
        if (!cJSON_IsObject(di)) return make_error(Errc::parse_error, where + ": _deviceId is not an object");
        dev.manufacturer = opt_str(di, "_Manufacturer");
        dev.oui = opt_str(di, "_OUI");
        dev.product_class = opt_str(di, "_ProductClass");
        dev.serial = opt_str(di, "_SerialNumber");
    }
    dev.last_inform = opt_str(doc, "_lastInform");
    dev.last_boot = opt_str(doc, "_lastBoot");
    dev.registered = opt_str(doc, "_registered");
    if (const cJSON* tags = cJSON_GetObjectItemCaseSensitive(doc, "_tags")) {
        if (!cJSON_IsArray(tags)) return make_error(Errc::parse_error, where + ": _tags is not an array");
        for (const cJSON* t = tags->child; t; t = t->next)
            if (cJSON_IsString(t)) dev.tags.emplace_back(t->valuestring);
    }
    Walker w{dev, limits, where};
    for (const cJSON* c = doc->child; c; c = c->next) {
        const char* k = c->string ? c->string : "";
        if (k[0] == '_') continue;
        if (!*k || std::string_view(k).find('.') != std::string_view::npos)
            return make_error(Errc::parse_error,
                              where + ": top-level key '" + k + "' (empty or containing '.')");
        if (!cJSON_IsObject(c))
            return make_error(Errc::parse_error, where + ": " + k + ": expected an object");
        if (auto st = w.walk(c, k, 1); !st) return st.error();
    }
    return dev;
}

Result<std::vector<GenieDevice>> parse_device_list(std::string_view body, const GenieParseLimits& limits) {
    auto root = json::parse(body, "GenieACS /devices answer");
    if (!root) return root.error();
    if (!cJSON_IsArray(root->get()))
        return make_error(Errc::parse_error, "GenieACS /devices answer: expected a JSON array");
    std::vector<GenieDevice> out;
    size_t i = 0;
    for (const cJSON* d = root->get()->child; d; d = d->next, ++i) {
        if (out.size() >= limits.max_devices)
            return make_error(Errc::too_large, "GenieACS /devices answer: more than " +
                                                   std::to_string(limits.max_devices) + " devices");
        auto dev = parse_device(d, "GenieACS /devices answer[" + std::to_string(i) + "]", limits);
        if (!dev) return dev.error();
        out.push_back(std::move(*dev));
    }
    return out;
}

Result<GeniePage> parse_device_page(std::string_view body, const GenieParseLimits& limits) {
    const std::string what = "GenieACS /devices page";
    auto root = json::parse(body, what);
    if (!root) return root.error();
    if (!cJSON_IsArray(root->get())) return make_error(Errc::parse_error, what + ": expected a JSON array");
    GeniePage page;
    size_t i = 0;
    for (const cJSON* d = root->get()->child; d; d = d->next, ++i) {
        if (page.ids.size() >= limits.max_devices)
            return make_error(Errc::too_large, what + ": more than " + std::to_string(limits.max_devices) +
                                                   " devices (the limit asked for)");
        const cJSON* id = cJSON_IsObject(d) ? cJSON_GetObjectItemCaseSensitive(d, "_id") : nullptr;
        if (!cJSON_IsString(id) || !*id->valuestring)
            return make_error(
                Errc::parse_error,
                what + "[" + std::to_string(i) +
                    "]: " + (cJSON_IsObject(d) ? "missing or non-string _id" : "expected a device object"));
        page.ids.emplace_back(id->valuestring);
        auto dev = parse_device(d, what + "[" + std::to_string(i) + "]", limits);
        if (!dev) {
            page.invalid_ids.push_back(page.ids.back());
            if (page.invalid.size() < GeniePage::kMaxInvalidMessages)
                page.invalid.push_back(dev.error().message);
            continue;
        }
        page.devices.push_back(std::move(*dev));
    }
    return page;
}

}  // namespace cpe::hub::sources
