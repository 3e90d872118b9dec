// The technicians' /q/<mac>: the tech view (jobs, device) and bind to a job. docs/qr.md "Technicians".
#include "api/access.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "qr/pages.hpp"
#include "qr/qr_api.hpp"
#include "qr/qr_internal.hpp"
#include "sources/provenance.hpp"

namespace cpe::hub::qr {

namespace {
std::string row(std::string_view label, std::string_view value, std::string_view id = "") {
    std::string r = "<div class=\"row\"><span>" + e(label) + "</span><strong";
    if (!id.empty()) r += " id=\"" + e(id) + "\"";
    return r + ">" + e(value.empty() ? "—" : value) + "</strong></div>";
}
}  // namespace

const char* verdict_words(Lang l, const std::string& v) {
    if (v == "pass") return tr(l, "Réussi", "Pass");
    if (v == "pass_with_warnings") return tr(l, "Réussi avec avertissements", "Pass with warnings");
    if (v == "fail") return tr(l, "Échec", "Fail");
    return "";
}

std::string erp_unreachable_page(Lang l, const std::string& self, const std::string& why) {
    std::string b = std::string("<div class=\"card\"><h1 id=\"erp-down\">") +
                    tr(l, "ERPNext injoignable", "ERPNext unreachable") + "</h1><p>" +
                    tr(l, "Les données de l’appareil ne peuvent pas être lues pour le moment.",
                       "The device's records cannot be read right now.") +
                    "</p><p class=\"muted\">" + e(why) + "</p><a class=\"btn\" id=\"retry\" href=\"" +
                    e(self) + "\">" + tr(l, "Réessayer", "Retry") + "</a></div>";
    return page_html(l, tr(l, "ERPNext injoignable", "ERPNext unreachable"), b, self, "",
                     tr(l, "Technicien", "Technician"));
}

// ---- the tech view
// ---------------------------------------------------------------------------------------------

void QrApi::tech_page(const net::Request& req, const std::string& mac, const Viewer& tech,
                      net::Responder res) {
    Lang l = page_lang(req);
    const std::string self = "/q/" + mac;
    std::weak_ptr<void> alive = life_.token();
    device_data(mac, false, [this, alive, req, res, l, mac, self, tech](std::shared_ptr<DeviceData> d) {
        if (alive.expired()) return;
        if (!d->erp_ok) return res.send(html_response(503, erp_unreachable_page(l, self, d->erp_error), req));
        // Open jobs: the customer's when the device is known, else the technician's own.
        sources::FrappeFilters f;
        std::string customer = d->sub.customer ? d->sub.customer->name : "";
        if (!customer.empty())
            f.add("customer", "=", customer);
        else if (!tech.tech_id.empty())
            f.add("technician", "=", tech.tech_id);
        f.add_in("status", {"Open", "Scheduled", "In Progress"});
        auto render = [req, res, l, mac, self, tech, d](std::vector<sources::FrappeRecord> jobs,
                                                        std::string jobs_error) {
            std::string b =
                std::string("<h1>") + tr(l, "Appareil", "Device") + " " + e(colon_mac(mac)) + "</h1>";
            b += "<p class=\"muted\" id=\"tech-who\">" + e(tech.who) + "</p>";
            // Device.
            b += "<div class=\"card\" id=\"device\"><h2>" + std::string(tr(l, "Modem", "Modem")) + "</h2>";
            if (d->view) {
                const cJSON* v = d->view.get();
                const bool online = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "online"));
                b += "<div class=\"row\"><span>" + std::string(tr(l, "État", "Status")) +
                     "</span><span id=\"online\" class=\"pill " +
                     (online ? "on\">" + std::string(tr(l, "En ligne", "Online"))
                             : "off\">" + std::string(tr(l, "Hors ligne", "Offline"))) +
                     "</span></div>";
                b += row(tr(l, "Modèle", "Model"), json::opt_string(v, "model").value_or(""));
                b += row(tr(l, "Série", "Serial"), json::opt_string(v, "serial").value_or(""), "serial");
                b += row("Firmware", json::opt_string(v, "firmware").value_or(""));
                b +=
                    row(tr(l, "Adresse WAN", "WAN address"),
                        json::opt_string(cJSON_GetObjectItemCaseSensitive(v, "ip"), "internet").value_or(""));
                const cJSON* opt = cJSON_GetObjectItemCaseSensitive(v, "opticalStatus");
                const cJSON* rx = cJSON_GetObjectItemCaseSensitive(opt, "rxDbm");
                char lvl[32] = "";
                if (cJSON_IsNumber(rx)) std::snprintf(lvl, sizeof lvl, "%.1f dBm ", rx->valuedouble);
                b += row(tr(l, "Optique", "Optical"),
                         std::string(lvl) + json::opt_string(opt, "grade").value_or(""));
                b += row(tr(l, "Nœuds mesh", "Mesh nodes"),
                         std::to_string(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "mesh"))));
                b += row(tr(l, "Source", "Source"), json::opt_string(v, "kind").value_or("") == "usp"
                                                        ? "agent (USP)"
                                                        : "TR-069 (GenieACS)");
            } else if (!d->known) {
                b += "<p id=\"unbound\">" +
                     std::string(tr(l, "Pas encore dans ERPNext : liez-le à une intervention ci-dessous.",
                                    "Not in ERPNext yet: bind it to a job below.")) +
                     "</p>";
            } else {
                b += "<p class=\"err\">" +
                     std::string(tr(l, "Vue de l’appareil indisponible : ", "Device view unavailable: ")) +
                     e(d->view_error) + "</p>";
            }
            b += "</div>";
            // Customer and location.
            if (d->sub.customer || d->sub.location) {
                b += "<div class=\"card\" id=\"customer\"><h2>" + std::string(tr(l, "Client", "Customer")) +
                     "</h2>";
                if (d->sub.customer) {
                    b += row(tr(l, "Client", "Customer"),
                             d->sub.customer->customer_name + " (" + d->sub.customer->name + ")",
                             "customer-name");
                    b += row(tr(l, "Téléphone", "Phone"), d->sub.customer->mobile_no);
                }
                if (d->sub.location) {
                    b += row(tr(l, "Lieu", "Location"), d->sub.location->name, "location");
                    b += row(tr(l, "Adresse", "Address"),
                             d->sub.location->address + ", " + d->sub.location->city);
                    b += row("OLT", d->sub.location->olt_name + " " + d->sub.location->olt_port);
                }
                if (!d->sub.equipment.empty())
                    b += row(tr(l, "Équipement", "Equipment"), d->sub.equipment.front().name, "equipment");
                b += "</div>";
            }
            // Jobs.
            b += "<div class=\"card\" id=\"jobs\"><h2>" +
                 std::string(tr(l, "Interventions ouvertes", "Open jobs")) + "</h2>";
            if (!jobs_error.empty()) b += "<p class=\"err\">ERPNext: " + e(jobs_error) + "</p>";
            if (jobs.empty() && jobs_error.empty())
                b += "<p class=\"muted\">" + std::string(tr(l, "Aucune.", "None.")) + "</p>";
            for (const auto& j : jobs) {
                auto get = [&](const char* k) {
                    auto it = j.find(k);
                    return it == j.end() ? std::string() : it->second;
                };
                std::string name = get("name");
                b += "<div class=\"job\" data-job=\"" + e(name) + "\"><div class=\"row\"><strong>" + e(name) +
                     "</strong><span>" + e(get("job_type")) + " · " + e(get("scheduled_date")) +
                     "</span></div><p class=\"muted\">" + e(get("service_location")) + " · " +
                     e(get("status")) + "</p>";
                std::string verdict = get("custom_install_verdict");
                if (!verdict.empty())
                    b += "<p class=\"verdict\">" + std::string(tr(l, "Vérification : ", "Check: ")) +
                         verdict_words(l, verdict) + "</p>";
                b += "<form method=\"post\" action=\"" + self +
                     "/bind\"><input type=\"hidden\" name=\"job\" value=\"" + e(name) + "\">";
                if (!d->known)
                    b += "<input type=\"text\" class=\"serial\" name=\"serial\" placeholder=\"" +
                         std::string(tr(l, "N° de série (autocollant)", "Serial (sticker)")) + "\" required>";
                b += "<button type=\"submit\" class=\"bind\">" +
                     std::string(tr(l, "Lier à ce lieu", "Bind to this location")) +
                     "</button></form><p></p>";
                b += "<form method=\"post\" action=\"" + self +
                     "/check\"><input type=\"hidden\" name=\"job\" value=\"" + e(name) +
                     "\"><button type=\"submit\" class=\"check secondary\">" +
                     std::string(tr(l, "Vérifier l’installation", "Check the install")) +
                     "</button></form><hr></div>";
            }
            // Any other job by its number (a device bound elsewhere, a job not listed).
            b += "<h3>" + std::string(tr(l, "Autre intervention", "Another job")) +
                 "</h3><form method=\"post\" action=\"" + self +
                 "/bind\" id=\"other-job\"><input type=\"text\" name=\"job\" id=\"other-job-name\" "
                 "placeholder=\"DJ-00000\" required>";
            if (!d->known)
                b += "<input type=\"text\" class=\"serial\" name=\"serial\" placeholder=\"" +
                     std::string(tr(l, "N° de série (autocollant)", "Serial (sticker)")) + "\" required>";
            b += "<button type=\"submit\" id=\"other-bind\">" +
                 std::string(tr(l, "Lier à cette intervention", "Bind to this job")) + "</button></form>";
            b += "</div>";
            res.send(html_response(200,
                                   page_html(l, tr(l, "Technicien", "Technician"), b, self, "",
                                             tr(l, "Technicien", "Technician")),
                                   req));
        };
        if (!f.status()) return render({}, f.status().error().message);
        if (customer.empty() && tech.tech_id.empty()) return render({}, "");
        std::weak_ptr<void> alive2 = life_.token();
        erp_->list(
            "Dispatch Job", f,
            {"name", "job_type", "status", "scheduled_date", "service_location", "technician",
             "custom_install_verdict"},
            [alive2, render](sources::Fetched<std::vector<sources::FrappeRecord>> jobs) {
                if (alive2.expired()) return;
                if (!jobs.ok()) return render({}, jobs.provenance.error);
                render(std::move(jobs.value), "");
            },
            "scheduled_date asc");
    });
}

// ---- bind
// ------------------------------------------------------------------------------------------------------

void QrApi::post_bind(const net::Request& req, net::Responder res) {
    Lang l = page_lang(req);
    auto mac = parse_sticker_mac(req.param("mac"));
    if (!mac) return res.send(html_response(404, not_found_page(l, req.path), req));
    Viewer v = viewer(req, *mac);
    if (v.kind != Viewer::tech) return res.send(redirect("/q/" + *mac));
    std::string body = req.body.size() <= 4096 ? req.body : "";
    std::string job = form_value(body, "job").value_or("");
    bool move = form_value(body, "move").value_or("") == "1";
    std::string serial = form_value(body, "serial").value_or("");
    std::string clean;
    for (char c : serial)
        if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
    bind(req, *mac, v, job, move, clean.substr(0, 64), std::move(res));
}

void QrApi::bind(const net::Request& req, const std::string& mac, const Viewer& tech, const std::string& job,
                 bool move, const std::string& serial, net::Responder res) {
    Lang l = page_lang(req);
    const std::string self = "/q/" + mac;
    auto back = [l, self](const std::string& title, const std::string& text, const std::string& id) {
        std::string b = "<div class=\"card\"><h1 id=\"" + id + "\">" + e(title) + "</h1><p id=\"message\">" +
                        e(text) + "</p><a class=\"btn\" href=\"" + e(self) + "\">" +
                        tr(l, "Retour à l’appareil", "Back to the device") + "</a></div>";
        return page_html(l, title, b, self, "", tr(l, "Technicien", "Technician"));
    };
    if (job.empty() || job.size() > 64)
        return res.send(
            html_response(400, back(tr(l, "Intervention manquante", "Job missing"), "job", "bad"), req));
    if (!erp_ || !writer_)
        return res.send(html_response(503, erp_unreachable_page(l, self, erp_error_), req));
    std::weak_ptr<void> alive = life_.token();
    erp_->get(
        "Dispatch Job", job,
        [this, alive, req, res, l, mac, self, tech, job, move, serial,
         back](sources::Fetched<std::optional<sources::FrappeRecord>> j) {
            if (alive.expired()) return;
            if (!j.ok())
                return res.send(html_response(503, erp_unreachable_page(l, self, j.provenance.error), req));
            if (!j.value)
                return res.send(html_response(
                    404, back(tr(l, "Intervention introuvable", "Job not found"), job, "bad"), req));
            std::string loc = (*j.value)["service_location"], cust = (*j.value)["customer"];
            erp_->subscriber_by_mac(colon_mac(mac), [this, alive, req, res, l, mac, self, tech, job, move,
                                                     serial, back, loc,
                                                     cust](sources::Fetched<sources::ErpSubscriber> f) {
                if (alive.expired()) return;
                if (!f.ok())
                    return res.send(
                        html_response(503, erp_unreachable_page(l, self, f.provenance.error), req));
                const auto& fm = erp_->fields().equipment;
                auto done = [res, req, back, mac, tech, job](const char* what, std::string text) {
                    LOG_INFO("qr", "/q/%s bind (%s, job %s): %s", mac.c_str(), tech.who.c_str(), job.c_str(),
                             text.c_str());
                    res.send(html_response(200, back(what, text, "bound"), req));
                };
                auto failed = [res, req, l, self](const Error& err) {
                    res.send(html_response(503, erp_unreachable_page(l, self, err.message), req));
                };
                if (f.value.equipment.empty()) {
                    if (serial.empty()) {
                        return res.send(html_response(
                            400,
                            back(tr(l, "Numéro de série requis", "Serial number needed"),
                                 tr(l,
                                    "Cet appareil n’est pas dans ERPNext : entrez le numéro de série de "
                                    "l’autocollant.",
                                    "This device is not in ERPNext: type the serial from its sticker."),
                                 "bad"),
                            req));
                    }
                    auto o = json::make_object();
                    json::add_string(o.get(), fm.field("equipment_type").c_str(), "ONT");
                    json::add_string(o.get(), fm.field("serial_number").c_str(), serial);
                    json::add_string(o.get(), fm.field("mac_address").c_str(), colon_mac(mac));
                    json::add_string(o.get(), fm.field("status").c_str(), "Active");
                    json::add_string(o.get(), fm.field("service_location").c_str(), loc);
                    if (!fm.field("customer").empty())
                        json::add_string(o.get(), fm.field("customer").c_str(), cust);
                    return writer_->create(fm.doctype, json::print(o.get()),
                                           [done, failed, loc](Result<sources::FrappeRecord> r) {
                                               if (!r) return failed(r.error());
                                               done("Created", (*r)["name"] + " → " + loc);
                                           });
                }
                const auto& eq = f.value.equipment.front();
                if (eq.service_location == loc && eq.status == "Active" &&
                    (fm.field("customer").empty() || eq.customer == cust))
                    return done(tr(l, "Déjà lié", "Already bound"),
                                eq.name + " → " + loc + tr(l, " (rien n’a changé)", " (nothing changed)"));
                const bool elsewhere = !eq.service_location.empty() && eq.service_location != loc;
                if (elsewhere && !move) {
                    std::string b = std::string("<div class=\"card\"><h1 id=\"elsewhere\">") +
                                    tr(l, "Lié ailleurs", "Bound elsewhere") + "</h1><p id=\"message\">" +
                                    e(eq.name) + " " + tr(l, "est lié à", "is bound to") + " <strong>" +
                                    e(eq.service_location) + "</strong>" +
                                    (eq.customer.empty() ? "" : " (" + e(eq.customer) + ")") + ". " +
                                    tr(l, "Le déplacer vers ", "Move it to ") + "<strong>" + e(loc) +
                                    "</strong> ?</p><form method=\"post\" action=\"" + self +
                                    "/bind\"><input type=\"hidden\" name=\"job\" value=\"" + e(job) +
                                    "\"><input type=\"hidden\" name=\"move\" value=\"1\"><button id=\"move\" "
                                    "class=\"danger\" type=\"submit\">" +
                                    tr(l, "Déplacer ici", "Move here") +
                                    "</button></form><p></p><a class=\"btn secondary\" href=\"" + self +
                                    "\">" + tr(l, "Annuler", "Cancel") + "</a></div>";
                    return res.send(html_response(409,
                                                  page_html(l, tr(l, "Lié ailleurs", "Bound elsewhere"), b,
                                                            self, "", tr(l, "Technicien", "Technician")),
                                                  req));
                }
                auto o = json::make_object();
                json::add_string(o.get(), fm.field("status").c_str(), "Active");
                json::add_string(o.get(), fm.field("service_location").c_str(), loc);
                if (!fm.field("customer").empty())
                    json::add_string(o.get(), fm.field("customer").c_str(), cust);
                std::string from = eq.service_location;
                writer_->update(
                    fm.doctype, eq.name, json::print(o.get()),
                    [this, alive, done, failed, eq, loc, from, elsewhere, tech, job,
                     fm](Result<sources::FrappeRecord> r) {
                        if (alive.expired()) return;
                        if (!r) return failed(r.error());
                        if (!elsewhere) return done("Updated", eq.name + " → " + loc);
                        // The move: ERPNext's Version of the update holds old and new location (Track
                        // Changes); the comment says who moved it and for which job, on the equipment's
                        // timeline.
                        auto c = json::make_object();
                        json::add_string(c.get(), "comment_type", "Comment");
                        json::add_string(c.get(), "reference_doctype", fm.doctype);
                        json::add_string(c.get(), "reference_name", eq.name);
                        json::add_string(c.get(), "content",
                                         "Moved from " + from + " to " + loc + " by " + tech.who +
                                             " (Dispatch Job " + job + ", QR scan)");
                        writer_->create(
                            "Comment", json::print(c.get()),
                            [done, eq, from, loc](Result<sources::FrappeRecord> cr) {
                                done("Moved",
                                     eq.name + ": " + from + " → " + loc +
                                         (cr ? "" : " (comment not written: " + cr.error().message + ")"));
                            });
                    });
            });
        });
}

}  // namespace cpe::hub::qr
