#include "update/package.hpp"

#include <mbedtls/sha256.h>

#include <cstring>

#include "json/json.hpp"
#include "util/mbedtls.hpp"

namespace cpe::agent::update {
namespace {

Error bad(const std::string& message) {
    return make_error(Errc::parse_error, "manifest: " + message);
}

bool all_hex(std::string_view s) {
    return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<std::string> text_field(const cJSON* obj, const char* key, size_t max) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(item)) return bad(std::string("\"") + key + "\" must be a string");
    std::string v = item->valuestring;
    if (v.empty() || v.size() > max)
        return bad(std::string("\"") + key + "\" must be 1 to " + std::to_string(max) + " characters");
    for (char c : v)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return bad(std::string("\"") + key + "\" has a control character");
    return v;
}

Result<uint64_t> number_field(const cJSON* obj, const char* key, uint64_t max) {
    const cJSON* item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > static_cast<double>(max) ||
        item->valuedouble != static_cast<double>(static_cast<uint64_t>(item->valuedouble)))
        return bad(std::string("\"") + key + "\" must be an integer from 0 to " + std::to_string(max));
    return static_cast<uint64_t>(item->valuedouble);
}

uint64_t octal(std::span<const uint8_t> field, bool& ok) {
    uint64_t v = 0;
    size_t i = 0;
    while (i < field.size() && field[i] == ' ') ++i;
    size_t digits = 0;
    for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i, ++digits)
        v = v * 8 + (field[i] - '0');
    for (; i < field.size(); ++i)
        if (field[i] != ' ' && field[i] != 0) ok = false;
    if (digits == 0 || digits > 11) ok = false;
    return v;
}

std::string cstr(std::span<const uint8_t> field) {
    size_t n = 0;
    while (n < field.size() && field[n]) ++n;
    return std::string(reinterpret_cast<const char*>(field.data()), n);
}

}  // namespace

static_assert(sizeof(mbedtls_sha256_context) <= 256, "Sha256::ctx_ is too small");

Sha256::Sha256() {
    auto* c = reinterpret_cast<mbedtls_sha256_context*>(ctx_.data());
    mbedtls_sha256_init(c);
    mbedtls_sha256_starts_ret(c, 0);
}
Sha256::~Sha256() {
    mbedtls_sha256_free(reinterpret_cast<mbedtls_sha256_context*>(ctx_.data()));
}
void Sha256::update(std::span<const uint8_t> data) {
    mbedtls_sha256_update_ret(reinterpret_cast<mbedtls_sha256_context*>(ctx_.data()), data.data(),
                              data.size());
}
std::string Sha256::hex() {
    uint8_t out[32];
    mbedtls_sha256_finish_ret(reinterpret_cast<mbedtls_sha256_context*>(ctx_.data()), out);
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (uint8_t b : out) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

bool safe_relative_path(std::string_view path) {
    if (path.empty() || path.size() > 200 || path.front() == '/' || path.back() == '/') return false;
    for (char c : path)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return false;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        std::string_view seg = path.substr(start, slash - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        start = slash + 1;
    }
    return true;
}

Result<Manifest> parse_manifest(std::string_view text) {
    if (text.size() > kMaxManifestBytes)
        return bad("larger than " + std::to_string(kMaxManifestBytes) + " bytes");
    auto doc = json::parse(text, "manifest");
    if (!doc) return doc.error();
    const cJSON* root = doc->get();
    if (!cJSON_IsObject(root)) return bad("must be a JSON object");
    auto format = number_field(root, "format", 1000);
    if (!format) return format.error();
    if (*format != 1) return bad("format " + std::to_string(*format) + " is not supported (1 is)");
    Manifest m;
    for (auto [key, out] : {std::pair{"board", &m.board},
                            {"architecture", &m.architecture},
                            {"version", &m.version},
                            {"build_id", &m.build_id},
                            {"route", &m.route}}) {
        auto v = text_field(root, key, 64);
        if (!v) return v.error();
        *out = std::move(*v);
    }
    if (m.build_id.size() != 16 || !all_hex(m.build_id))
        return bad("\"build_id\" must be 16 lowercase hex digits");
    const cJSON* files = cJSON_GetObjectItemCaseSensitive(root, "files");
    if (!cJSON_IsArray(files)) return bad("\"files\" must be an array");
    const cJSON* f = nullptr;
    cJSON_ArrayForEach(f, files) {
        if (m.files.size() >= kMaxManifestFiles)
            return bad("more than " + std::to_string(kMaxManifestFiles) + " files");
        if (!cJSON_IsObject(f)) return bad("each entry of \"files\" must be an object");
        ManifestFile mf;
        auto path = text_field(f, "path", 200);
        if (!path) return path.error();
        if (!safe_relative_path(*path)) return bad("file path '" + *path + "' is not a safe relative path");
        for (const ManifestFile& other : m.files)
            if (other.path == *path) return bad("file '" + *path + "' is listed twice");
        mf.path = *path;
        auto size = number_field(f, "size", 64u << 20);
        if (!size) return size.error().with_context(mf.path);
        mf.size = *size;
        auto mode = text_field(f, "mode", 4);
        if (!mode) return mode.error().with_context(mf.path);
        if (mode->find_first_not_of("01234567") != std::string::npos)
            return bad(mf.path + ": \"mode\" must be octal");
        mf.mode = static_cast<uint32_t>(std::stoul(*mode, nullptr, 8));
        auto sha = text_field(f, "sha256", 64);
        if (!sha) return sha.error().with_context(mf.path);
        if (sha->size() != 64 || !all_hex(*sha))
            return bad(mf.path + ": \"sha256\" must be 64 lowercase hex digits");
        mf.sha256 = *sha;
        m.files.push_back(std::move(mf));
    }
    if (m.files.empty()) return bad("\"files\" is empty");
    return m;
}

Status verify_signature(std::string_view data, std::span<const uint8_t> sig, std::string_view pem) {
    mbed::Pk key;
    std::string text(pem);  // mbedTLS wants the PEM NUL-terminated and counts the NUL
    if (mbedtls_pk_parse_public_key(key.get(), reinterpret_cast<const unsigned char*>(text.c_str()),
                                    text.size() + 1) != 0)
        return make_error(Errc::invalid_argument, "the signing key is not a PEM public key");
    if (!mbedtls_pk_can_do(key.get(), MBEDTLS_PK_ECDSA) && !mbedtls_pk_can_do(key.get(), MBEDTLS_PK_ECKEY))
        return make_error(Errc::invalid_argument, "the signing key is not an EC key");
    uint8_t hash[32];
    if (mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(), hash, 0) != 0)
        return make_error(Errc::internal, "SHA-256 failed");
    if (sig.empty() || sig.size() > 200) return make_error(Errc::denied, "bad signature: wrong length");
    if (mbedtls_pk_verify(key.get(), MBEDTLS_MD_SHA256, hash, sizeof(hash), sig.data(), sig.size()) != 0)
        return make_error(Errc::denied,
                          "bad signature: the manifest is not signed by the fleet's signing key");
    return {};
}

Result<TarHeader> parse_tar_header(std::span<const uint8_t> block) {
    if (block.size() != kTarBlock) return make_error(Errc::parse_error, "tar: truncated header block");
    TarHeader h;
    bool zero = true;
    for (uint8_t b : block)
        if (b) zero = false;
    if (zero) {
        h.end = true;
        return h;
    }
    if (std::memcmp(block.data() + 257, "ustar", 5) != 0)
        return make_error(Errc::parse_error, "tar: not a ustar header");
    bool ok = true;
    uint64_t checksum = octal(block.subspan(148, 8), ok);
    if (!ok) return make_error(Errc::parse_error, "tar: bad checksum field");
    uint64_t sum = 0;
    for (size_t i = 0; i < kTarBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : block[i];
    if (sum != checksum) return make_error(Errc::parse_error, "tar: header checksum mismatch");
    h.name = cstr(block.subspan(0, 100));
    const std::string prefix = cstr(block.subspan(345, 155));
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
    h.mode = static_cast<uint32_t>(octal(block.subspan(100, 8), ok) & 07777);
    h.size = octal(block.subspan(124, 12), ok);
    if (!ok) return make_error(Errc::parse_error, "tar: bad mode or size field in '" + h.name + "'");
    h.type = static_cast<char>(block[156]);
    return h;
}

}  // namespace cpe::agent::update
