#include "sources/erpnext_client.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"
#include "sources/url.hpp"
#include "util/text.hpp"

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

namespace {
using text::trim;
bool clean(std::string_view t) {
    for (char c : t)
        if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
            return false;
    return !t.empty();
}
}  // namespace

Result<ErpCredentials> parse_erp_token(std::string_view text, std::string_view where) {
    std::string_view t = trim(text);
    std::string w(where);
    size_t colon = t.find(':');
    if (t.empty()) return make_error(Errc::invalid_argument, "ERPNext credentials (" + w + "): empty");
    if (colon == std::string_view::npos || t.find(':', colon + 1) != std::string_view::npos)
        return make_error(
            Errc::invalid_argument,
            "ERPNext credentials (" + w + "): malformed: expected one 'key:secret' with exactly one ':'");
    std::string_view key = t.substr(0, colon), secret = t.substr(colon + 1);
    if (key.empty() || secret.empty())
        return make_error(Errc::invalid_argument, "ERPNext credentials (" + w + "): malformed: the " +
                                                      (key.empty() ? "key" : "secret") +
                                                      " before/after ':' is empty");
    if (!clean(key) || !clean(secret))
        return make_error(Errc::invalid_argument,
                          "ERPNext credentials (" + w + "): malformed: whitespace inside the " +
                              (clean(key) ? "secret" : "key") + " (Frappe would read the request as Guest)");
    return ErpCredentials{std::string(key), std::string(secret)};
}

Result<ErpCredentials> load_erp_credentials(const std::string& file, const char* env_key,
                                            const char* env_secret) {
    const char* k = std::getenv(env_key);
    const char* s = std::getenv(env_secret);
    if (k && *k && s && *s)
        return parse_erp_token(std::string(trim(k)) + ":" + std::string(trim(s)),
                               std::string(env_key) + "/" + env_secret);
    if (file.empty())
        return make_error(Errc::not_found, std::string("ERPNext credentials: ") + env_key + "/" + env_secret +
                                               " not set and no credentials file configured");
    FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return make_error(Errc::not_found, "ERPNext credentials: cannot open " + file);
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    std::string text(buf, n);
    if (std::string(trim(text)).find_first_of("\r\n") != std::string::npos)
        return make_error(Errc::invalid_argument,
                          "ERPNext credentials (" + file + "): malformed: must hold one line 'key:secret'");
    return parse_erp_token(text, file);
}

Result<std::string> normalise_mac(const std::string& mac) {
    std::string hex;
    for (char c : mac) {
        if (c == ':' || c == '-' || c == '.') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return make_error(Errc::invalid_argument,
                              "MAC address '" + mac.substr(0, 40) + "' has a non-hex character");
        hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (hex.size() != 12)
        return make_error(Errc::invalid_argument,
                          "MAC address '" + mac.substr(0, 40) + "' does not have 12 hex digits");
    std::string out;
    for (size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

ErpNextClient::ErpNextClient(net::EventLoop& loop, net::HttpClient& http, ErpNextOptions options)
    : loop_(loop), http_(http), options_(std::move(options)), breaker_(options_.breaker, options_.clock) {
    options_.base_url = trim_base_url(options_.base_url);
    if (options_.page_size == 0) options_.page_size = 100;
}

ErpNextClient::~ErpNextClient() = default;

bool ErpNextClient::refuse_if_open(const std::function<void(Error)>& fail) {
    return sources::refuse_if_open(breaker_, loop_, life_.token(), "ERPNext", fail);
}

void ErpNextClient::note(const Error* e) {
    static log::RateLimit limit(10, 60);  // one for every ERPNext client, as before
    note_outcome(breaker_, limit, "erpnext", e, e && source_fault(*e));
}

std::shared_ptr<Call> ErpNextClient::start(const std::string& what, std::function<void(Error)> fail) {
    return Call::start(loop_, http_, life_.token(), options_.budget_ms, options_.connect_timeout_ms, what,
                       std::move(fail));
}

net::HttpRequest ErpNextClient::request(const std::string& url) const {
    net::HttpRequest r;
    r.method = "GET";
    r.url = url;
    r.headers = {
        {"Accept", "application/json"},
        {"Authorization", "token " + options_.credentials.api_key + ":" + options_.credentials.api_secret}};
    return r;
}

void ErpNextClient::page(const std::shared_ptr<Call>& call, const std::string& base_url, size_t start,
                         std::shared_ptr<std::vector<FrappeRecord>> acc,
                         std::function<void(Result<bool>)> next) {
    std::string url = base_url + "&limit_start=" + std::to_string(start) +
                      "&limit_page_length=" + std::to_string(options_.page_size);
    std::string what = call->what();
    call->send(request(url), [this, call, base_url, start, acc, next, what](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        if (res->status != 200)
            return next(frappe_status_error(res->status, res->body, res->header("Retry-After"), what));
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
            return next(make_error(Errc::too_large,
                                   what + ": more than " + std::to_string(options_.max_rows) + " rows"));
        page(call, base_url, start + got, acc, next);
    });
}

void ErpNextClient::list(const std::string& doctype, const FrappeFilters& filters,
                         std::vector<std::string> fields, Callback<std::vector<FrappeRecord>> done,
                         const std::string& order_by) {
    auto deliver = [done](Error e) { done(Fetched<std::vector<FrappeRecord>>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    std::string what = "ERPNext " + doctype + " list";
    if (auto st = filters.status(); !st) {
        Error e = st.error().with_context(what);
        loop_.post(life_.guard([fail, e] { fail(e); }));
        return;
    }
    if (refuse_if_open(deliver)) return;
    auto call = start(what, fail);
    if (fields.empty()) fields = {"name"};
    std::string base = options_.base_url + "/api/resource/" + url_component(doctype) +
                       "?fields=" + url_component(fields_json(fields)) +
                       "&order_by=" + url_component(order_by);
    if (!filters.empty()) base += "&filters=" + url_component(filters.json());
    auto acc = std::make_shared<std::vector<FrappeRecord>>();
    page(call, base, 0, acc, [this, call, acc, done](Result<bool> r) {
        if (!r) return call->fail(r.error());
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<std::vector<FrappeRecord>>::good(kSource, std::move(*acc)));
    });
}

void ErpNextClient::fetch_doc(const std::shared_ptr<Call>& call, const std::string& doctype,
                              const std::string& name,
                              std::function<void(Result<std::optional<FrappeRecord>>)> next) {
    std::string url =
        options_.base_url + "/api/resource/" + url_component(doctype) + "/" + url_component(name);
    std::string what = "ERPNext " + doctype + " " + name;
    call->send(request(url), [next, what, doctype](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        // Only Frappe's own "no such document" means absent; a proxy's HTML 404, a wrong prefix, an unknown
        // site or a missing DocType is a failure that says so (frappe_status_error).
        if (frappe_document_absent(res->status, res->body, doctype))
            return next(std::optional<FrappeRecord>{});
        if (res->status != 200)
            return next(frappe_status_error(res->status, res->body, res->header("Retry-After"), what));
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

namespace {
// The request's own words in a `like` pattern: Frappe doubles backslashes and passes '%' and '_' on as
// wildcards (v15 frappe/model/db_query.py prepare_filter_condition), so they cannot be escaped through the
// REST API. They only widen the candidates; every candidate is verified.
constexpr const char* kUnescapable = "%_";
}  // namespace

void ErpNextClient::subscriber_by_serial(const std::string& serial, Callback<ErpSubscriber> done) {
    std::string want = canonical_serial(serial);
    if (want.empty() || want.find_first_not_of(kUnescapable) == std::string::npos) {
        Error e =
            make_error(Errc::invalid_argument, "ERPNext subscriber by serial: the serial '" +
                                                   serial.substr(0, 40) + "' is empty or only wildcards");
        loop_.post(life_.guard([done, e] { done(Fetched<ErpSubscriber>::failure(kSource, e)); }));
        return;
    }
    // PostgreSQL's '=' is exact in case and format; Frappe turns `like` into ILIKE there (v15 db_query.py),
    // so one pattern finds the serial in any case; '%' at both ends lets a stray space before or after
    // through.
    FrappeFilters f;
    f.add(options_.fields.equipment.field("serial_number"), "like", "%" + want + "%");
    subscriber(
        "ERPNext subscriber by serial " + want.substr(0, 64), std::move(f), FrappeFilters{},
        [want](const ServiceEquipment& e) { return canonical_serial(e.serial_number) == want; },
        std::move(done));
}

void ErpNextClient::subscriber_by_mac(const std::string& mac, Callback<ErpSubscriber> done) {
    auto m = canonical_mac(mac);
    if (!m) {
        // canonical_mac accepts all normalise_mac does (and stray spaces): its refusal has normalise_mac's
        // words.
        auto strict = normalise_mac(mac);
        Error e = strict ? make_error(Errc::invalid_argument,
                                      "MAC address '" + mac.substr(0, 40) + "' is not valid")
                         : strict.error();
        e = e.with_context("ERPNext subscriber by MAC");
        loop_.post(life_.guard([done, e] { done(Fetched<ErpSubscriber>::failure(kSource, e)); }));
        return;
    }
    std::string want = *m;
    std::string bare, any_sep;
    for (char c : want)
        if (c != ':') bare.push_back(c);
    for (char c : want) any_sep.push_back(c == ':' ? '_' : c);  // '_' matches one character: ':' '-' '.' ' '
    // "1C_61_B4_FB_2A_C8" finds 1C:61:…, 1c-61-…, "1C 61 …"; "1C61B4FB2AC8" the bare form; "1C61_B4FB_2AC8"
    // the dotted one (1C61.B4FB.2AC8); ILIKE ignores case and the '%' at both ends a stray space.
    std::string dotted = bare.substr(0, 4) + "_" + bare.substr(4, 4) + "_" + bare.substr(8, 4);
    const std::string field = options_.fields.equipment.field("mac_address");
    FrappeFilters any;
    any.add(field, "like", "%" + any_sep + "%")
        .add(field, "like", "%" + bare + "%")
        .add(field, "like", "%" + dotted + "%");
    subscriber(
        "ERPNext subscriber by MAC " + want, FrappeFilters{}, std::move(any),
        [want](const ServiceEquipment& e) { return canonical_mac(e.mac_address) == want; }, std::move(done));
}

void ErpNextClient::subscriber(const std::string& what, FrappeFilters filters, FrappeFilters or_filters,
                               std::function<bool(const ServiceEquipment&)> verify,
                               Callback<ErpSubscriber> done) {
    auto deliver = [done](Error e) { done(Fetched<ErpSubscriber>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    for (const FrappeFilters* f : {&filters, &or_filters})
        if (auto st = f->status(); !st) {
            Error e = st.error().with_context(what);
            loop_.post(life_.guard([deliver, e] { deliver(e); }));
            return;
        }
    if (refuse_if_open(deliver)) return;
    auto call = start(what, fail);
    const ErpFieldMap& fm = options_.fields;
    std::string base = options_.base_url + "/api/resource/" + url_component(fm.equipment.doctype) +
                       "?fields=" + url_component(fields_json(fm.equipment.query_fields())) +
                       "&order_by=" + url_component("name asc");
    if (!filters.empty()) base += "&filters=" + url_component(filters.json());
    if (!or_filters.empty()) base += "&or_filters=" + url_component(or_filters.json());
    auto acc = std::make_shared<std::vector<FrappeRecord>>();
    auto result = std::make_shared<ErpSubscriber>();
    auto finish = [this, call, done, result] {
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<ErpSubscriber>::good(kSource, std::move(*result)));
    };
    page(call, base, 0, acc, [this, call, acc, result, finish, verify](Result<bool> r) {
        if (!r) return call->fail(r.error());
        const ErpFieldMap& fields = options_.fields;
        // A `like` match is a candidate, never the answer: each stored value is normalised and compared.
        for (const auto& row : *acc)
            if (auto e = to_equipment(row, fields.equipment); verify(e))
                result->equipment.push_back(std::move(e));
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
            fetch_doc(call, options_.fields.customer.doctype, name,
                      [this, call, result, finish](Result<std::optional<FrappeRecord>> c) {
                          if (!c) return call->fail(c.error());
                          if (*c) result->customer = to_customer(**c, options_.fields.customer);
                          finish();
                      });
        };
        if (loc.empty()) return get_customer(cust);
        fetch_doc(call, fields.location.doctype, loc,
                  [this, call, result, cust, get_customer](Result<std::optional<FrappeRecord>> l) {
                      if (!l) return call->fail(l.error());
                      std::string c = cust;
                      if (*l) {
                          result->location = to_location(**l, options_.fields.location);
                          if (c.empty()) c = result->location->customer;
                      }
                      get_customer(c);
                  });
    });
}

void ErpNextClient::check_schema(Callback<std::vector<ErpDocTypeCheck>> done) {
    auto deliver = [done](Error e) { done(Fetched<std::vector<ErpDocTypeCheck>>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (refuse_if_open(deliver)) return;
    auto call = start("ERPNext DocType check", fail);
    auto out = std::make_shared<std::vector<ErpDocTypeCheck>>();
    check_one(call, 0, out, [this, call, out, done] {
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<std::vector<ErpDocTypeCheck>>::good(kSource, std::move(*out)));
    });
}

void ErpNextClient::check_one(const std::shared_ptr<Call>& call, size_t i,
                              std::shared_ptr<std::vector<ErpDocTypeCheck>> out, std::function<void()> next) {
    const ErpDocTypeMap* maps[] = {&options_.fields.equipment, &options_.fields.location,
                                   &options_.fields.customer};
    if (i >= 3) return next();
    const ErpDocTypeMap& m = *maps[i];
    std::string what = "ERPNext DocType " + m.doctype;
    auto record = [this, call, i, out, next](std::string doctype, std::string problem) {
        out->push_back({std::move(doctype), std::move(problem)});
        check_one(call, i + 1, out, next);
    };
    // Its fields, custom ones included (the form's own description: GET …getdoctype?doctype=…).
    std::string url = options_.base_url +
                      "/api/method/frappe.desk.form.load.getdoctype?doctype=" + url_component(m.doctype);
    call->send(request(url), [this, call, &m, what, record](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status == 401)
            return call->fail(frappe_status_error(res->status, res->body, std::nullopt, what));
        if (res->status != 200) {
            Error e = frappe_status_error(res->status, res->body, res->header("Retry-After"),
                                          what + " description");
            if (res->status >= 500 || res->status == 429) return call->fail(e);
            return record(m.doctype, e.message);
        }
        auto fields = parse_frappe_doctype_fields(res->body, m.doctype);
        if (!fields) return call->fail(fields.error().with_context(what));
        if (auto st = m.check_present(*fields); !st) return record(m.doctype, st.error().message);
        // Read access: a list of one row with every mapped field. A 403 is a missing role; a field the API
        // user may not read (above its permission level) is dropped from the row silently, so its absence is
        // checked too.
        std::string list = options_.base_url + "/api/resource/" + url_component(m.doctype) +
                           "?fields=" + url_component(fields_json(m.query_fields())) + "&limit_page_length=1";
        auto perm = std::make_shared<std::map<std::string, int>>(std::move(*fields));
        call->send(request(list), [call, &m, what, record, perm](Result<net::HttpResponse> r2) {
            if (!r2) return call->fail(r2.error().with_context(what));
            if (r2->status != 200) {
                Error e =
                    frappe_status_error(r2->status, r2->body, r2->header("Retry-After"), what + " read");
                if (r2->status >= 500 || r2->status == 429 || r2->status == 401) return call->fail(e);
                return record(m.doctype, e.message);
            }
            auto rows = parse_frappe_list(r2->body);
            if (!rows) return call->fail(rows.error().with_context(what));
            if (!rows->empty())
                for (const auto& f : m.query_fields())
                    if (!rows->front().count(f)) {
                        auto p = perm->find(f);
                        return record(m.doctype, "ERPNext DocType '" + m.doctype +
                                                     "': the API user cannot read field '" + f +
                                                     "' (permission level " +
                                                     std::to_string(p == perm->end() ? 0 : p->second) + ")");
                    }
            record(m.doctype, "");
        });
    });
}

}  // namespace cpe::hub::sources
