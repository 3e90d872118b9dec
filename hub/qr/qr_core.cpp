#include "qr/qr_core.hpp"

#include <mbedtls/md.h>
#include <sys/random.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "api/access.hpp"

namespace cpe::hub::qr {

namespace {
bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}
char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
}  // namespace

std::optional<std::string> parse_sticker_mac(std::string_view text) {
    if (text.size() != 12 && text.size() != 14 && text.size() != 17) return std::nullopt;
    std::string out;
    if (text.size() == 12) {
        for (char c : text) {
            if (!is_hex(c)) return std::nullopt;
            out += lower(c);
        }
        return out;
    }
    if (text.size() == 17) {  // aa:bb:cc:dd:ee:ff or aa-bb-…; one separator throughout
        char sep = text[2];
        if (sep != ':' && sep != '-') return std::nullopt;
        for (size_t i = 0; i < 17; ++i) {
            if (i % 3 == 2) {
                if (text[i] != sep) return std::nullopt;
            } else {
                if (!is_hex(text[i])) return std::nullopt;
                out += lower(text[i]);
            }
        }
        return out;
    }
    // 14: aabb.ccdd.eeff (Cisco notation)
    for (size_t i = 0; i < 14; ++i) {
        if (i == 4 || i == 9) {
            if (text[i] != '.') return std::nullopt;
        } else {
            if (!is_hex(text[i])) return std::nullopt;
            out += lower(text[i]);
        }
    }
    return out;
}

std::string colon_mac(std::string_view bare) {
    std::string out;
    for (size_t i = 0; i < bare.size(); ++i) {
        if (i && i % 2 == 0) out += ':';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(bare[i])));
    }
    return out;
}

std::optional<std::string> form_value(std::string_view body, std::string_view key) {
    for (const auto& [k, v] : net::parse_query(body))
        if (k == key) return v;
    return std::nullopt;
}

std::optional<std::string> parse_code(std::string_view typed) {
    std::string digits;
    for (char c : typed) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        if (c < '0' || c > '9') return std::nullopt;
        digits += c;
        if (digits.size() > 6) return std::nullopt;
    }
    if (digits.size() != 6) return std::nullopt;
    return digits;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    size_t i = 0;
    while (i < header.size()) {
        size_t end = header.find(';', i);
        if (end == std::string_view::npos) end = header.size();
        std::string_view part = header.substr(i, end - i);
        while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
        size_t eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name) {
            std::string_view v = part.substr(eq + 1);
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            return std::string(v);
        }
        i = end + 1;
    }
    return std::nullopt;
}

Result<std::string> random_bytes(size_t n) {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
        ssize_t r = ::getrandom(out.data() + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io_error, std::string("getrandom: ") + std::strerror(errno));
        }
        got += static_cast<size_t>(r);
    }
    return out;
}

Result<std::string> random_code() {
    // Rejection sampling over 32-bit values: no modulo bias.
    constexpr uint32_t kLimit = 4294000000u;  // the largest multiple of 10^6 below 2^32
    for (;;) {
        auto raw = random_bytes(4);
        if (!raw) return raw.error();
        uint32_t v = 0;
        std::memcpy(&v, raw->data(), 4);
        if (v >= kLimit) continue;
        char buf[8];
        std::snprintf(buf, sizeof buf, "%06u", v % 1000000u);
        return std::string(buf);
    }
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[32];
    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                    reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
    return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string sha256_hex(std::string_view data) {
    unsigned char out[32];
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
    return hex(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

std::string hex(std::string_view raw) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

namespace {
const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string base64url(std::string_view raw) {
    std::string out;
    size_t i = 0;
    for (; i + 2 < raw.size(); i += 3) {
        uint32_t v =
            (uint32_t(uint8_t(raw[i])) << 16) | (uint32_t(uint8_t(raw[i + 1])) << 8) | uint8_t(raw[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
    }
    if (raw.size() - i == 1) {
        uint32_t v = uint32_t(uint8_t(raw[i])) << 16;
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
    } else if (raw.size() - i == 2) {
        uint32_t v = (uint32_t(uint8_t(raw[i])) << 16) | (uint32_t(uint8_t(raw[i + 1])) << 8);
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const char* p = std::strchr(kB64, c);
        if (!p || c == '\0') return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

namespace {
bool subject_ok(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}
}  // namespace

std::string sign_session(std::string_view key, const Session& s) {
    std::string body = std::string(1, s.kind) + "." + s.subject + "." + (s.mac.empty() ? "-" : s.mac) + "." +
                       std::to_string(s.expires_ms);
    return body + "." + base64url(hmac_sha256(key, body));
}

std::optional<Session> verify_session(std::string_view key, std::string_view cookie, int64_t now_ms) {
    if (cookie.size() > 512) return std::nullopt;
    size_t last = cookie.rfind('.');
    if (last == std::string_view::npos) return std::nullopt;
    std::string_view body = cookie.substr(0, last);
    std::string expect = base64url(hmac_sha256(key, body));
    if (!api::constant_time_equal(cookie.substr(last + 1), expect)) return std::nullopt;
    // Signed by us: the fields are as sign_session wrote them, still checked.
    Session s;
    size_t a = body.find('.'), b = a == std::string_view::npos ? a : body.find('.', a + 1),
           c = b == std::string_view::npos ? b : body.find('.', b + 1);
    if (c == std::string_view::npos || a != 1) return std::nullopt;
    s.kind = body[0];
    if (s.kind != 'c' && s.kind != 't') return std::nullopt;
    s.subject = std::string(body.substr(a + 1, b - a - 1));
    std::string_view mac = body.substr(b + 1, c - b - 1);
    if (!subject_ok(s.subject)) return std::nullopt;
    if (mac != "-") {
        auto m = parse_sticker_mac(mac);
        if (!m || *m != mac) return std::nullopt;
        s.mac = *m;
    }
    std::string_view exp = body.substr(c + 1);
    if (exp.empty() || exp.size() > 18) return std::nullopt;
    int64_t e = 0;
    for (char ch : exp) {
        if (ch < '0' || ch > '9') return std::nullopt;
        e = e * 10 + (ch - '0');
    }
    s.expires_ms = e;
    if (e <= now_ms) return std::nullopt;
    if (s.kind == 'c' && s.mac.empty()) return std::nullopt;
    return s;
}

std::string mask_phone(std::string_view phone) {
    std::string digits;
    for (char c : phone)
        if (c >= '0' && c <= '9') digits += c;
    if (digits.size() < 4) return "";
    return "\u2022\u2022" + digits.substr(digits.size() - 2);
}

std::optional<std::string> e164(std::string_view phone) {
    std::string digits;
    bool plus = false;
    for (char c : phone) {
        if (c >= '0' && c <= '9') {
            digits += c;
        } else if (c == '+' && digits.empty() && !plus) {
            plus = true;
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            return std::nullopt;
        }
    }
    if (!plus && digits.size() == 10)
        digits = "1" + digits;  // NANP without country code (sim: the operator's region)
    if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') return std::nullopt;
    return "+" + digits;
}

Lang page_lang(const net::Request& request) {
    auto pick = [](std::string_view v) -> std::optional<Lang> {
        if (v.rfind("en", 0) == 0) return Lang::en;
        if (v.rfind("fr", 0) == 0) return Lang::fr;
        return std::nullopt;
    };
    if (auto q = request.query_value("lang"))
        if (auto l = pick(*q)) return *l;
    if (auto c = request.header("cookie"))
        if (auto v = cookie_value(*c, "qr_lang"))
            if (auto l = pick(*v)) return *l;
    if (auto al = request.header("accept-language")) {
        std::string_view s = *al;
        size_t i = 0;
        while (i < s.size()) {
            size_t end = s.find(',', i);
            if (end == std::string_view::npos) end = s.size();
            std::string_view tag = s.substr(i, end - i);
            while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
            std::string t;
            for (char c : tag.substr(0, 2)) t += lower(c);
            if (auto l = pick(t)) return *l;
            i = end + 1;
        }
    }
    return Lang::fr;
}

const char* lang_code(Lang lang) {
    return lang == Lang::en ? "en" : "fr";
}

const char* signal_grade(double dbm) {
    if (dbm >= -60) return "excellent";
    if (dbm >= -70) return "good";
    return "weak";
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::optional<std::string> customer_sso_identity(const net::Request& request,
                                                 const std::vector<std::string>& proxies,
                                                 const std::string& header) {
    std::string peer = api::normalize_peer(request.peer);
    bool trusted = false;
    for (const auto& p : proxies) trusted = trusted || p == peer;
    if (!trusted) return std::nullopt;
    auto v = request.header(header);
    if (!v) return std::nullopt;
    std::string_view s = *v;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty() || s.size() > 254) return std::nullopt;
    for (char c : s)
        if (static_cast<unsigned char>(c) <= ' ' || c == ',' || c == ';' || c == 0x7f) return std::nullopt;
    return std::string(s);
}

bool sso_owns(std::string_view field, std::string_view identity) {
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    if (field.empty() || field.size() != identity.size()) return false;
    for (size_t i = 0; i < field.size(); ++i)
        if (lower(field[i]) != lower(identity[i])) return false;
    return true;
}

}  // namespace cpe::hub::qr
