// First byte picks the parser; the rest is what a browser (or anyone) can send to /q/ and /t/ (and, 6, a
// device view for the install check). Whatever parses must be in its canonical form; a session must never
// verify unless it is exactly what sign_session wrote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.hpp"
#include "qr/install_check.hpp"
#include "qr/pages.hpp"
#include "qr/qr_core.hpp"

using namespace cpe::hub::qr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t selector = data[0] % 7;
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    static const std::string key(32, 'k');
    switch (selector) {
        case 0: {
            auto mac = parse_sticker_mac(in);
            if (mac) {
                if (mac->size() != 12) __builtin_trap();
                if (parse_sticker_mac(*mac) != mac) __builtin_trap();
                if (colon_mac(*mac).size() != 17) __builtin_trap();
            }
            break;
        }
        case 1: {
            auto v = form_value(in, "code");
            if (v) {
                auto c = parse_code(*v);
                if (c && c->size() != 6) __builtin_trap();
            }
            (void)form_value(in, "job");
            break;
        }
        case 2: {
            (void)cookie_value(in, "qr_c");
            (void)cookie_value(in, "qr_t");
            break;
        }
        case 3: {
            // A cookie value: only a signature made with the key verifies; a verified session re-signs to the
            // same text.
            auto s = verify_session(key, in, 0);
            if (s && sign_session(key, *s) != in) __builtin_trap();
            break;
        }
        case 4: {
            cpe::net::Request r;
            r.headers["accept-language"] = std::string(in);
            r.headers["cookie"] = std::string(in);
            (void)page_lang(r);
            r.peer = "10.0.0.9";
            r.headers["x-authentik-username"] = std::string(in);
            if (auto id = customer_sso_identity(r, {"10.0.0.9"}, "x-authentik-username"))
                if (id->empty() || id->find_first_of(" ,;\t\r\n") != std::string::npos || !sso_owns(*id, *id))
                    __builtin_trap();
            auto e = e164(in);
            if (e && (e->size() < 9 || e->size() > 16 || (*e)[0] != '+')) __builtin_trap();
            (void)mask_phone(in);
            break;
        }
        case 5: {
            std::string esc = html_escape(in);
            if (esc.find_first_of("<>\"'") != std::string::npos) __builtin_trap();
            if (auto d = base64url_decode(in); d && d->size() > in.size()) __builtin_trap();
            break;
        }
        case 6: {
            // A consolidated view (and diagnostic records) of any shape: the install check always ends in one
            // of its three verdicts.
            auto doc = cpe::json::parse(in, "view");
            if (!doc) break;
            CheckDiagnostics diag;
            diag.dns.record = cJSON_GetObjectItemCaseSensitive(doc->get(), "dns");
            diag.speed.record = cJSON_GetObjectItemCaseSensitive(doc->get(), "speed");
            auto c = evaluate_install(doc->get(), diag);
            if (c.verdict != "pass" && c.verdict != "pass_with_warnings" && c.verdict != "fail")
                __builtin_trap();
            if (!cpe::json::parse(install_check_json(c), "check")) __builtin_trap();
            break;
        }
    }
    return 0;
}
