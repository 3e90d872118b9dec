#include "qr/pages.hpp"

namespace cpe::hub::qr {

namespace {
const char* kStyle =
    R"(*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f6f8}
header{display:flex;justify-content:space-between;align-items:center;padding:12px 16px;background:#0b4f7c;color:#fff}
header a{color:#fff}main{max-width:560px;margin:0 auto;padding:16px}h1{font-size:1.35rem;margin:.2em 0 .6em}
.card{background:#fff;border-radius:12px;padding:16px;margin:0 0 14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
button,.btn{display:block;width:100%;padding:14px;font-size:1.05rem;border:0;border-radius:10px;background:#0b6fb0;color:#fff;text-align:center;text-decoration:none;cursor:pointer}
button.secondary,.btn.secondary{background:#e3e8ee;color:#1b1f24}button.danger{background:#b3261e}#reason:empty{display:none}
input[type=text]{width:100%;font-size:1.1rem;padding:12px;border:1px solid #9aa5b1;border-radius:10px;margin:0 0 12px}#code{font-size:1.6rem;letter-spacing:.35em;text-align:center}
hr{border:0;border-top:1px solid #eef1f4;margin:14px 0}
.err{color:#b3261e;font-weight:600}.ok{color:#1e7b34;font-weight:600}.muted{color:#5b6670;font-size:.92rem}
.pill{display:inline-block;padding:2px 10px;border-radius:99px;font-weight:600}.on{background:#d7f2de;color:#1e7b34}.off{background:#fbdcda;color:#b3261e}
ul{padding-left:0;list-style:none}li{padding:6px 0;border-bottom:1px solid #eef1f4}li:last-child{border:0}
.row{display:flex;justify-content:space-between;gap:8px}.hidden{display:none}
@media(min-width:900px){main{max-width:720px;padding:28px}}
)";
}  // namespace

std::string page_html(Lang l, std::string_view title, std::string_view body, std::string_view self,
                      std::string_view script, std::string_view brand) {
    std::string other = l == Lang::en ? "fr" : "en";
    std::string h = "<!doctype html><html lang=\"";
    h += lang_code(l);
    h += "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\">";
    h += "<meta name=\"robots\" content=\"noindex\"><title>" + html_escape(title) + "</title><style>" +
         kStyle + "</style></head><body><header><strong>" +
         (brand.empty() ? std::string(tr(l, "Mon modem", "My modem")) : html_escape(brand)) +
         "</strong><a id=\"lang\" href=\"" + html_escape(self) + "?lang=" + other + "\">" +
         (l == Lang::en ? "Français" : "English") + "</a></header><main>";
    h += body;
    h += "</main>";
    if (!script.empty()) {
        h += "<script>";
        h += script;
        h += "</script>";
    }
    h += "</body></html>";
    return h;
}

net::Response html_response(int status, std::string body, const net::Request& req) {
    net::Response r = net::Response::text(status, std::move(body), "text/html; charset=utf-8");
    r.headers.push_back({"Cache-Control", "no-store"});
    r.headers.push_back({"Referrer-Policy", "no-referrer"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    r.headers.push_back({"X-Frame-Options", "DENY"});
    r.headers.push_back(
        {"Content-Security-Policy",
         "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
         "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"});
    if (auto q = req.query_value("lang"); q && (*q == "fr" || *q == "en"))
        r.headers.push_back({"Set-Cookie", "qr_lang=" + *q + "; Path=/; Max-Age=31536000; SameSite=Lax"});
    return r;
}

net::Response redirect(std::string location) {
    net::Response r = net::Response::text(303, "", "text/plain; charset=utf-8");
    r.headers.push_back({"Location", std::move(location)});
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

std::string not_found_page(Lang l, std::string_view self) {
    return page_html(
        l, tr(l, "Page introuvable", "Page not found"),
        std::string("<div class=\"card\"><h1>") + tr(l, "Page introuvable", "Page not found") + "</h1><p>" +
            tr(l,
               "Cette adresse ne correspond à aucun autocollant de modem. Vérifiez le code QR ou "
               "l’adresse saisie.",
               "This address does not match any modem sticker. Check the QR code or the address you "
               "typed.") +
            "</p></div>",
        self);
}

std::string message_page(Lang l, std::string_view title, std::string_view text, std::string_view back,
                         std::string_view back_label, std::string_view self) {
    std::string b = "<div class=\"card\"><h1>" + html_escape(title) + "</h1><p id=\"message\">" +
                    html_escape(text) + "</p>";
    if (!back.empty())
        b += "<a class=\"btn\" href=\"" + html_escape(back) + "\">" + html_escape(back_label) + "</a>";
    b += "</div>";
    return page_html(l, title, b, self);
}

std::string customer_start_page(Lang l, const std::string& mac) {
    std::string self = "/q/" + mac;
    std::string b =
        std::string("<div class=\"card\"><h1>") + tr(l, "Diagnostic de votre modem", "Your modem check-up") +
        "</h1><p>" +
        tr(l,
           "Pour protéger vos informations, nous envoyons un code à 6 chiffres par SMS au numéro "
           "de mobile inscrit à votre dossier pour ce modem.",
           "To protect your information, we text a 6-digit code to the mobile number on file for this "
           "modem.") +
        "</p><form method=\"post\" action=\"" + self + "/code\"><button id=\"send\" type=\"submit\">" +
        tr(l, "M’envoyer un code", "Text me a code") + "</button></form><p class=\"muted\">" +
        tr(l, "Technicien ? Ouvrez d’abord votre lien personnel.",
           "Technician? Open your personal link first.") +
        "</p></div>";
    return page_html(l, tr(l, "Diagnostic de votre modem", "Your modem check-up"), b, self);
}

std::string customer_code_page(Lang l, const std::string& mac, const std::string& masked,
                               std::string_view error) {
    std::string self = "/q/" + mac + "/verify";
    std::string b = std::string("<div class=\"card\"><h1>") + tr(l, "Entrez votre code", "Enter your code") +
                    "</h1><p id=\"sent\">" +
                    tr(l, "Un code a été envoyé au numéro se terminant par ",
                       "A code was sent to the number ending in ") +
                    "<strong>" + html_escape(masked) + "</strong>. " +
                    tr(l, "Il est valide 10 minutes.", "It is valid for 10 minutes.") + "</p>";
    if (!error.empty()) b += "<p class=\"err\" id=\"error\">" + html_escape(error) + "</p>";
    b += "<form method=\"post\" action=\"" + self +
         "\"><input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
         "autocomplete=\"one-time-code\" "
         "maxlength=\"9\" required><button id=\"verify\" type=\"submit\">" +
         tr(l, "Valider", "Verify") + "</button></form></div><form method=\"post\" action=\"/q/" + mac +
         "/code\"><button class=\"secondary\" id=\"resend\" type=\"submit\">" +
         tr(l, "Envoyer un nouveau code", "Send a new code") + "</button></form>";
    return page_html(l, tr(l, "Entrez votre code", "Enter your code"), b, self);
}

std::string customer_portal_page(Lang l, const std::string& mac) {
    std::string self = "/q/" + mac + "/portal";
    std::string b =
        std::string("<h1>") + tr(l, "Mon modem", "My modem") +
        "</h1><div class=\"card\" id=\"state\"><p id=\"loading\">" + tr(l, "Chargement…", "Loading…") +
        "</p><div id=\"failed\" class=\"hidden\"><p class=\"err\">" +
        tr(l, "Impossible de lire l’état du modem pour le moment.",
           "Could not read the modem's state right now.") +
        "</p><button id=\"retry\" class=\"secondary\">" + tr(l, "Réessayer", "Try again") +
        "</button></div><div id=\"data\" class=\"hidden\"><div class=\"row\"><span>" +
        tr(l, "État", "Status") +
        "</span><span id=\"online\" class=\"pill\"></span></div><p id=\"reason\" class=\"muted\"></p>"
        "<div class=\"row\"><span>" +
        tr(l, "Signal de la fibre", "Fibre signal") +
        "</span><strong id=\"optical\"></strong></div><div class=\"row\"><span>" +
        tr(l, "Dernier test de vitesse", "Last speed test") +
        "</span><span id=\"speed\"></span></div></div></div>"
        "<div class=\"card\"><h2>" +
        tr(l, "Appareils Wi-Fi", "Wi-Fi devices") +
        "</h2><div id=\"nodes\"></div></div>"
        "<div class=\"card\"><button id=\"restart\" class=\"danger\">" +
        tr(l, "Redémarrer mon modem", "Restart my modem") +
        "</button><div id=\"confirm\" class=\"hidden\"><p>" +
        tr(l, "Internet sera coupé 2 à 3 minutes. Redémarrer maintenant ?",
           "Internet will be down for 2 to 3 minutes. Restart now?") +
        "</p><button id=\"confirm-yes\" class=\"danger\">" + tr(l, "Oui, redémarrer", "Yes, restart") +
        "</button><p></p><button id=\"confirm-no\" class=\"secondary\">" + tr(l, "Annuler", "Cancel") +
        "</button></div><p id=\"restart-result\"></p></div>";
    // The words the script shows, in the page's language.
    std::string words =
        std::string("{online:'") + tr(l, "En ligne", "Online") + "',offline:'" +
        tr(l, "Hors ligne", "Offline") + "',excellent:'" + tr(l, "excellent", "excellent") + "',good:'" +
        tr(l, "bon", "good") + "',weak:'" + tr(l, "faible", "weak") + "',unknown:'" +
        tr(l, "inconnu", "unknown") + "',gradeGood:'" + tr(l, "bon", "good") + "',gradeWarning:'" +
        tr(l, "faible (à surveiller)", "low (to watch)") + "',gradeCritical:'" +
        tr(l, "très faible", "very low") + "',gradeTooHigh:'" + tr(l, "trop fort", "too strong") +
        "',gradeUnknown:'" + tr(l, "non mesuré", "not measured") + "',powerOff:'" +
        tr(l, "Le modem semble éteint ou sans courant.",
           "The modem seems to be switched off or without power.") +
        "',fibre:'" +
        tr(l, "Le signal de la fibre est perdu : vérifiez le câble de fibre ; sinon appelez-nous.",
           "The fibre signal is lost: check the fibre cable; otherwise call us.") +
        "',otherReason:'" + tr(l, "Le modem ne répond pas.", "The modem is not answering.") + "',unnamed:'" +
        tr(l, "appareil sans nom", "unnamed device") + "',pending:'" +
        tr(l, "aucun pour l’instant", "none yet") + "',none:'" +
        tr(l, "Aucun appareil connecté en Wi-Fi.", "No device on Wi-Fi.") + "',restarting:'" +
        tr(l, "Redémarrage demandé. Le modem revient d’ici 2 à 3 minutes.",
           "Restart requested. The modem will be back within 2 to 3 minutes.") +
        "',tooSoon:'" +
        tr(l, "Un redémarrage a déjà été demandé. Réessayez dans ",
           "A restart was already requested. Try again in ") +
        "',minutes:'" + tr(l, " min.", " min.") + "',restartFailed:'" +
        tr(l, "Le redémarrage n’a pas pu être demandé. Réessayez plus tard.",
           "The restart could not be requested. Try again later.") +
        "'}";
    std::string script = "const W=" + words + ";const base='/q/" + mac + R"(';
const $=id=>document.getElementById(id);
function show(d){$('loading').classList.add('hidden');$('failed').classList.add('hidden');$('data').classList.remove('hidden');
const on=$('online');on.textContent=d.online?W.online:W.offline;on.className='pill '+(d.online?'on':'off');
let r='';if(!d.online){r=d.offlineReason==='power off'?W.powerOff:(d.offlineReason==='fibre cut'||d.offlineReason==='loss of signal')?W.fibre:W.otherReason;}
$('reason').textContent=r;
const g={good:W.gradeGood,warning:W.gradeWarning,critical:W.gradeCritical,too_high:W.gradeTooHigh}[d.opticalGrade]||W.gradeUnknown;$('optical').textContent=g;
$('speed').textContent=d.speedTest?d.speedTest.downMbps+' Mb/s ('+new Date(d.speedTest.atMs).toLocaleString(document.documentElement.lang)+')':W.pending;
const n=$('nodes');n.textContent='';let any=false;
for(const node of d.nodes){any=true;const h=document.createElement('h3');h.textContent=node.name;n.appendChild(h);const ul=document.createElement('ul');
for(const c of node.clients){const li=document.createElement('li');li.className='row';const a=document.createElement('span');a.textContent=c.name||W.unnamed;
const b=document.createElement('span');b.textContent=W[c.signal]||W.unknown;if(!c.name)a.className='muted';li.appendChild(a);li.appendChild(b);ul.appendChild(li);}n.appendChild(ul);}
if(!any)n.textContent=W.none;}
function fail(){$('loading').classList.add('hidden');$('failed').classList.remove('hidden');}
async function load(){$('loading').classList.remove('hidden');$('failed').classList.add('hidden');
for(let i=0;i<3;i++){try{const r=await fetch(base+'/status',{credentials:'same-origin',cache:'no-store'});
if(r.status===401){location.href=base;return;}if(r.ok){show(await r.json());return;}}catch(e){}
await new Promise(s=>setTimeout(s,800*(i+1)));}fail();}
$('retry').onclick=load;
$('restart').onclick=()=>{$('confirm').classList.remove('hidden');$('restart').classList.add('hidden');};
$('confirm-no').onclick=()=>{$('confirm').classList.add('hidden');$('restart').classList.remove('hidden');};
$('confirm-yes').onclick=async()=>{$('confirm').classList.add('hidden');$('restart').classList.remove('hidden');const out=$('restart-result');
try{const r=await fetch(base+'/restart',{method:'POST',credentials:'same-origin'});const j=await r.json().catch(()=>({}));
if(r.ok){out.className='ok';out.textContent=W.restarting;}else if(r.status===429){out.className='err';out.textContent=W.tooSoon+Math.ceil((j.retryAfterS||60)/60)+W.minutes;}
else{out.className='err';out.textContent=W.restartFailed;}}catch(e){out.className='err';out.textContent=W.restartFailed;}};
load();
)";
    return page_html(l, tr(l, "Mon modem", "My modem"), b, self, script);
}

}  // namespace cpe::hub::qr
