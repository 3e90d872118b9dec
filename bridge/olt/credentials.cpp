#include "credentials.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "util/text.hpp"

namespace cpe::bridge::olt {

namespace {

std::string_view trim(std::string_view s) {
    return text::trim(s, " \t\r");
}

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

Result<std::string> read_secret_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return make_error(Errc::not_found, path + ": cannot stat the secret file");
    if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, path + ": not a regular file");
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return make_error(Errc::denied,
                          path + ": secret file is accessible by group or others (chmod 600 it)");
    if (st.st_size > 64 * 1024) return make_error(Errc::too_large, path + ": secret file larger than 64 KiB");
    std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return make_error(Errc::io_error, path + ": cannot open the secret file");
    std::string text(static_cast<size_t>(st.st_size), '\0');
    size_t got = std::fread(text.data(), 1, text.size(), f.get());
    text.resize(got);
    return text;
}

}  // namespace

std::string Credentials::describe() const {
    if (const auto* v3 = std::get_if<V3Credentials>(&value)) {
        return "SNMPv3 authPriv user '" + v3->user + "' " +
               (v3->auth == AuthProtocol::sha1 ? "SHA" : "SHA-256") + "/AES";
    }
    return "SNMPv2c";
}

Result<Credentials> parse_community(std::string_view text, std::string_view what) {
    size_t line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (line.empty() || line.front() == '#') continue;
        if (line.find('\0') != std::string_view::npos)
            return make_error(Errc::parse_error, std::string(what) + ":" + std::to_string(line_no) +
                                                     ": community contains a NUL byte");
        if (line.size() > 255)
            return make_error(Errc::parse_error, std::string(what) + ":" + std::to_string(line_no) +
                                                     ": community longer than 255 bytes");
        return Credentials{V2cCredentials{std::string(line)}};
    }
    return make_error(Errc::parse_error, std::string(what) + ": no community in the file");
}

Result<Credentials> parse_v3(std::string_view text, std::string_view what) {
    V3Credentials v3;
    bool have_user = false, have_auth_pass = false, have_priv_pass = false;
    size_t line_no = 0;
    const std::string w(what);
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (line.empty() || line.front() == '#') continue;
        const std::string where = w + ":" + std::to_string(line_no);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            return make_error(Errc::parse_error, where + ": expected 'key = value'");
        std::string_view key = trim(line.substr(0, eq));
        std::string_view val = trim(line.substr(eq + 1));
        if (val.find('\0') != std::string_view::npos)
            return make_error(Errc::parse_error,
                              where + ": value of '" + std::string(key) + "' contains a NUL byte");
        if (key == "user") {
            if (val.empty() || val.size() > 32)
                return make_error(Errc::parse_error, where + ": user must be 1..32 bytes");
            v3.user = std::string(val);
            have_user = true;
        } else if (key == "auth") {
            if (val == "SHA" || val == "SHA1" || val == "SHA-1")
                v3.auth = AuthProtocol::sha1;
            else if (val == "SHA-256" || val == "SHA256")
                v3.auth = AuthProtocol::sha256;
            else
                return make_error(Errc::unsupported,
                                  where + ": auth must be SHA or SHA-256, not '" + std::string(val) + "'");
        } else if (key == "priv") {
            if (val == "AES" || val == "AES-128" || val == "AES128")
                v3.priv = PrivProtocol::aes128;
            else
                return make_error(Errc::unsupported,
                                  where + ": priv must be AES, not '" + std::string(val) + "'");
        } else if (key == "auth_passphrase" || key == "priv_passphrase") {
            if (val.size() < 8 || val.size() > 1024)
                return make_error(Errc::parse_error,
                                  where + ": " + std::string(key) + " must be 8..1024 characters");
            if (key == "auth_passphrase") {
                v3.auth_passphrase = std::string(val);
                have_auth_pass = true;
            } else {
                v3.priv_passphrase = std::string(val);
                have_priv_pass = true;
            }
        } else {
            return make_error(Errc::parse_error, where + ": unknown key '" + std::string(key) + "'");
        }
    }
    if (!have_user) return make_error(Errc::parse_error, w + ": missing 'user'");
    if (!have_auth_pass) return make_error(Errc::parse_error, w + ": missing 'auth_passphrase'");
    if (!have_priv_pass) return make_error(Errc::parse_error, w + ": missing 'priv_passphrase'");
    return Credentials{std::move(v3)};
}

Result<Credentials> load_community_file(const std::string& path) {
    auto text = read_secret_file(path);
    if (!text) return text.error();
    return parse_community(*text, path);
}

Result<Credentials> load_v3_file(const std::string& path) {
    auto text = read_secret_file(path);
    if (!text) return text.error();
    return parse_v3(*text, path);
}

}  // namespace cpe::bridge::olt
