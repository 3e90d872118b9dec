#include "tr181/path.hpp"

#include <charconv>

namespace cpe::tr181 {
namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

constexpr size_t kMaxPathLength = 1024;
constexpr size_t kMaxSegments = 32;

}  // namespace

bool is_valid_name(std::string_view name) {
    if (name.empty() || !(is_alpha(name[0]) || name[0] == '_')) return false;
    for (char c : name)
        if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '-')) return false;
    return true;
}

Result<Path> Path::parse(std::string_view text) {
    auto fail = [&](const std::string& why) {
        std::string shown(text.substr(0, 120));
        if (text.size() > 120) shown += "…";
        return make_error(Errc::invalid_argument, "invalid path '" + shown + "': " + why);
    };
    if (text.empty()) return fail("empty path");
    if (text.size() > kMaxPathLength)
        return fail("longer than " + std::to_string(kMaxPathLength) + " characters");

    Path path;
    path.partial_ = text.back() == '.';
    std::string_view rest = path.partial_ ? text.substr(0, text.size() - 1) : text;
    size_t index = 0;
    while (true) {
        ++index;
        size_t dot = rest.find('.');
        std::string_view part = rest.substr(0, dot);
        const std::string where = "segment " + std::to_string(index);
        if (part.empty()) return fail(where + " is empty");
        if (index > kMaxSegments) return fail("more than " + std::to_string(kMaxSegments) + " segments");
        const bool last = dot == std::string_view::npos;
        Segment seg;
        if (part == "*") {
            seg.kind = Segment::Kind::wildcard;
        } else if (part == "{i}") {
            seg.kind = Segment::Kind::placeholder;
        } else if (is_digit(part[0])) {
            if (part[0] == '0')
                return fail(where + " '" + std::string(part) + "' is not a valid instance number");
            uint32_t n = 0;
            auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
            if (ec != std::errc() || ptr != part.data() + part.size())
                return fail(where + " '" + std::string(part) + "' is not a valid instance number");
            seg.kind = Segment::Kind::instance;
            seg.instance = n;
        } else if (part.size() > 2 && part.substr(part.size() - 2) == "()") {
            seg.kind = Segment::Kind::command;
            seg.name = std::string(part.substr(0, part.size() - 2));
        } else if (part.size() > 1 && part.back() == '!') {
            seg.kind = Segment::Kind::event;
            seg.name = std::string(part.substr(0, part.size() - 1));
        } else if (part.front() == '[' || part.find('[') != std::string_view::npos) {
            return fail(where + " '" + std::string(part) + "': search expressions are not supported");
        } else {
            seg.name = std::string(part);
        }
        if ((seg.kind == Segment::Kind::name || seg.kind == Segment::Kind::command ||
             seg.kind == Segment::Kind::event) &&
            !is_valid_name(seg.name))
            return fail(where + " '" + std::string(part) + "' is not a valid name");
        if ((seg.kind == Segment::Kind::command || seg.kind == Segment::Kind::event) &&
            (!last || path.partial_))
            return fail(where + " '" + std::string(part) + "': a command or event must be the last segment");
        if (index == 1 && (seg.kind != Segment::Kind::name || seg.name != "Device"))
            return fail("must start with 'Device'");
        path.segments_.push_back(std::move(seg));
        if (last) break;
        rest = rest.substr(dot + 1);
    }
    if (!path.partial_) {
        const Segment& tail = path.segments_.back();
        if (tail.kind == Segment::Kind::instance || tail.kind == Segment::Kind::wildcard ||
            tail.kind == Segment::Kind::placeholder)
            return fail("an instance or wildcard must be followed by '.'");
    }
    return path;
}

bool Path::has_wildcard() const {
    for (const Segment& s : segments_)
        if (s.kind == Segment::Kind::wildcard) return true;
    return false;
}

namespace {
std::string render(const std::vector<Segment>& segments, bool partial, bool supported) {
    std::string out;
    for (size_t i = 0; i < segments.size(); ++i) {
        const Segment& s = segments[i];
        if (i) out += '.';
        switch (s.kind) {
            case Segment::Kind::name:
                out += s.name;
                break;
            case Segment::Kind::instance:
                out += supported ? "{i}" : std::to_string(s.instance);
                break;
            case Segment::Kind::wildcard:
                out += supported ? "{i}" : "*";
                break;
            case Segment::Kind::placeholder:
                out += "{i}";
                break;
            case Segment::Kind::command:
                out += s.name + "()";
                break;
            case Segment::Kind::event:
                out += s.name + "!";
                break;
        }
    }
    if (partial) out += '.';
    return out;
}
}  // namespace

std::string Path::str() const {
    return render(segments_, partial_, false);
}
std::string Path::supported_form() const {
    return render(segments_, partial_, true);
}

std::string instance_path(std::string_view table_path, uint32_t instance) {
    std::string out(table_path);
    if (out.empty() || out.back() != '.') out += '.';
    out += std::to_string(instance);
    out += '.';
    return out;
}

}  // namespace cpe::tr181
