#include "api/tasks.hpp"

#include <memory>

#include "api/reply.hpp"
#include "json/json.hpp"
#include "sources/genieacs_model.hpp"

namespace cpe::hub::api {

std::string tracked_json(const TrackedTask& t) {
    auto o = json::make_object();
    json::add_string(o.get(), "id", t.device);
    json::add_string(o.get(), "task", t.kind);
    json::add_string(o.get(), "task_id", t.task_id);
    json::add_string(o.get(), "status", t.status);
    if (!t.file.empty()) json::add_string(o.get(), "file", t.file);
    if (!t.reason.empty()) json::add_string(o.get(), "reason", t.reason);
    if (!t.fault_code.empty() || !t.fault_message.empty()) {
        auto f = json::make_object();
        json::add_string(f.get(), "code", t.fault_code);
        json::add_string(f.get(), "message", t.fault_message);
        json::add(o.get(), "fault", std::move(f));
    }
    if (!t.error.empty()) json::add_string(o.get(), "error", t.error);
    auto ids = json::make_array();
    for (const auto& g : t.genieacs_task_ids)
        json::append(ids.get(), json::Ptr(cJSON_CreateString(g.c_str())));
    json::add(o.get(), "genieacs_task_ids", std::move(ids));
    auto steps = json::make_array();
    for (const auto& g : t.steps) json::append(steps.get(), json::Ptr(cJSON_CreateString(g.c_str())));
    json::add(o.get(), "steps", std::move(steps));
    int64_t end = t.ended_ms ? t.ended_ms : now_ms();
    json::add_number(o.get(), "elapsed_ms", static_cast<double>(end - t.started_ms));
    std::string detail =
        t.status == "running" ? "still running in GenieACS: follow GET /devices/:id/tasks/" + t.task_id +
                                    " or SSE topic device:<id> (event task)"
        : t.status == "downloading"
            ? "the CPE took the Download of '" + t.file +
                  "'; its TransferComplete is awaited: follow GET /devices/:id/tasks/" + t.task_id +
                  " or SSE topic device:<id> (event task)"
        : t.status == "done" && t.kind == "firmware"
            ? "firmware '" + t.file + "': the CPE reported the transfer complete without fault"
        : t.status == "done"    ? "GenieACS task: done"
        : t.status == "queued"  ? "GenieACS task: queued (" + t.reason + ")"
        : t.status == "offline" ? "device offline: " + t.reason
        : t.status == "faulted" ? "GenieACS task faulted: " + t.fault_code + " " + t.fault_message
                                : "GenieACS task failed: " + t.error;
    json::add_string(o.get(), "detail", detail);
    return json::print(o.get());
}

GenieTasks::GenieTasks(net::EventLoop& loop, GenieAcs& genieacs, app::EventStream& events, uint64_t answer_ms,
                       std::function<void(const std::string&)> on_end)
    : loop_(loop), genieacs_(genieacs), events_(events), answer_ms_(answer_ms), on_end_(std::move(on_end)) {}

GenieTasks::~GenieTasks() = default;

const TrackedTask* GenieTasks::running(const std::string& id, const std::string& kind) const {
    auto k = running_.find(id + "\n" + kind);
    return k == running_.end() ? nullptr : &tracked_.at(k->second);
}

const TrackedTask* GenieTasks::find(const std::string& task_id) const {
    auto it = tracked_.find(task_id);
    return it == tracked_.end() ? nullptr : &it->second;
}

void GenieTasks::run(const std::string& id, const std::string& kind, bool schedule, const GenieHit& doc,
                     std::function<void(const TrackedTask&)> answer, const std::string& file) {
    const std::string key = id + "\n" + kind;
    if (const TrackedTask* t = running(id, kind)) return answer(*t);
    // Every path from the device's data model (sources/genieacs_model: TR-181 Device. or TR-098
    // InternetGatewayDevice.); object names without a trailing dot (genieacs-nbi.md).
    const auto& mp = sources::model_paths(sources::model_of(doc.params));
    std::vector<std::string> objects;
    if (kind == "refresh") {
        objects = {mp.device_info, mp.optical};
    } else if (kind == "refreshHosts") {
        objects = {mp.hosts};
        for (const auto& a : mp.associations) objects.push_back(a);
        for (const auto& m : mp.mesh_if_present)
            if (sources::has_subtree(doc.params, m)) objects.push_back(m);
    }
    // A task that cannot even be built: answered as a failed one, nothing sent.
    auto refuse = [&](int http, const std::string& error) {
        TrackedTask bad;
        bad.device = id;
        bad.kind = kind;
        bad.file = file;
        bad.status = "failed";
        bad.http = http;
        bad.error = error;
        return answer(bad);
    };
    std::vector<sources::Task> list;
    if (kind == "reboot") {
        list.push_back(*sources::Task::reboot());
    } else if (kind == "firmware") {
        auto t = sources::Task::download(file);
        if (!t) return refuse(400, t.error().message);
        list.push_back(*t);
    } else {
        for (const auto& o : objects) {
            auto t = sources::Task::refresh_object(o);
            if (!t) return refuse(500, t.error().message);
            list.push_back(*t);
        }
    }
    TrackedTask fresh;
    fresh.task_id = "t" + std::to_string(++seq_) + "-" + std::to_string(now_ms() % 100000);
    fresh.device = id;
    fresh.kind = kind;
    fresh.file = file;
    fresh.started_ms = now_ms();
    const std::string tid = fresh.task_id;
    tracked_[tid] = fresh;
    running_[key] = tid;
    // Beyond kMaxTracked kept, the task that ended first goes (running ones stay).
    while (tracked_.size() > kMaxTracked) {
        auto oldest = tracked_.end();
        for (auto it = tracked_.begin(); it != tracked_.end(); ++it)
            if (it->second.ended_ms &&
                (oldest == tracked_.end() || it->second.ended_ms < oldest->second.ended_ms))
                oldest = it;
        if (oldest == tracked_.end()) break;
        tracked_.erase(oldest);
    }

    struct Run {
        bool answered = false;
        net::TimerHandle timer;
        std::vector<sources::Task> list;
        size_t next = 0;
        std::function<void()> step;
        // firmware: the follow-up after the session (download_state polls)
        std::function<void()> follow;
        net::TimerHandle poll;
        int64_t follow_deadline_ms = 0;
        bool quiet_once = false;  // no operation and no fault seen once: confirmed by the next poll
        std::string genie_task;   // the GenieACS task id of the download
    };
    auto run = std::make_shared<Run>();
    run->list = std::move(list);
    run->timer = loop_.add_timer(answer_ms_, lifetime_.guard([this, run, tid, answer] {
        if (run->answered) return;
        run->answered = true;
        answer(tracked_.at(tid));
    }));
    auto end = lifetime_.guard([this, run, tid, key, id, answer](std::string status, int http) {
        loop_.post([run] {  // breaks the cycles step/follow → run (not from inside them)
            run->step = nullptr;
            run->follow = nullptr;
        });
        run->poll.cancel();
        running_.erase(key);
        on_end_(id);  // done or queued: the next lookup reads the device again
        auto it = tracked_.find(tid);
        if (it == tracked_.end()) return;
        it->second.status = std::move(status);
        it->second.http = http;
        it->second.ended_ms = now_ms();
        std::string body = tracked_json(it->second);
        events_.publish({"device:" + id, "tasks"}, "task", body);
        if (run->answered) return;
        run->answered = true;
        run->timer.cancel();
        answer(it->second);
    });
    sources::TaskOptions opt;
    opt.keep_queued = kind != "reboot" || schedule;  // a reboot the NBI could not run now is deleted
    run->step = [this, run, tid, id, kind, schedule, opt, end] {
        if (run->next >= run->list.size()) return end("done", 200);
        const sources::Task& task = run->list[run->next++];
        std::string what = task.name() + (task.target().empty() ? "" : " " + task.target());
        genieacs_.task(
            id, task, opt,
            lifetime_.guard([this, run, tid, kind, schedule, end, what](Result<sources::TaskResult> r) {
                auto it = tracked_.find(tid);
                if (it == tracked_.end()) return;
                TrackedTask& t = it->second;
                if (!r) {
                    t.error = r.error().message;
                    t.steps.push_back(what + ": failed (" + r.error().message + ")");
                    return end("failed", status_for(r.error()));
                }
                const sources::TaskResult& tr = *r;
                if (!tr.task_id.empty()) t.genieacs_task_ids.push_back(tr.task_id);
                using O = sources::TaskOutcome;
                t.steps.push_back(what + ": " + sources::task_outcome_name(tr.outcome) +
                                  (tr.reason.empty() ? "" : " (" + tr.reason + ")") +
                                  (tr.removed ? ", deleted from GenieACS" : "") +
                                  (tr.cleanup_error.empty() ? "" : ", cleanup failed: " + tr.cleanup_error));
                switch (tr.outcome) {
                    case O::done:
                        if (kind == "firmware" && run->follow) {
                            // The session sent the Download; a CPE that answered Status 1 reports the result
                            // later in TransferComplete (lib/session.ts rpcResponse/transferComplete).
                            run->genie_task = tr.task_id;
                            t.status = "downloading";
                            events_.publish({"device:" + t.device, "tasks"}, "task", tracked_json(t));
                            run->follow_deadline_ms = now_ms() + static_cast<int64_t>(download_follow_ms_);
                            run->follow();
                            return;
                        }
                        if (run->step) run->step();
                        return;
                    case O::faulted:
                        t.reason = tr.reason;
                        t.fault_code = tr.fault_code;
                        t.fault_message = tr.fault_message;
                        return end("faulted", 502);
                    case O::no_such_device:
                        t.error = "GenieACS: no such device";
                        return end("failed", 404);
                    default:
                        t.reason = tr.reason;
                        if (kind == "reboot" && !schedule) {
                            t.error =
                                "device offline (" + tr.reason +
                                "): the reboot was deleted from GenieACS, not left to run "
                                "whenever the device comes back; ?schedule queues it for its next session";
                            return end("offline", 409);
                        }
                        return end("queued", 202);
                }
            }));
    };
    // firmware: where the download stands (genieacs_files.hpp): an operation pending → poll again; the task's
    // fault → faulted; neither, twice in a row → done (the operation's delete and the fault's save are
    // written together at the session's end, lib/cwmp.ts endSession: a read between them sees neither once).
    run->follow = [this, run, tid, id, end] {
        run->poll = loop_.add_timer(download_poll_ms_, lifetime_.guard([this, run, tid, id, end] {
            genieacs_.download_state(
                id, run->genie_task, lifetime_.guard([this, run, tid, end](Result<sources::DownloadState> r) {
                    auto it = tracked_.find(tid);
                    if (it == tracked_.end() || !run->follow) return;
                    TrackedTask& t = it->second;
                    if (!r) {
                        t.error = r.error().message;  // a failed poll: asked again until the deadline
                    } else if (r->fault) {
                        t.error.clear();
                        t.fault_code = r->fault->code;
                        t.fault_message = r->fault->message;
                        t.reason = "TransferComplete with a fault";
                        t.steps.push_back("TransferComplete: fault " + t.fault_code + " " + t.fault_message);
                        return end("faulted", 502);
                    } else if (!r->pending) {
                        t.error.clear();
                        if (run->quiet_once) {
                            t.steps.push_back("TransferComplete: no fault");
                            return end("done", 200);
                        }
                        run->quiet_once = true;
                    } else {
                        t.error.clear();
                        run->quiet_once = false;
                    }
                    if (now_ms() >= run->follow_deadline_ms) {
                        t.error =
                            "no TransferComplete within " + std::to_string(download_follow_ms_ / 1000) +
                            " s (GenieACS ends the operation itself after cwmp.downloadTimeout with the "
                            "fault 'timeout')";
                        return end("failed", 504);
                    }
                    run->follow();
                }));
        }));
    };
    run->step();
}

}  // namespace cpe::hub::api
