#include "sources/frappe_document.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace cpe::hub::sources {

namespace {

const char* kOperators[] = {
    "=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"};

Result<FrappeRecord> record_of(const cJSON* obj, const std::string& where, const FrappeLimits& limits) {
    if (!cJSON_IsObject(obj)) return make_error(Errc::parse_error, where + ": expected an object");
    FrappeRecord r;
    for (const cJSON* c = obj->child; c; c = c->next) {
        if (r.size() >= limits.max_fields)
            return make_error(Errc::too_large,
                              where + ": more than " + std::to_string(limits.max_fields) + " fields");
        std::string key = c->string ? c->string : "";
        if (cJSON_IsString(c)) {
            r[key] = c->valuestring;
        } else if (cJSON_IsNumber(c)) {
            char buf[64];
            double d = c->valuedouble;
            if (std::isfinite(d) && std::fabs(d) < 9.0e15 && d == std::floor(d))
                std::snprintf(buf, sizeof buf, "%.0f", d);
            else
                std::snprintf(buf, sizeof buf, "%.17g", d);
            r[key] = buf;
        } else if (cJSON_IsBool(c)) {
            r[key] = cJSON_IsTrue(c) ? "1" : "0";
        } else if (cJSON_IsNull(c)) {
            r[key] = "";
        }
    }
    auto it = r.find("name");
    if (it == r.end() || it->second.empty())
        return make_error(Errc::parse_error, where + ": a record without 'name'");
    return r;
}

std::string field(const FrappeRecord& r, const char* k) {
    auto it = r.find(k);
    return it == r.end() ? std::string() : it->second;
}

bool valid_field(std::string_view f) {
    if (f.empty() || f.size() > 140) return false;
    for (char c : f)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

}  // namespace

Result<std::vector<FrappeRecord>> parse_frappe_list(std::string_view body, const FrappeLimits& limits) {
    auto root = json::parse(body, "ERPNext list answer");
    if (!root) return root.error();
    const cJSON* data = cJSON_GetObjectItemCaseSensitive(root->get(), "data");
    if (!cJSON_IsArray(data)) return make_error(Errc::parse_error, "ERPNext list answer: no 'data' array");
    std::vector<FrappeRecord> out;
    size_t i = 0;
    for (const cJSON* d = data->child; d; d = d->next, ++i) {
        if (out.size() >= limits.max_rows)
            return make_error(Errc::too_large,
                              "ERPNext list answer: more than " + std::to_string(limits.max_rows) + " rows");
        auto r = record_of(d, "ERPNext list answer data[" + std::to_string(i) + "]", limits);
        if (!r) return r.error();
        out.push_back(std::move(*r));
    }
    return out;
}

Result<FrappeRecord> parse_frappe_doc(std::string_view body, const FrappeLimits& limits) {
    auto root = json::parse(body, "ERPNext document answer");
    if (!root) return root.error();
    const cJSON* data = cJSON_GetObjectItemCaseSensitive(root->get(), "data");
    return record_of(data, "ERPNext document answer 'data'", limits);
}

namespace {
// frappe.bold and friends put HTML in messages ("Insufficient Permission for <strong>Customer</strong>").
std::string strip_tags(const std::string& in) {
    std::string out;
    bool tag = false;
    for (char c : in) {
        if (c == '<')
            tag = true;
        else if (c == '>' && tag)
            tag = false;
        else if (!tag)
            out.push_back(c);
    }
    return out;
}
}  // namespace

FrappeError parse_frappe_error(std::string_view body) {
    FrappeError e;
    auto root = json::parse(body, "ERPNext error");
    if (!root || !cJSON_IsObject(root->get())) return e;
    e.json = true;
    const cJSON* r = root->get();
    if (auto t = json::opt_string(r, "exc_type")) e.exc_type = *t;
    // A PermissionError's own words (frappe.flags.error_message, sent as _error_message: v15 frappe/app.py
    // handle_exception) say more than the generic "Not permitted".
    if (auto x = json::opt_string(r, "_error_message")) e.message = *x;
    // _server_messages: a string holding a JSON array of JSON strings, each {message, title, …}
    if (auto sm = json::opt_string(r, "_server_messages"); sm && e.message.empty()) {
        if (auto arr = json::parse(*sm, "_server_messages"); arr && cJSON_IsArray(arr->get())) {
            for (const cJSON* m = arr->get()->child; m && e.message.empty(); m = m->next) {
                if (!cJSON_IsString(m)) continue;
                if (auto inner = json::parse(m->valuestring, "server message");
                    inner && cJSON_IsObject(inner->get())) {
                    if (auto msg = json::opt_string(inner->get(), "message")) e.message = *msg;
                } else {
                    e.message = m->valuestring;
                }
            }
        }
    }
    if (e.message.empty())
        if (auto x = json::opt_string(r, "exception")) e.message = *x;
    if (e.message.empty())
        if (auto x = json::opt_string(r, "message")) e.message = *x;
    e.message = strip_tags(e.message);
    if (e.message.size() > 300) e.message.resize(300);
    return e;
}

bool frappe_document_absent(long status, std::string_view body, std::string_view doctype) {
    if (status != 404) return false;
    FrappeError fe = parse_frappe_error(body);
    if (!fe.json || fe.exc_type != "DoesNotExistError") return false;
    // The same exception says the DocType itself is missing (frappe.get_meta): that is a configuration fault.
    return fe.message.rfind("DocType " + std::string(doctype) + " not found", 0) != 0;
}

namespace {
Error describe_status(long status, std::string_view body, std::optional<std::string> retry_after,
                      std::string_view what_in) {
    FrappeError fe = parse_frappe_error(body);
    std::string what(what_in);
    std::string detail = " (" + std::to_string(status) + (fe.exc_type.empty() ? "" : " " + fe.exc_type) +
                         ")" + (fe.message.empty() ? "" : ": " + fe.message);
    switch (status) {
        case 400:
            return make_error(Errc::invalid_argument, what + ": ERPNext refused the request" + detail);
        // Frappe answers a wrong key or secret with a bare AuthenticationError (v15 frappe/auth.py): no
        // message.
        case 401:
            return make_error(Errc::denied, what + ": ERPNext: API key or secret rejected" + detail);
        case 403:
            return make_error(Errc::denied,
                              what +
                                  ": ERPNext says not permitted (the API user's roles lack read "
                                  "permission, or the key was not sent as 'token key:secret')" +
                                  detail);
        case 404:
            if (!fe.json || fe.exc_type.empty())
                return make_error(Errc::io_error,
                                  what +
                                      ": ERPNext answered 404 without Frappe's JSON error (a reverse "
                                      "proxy, a wrong URL prefix or an unknown site?)");
            return make_error(Errc::io_error, what + ": ERPNext answered 404" + detail);
        case 417:
            return make_error(Errc::invalid_argument, what + ": ERPNext rejected the query" + detail);
        case 429:
            return make_error(Errc::unavailable,
                              what + ": ERPNext rate limit" + detail +
                                  (retry_after ? "; retry after " + *retry_after + " s" : ""));
        default:
            break;
    }
    if (status >= 500) return make_error(Errc::unavailable, what + ": ERPNext server error" + detail);
    return make_error(Errc::io_error, what + ": unexpected ERPNext answer" + detail);
}
}  // namespace

Error frappe_status_error(long status, std::string_view body, std::optional<std::string> retry_after,
                          std::string_view what) {
    return describe_status(status, body, std::move(retry_after), what)
        .with_http_status(static_cast<int>(status));
}

Result<std::map<std::string, int>> parse_frappe_doctype_fields(std::string_view body,
                                                               std::string_view doctype) {
    std::string where = "ERPNext DocType '" + std::string(doctype) + "' description";
    auto root = json::parse(body, where);
    if (!root) return root.error();
    const cJSON* docs = cJSON_GetObjectItemCaseSensitive(root->get(), "docs");
    if (!cJSON_IsArray(docs)) return make_error(Errc::parse_error, where + ": no 'docs' array");
    for (const cJSON* d = docs->child; d; d = d->next) {
        if (json::opt_string(d, "name").value_or("") != doctype) continue;
        const cJSON* fields = cJSON_GetObjectItemCaseSensitive(d, "fields");
        if (!cJSON_IsArray(fields)) return make_error(Errc::parse_error, where + ": no 'fields' array");
        std::map<std::string, int> out;
        for (const cJSON* f = fields->child; f; f = f->next) {
            if (out.size() >= 5000) return make_error(Errc::too_large, where + ": more than 5000 fields");
            auto name = json::opt_string(f, "fieldname");
            if (!name || name->empty()) continue;  // section and column breaks may have none
            out[*name] = static_cast<int>(json::opt_int(f, "permlevel").value_or(0));
        }
        return out;
    }
    return make_error(Errc::parse_error,
                      where + ": the answer does not describe '" + std::string(doctype) + "'");
}

FrappeFilters::FrappeFilters() : array_(json::make_array()) {}

FrappeFilters& FrappeFilters::add(std::string_view f, std::string_view op, std::string_view value) {
    bool known = false;
    for (const char* k : kOperators) known = known || op == k;
    if (!known && error_.empty())
        error_ = "filter on '" + std::string(f) + "': unknown operator '" + std::string(op) + "'";
    if (!valid_field(f) && error_.empty())
        error_ = "filter: invalid field name '" + std::string(f.substr(0, 64)) + "'";
    auto e = json::make_array();
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(f).c_str())));
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(op).c_str())));
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(value).c_str())));
    json::append(array_.get(), std::move(e));
    return *this;
}

FrappeFilters& FrappeFilters::add_in(std::string_view f, const std::vector<std::string>& values,
                                     bool negate) {
    if (!valid_field(f) && error_.empty())
        error_ = "filter: invalid field name '" + std::string(f.substr(0, 64)) + "'";
    auto e = json::make_array();
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(f).c_str())));
    json::append(e.get(), json::Ptr(cJSON_CreateString(negate ? "not in" : "in")));
    auto vals = json::make_array();
    for (const auto& v : values) json::append(vals.get(), json::Ptr(cJSON_CreateString(v.c_str())));
    json::append(e.get(), std::move(vals));
    json::append(array_.get(), std::move(e));
    return *this;
}

Status FrappeFilters::status() const {
    if (!error_.empty()) return make_error(Errc::invalid_argument, error_);
    return {};
}
std::string FrappeFilters::json() const {
    return json::print(array_.get());
}
bool FrappeFilters::empty() const {
    return array_->child == nullptr;
}

std::string ErpDocTypeMap::field(std::string_view key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return v;
    return "";
}

bool ErpDocTypeMap::set(std::string_view key, std::string fieldname) {
    for (auto& [k, v] : fields)
        if (k == key) {
            v = std::move(fieldname);
            return true;
        }
    return false;
}

std::vector<std::string> ErpDocTypeMap::query_fields() const {
    std::vector<std::string> out{"name"};
    for (const auto& [k, v] : fields)
        if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    return out;
}

Status ErpDocTypeMap::validate() const {
    std::string where = "erpnext.fields." + config_key;
    if (doctype.empty() || doctype.size() > 140 || doctype.find('/') != std::string::npos)
        return make_error(Errc::invalid_argument, where + ".doctype: expected a DocType name");
    for (const auto& [k, v] : fields) {
        if (v.empty()) {
            if (std::find(required.begin(), required.end(), k) != required.end())
                return make_error(Errc::invalid_argument,
                                  where + "." + k + ": required (the lookup needs it)");
            continue;
        }
        if (!valid_field(v))
            return make_error(Errc::invalid_argument, where + "." + k + ": '" + v.substr(0, 64) +
                                                          "' is not a fieldname (letters, digits, '_')");
    }
    return {};
}

Status ErpDocTypeMap::check_present(const std::map<std::string, int>& present) const {
    for (const auto& [k, v] : fields)
        if (!v.empty() && !present.count(v))
            return make_error(Errc::invalid_argument, "ERPNext DocType '" + doctype + "' has no field '" + v +
                                                          "' (erpnext.fields." + config_key + "." + k +
                                                          "; a field added in the UI is named custom_…)");
    return {};
}

ErpFieldMap::ErpFieldMap() {
    // The operator's DocTypes (operator-system.md): Service Equipment, Service Location, Customer (custom
    // field legacy_account_id as the operator names it).
    equipment = {"equipment",
                 "Service Equipment",
                 {{"equipment_type", "equipment_type"},
                  {"serial_number", "serial_number"},
                  {"mac_address", "mac_address"},
                  {"status", "status"},
                  {"ip_address", "ip_address"},
                  {"firmware", "firmware"},
                  {"service_location", "service_location"},
                  {"customer", "customer"}},
                 {"serial_number", "mac_address", "service_location", "customer"}};
    location = {"location",
                "Service Location",
                {{"address", "address"},
                 {"city", "city"},
                 {"gps", "gps"},
                 {"connection_type", "connection_type"},
                 {"olt_name", "olt_name"},
                 {"olt_port", "olt_port"},
                 {"vlan", "vlan"},
                 {"customer", "customer"}},
                {}};
    customer = {"customer",
                "Customer",
                {{"customer_name", "customer_name"},
                 {"mobile_no", "mobile_no"},
                 {"legacy_account_id", "legacy_account_id"}},
                {}};
}

Status ErpFieldMap::validate() const {
    for (const ErpDocTypeMap* m : {&equipment, &location, &customer})
        if (auto st = m->validate(); !st) return st;
    return {};
}

namespace {
std::string mapped(const FrappeRecord& r, const ErpDocTypeMap& m, const char* key) {
    std::string f = m.field(key);
    return f.empty() ? std::string() : field(r, f.c_str());
}
}  // namespace

Customer to_customer(const FrappeRecord& r, const ErpDocTypeMap& m) {
    return {field(r, "name"), mapped(r, m, "customer_name"), mapped(r, m, "mobile_no"),
            mapped(r, m, "legacy_account_id")};
}
ServiceLocation to_location(const FrappeRecord& r, const ErpDocTypeMap& m) {
    return {field(r, "name"),
            mapped(r, m, "address"),
            mapped(r, m, "city"),
            mapped(r, m, "gps"),
            mapped(r, m, "connection_type"),
            mapped(r, m, "olt_name"),
            mapped(r, m, "olt_port"),
            mapped(r, m, "vlan"),
            mapped(r, m, "customer")};
}
ServiceEquipment to_equipment(const FrappeRecord& r, const ErpDocTypeMap& m) {
    return {field(r, "name"),
            mapped(r, m, "equipment_type"),
            mapped(r, m, "serial_number"),
            mapped(r, m, "mac_address"),
            mapped(r, m, "status"),
            mapped(r, m, "ip_address"),
            mapped(r, m, "firmware"),
            mapped(r, m, "service_location"),
            mapped(r, m, "customer")};
}

std::optional<std::string> canonical_mac(std::string_view stored) {
    std::string hex;
    for (char c : stored) {
        if (c == ':' || c == '-' || c == '.' || std::isspace(static_cast<unsigned char>(c))) continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)) || hex.size() >= 12) return std::nullopt;
        hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (hex.size() != 12) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

std::string canonical_serial(std::string_view stored) {
    std::string out;
    for (char c : stored)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return out;
}

}  // namespace cpe::hub::sources
