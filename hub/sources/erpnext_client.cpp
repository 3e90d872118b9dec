#include "sources/erpnext_client.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

namespace {

constexpr const char* kSource = "erpnext";

bool source_fault(const Error& e) {
    switch (e.code) {
        case Errc::timeout:
        case Errc::unavailable:
        case Errc::io_error:
        case Errc::parse_error:
            return true;
        default:
            return false;
    }
}

std::string fields_json(const std::vector<std::string>& fields) {
    auto a = json::make_array();
    for (const auto& f : fields) json::append(a.get(), json::Ptr(cJSON_CreateString(f.c_str())));
    return json::print(a.get());
}

}  // namespace

Result<ErpCredentials> load_erp_credentials(const std::string& file, const char* env_key, const char* env_secret) {
    const char* k = std::getenv(env_key);
    const char* s = std::getenv(env_secret);
    if (k && *k && s && *s) return ErpCredentials{k, s};
    if (file.empty())
        return make_error(Errc::not_found, std::string("ERPNext credentials: ") + env_key + "/" + env_secret +
                                               " not set and no credentials file configured");
    FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return make_error(Errc::not_found, "ERPNext credentials: cannot open " + file);
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    std::string text(buf, n);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() ||
        text.find_first_of("\r\n") != std::string::npos)
        return make_error(Errc::parse_error, "ERPNext credentials: " + file + " must hold one line 'key:secret'");
    return ErpCredentials{text.substr(0, colon), text.substr(colon + 1)};
}

Result<std::string> normalise_mac(const std::string& mac) {
    std::string hex;
    for (char c : mac) {
        if (c == ':' || c == '-' || c == '.') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return make_error(Errc::invalid_argument, "MAC address '" + mac.substr(0, 40) + "' has a non-hex character");
        hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (hex.size() != 12)
        return make_error(Errc::invalid_argument, "MAC address '" + mac.substr(0, 40) + "' does not have 12 hex digits");
    std::string out;
    for (size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

ErpNextClient::ErpNextClient(net::EventLoop& loop, net::HttpClient& http, ErpNextOptions options)
    : loop_(loop), http_(http), options_(std::move(options)), breaker_(options_.breaker, options_.clock),
      alive_(std::make_shared<int>(0)) {
    options_.base_url = trim_base_url(options_.base_url);
    if (options_.page_size == 0) options_.page_size = 100;
}

ErpNextClient::~ErpNextClient() = default;

bool ErpNextClient::refuse_if_open(const std::function<void(Error)>& fail) {
    return sources::refuse_if_open(breaker_, loop_, alive_, "ERPNext", fail);
}

void ErpNextClient::note(const Error* e) {
    static log::RateLimit limit(10, 60);  // one for every ERPNext client, as before
    note_outcome(breaker_, limit, "erpnext", e, e && source_fault(*e));
}

std::shared_ptr<Call> ErpNextClient::start(const std::string& what, std::function<void(Error)> fail) {
    return Call::start(loop_, http_, alive_, options_.budget_ms, options_.connect_timeout_ms, what, std::move(fail));
}

net::HttpRequest ErpNextClient::request(const std::string& url) const {
    net::HttpRequest r;
    r.method = "GET";
    r.url = url;
    r.headers = {{"Accept", "application/json"},
                 {"Authorization", "token " + options_.credentials.api_key + ":" + options_.credentials.api_secret}};
    return r;
}

void ErpNextClient::page(const std::shared_ptr<Call>& call, const std::string& base_url, size_t start,
                         std::shared_ptr<std::vector<FrappeRecord>> acc, std::function<void(Result<bool>)> next) {
    std::string url = base_url + "&limit_start=" + std::to_string(start) +
                      "&limit_page_length=" + std::to_string(options_.page_size);
    std::string what = call->what();
    call->send(request(url), [this, call, base_url, start, acc, next, what](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        if (res->status != 200) return next(frappe_status_error(res->status, res->body, res->header("Retry-After"), what));
        FrappeLimits lim;
        lim.max_rows = options_.page_size;
        auto rows = parse_frappe_list(res->body, lim);
        if (!rows) return next(rows.error().with_context(what));
        size_t got = rows->size();
        std::set<std::string> seen;
        for (const auto& r : *acc) seen.insert(r.at("name"));
        for (auto& r : *rows)  // offset paging has returned duplicates (the doc): keep each name once
            if (seen.insert(r.at("name")).second) acc->push_back(std::move(r));
        if (got < options_.page_size) return next(true);
        if (acc->size() >= options_.max_rows)
            return next(make_error(Errc::too_large, what + ": more than " + std::to_string(options_.max_rows) + " rows"));
        page(call, base_url, start + got, acc, next);
    });
}

void ErpNextClient::list(const std::string& doctype, const FrappeFilters& filters, std::vector<std::string> fields,
                         Callback<std::vector<FrappeRecord>> done, const std::string& order_by) {
    auto deliver = [done](Error e) { done(Fetched<std::vector<FrappeRecord>>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    std::string what = "ERPNext " + doctype + " list";
    if (auto st = filters.status(); !st) {
        Error e = st.error().with_context(what);
        std::weak_ptr<int> alive = alive_;
        loop_.post([alive, fail, e] {
            if (!alive.expired()) fail(e);
        });
        return;
    }
    if (refuse_if_open(deliver)) return;
    auto call = start(what, fail);
    if (fields.empty()) fields = {"name"};
    std::string base = options_.base_url + "/api/resource/" + url_component(doctype) +
                       "?fields=" + url_component(fields_json(fields)) + "&order_by=" + url_component(order_by);
    if (!filters.empty()) base += "&filters=" + url_component(filters.json());
    auto acc = std::make_shared<std::vector<FrappeRecord>>();
    page(call, base, 0, acc, [this, call, acc, done](Result<bool> r) {
        if (!r) return call->fail(r.error());
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<std::vector<FrappeRecord>>::good(kSource, std::move(*acc)));
    });
}

void ErpNextClient::fetch_doc(const std::shared_ptr<Call>& call, const std::string& doctype, const std::string& name,
                              std::function<void(Result<std::optional<FrappeRecord>>)> next) {
    std::string url = options_.base_url + "/api/resource/" + url_component(doctype) + "/" + url_component(name);
    std::string what = "ERPNext " + doctype + " " + name;
    call->send(request(url), [next, what](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        if (res->status == 404) return next(std::optional<FrappeRecord>{});
        if (res->status != 200) return next(frappe_status_error(res->status, res->body, res->header("Retry-After"), what));
        auto doc = parse_frappe_doc(res->body);
        if (!doc) return next(doc.error().with_context(what));
        return next(std::optional<FrappeRecord>(std::move(*doc)));
    });
}

void ErpNextClient::get(const std::string& doctype, const std::string& name,
                        Callback<std::optional<FrappeRecord>> done) {
    auto deliver = [done](Error e) { done(Fetched<std::optional<FrappeRecord>>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (refuse_if_open(deliver)) return;
    auto call = start("ERPNext " + doctype + " " + name, fail);
    fetch_doc(call, doctype, name, [this, call, done](Result<std::optional<FrappeRecord>> r) {
        if (!r) return call->fail(r.error());
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<std::optional<FrappeRecord>>::good(kSource, std::move(*r)));
    });
}

void ErpNextClient::subscriber_by_serial(const std::string& serial, Callback<ErpSubscriber> done) {
    FrappeFilters f;
    f.add("serial_number", "=", serial);
    subscriber("ERPNext subscriber by serial " + serial.substr(0, 64), std::move(f), std::move(done));
}

void ErpNextClient::subscriber_by_mac(const std::string& mac, Callback<ErpSubscriber> done) {
    auto m = normalise_mac(mac);
    if (!m) {
        Error e = m.error().with_context("ERPNext subscriber by MAC");
        std::weak_ptr<int> alive = alive_;
        loop_.post([alive, done, e] {
            if (!alive.expired()) done(Fetched<ErpSubscriber>::failure(kSource, e));
        });
        return;
    }
    std::string lower = *m;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FrappeFilters f;
    f.add_in("mac_address", {*m, lower});
    subscriber("ERPNext subscriber by MAC " + *m, std::move(f), std::move(done));
}

void ErpNextClient::subscriber(const std::string& what, FrappeFilters filters, Callback<ErpSubscriber> done) {
    auto deliver = [done](Error e) { done(Fetched<ErpSubscriber>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (refuse_if_open(deliver)) return;
    auto call = start(what, fail);
    std::string base = options_.base_url + "/api/resource/" + url_component("Service Equipment") +
                       "?fields=" + url_component(fields_json(kEquipmentFields)) + "&order_by=" +
                       url_component("name asc") + "&filters=" + url_component(filters.json());
    auto acc = std::make_shared<std::vector<FrappeRecord>>();
    auto result = std::make_shared<ErpSubscriber>();
    auto finish = [this, call, done, result] {
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<ErpSubscriber>::good(kSource, std::move(*result)));
    };
    page(call, base, 0, acc, [this, call, acc, result, finish](Result<bool> r) {
        if (!r) return call->fail(r.error());
        for (const auto& row : *acc) result->equipment.push_back(to_equipment(row));
        if (result->equipment.empty()) return finish();
        const ServiceEquipment* pick = &result->equipment.front();
        for (const auto& e : result->equipment)
            if (e.status == "Active") {
                pick = &e;
                break;
            }
        std::string loc = pick->service_location, cust = pick->customer;
        auto get_customer = [this, call, result, finish](std::string name) {
            if (name.empty()) return finish();
            fetch_doc(call, "Customer", name, [call, result, finish](Result<std::optional<FrappeRecord>> c) {
                if (!c) return call->fail(c.error());
                if (*c) result->customer = to_customer(**c);
                finish();
            });
        };
        if (loc.empty()) return get_customer(cust);
        fetch_doc(call, "Service Location", loc,
                  [call, result, cust, get_customer](Result<std::optional<FrappeRecord>> l) {
                      if (!l) return call->fail(l.error());
                      std::string c = cust;
                      if (*l) {
                          result->location = to_location(**l);
                          if (c.empty()) c = result->location->customer;
                      }
                      get_customer(c);
                  });
    });
}

}  // namespace cpe::hub::sources
