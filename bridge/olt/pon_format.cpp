#include "pon_format.hpp"

#include <cstdio>

namespace cpe::bridge::olt {

namespace {

void add_opt_number(cJSON* obj, const char* key, const std::optional<double>& v) {
    if (v)
        json::add_number(obj, key, *v);
    else
        cJSON_AddNullToObject(obj, key);
}

std::string fmt(const std::optional<double>& v, const char* f) {
    if (!v) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, f, *v);
    return buf;
}

}  // namespace

json::Ptr to_json(const PonTable& t) {
    json::Ptr root = json::make_object();
    json::add_string(root.get(), "olt", t.olt);
    json::add_number(root.get(), "slot", t.slot);
    json::add_number(root.get(), "port", t.port);
    json::add_bool(root.get(), "complete", t.complete());
    json::add_string(root.get(), "index_scheme", scheme_name(t.scheme));
    json::add_string(root.get(), "index_scheme_source", t.scheme_detected ? "detected" : "configured");
    json::add_number(root.get(), "requests", static_cast<double>(t.requests));
    if (t.error) json::add_string(root.get(), "error", t.error->message);
    json::Ptr warnings = json::make_array();
    for (const auto& w : t.warnings) {
        json::Ptr s(cJSON_CreateString(w.c_str()));
        json::append(warnings.get(), std::move(s));
    }
    json::add(root.get(), "warnings", std::move(warnings));
    json::Ptr columns = json::make_object();
    for (size_t c = 0; c < kColumnCount; ++c) {
        json::Ptr col = json::make_object();
        json::add_string(col.get(), "outcome", outcome_name(t.columns[c].outcome));
        json::add_number(col.get(), "rows", static_cast<double>(t.columns[c].rows));
        if (!t.columns[c].detail.empty()) json::add_string(col.get(), "detail", t.columns[c].detail);
        json::add(columns.get(), column_key(static_cast<Column>(c)), std::move(col));
    }
    json::add(root.get(), "columns", std::move(columns));
    json::Ptr onus = json::make_array();
    for (const OnuRow& r : t.onus) {
        json::Ptr o = json::make_object();
        json::add_number(o.get(), "onu", r.onu);
        if (r.serial)
            json::add_string(o.get(), "serial", *r.serial);
        else
            cJSON_AddNullToObject(o.get(), "serial");
        if (r.status)
            json::add_string(o.get(), "status", status_name(*r.status));
        else
            cJSON_AddNullToObject(o.get(), "status");
        add_opt_number(o.get(), "rx_dbm", r.rx_dbm);
        add_opt_number(o.get(), "tx_dbm", r.tx_dbm);
        add_opt_number(o.get(), "temperature_c", r.temperature_c);
        add_opt_number(o.get(), "voltage_v", r.voltage_v);
        add_opt_number(o.get(), "olt_rx_dbm", r.olt_rx_dbm);
        if (r.distance_m)
            json::add_number(o.get(), "distance_m", static_cast<double>(*r.distance_m));
        else
            cJSON_AddNullToObject(o.get(), "distance_m");
        if (r.offline_reason) {
            json::Ptr reason = json::make_object();
            json::add_number(reason.get(), "code", static_cast<double>(r.offline_reason->code));
            json::add_string(reason.get(), "text", r.offline_reason->text);
            json::add_string(reason.get(), "detail", r.offline_reason->detail);
            json::add_bool(reason.get(), "sourced", r.offline_reason->sourced);
            json::add(o.get(), "offline_reason", std::move(reason));
        } else {
            cJSON_AddNullToObject(o.get(), "offline_reason");
        }
        json::Ptr missing = json::make_array();
        for (Column c : r.missing) json::append(missing.get(), json::Ptr(cJSON_CreateString(column_key(c))));
        json::add(o.get(), "missing", std::move(missing));
        if (!r.problems.empty()) {
            json::Ptr problems = json::make_array();
            for (const auto& p : r.problems)
                json::append(problems.get(), json::Ptr(cJSON_CreateString(p.c_str())));
            json::add(o.get(), "problems", std::move(problems));
        }
        json::append(onus.get(), std::move(o));
    }
    json::add(root.get(), "onus", std::move(onus));
    return root;
}

std::string to_text(const PonTable& t) {
    size_t online = 0;
    for (const auto& r : t.onus) online += r.status == OnuStatus::online;
    std::string out;
    char line[256];
    std::snprintf(
        line, sizeof line, "%s slot %d port %d: %zu ONUs (%zu online), %s, %zu requests, %s index (%s)\n",
        t.olt.c_str(), t.slot, t.port, t.onus.size(), online, t.complete() ? "complete" : "INCOMPLETE",
        t.requests, scheme_name(t.scheme), t.scheme_detected ? "detected" : "configured");
    out += line;
    if (t.error) out += "  error: " + t.error->message + "\n";
    for (size_t c = 0; c < kColumnCount; ++c) {
        if (t.columns[c].outcome == ColumnOutcome::complete) continue;
        out += std::string("  column ") + column_key(static_cast<Column>(c)) + ": " +
               outcome_name(t.columns[c].outcome) + " (" + t.columns[c].detail + ")\n";
    }
    for (const auto& w : t.warnings) out += "  warning: " + w + "\n";
    std::snprintf(line, sizeof line, "%4s %-16s %-8s %8s %7s %6s %5s %8s %7s  %s\n", "onu", "serial",
                  "status", "rx_dbm", "tx_dbm", "temp_c", "volt", "olt_rx", "dist_m",
                  "offline_reason / missing");
    out += line;
    for (const auto& r : t.onus) {
        std::string reason =
            r.offline_reason ? r.offline_reason->text + " (" + std::to_string(r.offline_reason->code) + ")"
                             : std::string("-");
        std::string missing;
        for (Column c : r.missing)
            missing += std::string(missing.empty() ? " missing: " : ",") + column_key(c);
        std::snprintf(line, sizeof line, "%4d %-16s %-8s %8s %7s %6s %5s %8s %7s  %s%s\n", r.onu,
                      r.serial ? r.serial->c_str() : "-", r.status ? status_name(*r.status) : "-",
                      fmt(r.rx_dbm, "%.2f").c_str(), fmt(r.tx_dbm, "%.2f").c_str(),
                      fmt(r.temperature_c, "%.1f").c_str(), fmt(r.voltage_v, "%.2f").c_str(),
                      fmt(r.olt_rx_dbm, "%.1f").c_str(),
                      r.distance_m ? std::to_string(*r.distance_m).c_str() : "-", reason.c_str(),
                      missing.c_str());
        out += line;
    }
    return out;
}

}  // namespace cpe::bridge::olt
