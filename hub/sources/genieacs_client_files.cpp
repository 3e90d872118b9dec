// The GenieACS client's files and download follow-up (genieacs_files.hpp): PUT /files/<name>, the file by
// name, and where a download task stands after its session (its operation, its fault).
#include <cctype>

#include "json/json.hpp"
#include "sources/call.hpp"
#include "sources/genieacs_client.hpp"
#include "sources/genieacs_client_internal.hpp"
#include "sources/url.hpp"

namespace cpe::hub::sources {

using genieacs_detail::kSource;
using genieacs_detail::status_error;

void GenieAcsClient::put_file(const std::string& name, const FileMeta& meta, std::string body,
                              Callback<bool> done) {
    auto deliver = [done](Error e) { done(Fetched<bool>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    Status ok = validate_file_name(name);
    if (ok) ok = validate_file_meta(meta);
    if (!ok) {
        // Refused here: not the source's failure (nothing was sent).
        loop_.post(life_.guard([deliver, e = ok.error()] { deliver(e); }));
        return;
    }
    if (refuse_if_open(deliver)) return;
    std::string what = "GenieACS PUT /files/" + name;
    auto call = Call::start(loop_, http_, life_.token(), options_.upload_budget_ms,
                            options_.connect_timeout_ms, what, fail);
    net::HttpRequest r;
    r.method = "PUT";
    r.url = options_.base_url + "/files/" + url_component(name);
    // lib/nbi.ts reads request.headers.filetype / oui / productclass / version (Node lower-cases header
    // names).
    r.headers = {{"Content-Type", "application/octet-stream"}, {"fileType", meta.file_type}};
    if (!meta.oui.empty()) r.headers.emplace_back("oui", meta.oui);
    if (!meta.product_class.empty()) r.headers.emplace_back("productClass", meta.product_class);
    r.headers.emplace_back("version", meta.version);
    r.body = std::move(body);
    call->send(std::move(r), [this, call, done, what](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status != 201 && res->status != 200) return call->fail(status_error(*res, what));
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<bool>::good(kSource, true));
    });
}

void GenieAcsClient::find_file(const std::string& name, Callback<std::optional<FileInfo>> done) {
    using Out = std::optional<FileInfo>;
    auto deliver = [done](Error e) { done(Fetched<Out>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    if (Status ok = validate_file_name(name); !ok) {
        loop_.post(life_.guard([deliver, e = ok.error()] { deliver(e); }));
        return;
    }
    if (refuse_if_open(deliver)) return;
    std::string what = "GenieACS file " + name;
    auto call = Call::start(loop_, http_, life_.token(), options_.query_budget_ms,
                            options_.connect_timeout_ms, what, fail);
    auto q = json::make_object();
    json::add_string(q.get(), "_id", name);
    net::HttpRequest r;
    r.url = options_.base_url + "/files/?query=" + url_component(json::print(q.get()));
    call->send(std::move(r), [this, call, done, what, name](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status != 200) return call->fail(status_error(*res, what));
        auto list = parse_file_list(res->body);
        if (!list) return call->fail(list.error().with_context(what));
        Out found;
        for (auto& f : *list)
            if (f.name == name) found = std::move(f);
        if (!call->finish()) return;
        note(nullptr);
        done(Fetched<Out>::good(kSource, std::move(found)));
    });
}

void GenieAcsClient::download_state(const std::string& device_id, const std::string& task_id,
                                    Callback<DownloadState> done) {
    auto deliver = [done](Error e) { done(Fetched<DownloadState>::failure(kSource, e)); };
    auto fail = [this, deliver](Error e) {
        note(&e);
        deliver(e);
    };
    bool plain = !task_id.empty() && task_id.size() <= 64;
    for (char c : task_id) plain = plain && std::isalnum(static_cast<unsigned char>(c));
    if (device_id.empty() || !plain) {
        loop_.post(life_.guard([deliver] {
            deliver(make_error(Errc::invalid_argument, "GenieACS download state: bad device or task id"));
        }));
        return;
    }
    if (refuse_if_open(deliver)) return;
    std::string what = "GenieACS download task " + task_id + " of " + device_id;
    auto call = Call::start(loop_, http_, life_.token(), options_.query_budget_ms,
                            options_.connect_timeout_ms, what, fail);
    // The operation's channels are a JSON string ({"task_<id>":…}, lib/cwmp/db.ts saveOperation): a regex on
    // the task's channel name finds it (lib/nbi.ts passes the query of /operations to MongoDB as it is).
    auto q = json::make_object();
    auto re = json::make_object();
    json::add_string(re.get(), "$regex", "task_" + task_id);
    json::add(q.get(), "channels", std::move(re));
    net::HttpRequest r;
    r.url = options_.base_url + "/operations/?query=" + url_component(json::print(q.get()));
    call->send(std::move(r), [this, call, done, what, device_id, task_id](Result<net::HttpResponse> res) {
        if (!res) return call->fail(res.error().with_context(what));
        if (res->status != 200) return call->fail(status_error(*res, what + " (operations)"));
        auto n = parse_operation_count(res->body);
        if (!n) return call->fail(n.error().with_context(what));
        auto state = std::make_shared<DownloadState>();
        state->pending = *n > 0;
        auto fq = json::make_object();
        json::add_string(fq.get(), "_id", device_id + ":task_" + task_id);
        net::HttpRequest f;
        f.url = options_.base_url + "/faults/?query=" + url_component(json::print(fq.get()));
        call->send(std::move(f), [this, call, done, what, state](Result<net::HttpResponse> fr) {
            if (!fr) return call->fail(fr.error().with_context(what));
            if (fr->status != 200) return call->fail(status_error(*fr, what + " (faults)"));
            auto fault = parse_task_fault(fr->body);
            if (!fault) return call->fail(fault.error().with_context(what));
            state->fault = *fault;
            if (!call->finish()) return;
            note(nullptr);
            done(Fetched<DownloadState>::good(kSource, std::move(*state)));
        });
    });
}

}  // namespace cpe::hub::sources
