#include "update/service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "json/json.hpp"
#include "log/log.hpp"
#include "tr181/value.hpp"
#include "update/installer.hpp"
#include "update/package.hpp"
#include "usp/error_codes.hpp"

#ifndef CPE_AGENT_ARCH
#error "CPE_AGENT_ARCH must be defined by agent/update/CMakeLists.txt"
#endif

namespace cpe::agent::update {
namespace {

namespace err = cpe::usp::err;
constexpr const char* kDuPath = "Device.SoftwareModules.DeploymentUnit.1.";
constexpr const char* kRequestFile = "request.json";

std::string read_text(const std::string& path, size_t max) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) return {};
    std::string s(max, '\0');
    s.resize(fread(s.data(), 1, max, f));
    fclose(f);
    return s;
}

// The flashed package's manifest: <prefix>/lib/cpe-agent/manifest.json beside <prefix>/sbin/cpe-agent.
std::string default_factory_manifest() {
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return {};
    std::filesystem::path p(std::string(exe, static_cast<size_t>(n)));
    return (p.parent_path().parent_path() / "lib" / "cpe-agent" / "manifest.json").string();
}

}  // namespace

const char* agent_architecture() {
    return CPE_AGENT_ARCH;
}

Service::Service(net::EventLoop& loop, usp::UspAgent& agent, ServiceOptions options,
                 std::function<void()> restart)
    : loop_(loop), agent_(agent), options_(std::move(options)), restart_(std::move(restart)) {
    if (!options_.state_dir.empty()) update_dir_ = options_.state_dir + "/update";
    version_ = "unknown";
    std::string manifest_path;
    const std::string slot = update_dir_.empty() ? "factory" : current_slot(update_dir_);
    if (slot != "factory")
        manifest_path = update_dir_ + "/versions/" + slot + "/manifest.json";
    else
        manifest_path =
            options_.factory_manifest.empty() ? default_factory_manifest() : options_.factory_manifest;
    if (auto m = parse_manifest(read_text(manifest_path, kMaxManifestBytes))) {
        version_ = m->version;
        build_id_ = m->build_id;
    }
    if (!update_dir_.empty()) du_url_ = read_line(update_dir_ + "/url");
}

Service::~Service() = default;

void Service::extend(tr181::Object& device) const {
    tr181::Object& sm = device.child("SoftwareModules");
    sm.set("DeploymentUnitNumberOfEntries", tr181::Value::uint32(1));
    tr181::Table& t = sm.table("DeploymentUnit");
    t = tr181::Table{};
    tr181::Object& du = t.add(1);
    du.set("UUID", tr181::Value::string("cpe-agent:" + options_.endpoint_id));
    du.set("DUID", tr181::Value::string("cpe-agent"));
    du.set("Name", tr181::Value::string("cpe-agent"));
    du.set("Status", tr181::Value::string(switching_ ? "Updating" : "Installed"));
    du.set("Resolved", tr181::Value::boolean(true));
    du.set("URL", tr181::Value::string(du_url_));
    du.set("Vendor", tr181::Value::string("cpe-fleet"));
    du.set("Version", tr181::Value::string(version_));
    du.set("Description",
           tr181::Value::string("USP agent for " + options_.board + " (" + agent_architecture() + ")" +
                                (build_id_.empty() ? std::string() : ", build " + build_id_)));
}

std::optional<cpe::usp::CommandFailure> Service::start(const std::string& command,
                                                       const std::string& command_key,
                                                       const cpe::usp::StrMap& args) {
    if (update_dir_.empty() || options_.update.signing_key.empty())
        return cpe::usp::CommandFailure{
            err::command_failure,
            "self-update is not configured (agent.json needs state_dir and update.signing_key)"};
    if (busy()) return cpe::usp::CommandFailure{err::command_failure, "an update is already in progress"};
    auto cmd = tr181::Path::parse(command);
    if (cmd && cmd->supported_form() == "Device.SoftwareModules.DeploymentUnit.{i}.Update()" &&
        command != std::string(kDuPath) + "Update()")
        return cpe::usp::CommandFailure{err::object_does_not_exist,
                                        "the only deployment unit is " + std::string(kDuPath)};
    for (const auto& [k, v] : args)
        if (k != "URL" && k != "UUID" && k != "ExecutionEnvRef" && k != "Username" && k != "Password")
            return cpe::usp::CommandFailure{err::invalid_command_arguments,
                                            "unknown input argument '" + k + "'"};
    auto url_it = args.find("URL");
    std::string url = url_it != args.end() ? url_it->second : std::string();
    if (url.empty() && command.ends_with("Update()")) url = du_url_;
    if (url.empty()) return cpe::usp::CommandFailure{err::invalid_command_arguments, "URL is required"};
    if (auto u = parse_http_url(url); !u)
        return cpe::usp::CommandFailure{err::invalid_command_arguments, u.error().message};
    if (args.count("Username") || args.count("Password"))
        return cpe::usp::CommandFailure{
            err::invalid_command_arguments,
            "Username/Password are not supported: the download URL is authenticated by TLS"};
    std::error_code ec;
    std::filesystem::create_directories(update_dir_ + "/versions", ec);
    if (ec) return cpe::usp::CommandFailure{err::command_failure, update_dir_ + ": " + ec.message()};

    // The request is on the flash before anything else: whichever agent runs next reports its end.
    json::Ptr req = json::make_object();
    const cpe::usp::StrMap empty;
    json::add_string(req.get(), "command", command);
    json::add_string(req.get(), "command_key", command_key);
    json::add_string(req.get(), "url", url);
    json::add_string(req.get(), "start_time", tr181::format_date_time(time(nullptr)));
    json::add_string(req.get(), "build_id", "");
    if (Status st = write_atomic(update_dir_ + "/" + kRequestFile, json::print(req.get())); !st)
        return cpe::usp::CommandFailure{err::command_failure, st.error().message};
    du_url_ = url;

    DownloadOptions d;
    d.url = url;
    d.ca_file = options_.update.ca_file.empty() ? options_.controller_ca : options_.update.ca_file;
    d.dest_path = update_dir_ + "/download.part";
    d.max_bytes = options_.update.max_bytes;
    d.timeout_s = options_.update.timeout_s;
    d.resolve = options_.resolve;
    download_ = std::make_unique<Download>(loop_, d, [this](Result<uint64_t> r) {
        loop_.post([this, r = std::move(r)]() mutable { downloaded(std::move(r)); });
    });
    if (Status st = download_->start(); !st) {
        download_.reset();
        unlink((update_dir_ + "/" + kRequestFile).c_str());
        return cpe::usp::CommandFailure{err::command_failure, "download: " + st.error().message};
    }
    LOG_INFO("update", "%s: downloading %s", command.c_str(), url.c_str());
    return std::nullopt;
}

void Service::downloaded(Result<uint64_t> r) {
    download_.reset();
    if (!r) {
        unlink((update_dir_ + "/download.part").c_str());
        fail("download failed: " + r.error().message, err::command_failure);
        return;
    }
    switching_ = true;
    install_when_confirmed(0);
}

// The supervisor confirms a slot on trial in two steps (update/trial names it, then the file is removed) and
// then removes every slot but the running and the previous one. A build staged or switched to meanwhile would
// lose its files or its trial marker (a broken build never rolled back). So the downloaded file is installed
// and switched to only once the running slot's trial is over: the supervisor confirms within its poll once
// this agent has reached its controller. Bounded, then refused with the reason.
void Service::install_when_confirmed(unsigned waited_ms) {
    constexpr unsigned kStepMs = 250, kMaxWaitMs = 30000;
    const std::string part = update_dir_ + "/download.part";
    if (access((update_dir_ + "/trial").c_str(), F_OK) == 0) {
        if (waited_ms >= kMaxWaitMs) {
            switching_ = false;
            unlink(part.c_str());
            fail("the running version is still on trial (its supervisor has not confirmed it within " +
                     std::to_string(kMaxWaitMs / 1000) + " s): try again later",
                 err::command_failure);
            return;
        }
        if (waited_ms == 0)
            LOG_INFO("update", "downloaded; waiting for the supervisor to confirm the running version");
        confirm_timer_ =
            loop_.add_timer(kStepMs, [this, waited_ms] { install_when_confirmed(waited_ms + kStepMs); });
        return;
    }
    auto failed = [this](const std::string& reason) {
        switching_ = false;
        fail(reason, err::command_failure);
    };
    InstallTarget t;
    t.board = options_.board;
    t.architecture = agent_architecture();
    t.signing_key_pem = read_text(options_.update.signing_key, 8192);
    t.update_dir = update_dir_;
    if (t.signing_key_pem.empty()) {
        unlink(part.c_str());
        return failed("cannot read the signing key " + options_.update.signing_key);
    }
    auto m = install_archive(part, t);
    unlink(part.c_str());
    if (!m) return failed(m.error().message);
    Status st;
    auto req = json::parse(read_text(update_dir_ + "/" + kRequestFile, 16384), "request");
    if (req) {
        cJSON_DeleteItemFromObjectCaseSensitive(req->get(), "build_id");
        json::add_string(req->get(), "build_id", m->build_id);
        json::add_string(req->get(), "version", m->version);
        st = write_atomic(update_dir_ + "/" + kRequestFile, json::print(req->get()));
    }
    if (!req || !st) {
        std::error_code ec;
        std::filesystem::remove_all(update_dir_ + "/versions/" + m->build_id, ec);
        return failed("cannot record the update request");
    }
    if (Status sw = switch_to(update_dir_, m->build_id); !sw)
        return failed("switch failed: " + sw.error().message);
    (void)write_atomic(update_dir_ + "/url", du_url_ + "\n");  // only the DU URL shown; not needed to run
    LOG_INFO("update", "build %s (version %s) installed and switched to: restarting into it",
             m->build_id.c_str(), m->version.c_str());
    restart_timer_ = loop_.add_timer(200, [this] { restart_(); });
}

void Service::fail(const std::string& reason, uint32_t code) {
    (void)code;
    LOG_WARN("update", "%s", reason.c_str());
    const std::string path = update_dir_ + "/" + kRequestFile;
    if (auto req = json::parse(read_text(path, 16384), "request")) {
        json::add_string(req->get(), "failure", reason);
        (void)write_atomic(path, json::print(req->get()));
    }
    try_report();
}

void Service::connected() {
    if (update_dir_.empty()) return;
    if (FILE* f = fopen((update_dir_ + "/connected").c_str(), "wb")) fclose(f);
    try_report();
}

void Service::try_report() {
    if (update_dir_.empty() || busy()) return;
    if (access((update_dir_ + "/" + kRequestFile).c_str(), F_OK) != 0) return;
    const std::string slot = current_slot(update_dir_);
    auto req = json::parse(read_text(update_dir_ + "/" + kRequestFile, 16384), "request");
    const std::string build = req ? json::opt_string(req->get(), "build_id").value_or("") : std::string();
    const std::string failure = req ? json::opt_string(req->get(), "failure").value_or("") : std::string();
    if (!failure.empty()) {
        report(false, failure);
        return;
    }
    if (!build.empty() && build == slot) {
        if (access((update_dir_ + "/trial").c_str(), F_OK) == 0 &&
            access((update_dir_ + "/connected").c_str(), F_OK) != 0)
            return;  // not yet proven
        report(true, "");
        return;
    }
    std::string outcome = read_line(update_dir_ + "/outcome");
    std::string reason = build.empty() ? "the agent stopped before the update was installed"
                                       : "build " + build + " was rolled back";
    if (outcome.starts_with("rolled-back ")) {
        const size_t sp = outcome.find(' ', 12);
        if (sp != std::string::npos)
            reason = "build " + outcome.substr(12, sp - 12) + " rolled back: " + outcome.substr(sp + 1);
    }
    report(false, reason);
}

void Service::report(bool ok, const std::string& reason) {
    const std::string path = update_dir_ + "/" + kRequestFile;
    auto req = json::parse(read_text(path, 16384), "request");
    if (!req) {
        unlink(path.c_str());
        return;
    }
    auto field = [&](const char* k) { return json::opt_string(req->get(), k).value_or(""); };
    const std::string command = field("command");
    cpe::usp::StrMap tc{{"Command", command},
                        {"CommandKey", field("command_key")},
                        {"Requestor", agent_.controller_id()},
                        {"TransferType", "Download"},
                        {"Affected", kDuPath},
                        {"TransferURL", field("url")},
                        {"StartTime", field("start_time")},
                        {"CompleteTime", tr181::format_date_time(time(nullptr))},
                        {"FaultCode", ok ? "0" : std::to_string(err::command_failure)},
                        {"FaultString", ok ? "" : reason}};
    const size_t cut = command.rfind('.', command.size() - 3);  // "Device.SoftwareModules.InstallDU()"
    const std::string obj = cut == std::string::npos ? "Device." : command.substr(0, cut + 1);
    const std::string name = cut == std::string::npos ? command : command.substr(cut + 1);
    std::variant<cpe::usp::OutputArgs, cpe::usp::CommandFailure> result;
    if (ok)
        result = cpe::usp::OutputArgs{{{"DeploymentUnitRef", kDuPath}}};
    else
        result = cpe::usp::CommandFailure{err::command_failure, reason};
    const size_t sent = agent_.event("Device.LocalAgent.", "TransferComplete!", tc) +
                        agent_.operation_complete(obj, name, field("command_key"), result);
    if (sent == 0) return;  // nobody subscribed yet: kept for the next try
    if (options_.send_due) loop_.post(options_.send_due);
    LOG_INFO("update", "%s reported: %s", command.c_str(), ok ? "installed" : reason.c_str());
    unlink(path.c_str());
    unlink((update_dir_ + "/outcome").c_str());
}

}  // namespace cpe::agent::update
