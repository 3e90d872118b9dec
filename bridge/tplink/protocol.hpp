// The TP-Link EX/XX web-UI protocol without any network: parsing the modem's pages and responses,
// building signed and encrypted request bodies. Source: shared reference/tplink-web-api.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto.hpp"
#include "json/json.hpp"
#include "util/result.hpp"

namespace cpe::tplink {

enum class Cipher { cbc, gcm };

// A firmware family: how the sign is encrypted and how bodies are encrypted.
struct Variant {
    Cipher cipher = Cipher::cbc;
    RsaPadding rsa = RsaPadding::none;
    auto operator<=>(const Variant&) const = default;
};
inline constexpr Variant kCbcRaw{Cipher::cbc, RsaPadding::none};
inline constexpr Variant kCbcOaep{Cipher::cbc, RsaPadding::oaep_sha1};
inline constexpr Variant kGcmRaw{Cipher::gcm, RsaPadding::none};
inline constexpr Variant kGcmOaep{Cipher::gcm, RsaPadding::oaep_sha1};

std::string variant_name(Variant v);  // "cbc-raw", "cbc-oaep", "gcm", "gcm-oaep"
Result<Variant> parse_variant(std::string_view name);

// `var nn="…"; var ee="…"; var seq="…";` from POST /cgi/getGDPRParm.
struct GdprParm {
    std::string modulus_hex;
    std::string exponent_hex;
    uint64_t seq = 0;
};
Result<GdprParm> parse_gdpr_parm(std::string_view js);

// The value of `var <name>=…;` in a JS text: quoted ("…" or '…') or bare; whitespace around '=' allowed.
std::optional<std::string> find_js_var(std::string_view js, std::string_view name);

// `var token="…";` from GET /?_=<ms>.
Result<std::string> parse_token_page(std::string_view html);

// Hints from the firmware's /js/tpEncrypt.js, when served: OAEP sign and/or GCM bodies.
struct VariantHint {
    bool oaep = false;
    bool gcm = false;
};
VariantHint parse_encrypt_js(std::string_view js);

// A decrypted login answer: `$.ret=N;` plus, on failures, the attempt counters some firmwares add
// (`var currAuthTimes=N; var currForbidTime=S;`, as on the MR family) or a LuCI-style "max attempts" text.
struct LoginReply {
    int64_t ret = -1;
    std::optional<int64_t> auth_times;
    std::optional<int64_t> forbid_seconds;
    bool locked = false;
};
inline constexpr int64_t kRetOk = 0;
inline constexpr int64_t kRetBadCredentials = 71233;
inline constexpr int64_t kRetBadRequest = 71234;
Result<LoginReply> parse_login_reply(std::string_view text);

// A decrypted act answer: {"data":{…}|[…],"operation":…,"oid":…,"success":true}
// or {"success":false,"errorcode":N}. Items are flattened to string fields.
struct ActItem {
    std::vector<std::pair<std::string, std::string>> fields;
    const std::string* get(std::string_view key) const;
};
struct ActReply {
    bool success = false;
    int64_t errorcode = 0;
    std::vector<ActItem> items;  // one for an object answer, n for a list
};
Result<ActReply> parse_act_reply(std::string_view text);

// ---------------------------------------------------------------- requests

std::string login_payload(std::string_view user, std::string_view password);
// {"data":{"stack":…,"pstack":"0,0,0,0,0,0",<attr>:"",…},"operation":op,"oid":oid}
std::string act_payload(std::string_view op, std::string_view oid, std::string_view stack,
                        const std::vector<std::string>& attrs);
std::string logout_payload();

// One session's crypto state: the modem's key, our AES key/IV, the credential hash and seq.
class SessionCrypto {
  public:
    SessionCrypto(RsaPublicKey key, Variant variant, KeyIv key_iv, std::string credential_hash, uint64_t seq);

    // The POST body: sign=<hex>\r\ndata=<b64>\r\n[tag=<b64>\r\n]. `login` puts key and iv in the sign.
    Result<std::string> seal_request(std::string_view payload, bool login, Random& rng) const;
    // Decrypts a response body. CBC: base64 cipher text. GCM: base64(cipher) followed by the 24-char
    // base64 tag, or (VX220 style) base64(cipher || tag).
    Result<std::string> open_response(std::string_view body) const;

    Variant variant() const { return variant_; }
    const KeyIv& key_iv() const { return key_iv_; }

  private:
    RsaPublicKey key_;
    Variant variant_;
    KeyIv key_iv_;
    std::string hash_;
    uint64_t seq_;
};

// A response that is not encrypted at all: a plain `$.ret=N;` (bad request answers) — nullopt otherwise.
std::optional<int64_t> plain_ret_code(std::string_view body);

}  // namespace cpe::tplink
