// The GenieACS firmware route (docs/genieacs.md, docs/api.md "Firmware"): POST /firmware uploads an image
// from genieacs.firmware_dir to GenieACS's file server with its metadata, GET /firmware/:name shows what
// GenieACS holds, POST /devices/:id/firmware starts a download task for a TR-069 device and follows it to the
// CPE's TransferComplete (GenieTasks kind "firmware"; GET /devices/:id/tasks/:taskId and SSE "task" on
// device:<id>).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "api/devices_api.hpp"
#include "api/reply.hpp"
#include "json/json.hpp"
#include "log/log.hpp"
#include "util/fd.hpp"

namespace cpe::hub::api {

namespace {
json::Ptr file_json(const sources::FileInfo& f) {
    auto o = json::make_object();
    json::add_string(o.get(), "file", f.name);
    if (f.length >= 0) json::add_number(o.get(), "length", static_cast<double>(f.length));
    if (!f.upload_date.empty()) json::add_string(o.get(), "upload_date", f.upload_date);
    auto m = json::make_object();
    json::add_string(m.get(), "file_type", f.meta.file_type);
    json::add_string(m.get(), "oui", f.meta.oui);
    json::add_string(m.get(), "product_class", f.meta.product_class);
    json::add_string(m.get(), "version", f.meta.version);
    json::add(o.get(), "metadata", std::move(m));
    return o;
}

struct UploadRequest {
    std::string file;
    sources::FileMeta meta;
};

// {"file", "version", "oui"?, "product_class"?, "file_type"?}; every key checked, the error names it.
Result<UploadRequest> parse_upload(std::string_view body) {
    auto doc = json::parse(body, "firmware request body");
    if (!doc) return make_error(Errc::invalid_argument, doc.error().message);
    const cJSON* o = doc->get();
    if (!cJSON_IsObject(o))
        return make_error(Errc::invalid_argument, "firmware request body: expected a JSON object");
    UploadRequest u;
    for (const cJSON* k = o->child; k; k = k->next) {
        std::string key = k->string ? k->string : "";
        std::string* out = key == "file"            ? &u.file
                           : key == "version"       ? &u.meta.version
                           : key == "oui"           ? &u.meta.oui
                           : key == "product_class" ? &u.meta.product_class
                           : key == "file_type"     ? &u.meta.file_type
                                                    : nullptr;
        if (!out)
            return make_error(Errc::invalid_argument, "firmware request body: unknown key '" +
                                                          key.substr(0, 40) +
                                                          "' (file, version, oui, product_class, file_type)");
        if (!cJSON_IsString(k))
            return make_error(Errc::invalid_argument,
                              "firmware request body: '" + key + "' must be a string");
        *out = k->valuestring;
    }
    if (u.file.empty()) return make_error(Errc::invalid_argument, "firmware request body: 'file' is missing");
    if (auto st = sources::validate_file_name(u.file); !st) return st.error();
    if (auto st = sources::validate_file_meta(u.meta); !st) return st.error();
    return u;
}

// The image `name` in `dir`: at most `max_bytes`. Errors: not_found (no such file), invalid_argument (not a
// regular file, empty), too_large (size), io.
Result<std::string> read_image(const std::string& dir, const std::string& name, size_t max_bytes) {
    std::string path = dir + "/" + name;  // name: [A-Za-z0-9._-], no leading '.': never leaves dir
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
        if (errno == ENOENT)
            return make_error(Errc::not_found, "unknown file '" + name + "': not in genieacs.firmware_dir");
        return make_error(Errc::io_error, "image '" + name + "': " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return make_error(Errc::io_error, "image '" + name + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return make_error(Errc::invalid_argument, "image '" + name + "': not a regular file");
    if (st.st_size <= 0) return make_error(Errc::invalid_argument, "image '" + name + "': empty");
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        return make_error(Errc::too_large, "image too large: '" + name + "' has " +
                                               std::to_string(st.st_size) +
                                               " bytes, genieacs.firmware_max_mb allows " +
                                               std::to_string(max_bytes) + " bytes");
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error(Errc::io_error, "image '" + name + "': short read");
        got += static_cast<size_t>(n);
    }
    return data;
}

int http_of(Errc c) {
    switch (c) {
        case Errc::invalid_argument:
            return 400;
        case Errc::not_found:
            return 404;
        case Errc::too_large:
            return 413;
        default:
            return 500;
    }
}
}  // namespace

std::optional<net::Response> DevicesApi::firmware_access(const net::Request& req) const {
    // /firmware is not among the device API's default protected prefixes: checked here, as the write routes
    // under /devices are (the service token, or staff through the trusted proxy).
    AccessConfig a = config_.access;
    a.protected_prefixes = {"/firmware"};
    return check_access(a, req);
}

void DevicesApi::firmware_upload(const net::Request& req, net::Responder res) {
    if (auto refused = firmware_access(req)) return res.send(std::move(*refused));
    auto u = parse_upload(req.body);
    if (!u) return res.json(400, error_body(400, u.error().message));
    if (!genieacs_.configured()) return res.json(503, error_body(503, "GenieACS is not configured"));
    if (config_.genieacs.firmware_dir.empty())
        return res.json(404, error_body(404, "POST /firmware is off: genieacs.firmware_dir is not set"));
    if (!upload_running_.empty())
        return res.json(409, error_body(409, "an upload is running ('" + upload_running_ +
                                                 "'): one image at a time, try again when it ends"));
    auto image = read_image(config_.genieacs.firmware_dir, u->file,
                            static_cast<size_t>(config_.genieacs.firmware_max_mb) << 20);
    if (!image) {
        int s = http_of(image.error().code);
        return res.json(s, error_body(s, image.error().message));
    }
    upload_running_ = u->file;
    size_t length = image->size();
    auto up = std::make_shared<UploadRequest>(std::move(*u));
    // Whether GenieACS already holds a file of that name (a PUT replaces it: lib/nbi.ts deletes it first).
    genieacs_.find_file(
        up->file,
        lifetime_.guard([this, res, up, length, data = std::make_shared<std::string>(std::move(*image))](
                            Result<std::optional<sources::FileInfo>> before) mutable {
            if (!before) {
                upload_running_.clear();
                int s = status_for(before.error());
                return res.json(s, error_body(s, "firmware '" + up->file + "': " + before.error().message));
            }
            bool replaced = before->has_value();
            genieacs_.put_file(
                up->file, up->meta, std::move(*data),
                lifetime_.guard([this, res, up, length, replaced](Result<bool> r) {
                    upload_running_.clear();
                    if (!r) {
                        int s = status_for(r.error());
                        return res.json(s,
                                        error_body(s, "firmware '" + up->file + "': " + r.error().message));
                    }
                    LOG_INFO("devices", "firmware %s (%zu bytes, version %s) uploaded to GenieACS%s",
                             up->file.c_str(), length, up->meta.version.c_str(),
                             replaced ? ", replacing" : "");
                    sources::FileInfo f;
                    f.name = up->file;
                    f.length = static_cast<int64_t>(length);
                    f.meta = up->meta;
                    auto o = file_json(f);
                    json::add_bool(o.get(), "replaced", replaced);
                    res.json(201, json::print(o.get()));
                }));
        }));
}

void DevicesApi::firmware_file(const net::Request& req, net::Responder res) {
    if (auto refused = firmware_access(req)) return res.send(std::move(*refused));
    std::string name = req.param("name");
    if (auto st = sources::validate_file_name(name); !st)
        return res.json(400, error_body(400, st.error().message));
    if (!genieacs_.configured()) return res.json(503, error_body(503, "GenieACS is not configured"));
    genieacs_.find_file(name, lifetime_.guard([res, name](Result<std::optional<sources::FileInfo>> r) {
        if (!r) return res.json(status_for(r.error()), error_body(status_for(r.error()), r.error().message));
        if (!*r) return res.json(404, error_body(404, "unknown file '" + name + "': not in GenieACS"));
        res.json(200, json::print(file_json(**r).get()));
    }));
}

void DevicesApi::device_firmware(const net::Request& req, net::Responder res) {
    const std::string id = req.param("id");
    auto doc = json::parse(req.body, "firmware request body");
    if (!doc || !cJSON_IsObject(doc->get()))
        return res.json(400, error_body(400, "firmware request body: expected a JSON object {\"file\": …}"));
    for (const cJSON* k = doc->get()->child; k; k = k->next)
        if (!k->string || std::string(k->string) != "file")
            return res.json(
                400, error_body(400, "firmware request body: unknown key '" +
                                         std::string(k->string ? k->string : "").substr(0, 40) + "' (file)"));
    auto file = json::opt_string(doc->get(), "file");
    if (!file) return res.json(400, error_body(400, "firmware request body: 'file' is missing"));
    if (auto st = sources::validate_file_name(*file); !st)
        return res.json(400, error_body(400, st.error().message));
    if (const auto* e = hub_.registry().find(id); e && e->admitted)
        return res.json(
            409, error_body(409, "device '" + id +
                                     "' is a USP agent: it updates itself over USP (docs/flashing.md), "
                                     "not through GenieACS"));
    if (!genieacs_.configured()) return res.json(404, error_body(404, "device '" + id + "' is not known"));
    if (const TrackedTask* t = tasks_.running(id, "firmware"))  // a retry while it runs: the same task
        return res.json(t->http, tracked_json(*t));
    genieacs_.find_file(*file, lifetime_.guard([this, id, res,
                                                name = *file](Result<std::optional<sources::FileInfo>> f) {
        if (!f) return res.json(status_for(f.error()), error_body(status_for(f.error()), f.error().message));
        if (!*f)
            return res.json(404, error_body(404, "unknown file '" + name +
                                                     "': not in GenieACS (upload it with POST /firmware)"));
        auto meta = (*f)->meta;
        genieacs_.get(
            id, kGenieModelProbe,
            lifetime_.guard([this, id, res, name, meta](Result<std::optional<GenieHit>> r) {
                if (!r)
                    return res.json(
                        status_for(r.error()),
                        error_body(status_for(r.error()), "firmware for '" + id + "': " + r.error().message));
                if (!*r) return res.json(404, error_body(404, "device '" + id + "' is not known"));
                const GenieHit& hit = **r;
                auto param = [&](const char* k) {
                    auto it = hit.params.find(k);
                    return it == hit.params.end() ? std::string() : it->second;
                };
                std::string oui = param("_deviceId._OUI"), pc = param("_deviceId._ProductClass");
                if ((!meta.oui.empty() && meta.oui != oui) ||
                    (!meta.product_class.empty() && meta.product_class != pc))
                    return res.json(409, error_body(409, "file '" + name + "' is for " + meta.oui + "/" +
                                                             meta.product_class + "; device '" + id +
                                                             "' is " + oui + "/" + pc));
                tasks_.run(
                    id, "firmware", false, hit,
                    [res](const TrackedTask& t) { res.json(t.http, tracked_json(t)); }, name);
            }));
    }));
}

}  // namespace cpe::hub::api
