// The /q/ flow's pure logic (no network, no database): the sticker MAC in a path, form and cookie parsing,
// HMAC-SHA256 (mbedTLS), random codes, signed session cookies, phone masking, words for Wi-Fi signal, the
// page language. Everything here reads network input and is fuzzed (tests/fuzz/hub_qr_fuzz.cpp). docs/qr.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"
#include "util/result.hpp"

namespace cpe::hub::qr {

// The MAC of a /q/<mac> path: 12 hex digits, bare or separated by ':' '-' '.' in the usual groupings, any
// case → lower-case hex without separators ("1c61b4fb2ac8", the sticker's form). nullopt when it is anything
// else.
std::optional<std::string> parse_sticker_mac(std::string_view text);
// "1c61b4fb2ac8" → "1C:61:B4:FB:2A:C8" (what ERPNext lookups and pages show).
std::string colon_mac(std::string_view bare);

// A form body (application/x-www-form-urlencoded) field; nullopt when absent. Bodies over 4 KiB are refused
// by the caller before this.
std::optional<std::string> form_value(std::string_view body, std::string_view key);
// A six-digit one-time code as typed (spaces and dashes ignored) → the six digits; nullopt otherwise.
std::optional<std::string> parse_code(std::string_view typed);
// The value of cookie `name` in a Cookie header; nullopt when absent. Later duplicates ignored (the first
// wins, as browsers send the most specific path first).
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// Random bytes from the kernel (getrandom); aborts never: an error when the kernel refuses.
Result<std::string> random_bytes(size_t n);
// A uniformly random six-digit code "000000"…"999999".
Result<std::string> random_code();
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string sha256_hex(std::string_view data);
std::string hex(std::string_view raw);
std::string base64url(std::string_view raw);
std::optional<std::string> base64url_decode(std::string_view text);

// Session cookies: "<kind>.<subject>.<mac or ->.<expiry ms>.<base64url HMAC>", the HMAC over everything
// before it with the hub's session key. kind "c": a customer of device <mac>; kind "t": technician <subject>
// (the token link's id). Subjects are [A-Za-z0-9_-], at most 64 characters.
struct Session {
    char kind = 'c';
    std::string subject;
    std::string mac;  // bare lower-case hex; "" for a tech
    int64_t expires_ms = 0;
};
std::string sign_session(std::string_view key, const Session& session);
// nullopt: malformed, bad signature (compared in constant time), or expired at `now_ms`.
std::optional<Session> verify_session(std::string_view key, std::string_view cookie, int64_t now_ms);

// "+14185559922" → "••22" (only the last two digits); "" when it has fewer than 4 digits.
std::string mask_phone(std::string_view phone);
// An E.164 number ("+" and 8…15 digits) from what ERPNext holds (spaces, dashes, dots, parentheses dropped; a
// 10-digit North American number gets +1); nullopt when it is not one.
std::optional<std::string> e164(std::string_view phone);

enum class Lang { fr, en };
// ?lang=fr|en, else the qr_lang cookie, else the first of Accept-Language that is fr or en; French by
// default.
Lang page_lang(const net::Request& request);
const char* lang_code(Lang lang);

// Wi-Fi signal in dBm → "excellent" (≥ −60), "good" (≥ −70), "weak"; in the page's language by the caller.
const char* signal_grade(double dbm);

std::string html_escape(std::string_view text);

// The customer SSO identity of a request: the value of `header` when the request's peer is one of `proxies`
// (the customer portal's SSO proxy, a list separate from the staff one) and it holds exactly one value (no
// list, no control or space characters, at most 254 characters); nullopt otherwise.
std::optional<std::string> customer_sso_identity(const net::Request& request,
                                                 const std::vector<std::string>& proxies,
                                                 const std::string& header);
// The identity owns the device when it equals the Customer's field, case-insensitively (surrounding spaces
// ignored); an empty field owns nothing.
bool sso_owns(std::string_view customer_field_value, std::string_view identity);

}  // namespace cpe::hub::qr
