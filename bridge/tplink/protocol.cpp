#include "protocol.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "util/text.hpp"

namespace cpe::tplink {

namespace {

constexpr size_t kMaxText = 1 << 20;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    return text::trim(s, " \t\r\n");
}

bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// Parses an optionally signed decimal integer that fits int64.
std::optional<int64_t> parse_int(std::string_view s) {
    s = trim(s);
    bool neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return neg ? -v : v;
}

// Finds `<lhs>` as a whole token followed by optional spaces, '=', optional spaces; returns the offset after
// '='.
std::optional<size_t> find_assignment(std::string_view text, std::string_view lhs, size_t from = 0) {
    for (size_t pos = text.find(lhs, from); pos != std::string_view::npos; pos = text.find(lhs, pos + 1)) {
        if (pos > 0 && ident_char(text[pos - 1]) && lhs.front() != '$') continue;
        size_t i = pos + lhs.size();
        if (i < text.size() && ident_char(text[i])) continue;
        while (i < text.size() && is_space(text[i])) ++i;
        if (i >= text.size() || text[i] != '=') continue;
        if (i + 1 < text.size() && text[i + 1] == '=') continue;  // a comparison, not an assignment
        ++i;
        while (i < text.size() && is_space(text[i])) ++i;
        return i;
    }
    return std::nullopt;
}

std::optional<std::string> read_value(std::string_view text, size_t i) {
    if (i >= text.size()) return std::nullopt;
    char q = text[i];
    if (q == '"' || q == '\'') {
        std::string out;
        for (size_t j = i + 1; j < text.size(); ++j) {
            char c = text[j];
            if (c == '\\' && j + 1 < text.size()) {
                out.push_back(text[++j]);
                continue;
            }
            if (c == q) return out;
            if (c == '\n') return std::nullopt;
            out.push_back(c);
        }
        return std::nullopt;  // unterminated
    }
    size_t j = i;
    while (j < text.size() && text[j] != ';' && text[j] != ',' && !is_space(text[j])) ++j;
    if (j == i) return std::nullopt;
    return std::string(text.substr(i, j - i));
}

std::optional<int64_t> find_int(std::string_view text, std::string_view lhs) {
    auto at = find_assignment(text, lhs);
    if (!at) return std::nullopt;
    auto v = read_value(text, *at);
    if (!v) return std::nullopt;
    return parse_int(*v);
}

bool contains_ci(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        size_t k = 0;
        while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) ==
                                        std::tolower(static_cast<unsigned char>(needle[k])))
            ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

std::string scalar_text(const cJSON* v) {
    if (cJSON_IsString(v)) return v->valuestring ? v->valuestring : "";
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        char buf[40];
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
            std::snprintf(buf, sizeof buf, "%.0f", d);
        else
            std::snprintf(buf, sizeof buf, "%.17g", d);
        return buf;
    }
    if (cJSON_IsNull(v)) return "";
    return json::print(v);
}

ActItem item_from(const cJSON* obj) {
    ActItem item;
    for (const cJSON* c = obj->child; c != nullptr; c = c->next)
        if (c->string != nullptr) item.fields.emplace_back(c->string, scalar_text(c));
    return item;
}

}  // namespace

std::string variant_name(Variant v) {
    if (v.cipher == Cipher::cbc) return v.rsa == RsaPadding::none ? "cbc-raw" : "cbc-oaep";
    return v.rsa == RsaPadding::none ? "gcm" : "gcm-oaep";
}

Result<Variant> parse_variant(std::string_view name) {
    if (name == "cbc-raw" || name == "cbc") return kCbcRaw;
    if (name == "cbc-oaep") return kCbcOaep;
    if (name == "gcm" || name == "gcm-raw") return kGcmRaw;
    if (name == "gcm-oaep") return kGcmOaep;
    return make_error(Errc::invalid_argument, "unknown firmware variant '" + std::string(name) +
                                                  "' (cbc-raw, cbc-oaep, gcm, gcm-oaep or auto)");
}

std::optional<std::string> find_js_var(std::string_view js, std::string_view name) {
    size_t from = 0;
    while (true) {
        size_t pos = js.find("var", from);
        if (pos == std::string_view::npos) return std::nullopt;
        from = pos + 3;
        if (pos > 0 && ident_char(js[pos - 1])) continue;
        size_t i = pos + 3;
        if (i >= js.size() || !is_space(js[i])) continue;
        while (i < js.size() && is_space(js[i])) ++i;
        if (js.substr(i, name.size()) != name) continue;
        auto at = find_assignment(js, name, i);
        if (!at || *at > i + name.size() + 64) continue;
        return read_value(js, *at);
    }
}

Result<GdprParm> parse_gdpr_parm(std::string_view js) {
    if (js.size() > kMaxText) return make_error(Errc::too_large, "getGDPRParm answer larger than 1 MiB");
    GdprParm out;
    auto nn = find_js_var(js, "nn");
    if (!nn || nn->empty())
        return make_error(Errc::parse_error, "getGDPRParm: no 'var nn=\"<hex>\";' (RSA modulus)");
    auto ee = find_js_var(js, "ee");
    if (!ee || ee->empty())
        return make_error(Errc::parse_error, "getGDPRParm: no 'var ee=\"<hex>\";' (RSA exponent)");
    auto seq = find_js_var(js, "seq");
    if (!seq || seq->empty())
        return make_error(Errc::parse_error, "getGDPRParm: no 'var seq=\"<decimal>\";'");
    auto seq_v = parse_int(*seq);
    if (!seq_v || *seq_v < 0 || seq->size() > 15)
        return make_error(Errc::parse_error, "getGDPRParm: seq is not a small non-negative decimal number");
    for (char c : *nn)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return make_error(Errc::parse_error, "getGDPRParm: nn is not hex");
    for (char c : *ee)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return make_error(Errc::parse_error, "getGDPRParm: ee is not hex");
    if (auto ret = find_int(js, "$.ret"); ret && *ret != 0)
        return make_error(Errc::unavailable, "getGDPRParm answered $.ret=" + std::to_string(*ret));
    out.modulus_hex = std::move(*nn);
    out.exponent_hex = std::move(*ee);
    out.seq = static_cast<uint64_t>(*seq_v);
    return out;
}

Result<std::string> parse_token_page(std::string_view html) {
    if (html.size() > 4 * kMaxText) return make_error(Errc::too_large, "token page larger than 4 MiB");
    auto token = find_js_var(html, "token");
    if (!token) return make_error(Errc::parse_error, "token page: no 'var token=\"…\";'");
    if (token->empty() || token->size() > 256)
        return make_error(Errc::parse_error, "token page: token empty or over 256 chars");
    for (char c : *token)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return make_error(Errc::parse_error, "token page: token has a non-printable character");
    return *token;
}

namespace {

// The script with comments and the text inside string literals blanked out; each literal keeps its quotes and
// is returned separately, so a marker in a comment counts for nothing and one in a string only as a value.
struct ScriptText {
    std::string code;  // comments → spaces, string contents → spaces
    struct Literal {
        size_t end;  // offset just past the closing quote (or the end of the line/text when unterminated)
        std::string text;
    };
    std::vector<Literal> strings;
};

ScriptText strip_script(std::string_view js) {
    ScriptText out;
    out.code.assign(js.begin(), js.end());
    size_t i = 0;
    while (i < js.size()) {
        char c = js[i];
        if (c == '/' && i + 1 < js.size() && js[i + 1] == '/') {
            while (i < js.size() && js[i] != '\n') out.code[i++] = ' ';
        } else if (c == '/' && i + 1 < js.size() && js[i + 1] == '*') {
            size_t end = js.find("*/", i + 2);
            end = end == std::string_view::npos ? js.size() : end + 2;
            for (; i < end; ++i) out.code[i] = js[i] == '\n' ? '\n' : ' ';
        } else if (c == '"' || c == '\'' || c == '`') {
            ++i;
            std::string text;
            while (i < js.size() && js[i] != c && js[i] != '\n') {
                if (js[i] == '\\' && i + 1 < js.size()) {
                    out.code[i++] = ' ';
                }
                text.push_back(js[i]);
                out.code[i++] = ' ';
            }
            if (i < js.size() && js[i] == c) ++i;
            out.strings.push_back({i, std::move(text)});
        } else {
            ++i;
        }
    }
    return out;
}

size_t skip_space(std::string_view s, size_t i) {
    while (i < s.size() && is_space(s[i])) ++i;
    return i;
}

size_t skip_space_back(std::string_view s, size_t i) {  // index of the last non-space before i, or npos
    while (i > 0 && is_space(s[i - 1])) --i;
    return i == 0 ? std::string_view::npos : i - 1;
}

// An identifier containing `marker` (case-insensitive) used, not just defined: `function xOAEP(`, `xOAEP:`
// (an object member) and `xOAEP = function` / `= (…) =>` define; anything else (a call, a reference on the
// right of '=', an argument) uses.
bool identifier_used(std::string_view code, std::string_view marker) {
    for (size_t i = 0; i < code.size();) {
        if (!ident_char(code[i])) {
            ++i;
            continue;
        }
        size_t start = i;
        while (i < code.size() && ident_char(code[i])) ++i;
        std::string_view word = code.substr(start, i - start);
        if (!contains_ci(word, marker)) continue;
        // Defined by `function <word>` …
        if (size_t p = skip_space_back(code, start);
            p != std::string_view::npos && p + 1 >= 8 && code.substr(p + 1 - 8, 8) == "function")
            continue;
        size_t next = skip_space(code, i);
        if (next < code.size() && code[next] == ':') continue;  // … or as an object member …
        if (next + 1 < code.size() && code[next] == '=' && code[next + 1] != '=') {
            size_t rhs = skip_space(code, next + 1);
            if (code.substr(rhs, 8) == "function" || code.substr(rhs, 1) == "(")
                continue;  // … or assigned a function
        }
        if (next < code.size() && code[next] == '(') {
            // `xOAEP(a, b) {` is a method definition in a class or object literal; `xOAEP(a, b);` is a call.
            int depth = 0;
            size_t j = next;
            for (; j < code.size(); ++j) {
                if (code[j] == '(')
                    ++depth;
                else if (code[j] == ')' && --depth == 0)
                    break;
            }
            size_t after = skip_space(code, j + 1);
            if (after < code.size() && code[after] == '{') continue;
        }
        return true;
    }
    return false;
}

// A string literal whose whole text names `mode` (e.g. aesMode = "GCM") and is used as a value: assigned,
// passed or compared to — not a key of an object literal ("GCM": …).
bool mode_value_used(const ScriptText& s, std::string_view mode) {
    for (const auto& lit : s.strings) {
        std::string_view t = trim(lit.text);
        if (t.size() != mode.size() || !contains_ci(t, mode)) continue;
        size_t after = skip_space(s.code, lit.end);
        if (after < s.code.size() && s.code[after] == ':') continue;
        return true;
    }
    return false;
}

}  // namespace

VariantHint parse_encrypt_js(std::string_view js) {
    VariantHint h;
    if (js.size() > 4 * kMaxText) return h;
    ScriptText s = strip_script(js);
    // EX920 0.8.0 sets `rsaEncrypt = $.rsa.encryptOAEP` (docs/bridge-tplink.md): the OAEP helper referenced.
    h.oaep = identifier_used(s.code, "OAEP");
    h.gcm = identifier_used(s.code, "GCM") || mode_value_used(s, "GCM");
    return h;
}

Result<LoginReply> parse_login_reply(std::string_view text) {
    if (text.size() > kMaxText) return make_error(Errc::too_large, "login answer larger than 1 MiB");
    LoginReply r;
    auto ret = find_int(text, "$.ret");
    if (!ret) {
        // Some firmwares answer the login in the act JSON shape.
        if (!trim(text).empty() && trim(text).front() == '{') {
            auto act = parse_act_reply(text);
            if (act) {
                r.ret = act->success ? 0 : act->errorcode;
                ret = r.ret;
            }
        }
        if (!ret) {
            if (contains_ci(text, "exceeded max attempts") || contains_ci(text, "max attempts")) {
                r.locked = true;
                r.ret = kRetBadCredentials;
                return r;
            }
            return make_error(Errc::parse_error, "login answer has no '$.ret=<code>;'");
        }
    }
    r.ret = *ret;
    r.auth_times = find_int(text, "currAuthTimes");
    r.forbid_seconds = find_int(text, "currForbidTime");
    if (r.forbid_seconds && *r.forbid_seconds > 0) r.locked = true;
    if (contains_ci(text, "exceeded max attempts")) r.locked = true;
    return r;
}

const std::string* ActItem::get(std::string_view key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return &v;
    return nullptr;
}

Result<ActReply> parse_act_reply(std::string_view text) {
    if (text.size() > kMaxText) return make_error(Errc::too_large, "act answer larger than 1 MiB");
    auto doc = json::parse(text, "act answer");
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    if (!cJSON_IsObject(root)) return make_error(Errc::parse_error, "act answer is not a JSON object");
    ActReply r;
    const cJSON* err = cJSON_GetObjectItemCaseSensitive(root, "errorcode");
    if (err != nullptr) {
        if (cJSON_IsNumber(err))
            r.errorcode = static_cast<int64_t>(err->valuedouble);
        else if (cJSON_IsString(err))
            r.errorcode = parse_int(err->valuestring ? err->valuestring : "").value_or(-1);
        else
            return make_error(Errc::parse_error, "act answer: errorcode is neither a number nor a string");
    }
    const cJSON* ok = cJSON_GetObjectItemCaseSensitive(root, "success");
    const cJSON* data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (ok != nullptr) {
        if (!cJSON_IsBool(ok)) return make_error(Errc::parse_error, "act answer: success is not a boolean");
        r.success = cJSON_IsTrue(ok);
    } else {
        r.success = err == nullptr ? data != nullptr : r.errorcode == 0;
    }
    if (data != nullptr) {
        if (cJSON_IsObject(data)) {
            r.items.push_back(item_from(data));
        } else if (cJSON_IsArray(data)) {
            int index = 0;
            for (const cJSON* it = data->child; it != nullptr; it = it->next, ++index) {
                if (!cJSON_IsObject(it))
                    return make_error(Errc::parse_error,
                                      "act answer: data[" + std::to_string(index) + "] is not an object");
                r.items.push_back(item_from(it));
            }
        } else if (!cJSON_IsNull(data)) {
            return make_error(Errc::parse_error, "act answer: data is neither an object nor a list");
        }
    }
    return r;
}

// ---------------------------------------------------------------- requests

std::string login_payload(std::string_view user, std::string_view password) {
    auto data = json::make_object();
    json::add_string(data.get(), "UserName", base64_encode(user));
    json::add_string(data.get(), "Passwd", base64_encode(password));
    json::add_string(data.get(), "Action", "1");
    json::add_string(data.get(), "stack", "0,0,0,0,0,0");
    json::add_string(data.get(), "pstack", "0,0,0,0,0,0");
    auto root = json::make_object();
    json::add(root.get(), "data", std::move(data));
    json::add_string(root.get(), "operation", "cgi");
    json::add_string(root.get(), "oid", "/cgi/login");
    return json::print(root.get());
}

std::string act_payload(std::string_view op, std::string_view oid, std::string_view stack,
                        const std::vector<std::string>& attrs) {
    auto data = json::make_object();
    json::add_string(data.get(), "stack", stack);
    json::add_string(data.get(), "pstack", "0,0,0,0,0,0");
    for (const auto& a : attrs) json::add_string(data.get(), a.c_str(), "");
    auto root = json::make_object();
    json::add(root.get(), "data", std::move(data));
    json::add_string(root.get(), "operation", op);
    json::add_string(root.get(), "oid", oid);
    return json::print(root.get());
}

std::string logout_payload() {
    // With the data member, as the independent client tplinkrouterc6u sends it (its EX client's act for
    // /cgi/logout): a modem that refuses the bare form would keep the single admin session open.
    auto data = json::make_object();
    json::add_string(data.get(), "stack", "0,0,0,0,0,0");
    json::add_string(data.get(), "pstack", "0,0,0,0,0,0");
    auto root = json::make_object();
    json::add(root.get(), "data", std::move(data));
    json::add_string(root.get(), "operation", "cgi");
    json::add_string(root.get(), "oid", "/cgi/logout");
    return json::print(root.get());
}

SessionCrypto::SessionCrypto(RsaPublicKey key, Variant variant, KeyIv key_iv, std::string credential_hash,
                             uint64_t seq)
    : key_(std::move(key)),
      variant_(variant),
      key_iv_(std::move(key_iv)),
      hash_(std::move(credential_hash)),
      seq_(seq) {}

Result<std::string> SessionCrypto::seal_request(std::string_view payload, bool login, Random& rng) const {
    std::string data_b64, tag_b64;
    if (variant_.cipher == Cipher::cbc) {
        auto enc = aes_cbc_encrypt(key_iv_.key, key_iv_.iv, payload);
        if (!enc) return enc.error();
        data_b64 = base64_encode(*enc);
    } else {
        auto enc = aes_gcm_encrypt(key_iv_.key, key_iv_.iv, payload);
        if (!enc) return enc.error();
        data_b64 = base64_encode(enc->cipher);
        tag_b64 = base64_encode(enc->tag);
    }
    std::string sign;
    if (login) {
        // GCM firmwares take the key and nonce base64-encoded in the sign (the independent client
        // tplinkrouterc6u, EncryptionWrapperMRGCM; the EX920 capture's 640-hex OAEP sign is 5 blocks of 22
        // bytes, which only the longer base64 form fills); CBC firmwares take the digits as they are.
        if (variant_.cipher == Cipher::gcm)
            sign = "key=" + base64_encode(key_iv_.key) + "&iv=" + base64_encode(key_iv_.iv) + "&";
        else
            sign = "key=" + key_iv_.key + "&iv=" + key_iv_.iv + "&";
    }
    sign += "h=" + hash_ + "&s=" + std::to_string(seq_ + data_b64.size());
    auto sign_hex = key_.encrypt_hex(sign, variant_.rsa, &rng);
    if (!sign_hex) return sign_hex.error().with_context("sign");
    std::string body = "sign=" + *sign_hex + "\r\ndata=" + data_b64 + "\r\n";
    if (variant_.cipher == Cipher::gcm) body += "tag=" + tag_b64 + "\r\n";
    return body;
}

Result<std::string> SessionCrypto::open_response(std::string_view body) const {
    body = trim(body);
    if (body.empty()) return std::string();
    if (body.size() > kMaxText) return make_error(Errc::too_large, "encrypted answer larger than 1 MiB");
    if (variant_.cipher == Cipher::cbc) {
        auto raw = base64_decode(body);
        if (!raw) return raw.error().with_context("encrypted answer");
        auto plain = aes_cbc_decrypt(key_iv_.key, key_iv_.iv, *raw);
        if (!plain) return plain.error().with_context("encrypted answer");
        return plain;
    }
    Error first = make_error(Errc::parse_error, "GCM answer shorter than its 24-char tag");
    if (body.size() >= 24) {
        auto tag = base64_decode(body.substr(body.size() - 24));
        auto ct = base64_decode(body.substr(0, body.size() - 24));
        if (tag && ct && tag->size() == 16) {
            auto plain = aes_gcm_decrypt(key_iv_.key, key_iv_.iv, *ct, *tag);
            if (plain) return plain;
            first = plain.error();
        } else {
            first = make_error(Errc::parse_error, "GCM answer: cipher text or trailing tag is not base64");
        }
    }
    auto joined = base64_decode(body);  // base64(cipher || tag)
    if (joined && joined->size() >= 16) {
        auto plain =
            aes_gcm_decrypt(key_iv_.key, key_iv_.iv, std::string_view(*joined).substr(0, joined->size() - 16),
                            std::string_view(*joined).substr(joined->size() - 16));
        if (plain) return plain;
    }
    return first.with_context("encrypted answer");
}

std::optional<int64_t> plain_ret_code(std::string_view body) {
    if (body.find("$.ret") == std::string_view::npos) return std::nullopt;
    return find_int(body, "$.ret");
}

}  // namespace cpe::tplink
