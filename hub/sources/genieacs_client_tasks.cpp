// The GenieACS client's tasks: posting a task (and resolving a 202 to its outcome), deleting tasks, faults
// and other documents.
#include <algorithm>
#include <cstdlib>

#include "json/json.hpp"
#include "log/log.hpp"
#include "sources/call.hpp"
#include "sources/genieacs_client.hpp"
#include "sources/genieacs_client_internal.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

using genieacs_detail::kSource;
using genieacs_detail::status_error;

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

}  // namespace cpe::hub::sources
