#include "model/board.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "log/log.hpp"
#include "tr181/vendor.hpp"

namespace cpe::agent {
namespace {

constexpr size_t kMaxNumbersFileBytes = 1 << 20;

Status write_numbers(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    FILE* f = fopen(tmp.c_str(), "wb");
    if (!f) return make_error(Errc::io_error, tmp + ": cannot open for writing");
    const bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
    if (fclose(f) != 0 || !ok || rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(Errc::io_error, path + ": cannot write the instance numbers");
    return {};
}

}  // namespace

Result<std::unique_ptr<Board>> Board::open(const std::string& board_dir, const std::string& root) {
    auto profile = load_profile(board_dir);
    if (!profile) return profile.error();
    auto reader = root.empty() ? make_live_reader() : make_fixture_reader(root);
    return std::unique_ptr<Board>(
        new Board(std::move(*profile), std::move(reader)));  // NOLINT: private constructor
}

const tr181::Tree& Board::refresh(int64_t now, const std::function<bool()>& stop_requested) {
    BoardData fresh;
    failures_.clear();
    for (auto& collector : profile_.collectors) {
        if (stop_requested && stop_requested()) return tree_;
        Status st = collector->collect(*reader_, fresh);
        if (!st) {
            LOG_LIMITED(log::Level::warn, 4, 300, "collector", "%s: %s", collector->type(),
                        st.error().message.c_str());
            failures_.push_back({collector->type(), st.error()});
        }
    }
    data_ = std::move(fresh);
    BuildContext ctx{profile_, numbers_, now, endpoint_id_, vendor_prefix()};
    tree_ = build_model(data_, ctx);
    if (!numbers_file_.empty() && numbers_.changed()) {
        if (Status st = write_numbers(numbers_file_, numbers_.save()); !st)
            LOG_LIMITED(log::Level::warn, 4, 300, "model", "%s", st.error().message.c_str());
    }
    return tree_;
}

Status Board::keep_instance_numbers(std::string path) {
    numbers_file_ = std::move(path);
    FILE* f = fopen(numbers_file_.c_str(), "rb");
    if (f) {
        std::string text;
        char buf[4096];
        size_t n = 0;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= kMaxNumbersFileBytes)
            text.append(buf, n);
        fclose(f);
        Status st = text.size() > kMaxNumbersFileBytes
                        ? Status(make_error(Errc::too_large,
                                            "longer than " + std::to_string(kMaxNumbersFileBytes) + " bytes"))
                        : numbers_.load(text);
        if (!st)
            LOG_WARN("model", "%s: %s; numbering starts afresh", numbers_file_.c_str(),
                     st.error().message.c_str());
        return {};
    }
    // Nothing kept yet: check now that the place is writable rather than at the first refresh.
    return write_numbers(numbers_file_, numbers_.save());
}

Result<int64_t> fixture_capture_time(const std::string& root) {
    auto reader = make_fixture_reader(root);
    auto text = reader->read_file("/.capture-time", 64);
    if (!text) return text.error();
    std::string_view v = *text;
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
    int64_t n = 0;
    bool ok = !v.empty() && v.size() <= 12;
    for (char c : v) {
        if (c < '0' || c > '9')
            ok = false;
        else if (ok)
            n = n * 10 + (c - '0');
    }
    if (!ok)
        return make_error(Errc::parse_error, root + "/.capture-time: expected UNIX seconds, got '" +
                                                 std::string(v.substr(0, 24)) + "'");
    return n;
}

namespace {
std::string& vendor_prefix_slot() {
    static std::string prefix;
    return prefix;
}
}  // namespace

Status set_vendor_prefix(const std::string& prefix, const std::string& what) {
    if (!prefix.empty())
        if (Status st = tr181::check_vendor_prefix(prefix, what); !st) return st;
    vendor_prefix_slot() = prefix;
    return {};
}

const std::string& vendor_prefix() {
    return vendor_prefix_slot();
}

std::string device_model_text_with_prefix() {
    return tr181::apply_vendor_prefix(device_model_text(), vendor_prefix());
}

const tr181::Schema& device_schema() {
    // One parse per prefix (a process sets one; the tests try several).
    static std::map<std::string, tr181::Schema> schemas;
    auto it = schemas.find(vendor_prefix());
    if (it != schemas.end()) return it->second;
    auto parsed = tr181::Schema::parse(device_model_text_with_prefix(), "device.tr181");
    if (!parsed) {
        // The model text is compiled in and checked by the tests: failing here is a build defect.
        LOG_ERROR("model", "%s", parsed.error().message.c_str());
        abort();
    }
    return schemas.emplace(vendor_prefix(), std::move(*parsed)).first->second;
}

}  // namespace cpe::agent
