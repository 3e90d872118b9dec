// The GenieACS NBI client: queries, lookup of a device by serial, get_device. Tasks and deletions are in
// genieacs_client_tasks.cpp, the paged walk of the fleet in genieacs_client_walk.cpp.
#include "sources/genieacs_client.hpp"

#include <algorithm>
#include <cstdlib>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"
#include "sources/genieacs_client_internal.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

using genieacs_detail::kSource;

namespace {

const char* kIdentity[] = {"_deviceId", "_lastInform", "_lastBoot", "_registered", "_tags"};

bool source_fault(const Error& e) {
    switch (e.code) {
        case Errc::timeout:
        case Errc::unavailable:
        case Errc::io_error:
        case Errc::parse_error:
        case Errc::too_large:
            return true;
        default:
            return false;
    }
}

std::string snippet(const std::string& body) {
    std::string s = body.substr(0, 200);
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}
Status validate_serial(const std::string& s) {
    if (s.empty() || s.size() > 64)
        return make_error(Errc::invalid_argument, "serial must be 1 to 64 characters");
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.' || c == ':'))
            return make_error(
                Errc::invalid_argument,
                "serial '" + s.substr(0, 64) + "' has a character not allowed at byte " + std::to_string(i));
    }
    return {};
}

std::string regex_query(const std::vector<std::pair<std::string, std::string>>& key_regex) {
    auto root = json::make_object();
    auto any = json::make_array();
    for (const auto& [key, re] : key_regex) {
        auto cond = json::make_object();
        json::add_string(cond.get(), "$regex", re);
        json::add_string(cond.get(), "$options", "i");
        auto term = json::make_object();
        json::add(term.get(), key.c_str(), std::move(cond));
        json::append(any.get(), std::move(term));
    }
    json::add(root.get(), "$or", std::move(any));
    return json::print(root.get());
}

}  // namespace

namespace genieacs_detail {

Error status_error(const net::HttpResponse& r, const std::string& what) {
    Error e;
    if (r.status >= 500)
        e = make_error(Errc::unavailable, what + ": GenieACS server error " + std::to_string(r.status));
    else if (r.status == 400)
        e = make_error(Errc::invalid_argument,
                       what + ": GenieACS refused the request (400): " + snippet(r.body));
    else
        e = make_error(Errc::io_error, what + ": unexpected GenieACS answer " + std::to_string(r.status));
    return e.with_http_status(static_cast<int>(r.status));
}

}  // namespace genieacs_detail

using genieacs_detail::status_error;

const char* lookup_method_name(LookupMethod m) {
    switch (m) {
        case LookupMethod::none:
            return "none";
        case LookupMethod::serial:
            return "serial";
        case LookupMethod::gpon_suffix:
            return "gpon_suffix";
        case LookupMethod::id_contains:
            return "id_contains";
    }
    return "none";
}

GenieAcsClient::GenieAcsClient(net::EventLoop& loop, net::HttpClient& http, GenieAcsOptions options)
    : loop_(loop), http_(http), options_(std::move(options)), breaker_(options_.breaker, options_.clock) {
    options_.base_url = trim_base_url(options_.base_url);
}

GenieAcsClient::~GenieAcsClient() = default;

bool GenieAcsClient::refuse_if_open(const std::function<void(Error)>& fail) {
    return sources::refuse_if_open(breaker_, loop_, life_.token(), "GenieACS", fail);
}

void GenieAcsClient::note(const Error* e) {
    static log::RateLimit limit(10, 60);  // one for every GenieACS client, as before
    note_outcome(breaker_, limit, "genieacs", e, e && source_fault(*e));
}

void GenieAcsClient::run_query(const std::shared_ptr<Call>& call, const std::string& query_json,
                               const std::vector<std::string>& projection,
                               std::function<void(Result<DeviceLookup>)> next) {
    std::string proj;
    for (const char* k : kIdentity) proj += std::string(proj.empty() ? "" : ",") + k;
    for (const auto& p : projection) proj += "," + p;
    net::HttpRequest r;
    r.method = "GET";
    r.url = options_.base_url + "/devices/?query=" + url_component(query_json) +
            "&projection=" + url_component(proj) + "&limit=" + std::to_string(options_.max_matches);
    std::string what = call->what();
    call->send(std::move(r), [next = std::move(next), what](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        if (res->status != 200) return next(status_error(*res, what));
        auto devs = parse_device_list(res->body);
        if (!devs) return next(devs.error().with_context(what));
        DeviceLookup l;
        l.devices = std::move(*devs);
        auto total = res->header("total");
        l.total = total ? std::strtol(total->c_str(), nullptr, 10) : static_cast<long>(l.devices.size());
        next(std::move(l));
    });
}

void GenieAcsClient::query(const std::string& query_json, std::vector<std::string> projection,
                           Callback<DeviceLookup> done) {
    auto deliver = [done](Error e) { done(Fetched<DeviceLookup>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (refuse_if_open(deliver)) return;
    auto call = Call::start(loop_, http_, life_.token(), options_.query_budget_ms,
                            options_.connect_timeout_ms, "GenieACS query", fail);
    run_query(call, query_json, projection, [this, call, done](Result<DeviceLookup> r) {
        if (!r) return call->fail(r.error());
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<DeviceLookup>::good(kSource, std::move(*r)));
    });
}

void GenieAcsClient::find_by_serial(const std::string& serial, std::vector<std::string> projection,
                                    Callback<DeviceLookup> done) {
    if (auto st = validate_serial(serial); !st) {
        Error e = st.error().with_context("GenieACS lookup");
        loop_.post(life_.guard([done, e] { done(Fetched<DeviceLookup>::failure(kSource, e)); }));
        return;
    }
    auto deliver = [done](Error e) { done(Fetched<DeviceLookup>::failure(kSource, e)); };
    if (refuse_if_open(deliver)) return;

    // The three steps, each a query; the first with a match wins. Serials are compared case-insensitively in
    // every step (a CSR types "22275a7000395" for "22275A7000395"): an anchored regex with the "i" option
    // (MongoDB $regex/$options, passed through by lib/query.ts). Only _id is indexed (the doc), so the
    // exact-serial step scans as an equality would.
    std::vector<std::pair<LookupMethod, std::string>> steps;
    {
        auto cond = json::make_object();
        json::add_string(cond.get(), "$regex", "^" + regex_escape(serial) + "$");
        json::add_string(cond.get(), "$options", "i");
        auto q = json::make_object();
        json::add(q.get(), "_deviceId._SerialNumber", std::move(cond));
        steps.emplace_back(LookupMethod::serial, json::print(q.get()));
    }
    if (serial.size() >= 8) {
        std::vector<std::pair<std::string, std::string>> terms;
        for (const auto& p : options_.gpon_serial_paths)
            terms.emplace_back(p, regex_escape(serial.substr(serial.size() - 8)) + "$");
        if (!terms.empty()) steps.emplace_back(LookupMethod::gpon_suffix, regex_query(terms));
    }
    {
        auto cond = json::make_object();
        json::add_string(cond.get(), "$regex", genieacs_id_fragment_regex(serial));
        json::add_string(cond.get(), "$options", "i");
        auto q = json::make_object();
        json::add(q.get(), "_id", std::move(cond));
        steps.emplace_back(LookupMethod::id_contains, json::print(q.get()));
    }
    // Each step is its own call: its own budget (step_budget_ms, never past the lookup's deadline), so a slow
    // step fails alone and the next still runs. A failed step and no match later: the lookup fails (not "not
    // found").
    struct State {
        std::vector<std::pair<LookupMethod, std::string>> steps;
        std::vector<std::string> projection;
        std::vector<std::string> notes;
        std::optional<Error> first_error;
        int64_t deadline = 0;
        std::function<void(size_t)> run;
    };
    auto state = std::make_shared<State>();
    state->steps = std::move(steps);
    state->projection = std::move(projection);
    state->deadline = steady_ms() + static_cast<int64_t>(options_.query_budget_ms);
    uint64_t step_budget = options_.step_budget_ms ? options_.step_budget_ms
                                                   : std::max<uint64_t>(1, options_.query_budget_ms / 3);
    std::weak_ptr<State> weak = state;
    std::string who = "GenieACS lookup of serial " + serial;
    state->run = [this, weak, done, step_budget, who](size_t i) {
        auto s = weak.lock();
        if (!s) return;
        auto finish_none = [this, s, done, who] {
            if (s->first_error) {
                Error e = *s->first_error;
                e.message = "no lookup step found the device; " + e.message;
                note(&e);  // one outcome per lookup for the breaker
                return done(Fetched<DeviceLookup>::failure(kSource, e));
            }
            note(nullptr);
            DeviceLookup l;
            l.steps = s->notes;
            done(Fetched<DeviceLookup>::good(kSource, std::move(l)));
        };
        if (i >= s->steps.size()) return finish_none();
        const auto method = s->steps[i].first;
        const auto q = s->steps[i].second;
        int64_t left = s->deadline - steady_ms();
        if (left <= 0) {
            for (size_t k = i; k < s->steps.size(); ++k)
                s->notes.push_back(std::string(lookup_method_name(s->steps[k].first)) +
                                   ": not run (the lookup's budget of " +
                                   std::to_string(options_.query_budget_ms) + " ms is spent)");
            if (!s->first_error) s->first_error = make_error(Errc::timeout, "the lookup's budget is spent");
            return finish_none();
        }
        uint64_t budget = std::min<uint64_t>(step_budget, static_cast<uint64_t>(left));
        std::string what = who + " (" + lookup_method_name(method) + ", " + std::to_string(budget) + " ms)";
        auto step_fail = [s, method, i](Error e) {
            s->notes.push_back(std::string(lookup_method_name(method)) + ": failed (" + e.message + ")");
            if (!s->first_error) s->first_error = e;
            // Only a slow step (its budget spent) lets the next run: a server error, a refused query or a
            // connection failure would be the next step's answer too.
            if (e.code != Errc::timeout) {
                for (size_t k = i + 1; k < s->steps.size(); ++k)
                    s->notes.push_back(std::string(lookup_method_name(s->steps[k].first)) + ": not run");
                return s->run(s->steps.size());
            }
            s->run(i + 1);
        };
        auto call =
            Call::start(loop_, http_, life_.token(), budget, options_.connect_timeout_ms, what, step_fail);
        run_query(call, q, s->projection, [this, call, s, done, method, i](Result<DeviceLookup> r) {
            if (!r) return call->fail(r.error());
            if (!call->finish()) return;
            if (r->devices.empty()) {
                s->notes.push_back(std::string(lookup_method_name(method)) + ": no match");
                return s->run(i + 1);
            }
            s->notes.push_back(std::string(lookup_method_name(method)) + ": found");
            for (size_t k = i + 1; k < s->steps.size(); ++k)
                s->notes.push_back(std::string(lookup_method_name(s->steps[k].first)) +
                                   ": skipped (found by " + lookup_method_name(method) + ")");
            note(nullptr);
            r->method = method;
            r->steps = s->notes;
            done(Fetched<DeviceLookup>::good(kSource, std::move(*r)));
        });
    };
    // The state lives as long as a step is in flight: each step's callbacks hold `s`.
    auto keep = state;
    loop_.post([keep] { keep->run(0); });
}

void GenieAcsClient::get_device(const std::string& id, std::vector<std::string> projection,
                                Callback<std::optional<GenieDevice>> done) {
    auto q = json::make_object();
    json::add_string(q.get(), "_id", id);
    query(json::print(q.get()), std::move(projection), [done](Fetched<DeviceLookup> f) {
        Fetched<std::optional<GenieDevice>> out;
        out.provenance = f.provenance;
        if (f.ok() && !f.value.devices.empty()) out.value = std::move(f.value.devices.front());
        done(std::move(out));
    });
}
}  // namespace cpe::hub::sources
