#include "sources/frappe_document.hpp"

#include <cmath>
#include <cstdio>

namespace cpe::hub::sources {

namespace {

const char* kOperators[] = {"=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"};

Result<FrappeRecord> record_of(const cJSON* obj, const std::string& where, const FrappeLimits& limits) {
    if (!cJSON_IsObject(obj)) return make_error(Errc::parse_error, where + ": expected an object");
    FrappeRecord r;
    for (const cJSON* c = obj->child; c; c = c->next) {
        if (r.size() >= limits.max_fields)
            return make_error(Errc::too_large, where + ": more than " + std::to_string(limits.max_fields) + " fields");
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
    if (it == r.end() || it->second.empty()) return make_error(Errc::parse_error, where + ": a record without 'name'");
    return r;
}

std::string field(const FrappeRecord& r, const char* k) {
    auto it = r.find(k);
    return it == r.end() ? std::string() : it->second;
}

bool valid_field(std::string_view f) {
    if (f.empty() || f.size() > 140) return false;
    for (char c : f)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
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
            return make_error(Errc::too_large, "ERPNext list answer: more than " + std::to_string(limits.max_rows) + " rows");
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

FrappeError parse_frappe_error(std::string_view body) {
    FrappeError e;
    auto root = json::parse(body, "ERPNext error");
    if (!root || !cJSON_IsObject(root->get())) return e;
    const cJSON* r = root->get();
    if (auto t = json::opt_string(r, "exc_type")) e.exc_type = *t;
    // _server_messages: a string holding a JSON array of JSON strings, each {message, title, …}
    if (auto sm = json::opt_string(r, "_server_messages")) {
        if (auto arr = json::parse(*sm, "_server_messages"); arr && cJSON_IsArray(arr->get())) {
            for (const cJSON* m = arr->get()->child; m && e.message.empty(); m = m->next) {
                if (!cJSON_IsString(m)) continue;
                if (auto inner = json::parse(m->valuestring, "server message"); inner && cJSON_IsObject(inner->get())) {
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
    if (e.message.size() > 300) e.message.resize(300);
    return e;
}

Error frappe_status_error(long status, std::string_view body, std::optional<std::string> retry_after,
                         std::string_view what_in) {
    FrappeError fe = parse_frappe_error(body);
    std::string what(what_in);
    std::string detail = " (" + std::to_string(status) + (fe.exc_type.empty() ? "" : " " + fe.exc_type) + ")" +
                         (fe.message.empty() ? "" : ": " + fe.message);
    switch (status) {
        case 400: return make_error(Errc::invalid_argument, what + ": ERPNext refused the request" + detail);
        case 401: return make_error(Errc::denied, what + ": ERPNext refused the API key/secret" + detail);
        case 403: return make_error(Errc::denied, what + ": ERPNext says not permitted (API user lacks read permission?)" + detail);
        case 404: return make_error(Errc::not_found, what + ": not found in ERPNext" + detail);
        case 417: return make_error(Errc::invalid_argument, what + ": ERPNext rejected the query" + detail);
        case 429:
            return make_error(Errc::unavailable, what + ": ERPNext rate limit" + detail +
                                                     (retry_after ? "; retry after " + *retry_after + " s" : ""));
        default: break;
    }
    if (status >= 500) return make_error(Errc::unavailable, what + ": ERPNext server error" + detail);
    return make_error(Errc::io_error, what + ": unexpected ERPNext answer" + detail);
}

FrappeFilters::FrappeFilters() : array_(json::make_array()) {}

FrappeFilters& FrappeFilters::add(std::string_view f, std::string_view op, std::string_view value) {
    bool known = false;
    for (const char* k : kOperators) known = known || op == k;
    if (!known && error_.empty()) error_ = "filter on '" + std::string(f) + "': unknown operator '" + std::string(op) + "'";
    if (!valid_field(f) && error_.empty()) error_ = "filter: invalid field name '" + std::string(f.substr(0, 64)) + "'";
    auto e = json::make_array();
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(f).c_str())));
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(op).c_str())));
    json::append(e.get(), json::Ptr(cJSON_CreateString(std::string(value).c_str())));
    json::append(array_.get(), std::move(e));
    return *this;
}

FrappeFilters& FrappeFilters::add_in(std::string_view f, const std::vector<std::string>& values, bool negate) {
    if (!valid_field(f) && error_.empty()) error_ = "filter: invalid field name '" + std::string(f.substr(0, 64)) + "'";
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
std::string FrappeFilters::json() const { return json::print(array_.get()); }
bool FrappeFilters::empty() const { return array_->child == nullptr; }

const std::vector<std::string> kCustomerFields = {"name", "customer_name", "mobile_no", "legacy_account_id"};
const std::vector<std::string> kLocationFields = {"name", "address", "city", "gps", "connection_type",
                                                  "olt_name", "olt_port", "vlan", "customer"};
const std::vector<std::string> kEquipmentFields = {"name", "equipment_type", "serial_number", "mac_address",
                                                   "status", "ip_address", "firmware", "service_location",
                                                   "customer"};

Customer to_customer(const FrappeRecord& r) {
    return {field(r, "name"), field(r, "customer_name"), field(r, "mobile_no"), field(r, "legacy_account_id")};
}
ServiceLocation to_location(const FrappeRecord& r) {
    return {field(r, "name"),     field(r, "address"),  field(r, "city"),
            field(r, "gps"),      field(r, "connection_type"), field(r, "olt_name"),
            field(r, "olt_port"), field(r, "vlan"),     field(r, "customer")};
}
ServiceEquipment to_equipment(const FrappeRecord& r) {
    return {field(r, "name"),       field(r, "equipment_type"), field(r, "serial_number"),
            field(r, "mac_address"), field(r, "status"),        field(r, "ip_address"),
            field(r, "firmware"),   field(r, "service_location"), field(r, "customer")};
}

}  // namespace cpe::hub::sources
