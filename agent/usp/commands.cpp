#include "usp/commands.hpp"

#include <unistd.h>

#include <cstdio>

#include "log/log.hpp"
#include "usp/error_codes.hpp"

namespace cpe::agent::usp {

namespace err = cpe::usp::err;

namespace {

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

std::optional<ArgError> validate_args(const CommandSpec& spec, Args& in) {
    for (const auto& [name, value] : in) {
        bool known = false;
        for (const ArgSpec& a : spec.inputs) known = known || a.name == name;
        if (!known) {
            std::string names;
            for (const ArgSpec& a : spec.inputs) names += (names.empty() ? "" : ", ") + a.name;
            return ArgError{name, err::invalid_arguments,
                            spec.path + " has no input argument " + name + " (it takes " + names + ")"};
        }
    }
    for (const ArgSpec& a : spec.inputs) {
        auto it = in.find(a.name);
        if (it == in.end()) {
            if (a.required) return ArgError{a.name, err::invalid_command_arguments, a.name + " is required"};
            if (!a.fallback.empty()) in[a.name] = a.fallback;
            continue;
        }
        const std::string& text = it->second;
        auto v = tr181::Value::parse(a.type, text);
        if (!v) return ArgError{a.name, err::invalid_type, a.name + ": " + v.error().message};
        if (a.type == tr181::Type::unsigned_int || a.type == tr181::Type::unsigned_long) {
            if (v->as_uint() < a.min || v->as_uint() > a.max)
                return ArgError{a.name, err::invalid_value,
                                a.name + " " + text + " is outside " + std::to_string(a.min) + ".." +
                                    std::to_string(a.max)};
        } else if (a.type == tr181::Type::string) {
            if (text.size() > a.max_length)
                return ArgError{a.name, err::invalid_value,
                                a.name + " is longer than " + std::to_string(a.max_length) + " characters"};
            if (a.required && text.empty()) return ArgError{a.name, err::invalid_value, a.name + " is empty"};
            if (!a.values.empty()) {
                bool ok = false;
                std::string list;
                for (const std::string& e : a.values) {
                    ok = ok || e == text;
                    list += (list.empty() ? "" : ", ") + e;
                }
                if (!ok)
                    return ArgError{a.name, err::invalid_value,
                                    a.name + " '" + text + "' is not one of " + list};
            }
        }
        it->second = v->to_string();
    }
    if (spec.check) return spec.check(in);
    return std::nullopt;
}

CommandRunner::CommandRunner(Post post, std::string state_file, size_t max_running)
    : post_(std::move(post)), state_file_(std::move(state_file)), max_running_(max_running) {
    if (state_file_.empty()) return;
    FILE* f = fopen(state_file_.c_str(), "rb");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof(line), f) && interrupted_.size() < 16) {
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        std::vector<std::string> f4;
        size_t start = 0;
        while (f4.size() < 4) {
            size_t tab = s.find('\t', start);
            f4.push_back(s.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        if (f4.size() != 4 || f4[1].empty()) continue;
        RequestInfo r;
        r.instance = static_cast<uint32_t>(strtoul(f4[0].c_str(), nullptr, 10));
        r.command = f4[1];
        r.command_key = f4[2];
        r.originator = f4[3];
        interrupted_.push_back(std::move(r));
    }
    fclose(f);
    unlink(state_file_.c_str());
}

CommandRunner::~CommandRunner() {
    for (auto& [n, a] : active_) a.cancelled->store(true);
    for (auto& [n, a] : active_)
        if (a.worker.joinable()) a.worker.join();
    // What was running is left in the state file on purpose: a stop in the middle of a test is reported
    // as interrupted at the next start.
}

void CommandRunner::add(CommandSpec spec) {
    specs_.push_back(std::move(spec));
}

const CommandSpec* CommandRunner::find(const std::string& supported_path) const {
    for (const CommandSpec& s : specs_)
        if (s.path == supported_path) return &s;
    return nullptr;
}

std::variant<RequestInfo, CommandRunner::Refused> CommandRunner::start(const CommandSpec& spec,
                                                                       RequestInfo info, Args args) {
    if (auto bad = validate_args(spec, args)) return Refused{bad->code, bad->message, bad};
    for (const auto& [n, a] : active_)
        if (a.kind == spec.kind)
            return Refused{err::resources_exceeded,
                           spec.path + " is already running (Device.LocalAgent.Request." + std::to_string(n) +
                               ".): one at a time",
                           std::nullopt};
    if (active_.size() >= max_running_)
        return Refused{err::resources_exceeded,
                       "at most " + std::to_string(max_running_) + " commands run at once", std::nullopt};
    info.instance = next_instance_++;
    Active a;
    a.info = info;
    a.kind = spec.kind;
    a.cancelled = std::make_unique<std::atomic<bool>>(false);
    const std::atomic<bool>* flag = a.cancelled.get();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.max_seconds);
    std::weak_ptr<void> alive = life_.token();
    const uint32_t n = info.instance;
    a.worker = std::thread([this, run = spec.run, args = std::move(args), flag, deadline, alive, n] {
        RunContext ctx{args, *flag, deadline};
        Args out = run(ctx);
        post_([this, alive, n, out = std::move(out)]() mutable {
            if (!alive.expired()) finish(n, std::move(out));
        });
    });
    active_.emplace(n, std::move(a));
    save();
    LOG_INFO("usp", "%s started as Device.LocalAgent.Request.%u. (CommandKey '%s')", info.command.c_str(), n,
             info.command_key.c_str());
    return info;
}

bool CommandRunner::cancel(uint32_t instance) {
    auto it = active_.find(instance);
    if (it == active_.end()) return false;
    it->second.cancelled->store(true);
    return true;
}

std::map<uint32_t, RequestInfo> CommandRunner::requests() const {
    std::map<uint32_t, RequestInfo> out;
    for (const auto& [n, a] : active_) out.emplace(n, a.info);
    return out;
}

std::vector<RequestInfo> CommandRunner::take_interrupted() {
    return std::exchange(interrupted_, {});
}

void CommandRunner::finish(uint32_t instance, Args out) {
    auto it = active_.find(instance);
    if (it == active_.end()) return;
    if (it->second.worker.joinable()) it->second.worker.join();
    const bool cancelled = it->second.cancelled->load();
    RequestInfo info = std::move(it->second.info);
    active_.erase(it);
    save();
    Completion c;
    if (cancelled)
        c = cpe::usp::CommandFailure{err::command_canceled, info.command + " was canceled"};
    else
        c = cpe::usp::OutputArgs{std::move(out)};
    LOG_INFO("usp", "%s (Device.LocalAgent.Request.%u.) %s", info.command.c_str(), instance,
             cancelled ? "canceled" : "complete");
    if (done_) done_(info, c);
}

void CommandRunner::save() const {
    if (state_file_.empty()) return;
    if (active_.empty()) {
        unlink(state_file_.c_str());
        return;
    }
    const std::string tmp = state_file_ + ".tmp";
    FILE* f = fopen(tmp.c_str(), "wb");
    if (!f) {
        LOG_LIMITED(log::Level::warn, 3, 300, "usp", "%s: cannot write", tmp.c_str());
        return;
    }
    for (const auto& [n, a] : active_)
        fprintf(f, "%u\t%s\t%s\t%s\n", n, one_line(a.info.command).c_str(),
                one_line(a.info.command_key).c_str(), one_line(a.info.originator).c_str());
    const bool ok = fclose(f) == 0;
    if (ok) rename(tmp.c_str(), state_file_.c_str());
}

}  // namespace cpe::agent::usp
