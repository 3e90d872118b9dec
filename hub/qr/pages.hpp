// The /q/ pages: server-rendered HTML, mobile first, French or English, CSS and script inline (one request
// for a page on a weak LTE link). Text only through html_escape. docs/qr.md "Pages".
#pragma once

#include <string>
#include <string_view>

#include "net/http_types.hpp"
#include "qr/qr_core.hpp"

namespace cpe::hub::qr {

inline const char* tr(Lang l, const char* fr, const char* en) {
    return l == Lang::en ? en : fr;
}

// A whole page: <title>, the language switch (links to `self` with ?lang=), `body` (already HTML); `brand`
// the header's name ("" = "Mon modem" / "My modem").
std::string page_html(Lang lang, std::string_view title, std::string_view body, std::string_view self,
                      std::string_view script = "", std::string_view brand = "");
// A text/html response with no-store, a strict CSP, no referrer (a /t/ token must never leave in a Referer),
// and the qr_lang cookie when the request chose a language with ?lang=.
net::Response html_response(int status, std::string body, const net::Request& req);
net::Response redirect(std::string location);

std::string not_found_page(Lang lang, std::string_view self);
// A short message page (rate limit, unreachable source, …) with a link back to `back`.
std::string message_page(Lang lang, std::string_view title, std::string_view text, std::string_view back,
                         std::string_view back_label, std::string_view self);
std::string customer_start_page(Lang lang, const std::string& mac);
std::string customer_code_page(Lang lang, const std::string& mac, const std::string& masked,
                               std::string_view error);
std::string customer_portal_page(Lang lang, const std::string& mac);

}  // namespace cpe::hub::qr
