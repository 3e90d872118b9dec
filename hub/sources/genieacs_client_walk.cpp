// The GenieACS client's walk of the fleet: page by page, skipping a range that fails, to its end.
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
