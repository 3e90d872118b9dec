// cpe-stickers: print-ready QR sticker sheets (PDF or SVG) for a list of devices. docs/stickers.md.
// Exit status: 0 done, 1 bad input or a failed write (nothing written), 2 usage.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "device_list.hpp"
#include "erpnext_source.hpp"
#include "layout.hpp"
#include "sheet.hpp"

namespace {

using namespace cpe;
using namespace cpe::stickers;

const char* kUsage =
    "usage: cpe-stickers (--input devices.csv | --erpnext URL [query]) --hub https://<hub>\n"
    "                    --output sheet.pdf|sheet.svg [options]\n"
    "  --input FILE      CSV with a header naming the columns serial,mac (others ignored; '-' = stdin)\n"
    "  --erpnext URL     or the devices of ERPNext's Service Equipment; API key and secret from\n"
    "                    $ERPNEXT_API_KEY / $ERPNEXT_API_SECRET, else --erpnext-credentials FILE "
    "(key:secret)\n"
    "    --status S      only equipment of this status (e.g. Active, \"En stock\")\n"
    "    --type T        only equipment of this type (e.g. ONT)\n"
    "    --serial-from A --serial-to B   only serials from A to B (inclusive, compared in upper case)\n"
    "  --hub URL         the hub's public base URL; each code holds <URL>/q/<MAC as 12 lower-case hex>\n"
    "  --output FILE     .pdf (every page in one file) or .svg (one file a page: FILE-1.svg, FILE-2.svg,\n"
    "                    … when the list needs more than one page)\n"
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
        std::printf("%-16s %3d labels a page  %s\n", l.name.c_str(), l.per_page(), l.description.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string input, hub_arg, output, layout_name = "a4-21", layouts_file;
    std::string erp_url, erp_credentials;
    ErpQuery erp;
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
        } else if (a == "--erpnext") {
            if (!value(erp_url)) return usage("--erpnext needs a URL");
        } else if (a == "--erpnext-credentials") {
            if (!value(erp_credentials)) return usage("--erpnext-credentials needs a file");
        } else if (a == "--status") {
            if (!value(erp.status)) return usage("--status needs a value");
        } else if (a == "--type") {
            if (!value(erp.type)) return usage("--type needs a value");
        } else if (a == "--serial-from") {
            if (!value(erp.serial_from)) return usage("--serial-from needs a serial");
        } else if (a == "--serial-to") {
            if (!value(erp.serial_to)) return usage("--serial-to needs a serial");
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
    if (input.empty() == erp_url.empty()) return usage("give either --input or --erpnext");
    const bool query =
        !erp.status.empty() || !erp.type.empty() || !erp.serial_from.empty() || !erp.serial_to.empty();
    if (erp_url.empty() && (query || !erp_credentials.empty())) {
        return usage(
            "--status, --type, --serial-from, --serial-to and --erpnext-credentials go with --erpnext");
    }
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

    DeviceList list_in;
    std::string source;
    if (!erp_url.empty()) {
        erp.base_url = erp_url;
        auto creds = hub::sources::load_erp_credentials(erp_credentials);
        if (!creds) return fail(creds.error().message);
        erp.credentials = std::move(*creds);
        erp.serial_from = hub::sources::canonical_serial(erp.serial_from);
        erp.serial_to = hub::sources::canonical_serial(erp.serial_to);
        auto fetched = fetch_erp_devices(erp);
        if (!fetched) return fail(fetched.error().message + ": nothing written");
        list_in = std::move(*fetched);
        source = "ERPNext (" + erp_url + ")";
    } else {
        auto text = read_input(input);
        if (!text) return fail(text.error().message);
        source = input == "-" ? "stdin" : input;
        list_in = parse_device_csv(*text, source);
    }
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
    if (list_in.devices.empty()) return fail(source + " lists no device: nothing written");

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
