#!/usr/bin/python3
"""cpe-stickers end to end: sheets generated from a CSV are rendered by independent programs and every QR code is
decoded back with a real decoder, label by label.

  PDF: poppler's pdftoppm rasterises each page at 300 dpi (grey PGM);
  SVG: librsvg's rsvg-convert renders each page file to PDF, then pdftoppm as above;
  each label's rectangle (from the layout's geometry) is cut out of the page and given to zbar's zbarimg alone.

Checks: each position holds the code of its device (<hub>/q/<12 lower-case hex>), empty positions (--skip, the
end of the last page) hold none, the decoded set equals the input list, the printed text (pdftotext) carries each
serial and aa:bb:cc:dd:ee:ff MAC, the 4-module quiet zone around each symbol is free of ink, and a CSV with bad rows
writes nothing and names each bad line. Standard library only.

    stickers_decode_test.py --bin build/host/provisioning/stickers/cpe-stickers --layouts provisioning/stickers/layouts.json --work DIR
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

DPI = 300
HUB = "https://hub.example.net"
failures = []


def check(name, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, (": " + str(detail)) if detail and not cond else ""),
          flush=True)
    if not cond:
        failures.append(name)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def devices(n):
    """n devices whose MACs are written in every notation the tool accepts; the expected normal forms."""
    rows, expect = [], []
    for i in range(n):
        b = [0x1C, 0x61, 0xB4, i, (i * 37) & 0xFF, (i * 101 + 7) & 0xFF]
        hx = "".join("%02x" % x for x in b)
        style = i % 6
        if style == 0:
            text = ":".join("%02x" % x for x in b)
        elif style == 1:
            text = "-".join("%02X" % x for x in b)
        elif style == 2:
            text = "%s.%s.%s" % (hx[0:4], hx[4:8], hx[8:12])
        elif style == 3:
            text = hx.upper()
        elif style == 4:
            text = "%s-%s" % (hx[:6], hx[6:])
        else:
            text = ":".join("%x" % x for x in b)  # leading zeros dropped, as BSD arp prints
        serial = "TPLG%08d" % (4711 + i * 13)
        rows.append((serial, text))
        expect.append((serial, hx, ":".join(hx[j:j + 2] for j in range(0, 12, 2))))
    return rows, expect


def write_csv(path, rows, header="serial,mac"):
    with open(path, "w", newline="") as f:
        f.write(header + "\r\n")
        for s, m in rows:
            f.write('"%s",%s\r\n' % (s, m))


def load_layouts(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for l in data["layouts"]:
        k = 72.0 if l["unit"] == "in" else 72.0 / 25.4
        out[l["name"]] = {
            "cols": l["grid"][0], "rows": l["grid"][1],
            "label": (l["label"][0] * k, l["label"][1] * k), "margin": (l["margin"][0] * k, l["margin"][1] * k),
            "pitch": (l["pitch"][0] * k, l["pitch"][1] * k), "padding": l.get("padding", 0) * k,
        }
    return out


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h, maxval = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert maxval == 255
    return w, h, data[m.end():]


def crop(page, x0, y0, w, h):
    pw, ph, px = page
    rows = []
    for y in range(y0, y0 + h):
        rows.append(px[y * pw + x0: y * pw + x0 + w])
    return w, h, b"".join(rows)


def write_pgm(path, img):
    w, h, px = img
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h))
        f.write(px)


def decode(path):
    r = run(["zbarimg", "--raw", "-q", path])
    return [l for l in r.stdout.splitlines() if l.strip()]


def dark_rows_cols(img, threshold=128):
    w, h, px = img
    rows = [any(px[y * w + x] < threshold for x in range(w)) for y in range(h)]
    cols = [any(px[y * w + x] < threshold for y in range(h)) for x in range(w)]
    return rows, cols


def transpose(img):
    w, h, px = img
    return h, w, bytes(px[y * w + x] for x in range(w) for y in range(h))


def quiet_zone_ok(img, module_px, text_right=False):
    """The first band of dark rows from the top is the symbol; 4 modules of white must separate it from the label's
    edge (left, right, top) and from the text below. With the text on the right, the same on the transposed image
    (left becomes top)."""
    if text_right:
        img = transpose(img)
    w, h, px = img
    rows, _ = dark_rows_cols(img)
    top = next((y for y in range(h) if rows[y]), None)
    if top is None:
        return False, "no ink"
    bottom = top
    # the symbol's rows are contiguous except for light rows narrower than a module run; end at a gap > 2 modules
    y = top
    gap = 0
    while y < h:
        if rows[y]:
            bottom, gap = y, 0
        else:
            gap += 1
            if gap > 2 * module_px:
                break
        y += 1
    sym = crop(img, 0, top, w, bottom - top + 1)
    _, cols = dark_rows_cols(sym)
    left = next(x for x in range(w) if cols[x])
    right = max(x for x in range(w) if cols[x])
    text_top = next((yy for yy in range(bottom + 1, h) if rows[yy]), h)
    need = 4 * module_px - 2  # two pixels of rasterisation tolerance
    margins = {"top": top, "left": left, "right": w - 1 - right, "below": text_top - bottom - 1}
    bad = {k: v for k, v in margins.items() if v < need}
    side = right - left + 1
    square = abs(side - (bottom - top + 1)) <= 2
    return (not bad and square), "margins %r px, need %.1f; symbol %dx%d" % (margins, need, side, bottom - top + 1)


def pages_of(pdf, stem):
    for old in glob.glob(stem + "-*.pgm"):
        os.unlink(old)
    r = run(["pdftoppm", "-r", str(DPI), "-gray", pdf, stem])
    if r.returncode != 0:
        raise RuntimeError("pdftoppm %s: %s" % (pdf, r.stderr))
    return sorted(glob.glob(stem + "-*.pgm"), key=lambda p: int(re.search(r"-(\d+)\.pgm$", p).group(1)))


def check_sheet(name, pages, layout, expect, skip, module_mm, work, text_right=False):
    """pages: PGM paths in page order; expect: [(serial, hex, colon)] in label order."""
    per_page = layout["cols"] * layout["rows"]
    k = DPI / 72.0
    module_px = module_mm / 25.4 * DPI
    decoded_all = []
    slot_ok = True
    quiet_ok = True
    quiet_detail = ""
    for p, path in enumerate(pages):
        page = read_pgm(path)
        for slot in range(per_page):
            idx = p * per_page + slot - skip
            x = layout["margin"][0] + (slot % layout["cols"]) * layout["pitch"][0]
            y = layout["margin"][1] + (slot // layout["cols"]) * layout["pitch"][1]
            # the label minus its padding: what the tool draws in
            pad = layout["padding"]
            x0, y0 = int(round((x + pad) * k)), int(round((y + pad) * k))
            w = int((layout["label"][0] - 2 * pad) * k)
            h = int((layout["label"][1] - 2 * pad) * k)
            img = crop(page, x0, y0, w, h)
            cut = os.path.join(work, "%s-p%d-s%02d.pgm" % (name, p + 1, slot))
            write_pgm(cut, img)
            got = decode(cut)
            want = [HUB + "/q/" + expect[idx][1]] if 0 <= idx < len(expect) else []
            if got != want:
                slot_ok = False
                print("     %s page %d slot %d: decoded %r, expected %r" % (name, p + 1, slot, got, want))
            decoded_all += got
            if want:
                ok, detail = quiet_zone_ok(img, module_px, text_right)
                if not ok and quiet_ok:
                    quiet_ok, quiet_detail = False, "page %d slot %d: %s" % (p + 1, slot, detail)
    check("%s: every position holds its device's code (or none)" % name, slot_ok)
    check("%s: decoded set equals the input list" % name,
          sorted(decoded_all) == sorted(HUB + "/q/" + e[1] for e in expect),
          "%d decoded of %d" % (len(decoded_all), len(expect)))
    check("%s: 4-module quiet zone clear around every symbol" % name, quiet_ok, quiet_detail)


def parse_summary(stdout):
    m = re.search(r"(\d+) labels? on (\d+) pages? \((\S+); QR modules ([\d.]+) mm", stdout)
    return (int(m.group(1)), int(m.group(2)), m.group(3), float(m.group(4))) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--layouts", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--make-fleet", help="tests/sim/fleet/make_fleet.py: with --frappe-sim, the ERPNext source")
    ap.add_argument("--frappe-sim", help="tests/sim/erpnext/frappe_sim.py")
    a = ap.parse_args()
    for tool in ("pdftoppm", "pdftotext", "zbarimg", "rsvg-convert"):
        if not shutil.which(tool):
            print("FAIL %s not found (toolchains/deps.sh install test: poppler-utils, zbar-tools, librsvg2-bin)" % tool)
            return 1
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    layouts = load_layouts(a.layouts)
    rows, expect = devices(35)
    csv = os.path.join(a.work, "devices.csv")
    write_csv(csv, rows)

    # 1. Letter 30-up as PDF: 35 devices → two pages.
    pdf = os.path.join(a.work, "letter.pdf")
    r = run([a.bin, "--input", csv, "--hub", HUB + "/", "--output", pdf, "--layout", "avery-5160"])
    check("letter pdf: exit 0", r.returncode == 0, r.stderr)
    s = parse_summary(r.stdout)
    check("letter pdf: 35 labels on 2 pages", s and s[:3] == (35, 2, "avery-5160"), r.stdout)
    if s:
        check_sheet("letter-pdf", pages_of(pdf, os.path.join(a.work, "letter")), layouts["avery-5160"], expect, 0,
                    s[3], a.work)
    text = run(["pdftotext", "-layout", pdf, "-"]).stdout
    check("letter pdf: every serial and MAC printed", all(("S/N " + e[0]) in text and e[2] in text for e in expect),
          [e for e in expect if ("S/N " + e[0]) not in text or e[2] not in text][:3])

    # 1b. The same stock with the text beside the code (the "right" placement).
    side = os.path.join(a.work, "side.pdf")
    r = run([a.bin, "--input", csv, "--hub", HUB, "--output", side, "--layout", "avery-5160-side"])
    s = parse_summary(r.stdout)
    check("letter side pdf: 35 labels on 2 pages", r.returncode == 0 and s and s[:3] == (35, 2, "avery-5160-side"),
          r.stdout + r.stderr)
    if s:
        check_sheet("side-pdf", pages_of(side, os.path.join(a.work, "side")), layouts["avery-5160-side"], expect, 0,
                    s[3], a.work, text_right=True)

    # 2. A4 21-up as SVG with 3 positions skipped: 38 positions → two page files, rendered by librsvg.
    svg = os.path.join(a.work, "a4.svg")
    r = run([a.bin, "--input", csv, "--hub", HUB, "--output", svg, "--layout", "a4-21", "--skip", "3"])
    check("a4 svg: exit 0", r.returncode == 0, r.stderr)
    s = parse_summary(r.stdout)
    files = r.stdout.split("\n")[1:]
    files = [f for f in files if f]
    check("a4 svg: 2 page files named", files == [os.path.join(a.work, "a4-1.svg"), os.path.join(a.work, "a4-2.svg")],
          r.stdout)
    pages = []
    for i, f in enumerate(files):
        out = os.path.join(a.work, "a4-svg-%d.pdf" % (i + 1))
        rr = run(["rsvg-convert", "-f", "pdf", "-o", out, f])
        check("rsvg-convert renders %s" % os.path.basename(f), rr.returncode == 0, rr.stderr[-300:])
        pages += pages_of(out, os.path.join(a.work, "a4-svg-%d" % (i + 1)))
    if s:
        check_sheet("a4-svg", pages, layouts["a4-21"], expect, 3, s[3], a.work)

    # 3. Bad rows: nothing written, each bad line named.
    bad_csv = os.path.join(a.work, "bad.csv")
    with open(bad_csv, "w") as f:
        f.write("serial,mac\nOK1,1c:61:b4:00:00:01\nBAD2,1c:61:b4:00:00\nBAD3,zz:61:b4:00:00:03\n,1c:61:b4:00:00:04\n"
                "OK5,1c61.b400.0005\nDUP6,1C-61-B4-00-00-01\n")
    out = os.path.join(a.work, "bad.pdf")
    r = run([a.bin, "--input", bad_csv, "--hub", HUB, "--output", out])
    check("bad rows: exit 1", r.returncode == 1, r.returncode)
    check("bad rows: nothing written", not os.path.exists(out) and not glob.glob(out + "*"))
    for line, what in ((3, "10 hex digits in groups of 2,2,2,2,2"), (4, "'z' is neither"), (5, "empty serial"), (7, "already on line 2")):
        check("bad rows: line %d named (%s)" % (line, what), ("bad.csv:%d: " % line) in r.stderr and what in r.stderr,
              r.stderr)
    r = run([a.bin, "--input", bad_csv, "--hub", HUB, "--output", out, "--skip-bad"])
    check("--skip-bad: prints the 2 good rows", r.returncode == 0 and r.stdout.startswith("2 labels on 1 page"),
          r.stdout + r.stderr)
    pages = pages_of(out, os.path.join(a.work, "skipbad"))
    got = sorted(decode(p)[0] for p in pages) if pages else []
    check("--skip-bad: the sheet holds the good rows' codes",
          sorted(sum((decode(p) for p in pages), [])) == [HUB + "/q/1c61b4000001", HUB + "/q/1c61b4000005"], got)

    if a.make_fleet and a.frappe_sim:
        erpnext_source(a, layouts)

    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


def canonical_mac(stored):
    bare = re.sub(r"[:\-. ]", "", stored.strip()).lower()
    return bare if re.fullmatch(r"[0-9a-f]{12}", bare) else None


def erpnext_source(a, layouts):
    """4. Devices from the ERPNext simulator: Active ONTs in a serial range; the sheet holds exactly those."""
    fleet_path = os.path.join(a.work, "fleet.json")
    r = run([sys.executable, a.make_fleet, "--count", "60", "--seed", "7", "--out", fleet_path])
    if not check("make_fleet", r.returncode == 0, r.stderr):
        return
    with open(fleet_path) as f:
        fleet = json.load(f)
    rows = [e for e in fleet["service_equipment"] if e["status"] == "Active" and e["equipment_type"] == "ONT"]
    serials = sorted("".join(e["serial_number"].split()).upper() for e in rows)
    lo, hi = serials[5], serials[30]
    want = sorted(canonical_mac(e["mac_address"]) for e in rows
                  if lo <= "".join(e["serial_number"].split()).upper() <= hi)
    check("fleet: the range holds 26 Active ONTs with readable MACs", len(want) == 26 and None not in want, want)
    sim = subprocess.Popen([sys.executable, a.frappe_sim, "--fleet", fleet_path, "--api-key", "stickers-key",
                            "--api-secret", "stickers-secret"], stdout=subprocess.PIPE, text=True)
    try:
        line = sim.stdout.readline()
        if not check("frappe_sim started", line.startswith("READY "), line):
            return
        url = "http://127.0.0.1:%s" % line.split()[1]
        env = dict(os.environ, ERPNEXT_API_KEY="stickers-key", ERPNEXT_API_SECRET="stickers-secret")
        out = os.path.join(a.work, "erp.pdf")
        # the range given in lower case: compared as the hub compares serials (upper case)
        r = run([a.bin, "--erpnext", url, "--status", "Active", "--type", "ONT", "--serial-from", lo.lower(),
                 "--serial-to", hi, "--hub", HUB, "--output", out, "--layout", "a4-21"], env=env)
        s = parse_summary(r.stdout)
        check("erpnext: 26 labels on 2 pages", r.returncode == 0 and s and s[:2] == (26, 2), r.stdout + r.stderr)
        got = []
        if s:
            pages = pages_of(out, os.path.join(a.work, "erp"))
            layout = layouts["a4-21"]
            k = DPI / 72.0
            for path in pages:
                page = read_pgm(path)
                for slot in range(layout["cols"] * layout["rows"]):
                    x = layout["margin"][0] + (slot % layout["cols"]) * layout["pitch"][0]
                    y = layout["margin"][1] + (slot // layout["cols"]) * layout["pitch"][1]
                    cut = os.path.join(a.work, "erp-%s-%02d.pgm" % (os.path.basename(path), slot))
                    write_pgm(cut, crop(page, int(x * k), int(y * k), int(layout["label"][0] * k),
                                        int(layout["label"][1] * k)))
                    got += decode(cut)
        check("erpnext: the sheet holds exactly the range's Active ONTs",
              sorted(got) == [HUB + "/q/" + m for m in want], "%d decoded" % len(got))
        bad_env = dict(env, ERPNEXT_API_SECRET="wrong")
        out2 = os.path.join(a.work, "erp-denied.pdf")
        r = run([a.bin, "--erpnext", url, "--hub", HUB, "--output", out2], env=bad_env)
        check("erpnext: a rejected key fails clearly and writes nothing",
              r.returncode == 1 and "API key or secret rejected" in r.stderr and not os.path.exists(out2), r.stderr)
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
