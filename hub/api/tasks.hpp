// GenieACS tasks the hub follows to their end (POST /devices/:id/tasks on a TR-069 device, hosts?refresh), by
// the hub's own task id: the tasks of a kind chosen for the device's data model, run one after the other,
// each with its outcome; the answer at the end or at genieacs.task_answer_ms with the task still running (GET
// /devices/:id/tasks/:taskId and the SSE event "task" on device:<id> follow it). docs/api.md. Loop thread
// only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/source_clients.hpp"
#include "app/events.hpp"
#include "net/event_loop.hpp"
#include "util/lifetime.hpp"

namespace cpe::hub::api {

struct TrackedTask {
    std::string task_id, device, kind;  // kind: reboot, refresh, refreshHosts, firmware
    // running, downloading (firmware: the CPE took the Download, its TransferComplete is awaited), done,
    // queued, offline, faulted, failed
    std::string status = "running";
    std::string file;  // firmware: the GenieACS file
    std::string reason, fault_code, fault_message, error;
    std::vector<std::string> genieacs_task_ids;
    std::vector<std::string> steps;  // each GenieACS task and how it ended
    int http = 202;                  // the status an answer about it gets
    int64_t started_ms = 0, ended_ms = 0;
};
// {id, task, task_id, status, reason?, fault?, error?, genieacs_task_ids, steps, elapsed_ms, detail}
std::string tracked_json(const TrackedTask& t);

class GenieTasks {
  public:
    // answer_ms: when the HTTP answer goes with the task still running. on_end(device id): a task ended
    // (done, queued or failed): what is cached about the device is void.
    GenieTasks(net::EventLoop& loop, GenieAcs& genieacs, app::EventStream& events, uint64_t answer_ms,
               std::function<void(const std::string&)> on_end);
    GenieTasks(const GenieTasks&) = delete;
    GenieTasks& operator=(const GenieTasks&) = delete;
    ~GenieTasks();

    // Runs the GenieACS tasks of `kind` for device `id` — chosen for its data model (sources::model_paths of
    // `doc`, its record) — and follows them to their end; or, when one of that kind is already running for
    // the device, that one (nothing posted again). `answer` runs once. `schedule`: a reboot of an offline
    // device stays queued in GenieACS (else refused).
    // Kind "firmware": a download task of GenieACS file `file`, then followed past its session (the CPE's
    // TransferComplete: GenieAcs::download_state every download_poll_ms, for at most download_follow_ms).
    void run(const std::string& id, const std::string& kind, bool schedule, const GenieHit& doc,
             std::function<void(const TrackedTask&)> answer, const std::string& file = "");
    void set_download_follow(uint64_t poll_ms, uint64_t follow_ms) {
        download_poll_ms_ = poll_ms;
        download_follow_ms_ = follow_ms;
    }
    // The task of `kind` running for device `id`, if any.
    const TrackedTask* running(const std::string& id, const std::string& kind) const;
    // A task by the hub's id (the last kMaxTracked ended ones are kept).
    const TrackedTask* find(const std::string& task_id) const;
    static constexpr size_t kMaxTracked = 200;

  private:
    net::EventLoop& loop_;
    GenieAcs& genieacs_;
    app::EventStream& events_;
    uint64_t answer_ms_;
    uint64_t download_poll_ms_ = 5000;
    uint64_t download_follow_ms_ = 3900 * 1000;  // GenieACS's cwmp.downloadTimeout (3600 s) and a margin
    std::function<void(const std::string&)> on_end_;
    std::map<std::string, TrackedTask> tracked_;  // by task id
    std::map<std::string, std::string> running_;  // device id + "\n" + kind → task id
    uint64_t seq_ = 0;
    Lifetime lifetime_;  // last: goes first
};

}  // namespace cpe::hub::api
