// The install check, POST /q/<mac>/check: runs DNS and speed diagnostics, records on the job. docs/qr.md.
#include <ctime>
#include <functional>
#include <memory>

#include "json/json.hpp"
#include "log/log.hpp"
#include "qr/install_check.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "qr/qr_internal.hpp"

namespace cpe::hub::qr {

namespace {
// "2026-12-06 20:10:00" (UTC), as Frappe's Datetime fields are written.
std::string frappe_datetime(int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}
}  // namespace

// ---- install check
// ---------------------------------------------------------------------------------------------

struct QrApi::CheckRun {
    std::string device;
    struct One {
        std::string did;   // the diagnostic's id once started
        json::Ptr record;  // its latest record (null = not started: `not_run` says why)
        std::string not_run;
        bool asking = false;  // a request for it is in flight
        bool running() const {
            return record && json::opt_string(record.get(), "status").value_or("") == "running";
        }
    } dns, speed;
    int64_t deadline_ms = 0;
    std::function<void(std::shared_ptr<CheckRun>)> done;
    bool finished = false;
};

void QrApi::run_check_diagnostics(const std::string& id,
                                  std::function<void(std::shared_ptr<CheckRun>)> done) {
    auto run = std::make_shared<CheckRun>();
    run->device = id;
    run->deadline_ms = now_ms() + int64_t{config_.install_check.budget_s} * 1000;
    run->done = std::move(done);
    const auto& ic = config_.install_check;
    auto dns = json::make_object();
    json::add_string(dns.get(), "type", "nslookup");
    json::add_string(dns.get(), "hostName", ic.dns_name);
    auto dl = json::make_object();
    json::add_string(dl.get(), "type", "download");
    if (!ic.download_url.empty()) json::add_string(dl.get(), "url", ic.download_url);
    if (ic.download_duration_s) json::add_number(dl.get(), "durationS", ic.download_duration_s);
    auto start = [this, run](CheckRun::One& one, json::Ptr body) {
        one.asking = true;
        hub_call("POST", "/devices/" + pct_encode(run->device) + "/diagnostics", json::print(body.get()),
                 life_.guard([this, run, &one](Result<net::HttpResponse> r) {
                     one.asking = false;
                     if (!r) {
                         one.not_run = "the diagnostics API did not answer: " + r.error().message;
                     } else {
                         auto doc = json::parse(r->body, "diagnostic");
                         if (r->status == 202 && doc) {
                             one.record = std::move(doc).value();
                             one.did = json::opt_string(one.record.get(), "id").value_or("");
                         } else {
                             std::string why = doc ? json::opt_string(doc->get(), "error").value_or("") : "";
                             one.not_run =
                                 "HTTP " + std::to_string(r->status) + (why.empty() ? "" : ": " + why);
                         }
                     }
                     poll_check(run);
                 }));
    };
    start(run->dns, std::move(dns));
    start(run->speed, std::move(dl));
}

// Called when an answer came: asks again for what still runs (every poll_ms, within the budget), else done.
void QrApi::poll_check(std::shared_ptr<CheckRun> run) {
    if (run->finished || run->dns.asking || run->speed.asking) return;
    bool more = run->dns.running() || run->speed.running();
    if (!more || now_ms() >= run->deadline_ms) {
        run->finished = true;
        return run->done(run);
    }
    hub_.loop().add_timer(config_.install_check.poll_ms, life_.guard([this, run] {
        for (CheckRun::One* one : {&run->dns, &run->speed}) {
            if (!one->running() || one->did.empty()) continue;
            one->asking = true;
            hub_call("GET", "/devices/" + pct_encode(run->device) + "/diagnostics/" + pct_encode(one->did),
                     "", life_.guard([this, run, one](Result<net::HttpResponse> r) {
                         one->asking = false;
                         if (r && r->status == 200)
                             if (auto doc = json::parse(r->body, "diagnostic"); doc)
                                 one->record = std::move(doc).value();
                         poll_check(run);
                     }));
        }
        poll_check(run);
    }));
}

void QrApi::post_check(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    Viewer tech = viewer(req, *mac);
    if (tech.kind != Viewer::tech) return res.send(redirect("/q/" + *mac));
    std::string job = req.body.size() <= 4096 ? form_value(req.body, "job").value_or("") : "";
    const std::string self = "/q/" + *mac;
    if (job.empty() || job.size() > 64 || !writer_)
        return res.send(html_response(400,
                                      message_page(l, tr(l, "Intervention manquante", "Job missing"), "job",
                                                   self, tr(l, "Retour", "Back"), self),
                                      req));
    std::weak_ptr<void> alive = life_.token();
    device_data(
        *mac, false, [this, alive, req, res, l, mac = *mac, self, tech, job](std::shared_ptr<DeviceData> d) {
            if (alive.expired()) return;
            if (!d->erp_ok)
                return res.send(html_response(503, erp_unreachable_page(l, self, d->erp_error), req));
            if (!d->known)
                return res.send(html_response(409,
                                              message_page(l, tr(l, "Appareil non lié", "Device not bound"),
                                                           tr(l, "Liez d’abord l’appareil à l’intervention.",
                                                              "Bind the device to the job first."),
                                                           self, tr(l, "Retour", "Back"), self),
                                              req));
            std::string equipment = d->sub.equipment.front().name;
            // Recorded on the Dispatch Job (fields, then a comment) and shown.
            auto record = [this, req, res, l, mac, self, tech, job, equipment](InstallCheck check) {
                auto fields = json::make_object();
                json::add_string(fields.get(), "custom_install_verdict", check.verdict);
                json::add_string(fields.get(), "custom_install_checked_at", frappe_datetime(now_ms()));
                json::add_string(fields.get(), "custom_install_checked_by", tech.who);
                json::add_string(fields.get(), "custom_install_equipment", equipment);
                std::string comment = "<p><b>Install check: " + e(check.verdict) + "</b> (" + e(equipment) +
                                      ", MAC " + e(colon_mac(mac)) + ", by " + e(tech.who) + ")</p><ul>";
                for (const auto& i : check.items)
                    comment += "<li>" + e(item_state_name(i.state)) + " — " + e(i.key) + ": " + e(i.reason) +
                               "</li>";
                comment += "</ul>";
                auto render = [req, res, l, self, check, job](std::string recorded_error) {
                    std::string b = std::string("<div class=\"card\"><h1>") +
                                    tr(l, "Vérification de l’installation", "Install check") +
                                    "</h1><p><span id=\"verdict\" data-verdict=\"" + check.verdict +
                                    "\" class=\"pill " + (check.verdict == "fail" ? "off" : "on") + "\">" +
                                    verdict_words(l, check.verdict) + "</span></p><ul id=\"items\">";
                    for (const auto& i : check.items)
                        b += "<li class=\"row\" data-key=\"" + e(i.key) + "\" data-state=\"" +
                             item_state_name(i.state) + "\"><span>" + e(i.key) + "</span><span>" +
                             e(item_state_name(i.state)) + "</span></li><li class=\"muted\">" + e(i.reason) +
                             "</li>";
                    b += "</ul>";
                    if (recorded_error.empty())
                        b += "<p class=\"ok\" id=\"recorded\">" +
                             std::string(tr(l, "Enregistré sur ", "Recorded on ")) + e(job) + "</p>";
                    else
                        b += "<p class=\"err\" id=\"not-recorded\">" +
                             std::string(
                                 tr(l, "Non enregistré dans ERPNext : ", "Not recorded in ERPNext: ")) +
                             e(recorded_error) + "</p><form method=\"post\" action=\"" + self +
                             "/check\"><input type=\"hidden\" name=\"job\" value=\"" + e(job) +
                             "\"><button type=\"submit\">" + tr(l, "Réessayer", "Retry") + "</button></form>";
                    b += "<p></p><a class=\"btn secondary\" href=\"" + self + "\">" +
                         tr(l, "Retour à l’appareil", "Back to the device") + "</a></div>";
                    res.send(html_response(recorded_error.empty() ? 200 : 503,
                                           page_html(l, tr(l, "Vérification", "Check"), b, self, "",
                                                     tr(l, "Technicien", "Technician")),
                                           req));
                };
                writer_->update("Dispatch Job", job, json::print(fields.get()),
                                life_.guard([this, render, job, comment, mac, tech,
                                             check](Result<sources::FrappeRecord> r) {
                                    if (!r) return render(r.error().message);
                                    auto c = json::make_object();
                                    json::add_string(c.get(), "comment_type", "Comment");
                                    json::add_string(c.get(), "reference_doctype", "Dispatch Job");
                                    json::add_string(c.get(), "reference_name", job);
                                    json::add_string(c.get(), "content", comment);
                                    writer_->create(
                                        "Comment", json::print(c.get()),
                                        [render, mac, tech, job, check](Result<sources::FrappeRecord> cr) {
                                            LOG_INFO("qr", "/q/%s install check by %s on %s: %s", mac.c_str(),
                                                     tech.who.c_str(), job.c_str(), check.verdict.c_str());
                                            render(cr ? "" : cr.error().message);
                                        });
                                }));
            };
            // DNS and the speed test from the CPE (hub/diagnostics) when it is online; else pending, saying
            // why.
            const cJSON* view = d->view.get();
            auto id = json::opt_string(view, "id");
            bool online = view && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(view, "online"));
            if (!view || !online || !id) {
                CheckDiagnostics diag;
                diag.dns.not_run = diag.speed.not_run = !view     ? "the device's view could not be read"
                                                        : !online ? "device offline"
                                                                  : "no device id";
                return record(evaluate_install(view, diag));
            }
            run_check_diagnostics(*id, [this, d, record](std::shared_ptr<CheckRun> run) {
                CheckDiagnostics diag;
                diag.pass_mbps = config_.install_check.pass_mbps;
                diag.warn_mbps = config_.install_check.warn_mbps;
                diag.dns = {run->dns.record.get(), run->dns.not_run};
                diag.speed = {run->speed.record.get(), run->speed.not_run};
                record(evaluate_install(d->view.get(), diag));
            });
        });
}

}  // namespace cpe::hub::qr
