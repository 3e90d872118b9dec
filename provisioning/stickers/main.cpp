// cpe-stickers: print-ready QR sticker sheets (PDF or SVG) for a list of devices. docs/stickers.md.
// Exit status: 0 done, 1 bad input or a failed write (nothing written), 2 usage.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "device_list.hpp"
#include "layout.hpp"
#include "sheet.hpp"

namespace {

using namespace cpe;
using namespace cpe::stickers;

const char* kUsage =
    "usage: cpe-stickers --input devices.csv --hub https://<hub> --output sheet.pdf|sheet.svg [options]\n"
    "  --input FILE      CSV with a header naming the columns serial,mac (other columns ignored; '-' = "
    "stdin)\n"
    "  --hub URL         the hub's public base URL; each code encodes <URL>/q/<mac as 12 lower-case hex "
    "digits>\n"
    "  --output FILE     .pdf (all pages in one file) or .svg (one file a page: FILE-1.svg, FILE-2.svg, … "
    "when\n"
    "                    the list needs more than one page)\n"
    "  --layout NAME     label stock (default a4-21); --list-layouts shows them\n"
    "  --layouts FILE    more layouts (JSON, the format of provisioning/stickers/layouts.json)\n"
    "  --skip N          leave the first N labels of the first page blank (a partly used sheet)\n"
    "  --outline         draw each label's outline (a test print on plain paper)\n"
    "  --skip-bad        print the good rows even when some are bad (the bad ones are still listed)\n"
    "  --list-layouts    print the layouts and exit\n";

int fail(const std::string& why) {
    std::fprintf(stderr, "cpe-stickers: %s\n", why.c_str());
    return 1;
}

int usage(const std::string& why) {
    std::fprintf(stderr, "cpe-stickers: %s\n%s", why.c_str(), kUsage);
    return 2;
}

Result<std::string> read_input(const std::string& path) {
    constexpr size_t kMax = 16u << 20;
    FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::io_error, "cannot open " + path + ": " + std::strerror(errno));
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text.append(buf, n);
        if (text.size() > kMax) {
            if (f != stdin) std::fclose(f);
            return make_error(Errc::too_large, path + " is larger than 16 MiB");
        }
    }
    bool failed = std::ferror(f) != 0;
    if (f != stdin) std::fclose(f);
    if (failed) return make_error(Errc::io_error, "cannot read " + path);
    return text;
}

void print_layouts(const std::vector<Layout>& layouts) {
    for (const auto& l : layouts) {
        std::printf("%-14s %3d labels a page  %s\n", l.name.c_str(), l.per_page(), l.description.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string input, hub_arg, output, layout_name = "a4-21", layouts_file;
    int skip = 0;
    bool outline = false, skip_bad = false, list = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= argc) return false;
            into = argv[++i];
            return true;
        };
        if (a == "--input") {
            if (!value(input)) return usage("--input needs a file");
        } else if (a == "--hub") {
            if (!value(hub_arg)) return usage("--hub needs a URL");
        } else if (a == "--output") {
            if (!value(output)) return usage("--output needs a file");
        } else if (a == "--layout") {
            if (!value(layout_name)) return usage("--layout needs a name");
        } else if (a == "--layouts") {
            if (!value(layouts_file)) return usage("--layouts needs a file");
        } else if (a == "--skip") {
            std::string n;
            if (!value(n)) return usage("--skip needs a number");
            char* end = nullptr;
            long v = std::strtol(n.c_str(), &end, 10);
            if (n.empty() || *end || v < 0 || v > 10000)
                return usage("--skip '" + n + "' is not a label count");
            skip = static_cast<int>(v);
        } else if (a == "--outline") {
            outline = true;
        } else if (a == "--skip-bad") {
            skip_bad = true;
        } else if (a == "--list-layouts") {
            list = true;
        } else if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else {
            return usage("unknown argument '" + a + "'");
        }
    }

    std::vector<Layout> layouts = builtin_layouts();
    if (!layouts_file.empty()) {
        auto text = read_input(layouts_file);
        if (!text) return fail(text.error().message);
        auto extra = parse_layouts(*text, layouts_file);
        if (!extra) return fail(extra.error().message);
        for (auto& l : *extra) {
            std::erase_if(layouts, [&](const Layout& b) { return b.name == l.name; });  // a file's own wins
            layouts.push_back(std::move(l));
        }
    }
    if (list) {
        print_layouts(layouts);
        return 0;
    }
    if (input.empty()) return usage("--input is required");
    if (hub_arg.empty()) return usage("--hub is required");
    if (output.empty()) return usage("--output is required");
    auto hub = parse_hub_url(hub_arg);
    if (!hub) return usage(hub.error().message);
    auto format = format_of(output);
    if (!format) return usage(format.error().message);
    const Layout* layout = nullptr;
    for (const auto& l : layouts) {
        if (l.name == layout_name) layout = &l;
    }
    if (!layout) {
        std::string names;
        for (const auto& l : layouts) names += (names.empty() ? "" : ", ") + l.name;
        return usage("no layout '" + layout_name + "' (there are: " + names + ")");
    }

    auto text = read_input(input);
    if (!text) return fail(text.error().message);
    DeviceList list_in = parse_device_csv(*text, input == "-" ? "stdin" : input);
    for (const auto& e : list_in.errors) std::fprintf(stderr, "cpe-stickers: %s\n", e.c_str());
    if (list_in.errors_not_listed) {
        std::fprintf(stderr, "cpe-stickers: … and %zu more errors\n", list_in.errors_not_listed);
    }
    const size_t bad = list_in.errors.size() + list_in.errors_not_listed;
    if (bad && !skip_bad) {
        std::fprintf(stderr,
                     "cpe-stickers: %zu bad row%s: nothing written (fix them, or --skip-bad to print the "
                     "%zu good ones)\n",
                     bad, bad == 1 ? "" : "s", list_in.devices.size());
        return 1;
    }
    if (list_in.devices.empty()) return fail(input + " lists no device: nothing written");

    SheetRequest req;
    req.devices = std::move(list_in.devices);
    req.layout = *layout;
    req.hub = *hub;
    req.output = output;
    req.format = *format;
    req.skip = skip;
    req.outline = outline;
    auto res = render_sheets(req);
    if (!res) return fail(res.error().message + ": nothing written");
    std::printf("%zu label%s on %d page%s (%s; QR modules %.2f mm, text %.1f pt)%s\n", req.devices.size(),
                req.devices.size() == 1 ? "" : "s", res->pages, res->pages == 1 ? "" : "s",
                layout->name.c_str(), res->module_mm, res->font_pt,
                bad ? (", " + std::to_string(bad) + " bad rows skipped").c_str() : "");
    for (const auto& f : res->files) std::printf("%s\n", f.c_str());
    return 0;
}
