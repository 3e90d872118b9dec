#include "sources/genieacs_client.hpp"

#include <algorithm>
#include <cstdlib>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

namespace {

constexpr const char* kSource = "genieacs";
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

Error status_error(const net::HttpResponse& r, const std::string& what) {
    Error e;
    if (r.status >= 500)
        e = make_error(Errc::unavailable, what + ": GenieACS server error " + std::to_string(r.status));
    else if (r.status == 400)
        e = make_error(Errc::invalid_argument,
                       what + ": GenieACS refused the request (400): " + snippet(r.body));
    else
        e = make_error(Errc::io_error, what + ": unexpected GenieACS answer " + std::to_string(r.status));
    return e.with_http_status(r.status);
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
        auto step_fail = [this, s, method, i](Error e) {
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

void GenieAcsClient::post_task(const std::string& device_id, const Task& task, TaskOptions topt,
                               Callback<TaskResult> done) {
    auto deliver = [done](Error e) { done(Fetched<TaskResult>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (device_id.empty()) {
        loop_.post(life_.guard(
            [fail] { fail(make_error(Errc::invalid_argument, "GenieACS task: empty device id")); }));
        return;
    }
    if (refuse_if_open(deliver)) return;
    std::string what = "GenieACS task " + task.name() + " for " + device_id;
    uint64_t budget =
        options_.task_budget_ms ? options_.task_budget_ms : options_.connection_request_timeout_ms + 125000;
    auto call = Call::start(loop_, http_, life_.token(), budget, options_.connect_timeout_ms, what, fail);
    if (!topt.dedupe) return send_task(call, device_id, task, topt, done);
    // GET /tasks?query={"device":<id>,"name":<name>}: tasks still in GenieACS have not run (done tasks are
    // deleted, lib/nbi.ts) — pending, or faulted (then their fault says so).
    auto q = json::make_object();
    json::add_string(q.get(), "device", device_id);
    json::add_string(q.get(), "name", task.name());
    net::HttpRequest r;
    r.url = options_.base_url + "/tasks/?query=" + url_component(json::print(q.get()));
    std::string w = what + " (pending tasks)";
    call->send(std::move(r), [this, call, device_id, task, topt, done, w](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(w));
        if (res->status != 200) return call->fail(status_error(*res, w));
        auto dup = find_duplicate_task(res->body, task);
        if (!dup) return call->fail(dup.error().with_context(w));
        if (*dup) {
            TaskResult tr;
            tr.outcome = TaskOutcome::queued;
            tr.task_id = **dup;
            tr.duplicate = true;
            tr.reason =
                "a " + task.name() + " task for this device is already pending in GenieACS: not posted again";
            if (!call->finish()) return;
            note(nullptr);
            return done(Fetched<TaskResult>::good(kSource, std::move(tr)));
        }
        send_task(call, device_id, task, topt, done);
    });
}

void GenieAcsClient::send_task(const std::shared_ptr<Call>& call, const std::string& device_id,
                               const Task& task, TaskOptions topt, Callback<TaskResult> done) {
    net::HttpRequest r;
    r.method = "POST";
    r.url = options_.base_url + "/devices/" + url_component(device_id) + "/tasks";
    if (topt.connection_request)
        r.url += "?connection_request&timeout=" + std::to_string(options_.connection_request_timeout_ms);
    r.headers = {{"Content-Type", "application/json"}};
    r.body = task.json();
    std::string what = call->what();
    call->send(std::move(r), [this, call, done, device_id, what, topt](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status == 400 || res->status >= 500 ||
            (res->status != 200 && res->status != 202 && res->status != 404))
            return call->fail(status_error(*res, what));
        auto outcome = task_outcome_from(res->status, res->reason);
        if (!outcome) return call->fail(outcome.error().with_context(what));
        TaskResult tr;
        tr.outcome = *outcome;
        if (auto body = json::parse(res->body, "task answer"))
            tr.task_id = json::opt_string(body->get(), "_id").value_or("");
        if (res->status == 404) tr.reason = "No such device";
        if (!res->reason.empty() && res->status == 202) tr.reason = res->reason;
        // The reason phrase tells the 202s apart; a faulted task's fault is fetched for its code and message,
        // and an answer whose phrase was lost on the way (a proxy) is decided by the fault list.
        if (res->status != 202 || (tr.outcome != TaskOutcome::faulted && !res->reason.empty()))
            return finish_task(call, device_id, std::move(tr), topt, done);
        resolve_202(call, device_id, std::move(tr), topt, done);
    });
}

void GenieAcsClient::resolve_202(const std::shared_ptr<Call>& call, const std::string& device_id,
                                 TaskResult tr, TaskOptions topt, Callback<TaskResult> done) {
    if (tr.task_id.empty()) {
        tr.reason = "202 without a task id";
        return finish_task(call, device_id, std::move(tr), topt, done);
    }
    auto q = json::make_object();
    json::add_string(q.get(), "_id", device_id + ":task_" + tr.task_id);
    net::HttpRequest r;
    r.url = options_.base_url + "/faults/?query=" + url_component(json::print(q.get()));
    std::string what = call->what() + " (fault check)";
    call->send(
        std::move(r), [this, call, device_id, done, tr, topt, what](Result<net::HttpResponse> res) mutable {
            if (!res) return call->fail(res.error().with_context(what));
            if (res->status != 200) return call->fail(status_error(*res, what));
            auto fault = parse_task_fault(res->body);
            if (!fault) return call->fail(fault.error().with_context(what));
            if (*fault) {
                tr.outcome = TaskOutcome::faulted;
                tr.reason = "Task faulted";
                tr.fault_code = (*fault)->code;
                tr.fault_message = (*fault)->message;
                tr.fault = tr.fault_code.empty() ? tr.fault_message : tr.fault_code + ": " + tr.fault_message;
            } else if (tr.reason.empty()) {
                tr.reason = "202: queued or device offline (the reason phrase is not available)";
            }
            finish_task(call, device_id, std::move(tr), topt, done);
        });
}

void GenieAcsClient::finish_task(const std::shared_ptr<Call>& call, const std::string& device_id,
                                 TaskResult tr, TaskOptions topt, Callback<TaskResult> done) {
    auto end = [this, call, done](TaskResult t) {
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<TaskResult>::good(kSource, std::move(t)));
    };
    bool faulted = tr.outcome == TaskOutcome::faulted && topt.clean_faults;
    bool give_up =
        !topt.keep_queued && (tr.outcome == TaskOutcome::queued || tr.outcome == TaskOutcome::offline ||
                              tr.outcome == TaskOutcome::connection_request_error);
    if (tr.task_id.empty() || (!faulted && !give_up)) return end(std::move(tr));
    // The task first (a faulted task is retried at the device's next session, and re-faults), then its fault.
    auto shared = std::make_shared<TaskResult>(std::move(tr));
    std::string fault_path =
        faulted ? "/faults/" + url_component(device_id + ":task_" + shared->task_id) : "";
    delete_one(call, "/tasks/" + url_component(shared->task_id),
               [this, call, shared, fault_path, end](Result<bool> r) {
                   if (r)
                       shared->removed = true;
                   else
                       shared->cleanup_error = r.error().message;
                   if (fault_path.empty()) return end(std::move(*shared));
                   delete_one(call, fault_path, [shared, end](Result<bool> f) {
                       if (!f)
                           shared->cleanup_error +=
                               (shared->cleanup_error.empty() ? "" : "; ") + f.error().message;
                       end(std::move(*shared));
                   });
               });
}

void GenieAcsClient::delete_one(const std::shared_ptr<Call>& call, const std::string& path,
                                std::function<void(Result<bool>)> next) {
    net::HttpRequest r;
    r.method = "DELETE";
    r.url = options_.base_url + path;
    std::string what = "GenieACS DELETE " + path;
    call->send(std::move(r), [next = std::move(next), what](Result<net::HttpResponse> res) {
        if (!res) return next(res.error().with_context(what));
        if (res->status == 503)  // the doc: deletes answer 503 while the device is in session
            return next(make_error(Errc::unavailable, what + ": the device is in session; retry later"));
        if (res->status != 200 && res->status != 404) return next(status_error(*res, what));
        next(res->status == 200);
    });
}

void GenieAcsClient::delete_task(const std::string& task_id, Callback<bool> done) {
    delete_document("GenieACS delete task " + task_id, "/tasks/" + url_component(task_id), std::move(done));
}

void GenieAcsClient::delete_fault(const std::string& fault_id, Callback<bool> done) {
    delete_document("GenieACS delete fault " + fault_id, "/faults/" + url_component(fault_id),
                    std::move(done));
}

void GenieAcsClient::delete_document(const std::string& what, const std::string& path, Callback<bool> done) {
    auto deliver = [done](Error e) { done(Fetched<bool>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (refuse_if_open(deliver)) return;
    auto call = Call::start(loop_, http_, life_.token(), options_.query_budget_ms,
                            options_.connect_timeout_ms, what, fail);
    delete_one(call, path, [this, call, done](Result<bool> r) {
        if (!r) return call->fail(r.error());
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<bool>::good(kSource, *r));
    });
}

// ---- walk: the fleet, page by page
// ----------------------------------------------------------------------------

bool SkippedRange::contains(const std::string& id) const {
    return (after.empty() || id > after) && (before.empty() || id < before);
}

struct GenieAcsClient::Walk {
    json::Ptr query;  // the caller's query, parsed once
    bool query_empty = true;
    std::string projection;  // identity + the caller's paths, comma-separated
    WalkOptions options;
    std::function<void(WalkPage)> on_page;
    Callback<WalkResult> done;
    WalkResult result;
    std::string cursor;         // the last id read ("" = none yet)
    size_t skip = 0;            // > 0 after failed pages: jump over them from the cursor
    std::string skipped_error;  // why the pages being jumped over failed
    unsigned attempt = 0;       // retries of the current page
    unsigned failed_in_row = 0;
    size_t ids_read = 0;
    bool hopeless = false;  // a failure that asking again cannot mend: stop
    Errc last_errc = Errc::unavailable;
};

void GenieAcsClient::walk(const std::string& query_json, std::vector<std::string> projection,
                          WalkOptions options, std::function<void(WalkPage)> on_page,
                          Callback<WalkResult> done) {
    auto refuse = [this, done](Error e) {
        loop_.post(life_.guard([done, e] { done(Fetched<WalkResult>::failure(kSource, e)); }));
    };
    if (options.page_size < 1 || options.page_size > 1000)
        return refuse(make_error(
            Errc::invalid_argument,
            "GenieACS fleet read: page_size must be 1 to 1000, got " + std::to_string(options.page_size)));
    if (options.max_devices < 1)
        return refuse(
            make_error(Errc::invalid_argument, "GenieACS fleet read: max_devices must be at least 1"));
    auto q = json::parse(query_json, "GenieACS fleet query");
    if (!q) return refuse(make_error(Errc::invalid_argument, q.error().message));
    if (!cJSON_IsObject(q->get()))
        return refuse(make_error(Errc::invalid_argument, "GenieACS fleet query: expected a JSON object"));
    auto w = std::make_shared<Walk>();
    w->query_empty = q->get()->child == nullptr;
    w->query = std::move(*q);
    for (const auto& k : options.identity) w->projection += (w->projection.empty() ? "" : ",") + k;
    for (const auto& p : projection) w->projection += (w->projection.empty() ? "" : ",") + p;
    if (options.page_budget_ms == 0) options.page_budget_ms = options_.query_budget_ms;
    w->options = std::move(options);
    w->on_page = std::move(on_page);
    w->done = std::move(done);
    walk_page(w);
}

void GenieAcsClient::walk_page(const std::shared_ptr<Walk>& w) {
    const WalkOptions& o = w->options;
    if (!breaker_.allow()) {
        w->result.error = "GenieACS: " + breaker_.refusal_message();
        w->result.errc = w->last_errc = Errc::unavailable;
        ++w->result.failed_pages;
        w->result.stopped = true;
        w->result.skipped.push_back({w->cursor, "", w->result.error});
        loop_.post(life_.guard([this, w] { walk_end(w); }));
        return;
    }
    // The page's query: the caller's, and-ed with the cursor.
    std::string q;
    if (w->cursor.empty()) {
        q = json::print(w->query.get());
    } else {
        auto gt = json::make_object();
        json::add_string(gt.get(), "$gt", w->cursor);
        auto id = json::make_object();
        json::add(id.get(), "_id", std::move(gt));
        if (w->query_empty) {
            q = json::print(id.get());
        } else {
            auto all = json::make_array();
            json::append(all.get(), json::Ptr(cJSON_Duplicate(w->query.get(), true)));
            json::append(all.get(), std::move(id));
            auto root = json::make_object();
            json::add(root.get(), "$and", std::move(all));
            q = json::print(root.get());
        }
    }
    size_t limit = std::min(o.page_size, o.max_devices - w->ids_read);
    net::HttpRequest r;
    r.method = "GET";
    r.url = options_.base_url + "/devices/?query=" + url_component(q) +
            "&projection=" + url_component(w->projection) + "&sort=" + url_component("{\"_id\":1}") +
            "&limit=" + std::to_string(limit);
    if (w->skip) r.url += "&skip=" + std::to_string(w->skip);
    std::string what = "GenieACS fleet page " + std::to_string(w->result.pages + w->result.failed_pages + 1) +
                       (w->cursor.empty() ? std::string(" (from the start") : " (after " + w->cursor) +
                       (w->skip ? ", skipping " + std::to_string(w->skip) + ")" : ")");
    ++w->result.requests;
    auto call = Call::start(loop_, http_, life_.token(), o.page_budget_ms, options_.connect_timeout_ms, what,
                            [this, w](Error e) {
                                note(&e);
                                walk_failed(w, e);
                            });
    std::weak_ptr<void> alive = life_.token();
    call->send(std::move(r), [this, alive, call, w, what, limit](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status != 200) return call->fail(status_error(*res, what));
        GenieParseLimits lim;
        lim.max_devices = limit;
        lim.max_params = w->options.max_params_per_device;
        auto page = parse_device_page(res->body, lim);
        if (!page) return call->fail(page.error().with_context(what));
        // Pages must come in _id order after the cursor, or the walk could loop or miss devices.
        for (size_t i = 0; i < page->ids.size(); ++i) {
            const std::string& prev = i ? page->ids[i - 1] : w->cursor;
            if ((i || !prev.empty()) && !(page->ids[i] > prev)) {
                auto e =
                    make_error(Errc::parse_error, what + ": id '" + page->ids[i] + "' does not come after '" +
                                                      prev + "': the NBI did not honour sort {_id:1} / $gt");
                w->hopeless = true;  // not a passing fault: stop here
                return call->fail(e);
            }
        }
        if (!call->finish()) return;
        note(nullptr);
        WalkResult& acc = w->result;
        auto total_h = res->header("total");
        long total = total_h ? std::strtol(total_h->c_str(), nullptr, 10) : -1;
        if (acc.pages == 0 && w->skip == 0) acc.first_total = total;
        if (w->skip) {  // the failed pages jumped over: ids between the cursor and this page's first
            acc.skipped.push_back(
                {w->cursor, page->ids.empty() ? std::string() : page->ids.front(), w->skipped_error});
        }
        size_t n = page->ids.size();
        bool last = n < limit || (total >= 0 && static_cast<size_t>(total) <= w->skip + n);
        WalkPage out;
        out.index = acc.pages++;
        out.after = w->cursor;
        out.total = total;
        out.invalid_ids = std::move(page->invalid_ids);
        acc.devices += page->devices.size();
        acc.invalid_devices += out.invalid_ids.size();
        for (auto& m : page->invalid)
            if (acc.invalid.size() < GeniePage::kMaxInvalidMessages) acc.invalid.push_back(std::move(m));
        out.devices = std::move(page->devices);
        if (n) w->cursor = page->ids.back();
        w->ids_read += n;
        w->skip = 0;
        w->attempt = 0;
        w->failed_in_row = 0;
        if (!last && w->ids_read >= w->options.max_devices) {
            acc.truncated = true;
            last = true;
        }
        w->on_page(std::move(out));
        if (alive.expired()) return;  // the page's receiver may have destroyed this client
        if (last) return walk_end(w);
        loop_.post(life_.guard([this, w] { walk_page(w); }));
    });
}

void GenieAcsClient::walk_failed(const std::shared_ptr<Walk>& w, const Error& e) {
    WalkResult& r = w->result;
    r.error = e.message;
    r.errc = e.code;
    w->last_errc = e.code;
    // A refused query (400) or key will not get better by asking again.
    bool hopeless = e.code == Errc::invalid_argument || e.code == Errc::denied || w->hopeless;
    if (!hopeless && w->attempt < w->options.page_retries) {
        ++w->attempt;
        ++r.retries;
        loop_.add_timer(w->options.retry_delay_ms, life_.guard([this, w] { walk_page(w); }));
        return;
    }
    ++r.failed_pages;
    ++w->failed_in_row;
    w->attempt = 0;
    if (hopeless || w->failed_in_row >= w->options.max_failed_pages) {
        r.stopped = true;
        r.skipped.push_back({w->cursor, "", e.message});
        return walk_end(w);
    }
    w->skip += std::min(w->options.page_size, w->options.max_devices - w->ids_read);
    w->skipped_error = e.message;
    loop_.post(life_.guard([this, w] { walk_page(w); }));
}

void GenieAcsClient::walk_end(const std::shared_ptr<Walk>& w) {
    WalkResult& r = w->result;
    if (r.pages == 0 && r.stopped)
        return w->done(Fetched<WalkResult>::failure(
            kSource, make_error(w->last_errc, "GenieACS fleet read: no page could be read: " + r.error)));
    w->done(Fetched<WalkResult>::good(kSource, std::move(r)));
}

}  // namespace cpe::hub::sources
