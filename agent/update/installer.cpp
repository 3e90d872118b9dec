#include "update/installer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

namespace cpe::agent::update {
namespace fs = std::filesystem;
namespace {

struct FileCloser {
    void operator()(FILE* f) const { fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Error refused(Errc code, const std::string& why) {
    return make_error(code, "package refused: " + why);
}

Status read_exact(FILE* f, uint8_t* out, size_t n, const char* what) {
    if (fread(out, 1, n, f) != n)
        return refused(Errc::parse_error, std::string("truncated archive (in ") + what + ")");
    return {};
}

Result<std::string> read_entry(FILE* f, const TarHeader& h, const char* expected, size_t max) {
    if (h.end || h.name != expected)
        return refused(Errc::parse_error,
                       std::string("the archive must start with manifest.json and manifest.sig (found '") +
                           h.name + "')");
    if (h.size > max)
        return refused(Errc::too_large,
                       std::string(expected) + " is larger than " + std::to_string(max) + " bytes");
    std::string text(h.size, '\0');
    if (Status st = read_exact(f, reinterpret_cast<uint8_t*>(text.data()), text.size(), expected); !st)
        return st.error();
    const size_t pad = (kTarBlock - h.size % kTarBlock) % kTarBlock;
    uint8_t skip[kTarBlock];
    if (Status st = read_exact(f, skip, pad, expected); !st) return st.error();
    return text;
}

Result<TarHeader> next_header(FILE* f) {
    uint8_t block[kTarBlock];
    if (fread(block, 1, kTarBlock, f) != kTarBlock)
        return refused(Errc::parse_error, "truncated archive (no end block)");
    auto h = parse_tar_header(block);
    if (!h) return refused(Errc::parse_error, h.error().message);
    return h;
}

Status write_file_entry(FILE* in, const TarHeader& h, const ManifestFile& mf, const fs::path& dest) {
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec)
        return refused(Errc::io_error, "cannot create " + dest.parent_path().string() + ": " + ec.message());
    FilePtr out(fopen(dest.c_str(), "wb"));
    if (!out) return refused(Errc::io_error, "cannot write " + dest.string() + ": " + strerror(errno));
    Sha256 sha;
    uint8_t buf[4096];
    uint64_t left = h.size;
    while (left > 0) {
        const size_t n = left < sizeof(buf) ? static_cast<size_t>(left) : sizeof(buf);
        if (Status st = read_exact(in, buf, n, mf.path.c_str()); !st) return st;
        sha.update({buf, n});
        if (fwrite(buf, 1, n, out.get()) != n)
            return refused(Errc::io_error,
                           "writing " + mf.path + " failed: " + strerror(errno) + " (is the flash full?)");
        left -= n;
    }
    if (fflush(out.get()) != 0 || fsync(fileno(out.get())) != 0)
        return refused(Errc::io_error,
                       "writing " + mf.path + " failed: " + strerror(errno) + " (is the flash full?)");
    out.reset();
    if (sha.hex() != mf.sha256)
        return refused(Errc::parse_error,
                       mf.path + ": SHA-256 differs from the manifest (corrupted download)");
    chmod(dest.c_str(), mf.mode & 0755);
    const size_t pad = (kTarBlock - h.size % kTarBlock) % kTarBlock;
    return read_exact(in, buf, pad, mf.path.c_str());
}

}  // namespace

std::string read_line(const std::string& path) {
    FilePtr f(fopen(path.c_str(), "rb"));
    if (!f) return {};
    char buf[256];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f.get());
    std::string s(buf, n);
    size_t nl = s.find('\n');
    if (nl != std::string::npos) s.resize(nl);
    return s;
}

Status write_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    FilePtr f(fopen(tmp.c_str(), "wb"));
    if (!f) return make_error(Errc::io_error, tmp + ": " + strerror(errno));
    const bool ok = fwrite(text.data(), 1, text.size(), f.get()) == text.size() && fflush(f.get()) == 0 &&
                    fsync(fileno(f.get())) == 0;
    f.reset();
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        unlink(tmp.c_str());
        return make_error(Errc::io_error, path + ": write failed: " + strerror(e));
    }
    return {};
}

std::string current_slot(const std::string& update_dir) {
    std::string s = read_line(update_dir + "/current");
    return s.empty() ? "factory" : s;
}

Result<Manifest> install_archive(const std::string& archive, const InstallTarget& t) {
    FilePtr f(fopen(archive.c_str(), "rb"));
    if (!f) return make_error(Errc::io_error, archive + ": " + strerror(errno));
    auto h1 = next_header(f.get());
    if (!h1) return h1.error();
    auto manifest_text = read_entry(f.get(), *h1, "manifest.json", kMaxManifestBytes);
    if (!manifest_text) return manifest_text.error();
    auto h2 = next_header(f.get());
    if (!h2) return h2.error();
    auto sig = read_entry(f.get(), *h2, "manifest.sig", 200);
    if (!sig) return sig.error();
    if (Status st = verify_signature(
            *manifest_text, {reinterpret_cast<const uint8_t*>(sig->data()), sig->size()}, t.signing_key_pem);
        !st)
        return refused(st.error().code, st.error().message);
    auto m = parse_manifest(*manifest_text);
    if (!m) return refused(Errc::parse_error, m.error().message);
    if (m->route != "update")
        return refused(Errc::unsupported, "a '" + m->route + "' package is not a self-update");
    if (m->board != t.board)
        return refused(Errc::unsupported,
                       "the package is for board '" + m->board + "', this is '" + t.board + "'");
    if (m->architecture != t.architecture)
        return refused(Errc::unsupported, "the package is for architecture '" + m->architecture +
                                              "', this agent is '" + t.architecture + "'");
    bool has_agent = false;
    for (const ManifestFile& mf : m->files) {
        has_agent = has_agent || mf.path == "usr/sbin/cpe-agent";
        if (mf.path == "manifest.json" || mf.path == "manifest.sig")
            return refused(Errc::parse_error, "the manifest lists " + mf.path + " as a file");
    }
    if (!has_agent) return refused(Errc::parse_error, "the package has no usr/sbin/cpe-agent");
    if (m->build_id == current_slot(t.update_dir))
        return refused(Errc::invalid_argument, "build " + m->build_id + " is the one running");

    const fs::path versions = fs::path(t.update_dir) / "versions";
    const fs::path staging = versions / ".staging";
    std::error_code ec;
    fs::remove_all(staging, ec);
    fs::create_directories(staging, ec);
    if (ec) return refused(Errc::io_error, "cannot create " + staging.string() + ": " + ec.message());
    auto fail = [&](Error e) -> Result<Manifest> {
        std::error_code ignore;
        fs::remove_all(staging, ignore);
        return e;
    };
    std::set<std::string> seen;
    while (true) {
        auto h = next_header(f.get());
        if (!h) return fail(h.error());
        if (h->end) break;
        if (h->type != '0' && h->type != '\0')
            return fail(refused(Errc::parse_error, "'" + h->name + "' is not a regular file"));
        const ManifestFile* mf = nullptr;
        for (const ManifestFile& x : m->files)
            if (x.path == h->name) mf = &x;
        if (!mf) return fail(refused(Errc::parse_error, "'" + h->name + "' is not in the manifest"));
        if (!seen.insert(mf->path).second)
            return fail(refused(Errc::parse_error, "'" + h->name + "' appears twice"));
        if (h->size != mf->size)
            return fail(refused(Errc::parse_error, mf->path + ": size differs from the manifest"));
        if (Status st = write_file_entry(f.get(), *h, *mf, staging / mf->path); !st) return fail(st.error());
    }
    for (const ManifestFile& mf : m->files)
        if (!seen.count(mf.path))
            return fail(refused(Errc::parse_error, mf.path + " is missing from the archive"));
    // The slot keeps its manifest: the Version and build the agent started from it reports.
    if (Status st = write_atomic((staging / "manifest.json").string(), *manifest_text); !st)
        return fail(refused(Errc::io_error, st.error().message + " (is the flash full?)"));
    sync();
    const fs::path slot = versions / m->build_id;
    fs::remove_all(slot, ec);
    if (rename(staging.c_str(), slot.c_str()) != 0)
        return fail(refused(Errc::io_error,
                            "cannot rename the staged files to " + slot.string() + ": " + strerror(errno)));
    return m;
}

Status switch_to(const std::string& update_dir, const std::string& build_id) {
    const std::string from = current_slot(update_dir);
    if (Status st = write_atomic(update_dir + "/previous", from + "\n"); !st) return st;
    if (Status st = write_atomic(update_dir + "/trial", build_id + "\n"); !st) return st;
    unlink((update_dir + "/trial-starts").c_str());
    unlink((update_dir + "/outcome").c_str());
    return write_atomic(update_dir + "/current", build_id + "\n");
}

}  // namespace cpe::agent::update
