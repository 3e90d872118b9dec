#include "sheet.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "canvas.hpp"
#include "qr.hpp"

namespace cpe::stickers {
namespace {

constexpr double kMinFontPt = 3.5;  // smaller text is not readable on a label
constexpr double kMinModuleMm =
    0.25;  // smaller modules are unreliable for phone cameras and 300 dpi printers
constexpr double kLineSpacing = 1.25;              // line height / font size
constexpr const char* kFont = "DejaVu Sans Mono";  // fonts-dejavu-core; fontconfig substitutes if absent

std::string lower_ext(const std::string& path) {
    size_t dot = path.find_last_of('.');
    size_t slash = path.find_last_of('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return ext;
}

std::string serial_line(const Device& d) {
    return "S/N " + d.serial;
}

// Removes the temporary files unless released.
class TempFiles {
  public:
    ~TempFiles() {
        for (auto& f : files_) ::unlink(f.c_str());
    }
    void add(const std::string& f) { files_.push_back(f); }
    void release() { files_.clear(); }

  private:
    std::vector<std::string> files_;
};

struct Geometry {
    double font_pt = 0;
    double ascent = 0;   // of the font at font_pt
    double qr_side = 0;  // the symbol with its quiet zone, square
    double module = 0;   // one module, points
    double text_w = 0;   // width of the text column
};

void select_font(cairo_t* cr, double size) {
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s.c_str(), &ext);
    return ext.x_advance;
}

Result<Geometry> plan(cairo_t* cr, const SheetRequest& req, int qr_width) {
    const Layout& l = req.layout;
    const double inner_w = l.label_w - 2 * l.padding;
    const double inner_h = l.label_h - 2 * l.padding;
    // The widest line at 1 pt (advance scales with the size).
    select_font(cr, 1.0);
    double widest = 0;
    const Device* widest_device = &req.devices.front();
    for (const auto& d : req.devices) {
        double w = std::max(text_width(cr, serial_line(d)), text_width(cr, d.mac.str()));
        if (w > widest) {
            widest = w;
            widest_device = &d;
        }
    }
    Geometry g;
    if (l.text == TextPlacement::below) {
        g.text_w = inner_w;
        g.font_pt = std::min(l.font_pt, g.text_w / widest);
        g.qr_side = std::min(inner_w, inner_h - 2 * kLineSpacing * g.font_pt);
    } else {
        g.qr_side = std::min(inner_h, inner_w * 0.55);
        g.text_w = inner_w - g.qr_side;
        g.font_pt = std::min({l.font_pt, g.text_w / widest, inner_h / (2 * kLineSpacing)});
    }
    if (g.font_pt < kMinFontPt) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f pt", g.font_pt);
        return make_error(Errc::invalid_argument, widest_device->where + ": serial '" +
                                                      widest_device->serial + "' fits a label of layout " +
                                                      l.name + " only at " + buf + " (at least 3.5 pt)");
    }
    g.module = g.qr_side / (qr_width + 2 * kQuietZoneModules);
    const double module_mm = g.module * 25.4 / 72.0;
    if (module_mm < kMinModuleMm) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.2f mm (at least %.2f mm)", module_mm, kMinModuleMm);
        return make_error(Errc::invalid_argument, "the QR code of " + std::to_string(qr_width) +
                                                      " modules would print its modules at " + buf +
                                                      " on layout " + l.name +
                                                      ": the hub URL is too long for this label size");
    }
    select_font(cr, g.font_pt);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    g.ascent = fe.ascent;
    return g;
}

void draw_qr(cairo_t* cr, const QrCode& qr, double x, double y, const Geometry& g) {
    // the quiet zone and the light modules: white, so coloured stock still scans
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, g.qr_side, g.qr_side);
    cairo_fill(cr);
    // the dark modules as one path of horizontal runs, filled once: no hairline seams between modules
    const double m = g.qr_side / (qr.width() + 2 * kQuietZoneModules);
    const double ox = x + kQuietZoneModules * m;
    const double oy = y + kQuietZoneModules * m;
    cairo_new_path(cr);
    for (int row = 0; row < qr.width(); ++row) {
        int col = 0;
        while (col < qr.width()) {
            if (!qr.dark(col, row)) {
                ++col;
                continue;
            }
            int end = col;
            while (end < qr.width() && qr.dark(end, row)) ++end;
            cairo_rectangle(cr, ox + col * m, oy + row * m, (end - col) * m, m);
            col = end;
        }
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
}

void draw_text_line(cairo_t* cr, const std::string& s, double center_x, double baseline) {
    cairo_move_to(cr, center_x - text_width(cr, s) / 2, baseline);
    cairo_show_text(cr, s.c_str());
}

void draw_label(cairo_t* cr, const SheetRequest& req, const Geometry& g, const Device& d, const QrCode& qr,
                int slot) {
    const Layout& l = req.layout;
    const double lx = l.label_x(slot), ly = l.label_y(slot);
    if (req.outline) {
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.25);
        cairo_rectangle(cr, lx, ly, l.label_w, l.label_h);
        cairo_stroke(cr);
    }
    const double x = lx + l.padding, y = ly + l.padding;
    const double inner_w = l.label_w - 2 * l.padding, inner_h = l.label_h - 2 * l.padding;
    const double line_h = kLineSpacing * g.font_pt;
    double qr_x, qr_y, text_cx, text_top;
    if (l.text == TextPlacement::below) {
        const double block = g.qr_side + 2 * line_h;
        qr_x = x + (inner_w - g.qr_side) / 2;
        qr_y = y + (inner_h - block) / 2;
        text_cx = x + inner_w / 2;
        text_top = qr_y + g.qr_side;
    } else {
        qr_x = x;
        qr_y = y + (inner_h - g.qr_side) / 2;
        text_cx = x + g.qr_side + g.text_w / 2;
        text_top = y + (inner_h - 2 * line_h) / 2;
    }
    draw_qr(cr, qr, qr_x, qr_y, g);
    select_font(cr, g.font_pt);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const double lead = (line_h - g.font_pt) / 2;
    draw_text_line(cr, serial_line(d), text_cx, text_top + lead + g.ascent);
    draw_text_line(cr, d.mac.str(), text_cx, text_top + line_h + lead + g.ascent);
}

std::string page_file(const SheetRequest& req, int page, int pages) {
    if (req.format == Format::pdf || pages == 1) return req.output;
    size_t dot = req.output.find_last_of('.');
    return req.output.substr(0, dot) + "-" + std::to_string(page + 1) + req.output.substr(dot);
}

}  // namespace

Result<Format> format_of(const std::string& path) {
    std::string ext = lower_ext(path);
    if (ext == "pdf") return Format::pdf;
    if (ext == "svg") return Format::svg;
    return make_error(Errc::invalid_argument, "output '" + path + "': the name must end in .pdf or .svg" +
                                                  (ext.empty() ? std::string() : " (not ." + ext + ")"));
}

Result<SheetResult> render_sheets(const SheetRequest& req) {
    const Layout& l = req.layout;
    if (req.devices.empty()) return make_error(Errc::invalid_argument, "no devices to print");
    if (req.skip < 0 || req.skip >= l.per_page()) {
        return make_error(Errc::invalid_argument, "skip " + std::to_string(req.skip) + ": layout " + l.name +
                                                      " has " + std::to_string(l.per_page()) +
                                                      " labels a page (0-" +
                                                      std::to_string(l.per_page() - 1) + ")");
    }
    // Every symbol first: an encoding problem stops the run before a file is opened.
    std::vector<QrCode> codes;
    codes.reserve(req.devices.size());
    int widest = 0;
    for (const auto& d : req.devices) {
        auto qr = QrCode::encode(sticker_url(req.hub, d.mac));
        if (!qr) return qr.error().with_context(d.where);
        widest = std::max(widest, qr->width());
        codes.push_back(std::move(*qr));
    }
    const int total = req.skip + static_cast<int>(req.devices.size());
    const int pages = (total + l.per_page() - 1) / l.per_page();
    const Canvas::Kind kind = req.format == Format::pdf ? Canvas::Kind::pdf : Canvas::Kind::svg;

    SheetResult out;
    out.pages = pages;
    TempFiles temps;
    std::vector<std::string> temp_names;
    std::optional<Canvas> canvas;
    std::optional<Geometry> geometry;
    size_t next = 0;
    for (int page = 0; page < pages; ++page) {
        if (!canvas || req.format == Format::svg) {
            if (canvas) {
                if (auto st = canvas->finish(); !st) return st.error();
            }
            std::string final_name = page_file(req, page, pages);
            std::string temp = final_name + ".part";
            auto c = Canvas::create(kind, temp, l.page_w, l.page_h);
            if (!c) return c.error();
            temps.add(temp);
            temp_names.push_back(temp);
            out.files.push_back(final_name);
            canvas.emplace(std::move(*c));
        } else {
            if (auto st = canvas->next_page(); !st) return st.error();
        }
        if (!geometry) {
            auto g = plan(canvas->cr(), req, widest);
            if (!g) return g.error();
            geometry = *g;
            out.module_mm = g->module * 25.4 / 72.0;
            out.font_pt = g->font_pt;
        }
        for (int slot = page == 0 ? req.skip : 0; slot < l.per_page() && next < req.devices.size();
             ++slot, ++next) {
            draw_label(canvas->cr(), req, *geometry, req.devices[next], codes[next], slot);
        }
    }
    if (auto st = canvas->finish(); !st) return st.error();
    canvas.reset();
    for (size_t i = 0; i < temp_names.size(); ++i) {
        if (::rename(temp_names[i].c_str(), out.files[i].c_str()) != 0) {
            return make_error(Errc::io_error, "cannot rename " + temp_names[i] + " to " + out.files[i]);
        }
    }
    temps.release();
    return out;
}

}  // namespace cpe::stickers
