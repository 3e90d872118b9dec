#!/usr/bin/env python3
"""Writes the board profiles and fixture rootfs trees (boards/<board>/, bench/fixtures/xx230v-64hosts/).

Deterministic: fixed seeds and a fixed "now" (NOW below); running it twice gives identical bytes. It owns the
directories it writes: files there that it does not generate are deleted. See docs/boards.md.

    /usr/bin/python3 tools/fixturegen/generate.py [--check]

--check writes nothing and exits 1 if any managed file differs from what would be generated.
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import formats as F  # noqa: E402

NOW = 1795000000  # 2026-11-18T11:06:40Z; the golden tests run the agent with --now 1795000000
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# ---------------------------------------------------------------- people and devices

PEOPLE = ["Gaspare", "Lea", "Hugo", "Emma", "Louis", "Chloe", "Nathan", "Ines", "Camille", "Thomas", "Manon",
          "Julien", "Clara", "Antoine", "Sarah", "Lucas", "Zoe", "Mathis", "Jade", "Arthur", "Alice", "Gabriel",
          "Louise", "Raphael", "Ambre", "Noah", "Rose", "Sacha", "Anna", "Paul"]

OUI = {
    "apple": ["3c:06:30", "f0:18:98", "a4:83:e7", "88:66:5a", "bc:d0:74", "dc:a9:04"],
    "samsung": ["84:25:db", "f8:04:2e", "bc:14:85", "a0:cb:fd"],
    "xiaomi": ["64:09:80", "28:6c:07", "78:11:dc"],
    "google": ["f4:f5:d8", "3c:5a:b4", "54:60:09"],
    "amazon": ["f0:27:2d", "74:c2:46", "68:54:fd", "fc:65:de"],
    "intel": ["3c:a9:f4", "a4:34:d9"],
    "dell": ["f8:bc:12", "d4:81:d7"],
    "realtek": ["00:e0:4c"],
    "nintendo": ["98:b6:e9", "7c:bb:8a"],
    "sony": ["70:9e:29", "bc:60:a7"],
    "lg": ["a8:23:fe", "c8:08:e9"],
    "sonos": ["5c:aa:fd", "94:9f:3e", "48:a6:b8"],
    "signify": ["00:17:88", "ec:b5:fa"],
    "hp": ["3c:d9:2b", "fc:15:b4"],
    "brother": ["30:05:5c"],
    "espressif": ["24:0a:c4", "a4:cf:12", "84:f3:eb", "ec:fa:bc"],
    "netatmo": ["70:ee:50"],
    "rpi": ["b8:27:eb", "dc:a6:32", "e4:5f:01"],
    "synology": ["00:11:32"],
}

# key, vendor (or "apple|private": private = locally administered random MAC half the time), hostname pattern,
# connection ("wifi" | "wired"), band ("2.4" | "5" | "any"), best standard, spatial streams, traffic class
TEMPLATES = [
    ("iphone", "apple|private", "iPhone-de-{p}", "wifi", "any", "ax", 2, "phone"),
    ("ipad", "apple|private", "iPad-de-{p}", "wifi", "5", "ax", 2, "tablet"),
    ("macbook-air", "apple", "MacBook-Air-de-{p}", "wifi", "5", "ax", 2, "laptop"),
    ("mbp", "apple", "MBP-de-{p}", "wifi", "5", "ac", 3, "laptop"),
    ("galaxy", "samsung|private", "Galaxy-S23", "wifi", "5", "ax", 2, "phone"),
    ("galaxy-a", "samsung|private", "Galaxy-A52s-5G", "wifi", "any", "ac", 2, "phone"),
    ("galaxy-tab", "samsung", "Galaxy-Tab-S9-de-{p}", "wifi", "5", "ax", 2, "tablet"),
    ("redmi", "xiaomi|private", "Redmi-Note-12", "wifi", "any", "ac", 1, "phone"),
    ("android", "google|private", "android-{hex16}", "wifi", "5", "ac", 2, "phone"),
    ("pixel", "google|private", "Pixel-7", "wifi", "any", "ax", 2, "phone"),
    ("win-laptop", "intel", "LAPTOP-{win8}", "wifi", "5", "ax", 2, "laptop"),
    ("linux-laptop", "intel", "thinkpad-{pl}", "wifi", "5", "ax", 2, "laptop"),
    ("switch", "nintendo", "", "wifi", "5", "ac", 1, "tablet"),
    ("chromecast", "google", "Chromecast", "wifi", "5", "ac", 1, "tv"),
    ("tv-samsung", "samsung", "Samsung", "wifi", "5", "ac", 2, "tv"),
    ("nest-mini", "google", "Google-Nest-Mini", "wifi", "2.4", "n", 1, "iot"),
    ("echo", "amazon", "amazon-{hex9}", "wifi", "any", "n", 1, "iot"),
    ("kindle", "amazon", "kindle-{hex9}", "wifi", "2.4", "n", 1, "iot"),
    ("sonos-wifi", "sonos", "SonosZP", "wifi", "any", "n", 2, "iot"),
    ("hp-printer", "hp", "HP{hex6}", "wifi", "2.4", "n", 1, "iot"),
    ("brother", "brother", "BRW{mac12}", "wifi", "2.4", "n", 1, "iot"),
    ("esp8266", "espressif", "ESP_{hex6}", "wifi", "2.4", "n", 1, "iot"),
    ("esp32", "espressif", "espressif", "wifi", "2.4", "n", 1, "iot"),
    ("shelly", "espressif", "shellyplug-s-{hex6}", "wifi", "2.4", "n", 1, "iot"),
    ("netatmo", "netatmo", "Netatmo-Weather", "wifi", "2.4", "n", 1, "iot"),
    ("roborock", "xiaomi", "roborock-vacuum-s5", "wifi", "2.4", "n", 1, "iot"),
    ("desktop", "dell", "DESKTOP-{win7}", "wired", "", "", 0, "laptop"),
    ("desktop-rtl", "realtek", "DESKTOP-{win7}", "wired", "", "", 0, "laptop"),
    ("ps5", "sony", "PS5-{d3}", "wired", "", "", 0, "tv"),
    ("lg-tv", "lg", "LGwebOSTV", "wired", "", "", 0, "tv"),
    ("hue", "signify", "Philips-hue", "wired", "", "", 0, "iot"),
    ("rpi", "rpi", "raspberrypi", "wired", "", "", 0, "iot"),
    ("homeassistant", "rpi", "homeassistant", "wired", "", "", 0, "iot"),
    ("nas", "synology", "DiskStation", "wired", "", "", 0, "tv"),
    ("sonos-wired", "sonos", "SonosZP", "wired", "", "", 0, "iot"),
]
STATIC_TEMPLATES = [  # hosts configured with a static address: in ARP only
    ("nas-static", "synology", "", "wired"),
    ("printer-static", "brother", "", "wired"),
    ("camera-static", "realtek", "", "wired"),
    ("rpi-static", "rpi", "", "wired"),
]

TRAFFIC = {  # bytes/s sent by the AP to the station over its connection, and the station's share back
    "phone": (3000, 60000, 0.08, 0.25), "tablet": (5000, 120000, 0.05, 0.15), "laptop": (20000, 300000, 0.08, 0.3),
    "tv": (60000, 600000, 0.01, 0.04), "iot": (40, 600, 0.6, 1.6),
}
STD_ORDER = {"g": 0, "a": 0, "n": 1, "ac": 2, "ax": 3}


class Gen:
    """The random source of one roster; a fixed seed makes every choice repeatable."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used_macs = []
        self.people = list(PEOPLE)
        self.r.shuffle(self.people)

    def person(self):
        p = self.people.pop(0)
        self.people.append(p)
        return p

    def mac(self, vendor):
        while True:
            if vendor == "private":
                first = (self.r.randrange(256) & 0xFC) | 0x02
                b = [first] + [self.r.randrange(256) for _ in range(5)]
            else:
                b = [int(x, 16) for x in self.r.choice(OUI[vendor]).split(":")] + \
                    [self.r.randrange(256) for _ in range(3)]
            if b not in self.used_macs:
                self.used_macs.append(b)
                return b

    def hostname(self, pattern, mac):
        hx = "".join("%02X" % v for v in mac)
        rep = {
            "{p}": self.person() if "{p}" in pattern else "",
            "{hex16}": "".join(self.r.choice("0123456789abcdef") for _ in range(16)),
            "{hex9}": "".join(self.r.choice("0123456789abcdef") for _ in range(9)),
            "{hex6}": hx[6:], "{mac12}": hx,
            "{win8}": "".join(self.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8)),
            "{win7}": "".join(self.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(7)),
            "{d3}": "%03d" % self.r.randrange(1000),
        }
        rep["{pl}"] = rep["{p}"].lower()
        if "{pl}" in pattern:
            rep["{pl}"] = self.person().lower()
        for k, v in rep.items():
            pattern = pattern.replace(k, v)
        return pattern



# Neighbouring networks the radios hear (site survey fixtures, agent/diag/site_survey.cpp): the same street
# for every board; values are ours.
NEIGHBOURS_24 = [
    dict(mac="a0:ab:1b:5e:22:10", freq=2437, ch=6, signal=-48, ssid="Bbox-5E2210", sec="wpa2"),
    dict(mac="e4:9e:12:30:aa:01", freq=2462, ch=11, signal=-67, ssid="Freebox-30AA01", sec="mixed", ht_off="below"),
    dict(mac="9c:c7:a6:11:02:03", freq=2412, ch=1, signal=-80, ssid="Livebox-0203", sec="wpa3t", ht_off="above", he=True),
    dict(mac="02:1a:11:f0:00:42", freq=2437, ch=6, signal=-88, ssid="FreeWifi_secure", sec=""),
]
NEIGHBOURS_5 = [
    dict(mac="a0:ab:1b:5e:22:14", freq=5180, ch=36, signal=-61, ssid="Bbox-5E2210-5G", sec="wpa2", ht_off="above",
         vht_width="1 (80 MHz)", he=True),
    dict(mac="e4:9e:12:30:aa:05", freq=5500, ch=100, signal=-74, ssid="Freebox-30AA01-5G", sec="wpa3t", ht_off="above",
         vht_width="1 (80 MHz)", he=True),
]
REALTEK_24 = [("Bbox-5E2210", "a0:ab:1b:5e:22:10", 6, -52, "WPA2 AES"),
              ("Freebox-30AA01", "e4:9e:12:30:aa:01", 11, -70, "WPA/WPA2 TKIP AES"),
              ("Maison Dupont", "3c:84:6a:00:11:22", 1, -83, "WPA2 AES"),
              ("FreeWifi_secure", "02:1a:11:f0:00:42", 6, -86, "none")]
REALTEK_5 = [("Bbox-5E2210-5G", "a0:ab:1b:5e:22:14", 36, -63, "WPA2 AES"),
             ("Freebox-30AA01-5G", "e4:9e:12:30:aa:05", 100, -77, "WPA3 SAE AES")]

def add_mac(mac, n):
    v = int("".join("%02x" % b for b in mac), 16) + n
    return [(v >> (8 * (5 - i))) & 0xFF for i in range(6)]


def parse_mac(text):
    return [int(x, 16) for x in text.split(":")]


# ---------------------------------------------------------------- roster

def pick_template(g, cycle, band_ok):
    """Next template (from a shuffled cycle) that fits; the cycle is reshuffled when exhausted."""
    for _ in range(3):
        for i, t in enumerate(cycle):
            if band_ok(t):
                return cycle.pop(i)
        cycle.extend(g.r.sample(TEMPLATES, len(TEMPLATES)))
    raise RuntimeError("no template fits")


def make_station(g, host, radio, uptime_s):
    """Counters and rates of one associated station, as the radio sees it."""
    r = g.r
    std = host["std"]
    if STD_ORDER[std] > STD_ORDER[radio["std"]]:
        std = radio["std"]
    if radio["band"] == "2.4GHz" and std == "ac":
        std = "n"
    nss = min(host["nss"], radio["nss"])
    signal = r.randint(-74, -38) if host["traffic"] != "iot" else r.randint(-81, -52)
    q = max(0.0, min(1.0, (signal + 82) / 40.0))
    max_mcs = {"ax": 11, "ac": 9, "n": 7}[std]
    width = radio["width"] if std != "n" or radio["band"] == "2.4GHz" else 40
    if std == "n" and radio["band"] == "2.4GHz":
        width = 20 if host["traffic"] == "iot" or radio["width"] == 20 else 40
    tx_mcs = max(0, min(max_mcs, int(round(q * max_mcs)) + r.choice([-1, 0, 0, 1])))
    rx_mcs = max(0, tx_mcs - r.choice([0, 1, 1, 2]))
    tx_rate = F.rate(std, width, tx_mcs, nss, sgi=host["traffic"] != "iot")
    if host["traffic"] == "iot" and r.random() < 0.5:
        rx_rate = F.rate("g", 20, r.choice([1, 6, 11, 24]) if radio["band"] == "2.4GHz" else r.choice([6, 24]), 1)
    else:
        rx_rate = F.rate(std, width, rx_mcs, nss, sgi=host["traffic"] != "iot")
    if host["traffic"] == "iot" or r.random() < 0.4:
        connected = r.randint(max(60, uptime_s - 90000), max(120, uptime_s - 200))
    else:
        connected = r.randint(45, min(uptime_s - 60, 6 * 3600))
    lo, hi, back_lo, back_hi = TRAFFIC[host["traffic"]]
    per_s = r.randint(lo, hi)
    if connected > 6 * 3600:  # a long association is mostly idle
        per_s //= r.randint(6, 15)
    tx_bytes = int(connected * per_s)
    rx_bytes = int(tx_bytes * r.uniform(back_lo, back_hi))
    tx_packets = max(1, tx_bytes // r.randint(700, 1300))
    rx_packets = max(1, rx_bytes // r.randint(120, 400))
    if host["traffic"] == "iot":
        inactive = r.choice([r.randint(10, 900), r.randint(1000, 28000)])
    else:
        inactive = r.choice([r.randint(0, 400), r.randint(0, 3000), r.randint(4000, 60000)])
    return {
        "mac": host["mac"], "signal": signal, "chain_delta": [r.randint(0, 4) for _ in range(radio["chains"])],
        "tx_rate": tx_rate, "rx_rate": rx_rate, "standard": std if std in ("n", "ac", "ax") else "",
        "connected_s": connected, "inactive_ms": inactive, "assoc_ms_frac": r.randint(0, 999),
        "tx_bytes": tx_bytes, "rx_bytes": rx_bytes, "tx_packets": tx_packets, "rx_packets": rx_packets,
        "tx_retries": int(tx_packets * r.uniform(0.005, 0.08)), "tx_failed": r.choice([0, 0, 0, r.randint(1, 40)]),
        "rx_drop": r.choice([0, r.randint(0, 30)]),
        "tx_duration_us": int(tx_bytes * 8 / tx_rate["mbps"]), "rx_duration_us": int(rx_bytes * 8 / rx_rate["mbps"]),
        "expired_time": max(0, 30000 - inactive // 10), "rx_bw": "%dM" % width,
    }


def build_roster(g, plan, net, uptime_s, radios):
    """plan: list of (kind, where, count). kind: wifi (where = radio key), wired (where = node name or None),
    agent (where = mesh node dict), static, gone, expired. Returns the host list in a shuffled (device-like) order
    together with the per-radio station lists."""
    cycle = g.r.sample(TEMPLATES, len(TEMPLATES))
    pool = list(range(net["pool"][0], net["pool"][1] + 1))
    g.r.shuffle(pool)
    statics = list(range(net["static"][0], net["static"][1] + 1))
    g.r.shuffle(statics)
    hosts, stations = [], {k: [] for k in radios}
    for kind, where, count in plan:
        for _ in range(count):
            if kind == "static":
                key, vendor, name, conn = STATIC_TEMPLATES[len([h for h in hosts if h["kind"] == "static"])
                                                           % len(STATIC_TEMPLATES)]
                mac = g.mac(vendor)
                hosts.append({"kind": "static", "template": key, "mac": mac, "hostname": "",
                              "ip": "%s.%d" % (net["prefix"], statics.pop()), "where": None})
                continue
            if kind == "agent":
                node = where
                hosts.append({"kind": "agent", "template": "mesh-agent", "mac": node["id"],
                              "hostname": node["hostname"], "ip": "%s.%d" % (net["prefix"], pool.pop()),
                              "where": node["name"]})
                continue
            if kind == "wifi":
                band = radios[where]["band"]
                t = pick_template(g, cycle, lambda t: t[3] == "wifi" and (
                    t[4] == "any" or (t[4] == "2.4") == (band == "2.4GHz")))
            elif kind == "wired":
                t = pick_template(g, cycle, lambda t: t[3] == "wired")
            else:  # gone / expired: any device that has left
                t = pick_template(g, cycle, lambda t: True)
            key, vendor, pattern, conn, _band, std, nss, traffic = t
            if "|private" in vendor:
                vendor = "private" if g.r.random() < 0.5 else vendor.split("|")[0]
            mac = g.mac(vendor)
            host = {"kind": kind, "template": key, "mac": mac, "hostname": g.hostname(pattern, mac),
                    "ip": "%s.%d" % (net["prefix"], pool.pop()), "where": where, "std": std or "n",
                    "nss": nss or 1, "traffic": traffic}
            if kind == "wifi":
                host["station"] = make_station(g, host, radios[where], uptime_s)
                stations[where].append(host["station"])
            hosts.append(host)
    order = list(range(len(hosts)))
    g.r.shuffle(order)
    return [hosts[i] for i in order], stations


def leases_for(g, hosts, lease_time, written_at, udhcpd):
    """Lease records of every host that got its address by DHCP (not static ones)."""
    out = []
    for h in hosts:
        if h["kind"] == "static":
            continue
        if h["kind"] == "expired":
            expires = written_at - g.r.randint(300, 5000)
        elif h.get("infinite"):
            expires = 0
        else:
            expires = written_at + g.r.randint(lease_time // 12, lease_time - 30)
        name = F.udhcpd_hostname(h["hostname"]) if udhcpd else h["hostname"]
        h["lease_hostname"] = name
        if udhcpd:
            h["lease_expires"] = max(expires, written_at)  # udhcpd clamps the remaining time at 0
        else:
            h["lease_expires"] = expires
        cid = "*" if not h.get("client_id") else h["client_id"]
        out.append({"mac": h["mac"], "ip": h["ip"], "hostname": name, "expires": expires, "client_id": cid})
    return out


def arp_for(g, hosts, lan_dev, extra):
    """ARP rows: every present host, complete; one departed host's address, incomplete; plus `extra` rows."""
    rows = []
    incomplete_done = False
    for h in hosts:
        if h["kind"] in ("wifi", "wired", "agent", "static"):
            rows.append({"ip": h["ip"], "mac": h["mac"], "device": lan_dev, "complete": True})
            h["arp"] = "complete"
        elif h["kind"] == "gone" and not incomplete_done:
            rows.append({"ip": h["ip"], "mac": None, "device": lan_dev, "complete": False})
            h["arp"] = "incomplete"
            incomplete_done = True
        else:
            h["arp"] = None
    rows += extra
    g.r.shuffle(rows)
    return rows


# ---------------------------------------------------------------- system files

def system_files(g, sysp):
    """/proc/uptime, meminfo, stat, loadavg for sysp = {uptime_s, ncpu, busy, mem: [...], stat_fields,
    load, tasks, mem_available}; returns (files, expected values)."""
    r = g.r
    up_cs = sysp["uptime_s"] * 100 + r.randint(0, 99)
    ticks = up_cs  # USER_HZ = 100
    cpus = []
    for _ in range(sysp["ncpu"]):
        busy = int(ticks * (sysp["busy"] + r.uniform(-0.015, 0.015)))
        iowait = int(ticks * r.uniform(0.0005, 0.002))
        idle = ticks - busy - iowait
        user = int(busy * r.uniform(0.35, 0.5))
        system = int(busy * r.uniform(0.25, 0.35))
        nice = int(busy * 0.01)
        irq = int(busy * r.uniform(0.01, 0.03))
        softirq = busy - user - system - nice - irq
        cpus.append([user, nice, system, idle, iowait, irq, softirq, 0, 0, 0])
    idle_cs = sum(c[3] for c in cpus)
    total = sum(sum(c[:sysp["stat_fields"]]) for c in cpus)
    idle_all = sum(c[3] + c[4] for c in cpus)
    intr = [r.randint(0, 3) * r.randint(0, 200000) for _ in range(48)]
    intr[16] = ticks * sysp["ncpu"] // 4  # arch timer
    files = {
        "proc/uptime": F.proc_uptime(up_cs, idle_cs),
        "proc/meminfo": F.proc_meminfo(sysp["mem"]),
        "proc/stat": F.proc_stat(cpus, sysp["stat_fields"], intr, ctxt=ticks * 37 + r.randint(0, 9999),
                                 btime=NOW - sysp["uptime_s"], processes=sysp["tasks"][2] - 300,
                                 running=sysp["tasks"][0], blocked=0,
                                 softirq=[r.randint(10 ** 5, 10 ** 7) for _ in range(10)]
                                 if sysp["stat_fields"] == 10 else None),
        "proc/loadavg": F.proc_loadavg(sysp["load"], *sysp["tasks"]),
    }
    mem = dict(sysp["mem"])
    expected = {
        "uptime_s": sysp["uptime_s"],
        "mem_total_kib": mem["MemTotal"], "mem_free_kib": mem["MemFree"],
        "mem_available_kib": mem.get("MemAvailable"),
        "cpu_percent_since_boot": round(100.0 * (total - idle_all) / total, 3),
        "load1": sysp["load"][0],
    }
    return files, expected


def meminfo(total, free, available, buffers, cached, with_available=True):
    anon = total - free - buffers - cached - total // 9
    rows = [("MemTotal", total), ("MemFree", free)]
    if with_available:
        rows.append(("MemAvailable", available))
    rows += [("Buffers", buffers), ("Cached", cached), ("SwapCached", 0),
             ("Active", anon * 3 // 4 + cached // 2), ("Inactive", anon // 4 + cached // 2),
             ("Active(anon)", anon * 3 // 4), ("Inactive(anon)", anon // 4),
             ("Active(file)", cached // 2), ("Inactive(file)", cached - cached // 2),
             ("Unevictable", 0), ("Mlocked", 0), ("SwapTotal", 0), ("SwapFree", 0), ("Dirty", 0),
             ("Writeback", 0), ("AnonPages", anon - 812), ("Mapped", cached // 3), ("Shmem", 812 + cached // 8),
             ("Slab", total // 11), ("SReclaimable", total // 60), ("SUnreclaim", total // 11 - total // 60),
             ("KernelStack", 1480), ("PageTables", 1240), ("NFS_Unstable", 0), ("Bounce", 0),
             ("WritebackTmp", 0), ("CommitLimit", total // 2), ("Committed_AS", anon * 2 + 30000),
             ("VmallocTotal", 770048 if total < 600000 else 263061440), ("VmallocUsed", 0), ("VmallocChunk", 0)]
    return rows


# ---------------------------------------------------------------- sysfs

def sysfs_iface(name, mac, operstate, carrier, speed, duplex, stats, mtu=1500):
    """Regular files under sys/class/net/<name>/. carrier None = not written (reading it fails with EINVAL on an
    interface that is administratively down); speed/duplex None = not written (EINVAL: no ethtool link settings,
    e.g. bridges and Wi-Fi)."""
    base = "sys/class/net/%s/" % name
    files = {base + "address": F.mac_str(mac) + "\n", base + "operstate": operstate + "\n",
             base + "mtu": "%d\n" % mtu, base + "type": "1\n"}
    if carrier is not None:
        files[base + "carrier"] = "%d\n" % carrier
    if speed is not None:
        files[base + "speed"] = "%d\n" % speed
    if duplex is not None:
        files[base + "duplex"] = duplex + "\n"
    for k in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_dropped",
              "tx_dropped", "multicast", "collisions"):
        files[base + "statistics/" + k] = "%d\n" % stats.get(k, 0)
    return files


def traffic_stats(g, rx_bytes, tx_bytes, errors=False):
    r = g.r
    return {"rx_bytes": rx_bytes, "tx_bytes": tx_bytes, "rx_packets": rx_bytes // r.randint(300, 700),
            "tx_packets": tx_bytes // r.randint(800, 1300),
            "rx_errors": r.randint(1, 40) if errors else 0, "tx_errors": 0,
            "rx_dropped": r.randint(0, 400), "tx_dropped": r.randint(0, 10), "multicast": r.randint(0, 90000)}


def station_totals(stations):
    return sum(s["rx_bytes"] for s in stations), sum(s["tx_bytes"] for s in stations)


# ---------------------------------------------------------------- bridge FDB and Wi-Fi configuration

def fdb_ports(seed, hosts, port_of):
    """The bridge port each present host was learned on: port_of(host) gives it or a list to pick from (a separate
    random source, so adding the FDB did not move any other generated value). Returns [(mac, port, ageing_s)]
    and records h["port"]."""
    r = random.Random(seed + "/fdb")
    out = []
    for h in hosts:
        port = port_of(h) if h["kind"] in ("wifi", "wired", "agent", "static") else None
        if isinstance(port, list):
            port = r.choice(port)
        h["port"] = port
        if port:
            out.append((h["mac"], port, round(r.uniform(0.2, 280.0), 2)))
    return out


def brctl_fixture(bridge, ports, learned, local):
    """sysfs brif/<port>/port_no files and `brctl showmacs <bridge>` for ports (in port-number order), learned
    [(mac, port, age)] and local [(mac, port)]."""
    number = {p: i + 1 for i, p in enumerate(ports)}
    files = {"sys/class/net/%s/brif/%s/port_no" % (bridge, p): "%#x\n" % n for p, n in number.items()}
    rows = [(number[p], m, False, a) for m, p, a in learned] + [(number[p], m, True, 0.0) for m, p in local]
    files["captured/" + F.captured_name(["brctl", "showmacs", bridge])] = F.brctl_showmacs(rows)
    return files


# ---------------------------------------------------------------- truth

def host_truth(h, stations_by_radio):
    on = None
    for radio, sts in stations_by_radio.items():
        if any(s["mac"] == h["mac"] for s in sts):
            on = radio
    return {
        "mac": F.mac_str(h["mac"]), "ip": h["ip"], "hostname": h.get("lease_hostname", h["hostname"]),
        "kind": h["kind"], "device": h["template"], "where": h["where"] if isinstance(h["where"], str) else None,
        "lease_expires": h.get("lease_expires"), "arp": h.get("arp"), "station_of": on, "bridge_port": h.get("port"),
    }


# ================================================================ boards

def xx230v(seed, counts, uptime_s):
    """TP-Link XX230v: Econet EN7529 + MediaTek Wi-Fi, EasyMesh controller with two agents."""
    g = Gen(seed)
    base = [0x1c, 0x61, 0xb4, 0x3e, 0x91, 0xd4]  # LAN/2.4 GHz MAC; the real unit's pattern: 5 GHz = base + 2
    # Two serials, as on the real unit (the real XX230v dump (tests/sim/data): DeviceInfo.SerialNumber 22275A7000395, GponSn
    # TPLG…): the unit's own serial (label, TR-069 id) and the GPON ONU serial the OLT knows.
    unit_serial = "22275A7000412"
    serial = "TPLG" + "".join("%02X" % b for b in base[2:])
    fw = "0.6.0 3.0.0 v6066.0 Build 220630 Rel.56119n"
    ssid = "TP-Link_%02X%02X" % (base[4], base[5])
    ra0, rai0, pon0 = base, add_mac(base, 2), add_mac(base, 1)
    radios = {
        "ra0": {"band": "2.4GHz", "std": "ax", "width": 40, "nss": 2, "chains": 2, "channel": 10, "noise_rcpi": 40},
        "rai0": {"band": "5GHz", "std": "ax", "width": 80, "nss": 2, "chains": 2, "channel": 153, "noise_rcpi": 30},
        "soussol-2g": {"band": "2.4GHz", "std": "ax", "width": 40, "nss": 2, "chains": 2},
        "soussol-5g": {"band": "5GHz", "std": "ax", "width": 80, "nss": 2, "chains": 2},
        "chambre-2g": {"band": "2.4GHz", "std": "ax", "width": 40, "nss": 2, "chains": 2},
        "chambre-5g": {"band": "5GHz", "std": "ax", "width": 80, "nss": 2, "chains": 2},
    }
    agents = [
        {"name": "Sous-sol", "id": [0x1c, 0x61, 0xb4, 0x52, 0x07, 0x3a], "hostname": "HX220",
         "serial": "22396A5003217", "backhaul": "ethernet", "radios": ("soussol-2g", "soussol-5g")},
        {"name": "Chambre", "id": [0x1c, 0x61, 0xb4, 0x52, 0x11, 0xe6], "hostname": "HX220",
         "serial": "22396A5003284", "backhaul": "wifi", "radios": ("chambre-2g", "chambre-5g")},
    ]
    c = counts
    plan = [("wifi", "ra0", c["ra0"]), ("wifi", "rai0", c["rai0"]),
            ("wifi", "soussol-2g", c["soussol-2g"]), ("wifi", "soussol-5g", c["soussol-5g"]),
            ("wifi", "chambre-2g", c["chambre-2g"]), ("wifi", "chambre-5g", c["chambre-5g"]),
            ("wired", "Salon", c["wired"]), ("wired", "Sous-sol", c["wired-soussol"]),
            ("agent", agents[0], 1), ("agent", agents[1], 1),
            ("static", None, c["static"]), ("gone", None, c["gone"]), ("expired", None, 1)]
    net = {"prefix": "192.168.1", "pool": (2, 249), "static": (250, 253)}
    hosts, st = build_roster(g, plan, net, uptime_s, radios)
    written_at = NOW - 120  # udhcpd rewrote its file two minutes before "now"
    leases = leases_for(g, hosts, 7200, written_at, udhcpd=True)  # pool LeaseTime 7200 in the real dump
    arp = arp_for(g, hosts, "br0", [{"ip": "100.72.0.1", "mac": [0x00, 0x00, 0x5e, 0x00, 0x01, 0x01],
                                     "device": "pon0", "complete": True}])

    files = {}
    sysfiles, sys_expected = system_files(g, {
        "uptime_s": uptime_s, "ncpu": 2, "busy": 0.11, "stat_fields": 10, "load": (0.42, 0.37, 0.33),
        "tasks": (2, 118, 4127),
        "mem": meminfo(494312, 118544, 241820, 9412, 104208)})
    files.update(sysfiles)
    files["etc/serial_number"] = unit_serial + "\n"
    files["etc/fw_version"] = fw + "\n"
    files["etc/udhcpd.leases"] = F.udhcpd_leases(written_at, leases)
    files["etc/udhcpd.conf"] = F.udhcpd_conf("192.168.1.%d" % net["pool"][0], "192.168.1.%d" % net["pool"][1], "br0",
                                             7200, "255.255.255.0", "192.168.1.1", "/etc/udhcpd.leases")
    files["proc/net/arp"] = F.proc_net_arp(arp)

    # sysfs: two ports up at 1000/full, one at 100/full, one without link
    lan_rx = sum(s["rx_bytes"] for v in st.values() for s in v)
    files.update(sysfs_iface("br0", base, "up", 1, None, None, traffic_stats(g, lan_rx * 2, lan_rx * 9)))
    for name, state, speed in (("eth0.1", "up", 1000), ("eth0.2", "up", 1000), ("eth0.3", "up", 100),
                               ("eth0.4", "down", -1)):
        if state == "up":
            rx = g.r.randint(2 * 10 ** 8, 9 * 10 ** 10)
            stats = traffic_stats(g, rx, rx * g.r.randint(3, 12), errors=name == "eth0.3")
            files.update(sysfs_iface(name, base, "up", 1, speed, "full", stats))
        else:
            files.update(sysfs_iface(name, base, "down", 0, -1, "unknown", traffic_stats(g, 183274, 902331)))
    for name, mac in (("ra0", ra0), ("rai0", rai0)):
        rx, tx = station_totals(st[name])
        files.update(sysfs_iface(name, mac, "up", 1, None, None,
                                 traffic_stats(g, rx + g.r.randint(10 ** 6, 10 ** 8), tx + g.r.randint(10 ** 7, 10 ** 9))))
    wan_rx = g.r.randint(4 * 10 ** 11, 9 * 10 ** 11)
    files.update(sysfs_iface("pon0", pon0, "up", 1, None, None, traffic_stats(g, wan_rx, wan_rx // 9)))

    # IPv4 addresses: the LAN bridge and the PPPoE WAN, as in the real XX230v dump (tests/sim/data) (Device.IP.Interface.1 and .6)
    files["captured/" + F.captured_name(["ip", "-o", "-4", "addr", "show"])] = F.ip_addr_oneline([
        (1, "lo", "127.0.0.1", 8, None, None, "host"),
        (7, "br0", "192.168.1.1", 24, None, "192.168.1.255", "global"),
        (14, "ppp0", "192.168.89.137", 32, "192.168.89.1", None, "global")])

    # stations of the main node, from iw
    for name in ("ra0", "rai0"):
        files["captured/" + F.captured_name(["iw", "dev", name, "station", "dump"])] = \
            F.iw_station_dump(name, st[name], NOW, uptime_s)
    # the site survey: what each radio hears (iw scan dump; as the station dumps, assumed on the stock firmware)
    for name, heard in (("ra0", NEIGHBOURS_24), ("rai0", NEIGHBOURS_5)):
        files["captured/" + F.captured_name(["iw", "dev", name, "scan", "dump"])] = F.iw_scan_dump(name, heard)
    # what each radio runs with (SSID, channel), from iw
    for ifindex, (name, mac, name_ssid) in enumerate((("ra0", ra0, ssid), ("rai0", rai0, ssid + "_5G")), start=9):
        r = radios[name]
        files["captured/" + F.captured_name(["iw", "dev", name, "info"])] = \
            F.iw_info(name, ifindex, mac, name_ssid, r["channel"], r["width"])

    # the LAN bridge's FDB: the Ethernet-backhauled satellite and what hangs behind it on eth0.2, the Wi-Fi-
    # backhauled one (and its clients) on the 5 GHz backhaul BSS rai1, the main radios' stations on ra0/rai0
    behind = {"soussol-2g": "eth0.2", "soussol-5g": "eth0.2", "chambre-2g": "rai1", "chambre-5g": "rai1"}

    def xx_port(h):
        if h["kind"] == "wifi":
            return behind.get(h["where"], h["where"])
        if h["kind"] == "agent":
            return "eth0.2" if h["where"] == "Sous-sol" else "rai1"
        if h["kind"] == "wired" and h["where"] == "Sous-sol":
            return "eth0.2"
        return ["eth0.1", "eth0.3"]

    learned = fdb_ports(seed, hosts, xx_port)
    files.update(brctl_fixture("br0", ["eth0.1", "eth0.2", "eth0.3", "eth0.4", "ra0", "rai0", "rai1"], learned,
                               [(base, "eth0.1"), (rai0, "rai0"), (add_mac(rai0, 1), "rai1")]))
    files[".capture-time"] = "%d\n" % NOW

    # mesh topology
    by_mac = {tuple(h["mac"]): h for h in hosts}

    def mesh_stations(key):
        out = []
        for s in st[key]:
            h = by_mac[tuple(s["mac"])]
            out.append({"mac": F.mac_str(s["mac"]), "rcpi": max(0, min(220, 2 * (s["signal"] + 110))),
                        "downlink_kbps": s["tx_rate"]["kbps"], "uplink_kbps": s["rx_rate"]["kbps"],
                        "association_s": s["connected_s"], "last_seen_ms": s["inactive_ms"],
                        "rx_bytes": s["rx_bytes"], "tx_bytes": s["tx_bytes"], "standard": s["standard"],
                        "hostname": h["lease_hostname"], "ipv4": h["ip"]})
        return out

    def radio(rid, key, band, channel, noise):
        return {"id": F.mac_str(rid), "band": band, "channel": channel, "noise_rcpi": noise,
                "bss": [{"bssid": F.mac_str(rid), "ssid": ssid if band == "2.4GHz" else ssid + "_5G",
                         "stations": mesh_stations(key)}]}

    devices = [{"id": F.mac_str(base), "name": "Salon", "role": "controller", "model": "XX230v", "serial": unit_serial,
                "software_version": fw, "backhaul": None,
                "radios": [radio(ra0, "ra0", "2.4GHz", 10, 40), radio(rai0, "rai0", "5GHz", 153, 30)]}]
    for a in agents:
        if a["backhaul"] == "ethernet":
            bh = {"type": "ethernet", "parent": F.mac_str(base), "rate_kbps": 1000000}
        else:
            bh = {"type": "wifi", "parent": F.mac_str(rai0), "rcpi": 2 * (-61 + 110), "rate_kbps": 960700}
        devices.append({"id": F.mac_str(a["id"]), "name": a["name"], "role": "agent", "model": "HX220",
                        "serial": a["serial"], "software_version": "1.2.0 Build 20230414 Rel.40117",
                        "backhaul": bh,
                        "radios": [radio(a["id"], a["radios"][0], "2.4GHz", 10, 42),
                                   radio(add_mac(a["id"], 2), a["radios"][1], "5GHz", 153, 28)]})
    files["tmp/cpe-mesh.json"] = F.json_text({"version": 1, "devices": devices})

    # optical: a good level
    optical = {"pon_type": "GPON", "onu_state": "O5", "gpon_sn": serial, "temperature_raw": 12251,
               "voltage_raw": 32980, "bias_raw": 8302, "tx_raw": F.dbm_to_tenth_uw(2.3),
               "rx_raw": F.dbm_to_tenth_uw(-19.0)}
    files["proc/pon_phy/info"] = F.econet_pon_info(optical)
    files["proc/pon_phy/RSSICurrent"] = "0x%x\n" % optical["rx_raw"]
    files["proc/tc3162/los_status"] = "0\n"

    lan_ports = ["eth0.1", "eth0.2", "eth0.3", "eth0.4"]
    profile = {
        "board": "tplink-xx230v",
        "description": "TP-Link XX230v AX1800 GPON router (Econet EN7529 + MediaTek Wi-Fi 6), stock firmware",
        "target": "armv7",
        "identity": {
            "Manufacturer": "TP-Link", "ManufacturerOUI": "1C61B4", "ModelName": "XX230v", "ProductClass": "Device2",
            "SerialNumber": {"file": "/etc/serial_number"}, "HardwareVersion": "XX230v v1.0 00000000",
            "SoftwareVersion": {"file": "/etc/fw_version"}, "Description": "AX1800 Dual Band Wi-Fi 6 GPON Router",
        },
        "lan": {"bridge": "br0", "ports": lan_ports},
        "wifi": [{"interface": "ra0", "band": "2.4GHz"}, {"interface": "rai0", "band": "5GHz"}],
        "wan": {"interface": "pon0"},
        "sources": [
            {"collector": "identity"},
            {"collector": "system", "uptime": "/proc/uptime", "meminfo": "/proc/meminfo", "stat": "/proc/stat",
             "loadavg": "/proc/loadavg"},
            {"collector": "leases_udhcpd", "file": "/etc/udhcpd.leases"},
            {"collector": "dhcp_config", "file": "/etc/udhcpd.conf", "format": "udhcpd"},
            {"collector": "arp", "file": "/proc/net/arp"},
            {"collector": "sysfs_net", "dir": "/sys/class/net",
             "interfaces": ["br0"] + lan_ports + ["ra0", "rai0", "pon0"]},
            {"collector": "ip_addr", "command": ["ip", "-o", "-4", "addr", "show"]},
            {"collector": "iw_station", "interface": "ra0", "command": ["iw", "dev", "ra0", "station", "dump"]},
            {"collector": "iw_station", "interface": "rai0", "command": ["iw", "dev", "rai0", "station", "dump"]},
            {"collector": "wifi_info", "interface": "ra0", "command": ["iw", "dev", "ra0", "info"]},
            {"collector": "wifi_info", "interface": "rai0", "command": ["iw", "dev", "rai0", "info"]},
            {"collector": "bridge_fdb", "bridge": "br0", "format": "brctl", "command": ["brctl", "showmacs", "br0"],
             "dir": "/sys/class/net"},
            {"collector": "mesh", "file": "/tmp/cpe-mesh.json"},
            {"collector": "econet_pon", "dir": "/proc/pon_phy", "los_file": "/proc/tc3162/los_status"},
        ],
    }
    truth = {
        "now": NOW, "board": "tplink-xx230v", "leases_written_at": written_at,
        "identity": {"SerialNumber": unit_serial, "SoftwareVersion": fw},
        "wifi": {"ra0": {"ssid": ssid, "channel": radios["ra0"]["channel"]},
                 "rai0": {"ssid": ssid + "_5G", "channel": radios["rai0"]["channel"]}},
        "system": sys_expected,
        "optical": {"rx_dbm": round(F.tenth_uw_to_dbm(optical["rx_raw"]), 3),
                    "tx_dbm": round(F.tenth_uw_to_dbm(optical["tx_raw"]), 3),
                    "temperature_c": round(12251 / 256, 3), "voltage_v": 3.298, "bias_ma": 16.604, "los": False,
                    "onu_state": "O5", "pon_type": "GPON", "gpon_serial": serial},
        "mesh_nodes": [{"id": d["id"], "name": d["name"], "role": d["role"],
                        "stations": sum(len(b["stations"]) for rd in d["radios"] for b in rd["bss"])}
                       for d in devices],
        "hosts": [host_truth(h, {k: v for k, v in st.items() if k in ("ra0", "rai0")}) for h in hosts],
    }
    return profile, files, truth


def ht803g():
    """Raisecom HT803G-W: Realtek SDK (rtl8192cd Wi-Fi, diag), TR-098 firmware; the fleet's one weak unit."""
    g = Gen("raisecom-ht803g/1")
    uptime_s = 1728403
    base = [0x00, 0x0e, 0x5e, 0x4b, 0x7f, 0x2a]
    serial = "RCMG" + "".join("%02X" % b for b in base[2:])
    fw = "5.00.21"
    ssid = "RAISECOM_%02X%02X" % (base[4], base[5])
    wlan0, wlan1, nas0 = add_mac(base, 1), add_mac(base, 2), add_mac(base, 3)
    radios = {"wlan0": {"band": "2.4GHz", "std": "n", "width": 20, "nss": 2, "chains": 2},
              "wlan1": {"band": "5GHz", "std": "ac", "width": 80, "nss": 2, "chains": 2}}
    plan = [("wifi", "wlan0", 6), ("wifi", "wlan1", 5), ("wired", None, 5), ("static", None, 1),
            ("gone", None, 2), ("expired", None, 1)]
    net = {"prefix": "192.168.1", "pool": (2, 199), "static": (200, 220)}
    hosts, st = build_roster(g, plan, net, uptime_s, radios)
    written_at = NOW - 45
    leases = leases_for(g, hosts, 86400, written_at, udhcpd=True)
    arp = arp_for(g, hosts, "br0", [{"ip": "100.81.32.1", "mac": [0x00, 0x00, 0x5e, 0x00, 0x01, 0x01],
                                     "device": "nas0_0", "complete": True}])
    files = {}
    sysfiles, sys_expected = system_files(g, {
        "uptime_s": uptime_s, "ncpu": 1, "busy": 0.23, "stat_fields": 9, "load": (0.81, 0.74, 0.69),
        "tasks": (1, 71, 8893),
        "mem": meminfo(111616, 19872, 0, 3240, 26412, with_available=False)})
    files.update(sysfiles)
    files["etc/version"] = fw + "\n"
    files["var/config/serial_number"] = serial + "\n"
    files["var/udhcpd/udhcpd.leases"] = F.udhcpd_leases(written_at, leases)
    files["var/udhcpd/udhcpd.conf"] = F.udhcpd_conf("192.168.1.%d" % net["pool"][0], "192.168.1.%d" % net["pool"][1],
                                                    "br0", 86400, "255.255.255.0", "192.168.1.1",
                                                    "/var/udhcpd/udhcpd.leases")
    files["proc/net/arp"] = F.proc_net_arp(arp)
    lan_rx = sum(s["rx_bytes"] for v in st.values() for s in v)
    files.update(sysfs_iface("br0", base, "up", 1, None, None, traffic_stats(g, lan_rx * 3, lan_rx * 11)))
    for name, state, speed in (("eth0.2", "up", 1000), ("eth0.3", "up", 100), ("eth0.4", "down", -1),
                               ("eth0.5", "up", 100)):
        if state == "up":
            rx = g.r.randint(10 ** 8, 2 * 10 ** 10)
            files.update(sysfs_iface(name, base, "up", 1, speed, "full",
                                     traffic_stats(g, rx, rx * g.r.randint(4, 14))))
        else:
            files.update(sysfs_iface(name, base, "down", 0, -1, "unknown", traffic_stats(g, 0, 0)))
    for name, mac in (("wlan0", wlan0), ("wlan1", wlan1)):
        rx, tx = station_totals(st[name])
        files.update(sysfs_iface(name, mac, "up", 1, None, None,
                                 traffic_stats(g, rx + g.r.randint(10 ** 6, 10 ** 8), tx + g.r.randint(10 ** 7, 10 ** 9))))
    wan_rx = g.r.randint(10 ** 11, 5 * 10 ** 11)
    files.update(sysfs_iface("nas0", nas0, "up", 1, None, None, traffic_stats(g, wan_rx, wan_rx // 7, errors=True)))
    for name in ("wlan0", "wlan1"):
        files["proc/%s/sta_info" % name] = F.realtek_sta_info(st[name])
    # the site survey (assumed layout, docs/boards.md)
    files["proc/wlan0/SS_Result"] = F.realtek_ss_result(REALTEK_24)
    files["proc/wlan1/SS_Result"] = F.realtek_ss_result(REALTEK_5)
    # SSID and channel: `iw dev wlanN info` (assumed: rtl8192cd built with its cfg80211 support, RTK_NL80211)
    channels = {"wlan0": 6, "wlan1": 44}
    for ifindex, (name, mac, name_ssid) in enumerate((("wlan0", wlan0, ssid), ("wlan1", wlan1, ssid + "_5G")),
                                                     start=5):
        files["captured/" + F.captured_name(["iw", "dev", name, "info"])] = \
            F.iw_info(name, ifindex, mac, name_ssid, channels[name], radios[name]["width"])
    learned = fdb_ports("raisecom-ht803g/1", hosts,
                        lambda h: h["where"] if h["kind"] == "wifi" else ["eth0.2", "eth0.3", "eth0.5"])
    files.update(brctl_fixture("br0", ["eth0.2", "eth0.3", "eth0.4", "eth0.5", "wlan0", "wlan1"], learned,
                               [(base, "eth0.2"), (wlan0, "wlan0"), (wlan1, "wlan1")]))
    files[".capture-time"] = "%d\n" % NOW
    # IPv4: LAN bridge, the IPoE WAN on nas0_0 (Realtek SDK naming) and a TR-069 management VLAN
    files["captured/" + F.captured_name(["ip", "-o", "-4", "addr", "show"])] = F.ip_addr_oneline([
        (1, "lo", "127.0.0.1", 8, None, None, "host"),
        (9, "br0", "192.168.1.1", 24, None, "192.168.1.255", "global"),
        (12, "nas0_0", "100.71.18.204", 22, None, "100.71.19.255", "global"),
        (13, "nas0_1", "10.40.3.77", 24, None, "10.40.3.255", "global")])
    # optical: the weak unit (rx -25.6 dBm)
    diag = [("rx-power", "Rx Power", "-25.6", "dBm"), ("tx-power", "Tx Power", "2.1", "dBm"),
            ("temperature", "Temperature", "52.3", "C"), ("voltage", "Voltage", "3.28", "V"),
            ("bias-current", "Bias Current", "14.2", "mA")]
    for sub, label, value, unit in diag:
        files["captured/" + F.captured_name(["diag", "pon", "get", "transceiver", sub])] = \
            F.realtek_diag(label, value, unit)
    files["captured/" + F.captured_name(["diag", "gpon", "get", "onu-state"])] = \
        "ONU state: Operation State(O5)\n"
    lan_ports = ["eth0.2", "eth0.3", "eth0.4", "eth0.5"]
    profile = {
        "board": "raisecom-ht803g",
        "description": "Raisecom HT803G-W GPON ONT (Realtek SDK, rtl8192cd Wi-Fi), rev N firmware",
        "target": "mips",
        "identity": {
            "Manufacturer": "Raisecom", "ManufacturerOUI": "000E5E", "ModelName": "HT803G-W",
            "ProductClass": "HT803G-W", "SerialNumber": {"file": "/var/config/serial_number"},
            "HardwareVersion": "N.00", "SoftwareVersion": {"file": "/etc/version"},
            "Description": "GPON ONT HT803G-W",
        },
        "lan": {"bridge": "br0", "ports": lan_ports},
        "wifi": [{"interface": "wlan0", "band": "2.4GHz"}, {"interface": "wlan1", "band": "5GHz"}],
        "wan": {"interface": "nas0"},
        "sources": [
            {"collector": "identity"},
            {"collector": "system", "uptime": "/proc/uptime", "meminfo": "/proc/meminfo", "stat": "/proc/stat",
             "loadavg": "/proc/loadavg"},
            {"collector": "leases_udhcpd", "file": "/var/udhcpd/udhcpd.leases"},
            {"collector": "dhcp_config", "file": "/var/udhcpd/udhcpd.conf", "format": "udhcpd"},
            {"collector": "arp", "file": "/proc/net/arp"},
            {"collector": "sysfs_net", "dir": "/sys/class/net",
             "interfaces": ["br0"] + lan_ports + ["wlan0", "wlan1", "nas0"]},
            {"collector": "ip_addr", "command": ["ip", "-o", "-4", "addr", "show"]},
            {"collector": "realtek_wlan", "interface": "wlan0", "file": "/proc/wlan0/sta_info"},
            {"collector": "realtek_wlan", "interface": "wlan1", "file": "/proc/wlan1/sta_info"},
            {"collector": "wifi_info", "interface": "wlan0", "command": ["iw", "dev", "wlan0", "info"]},
            {"collector": "wifi_info", "interface": "wlan1", "command": ["iw", "dev", "wlan1", "info"]},
            {"collector": "bridge_fdb", "bridge": "br0", "format": "brctl", "command": ["brctl", "showmacs", "br0"],
             "dir": "/sys/class/net"},
            {"collector": "realtek_pon", "command": ["diag", "pon", "get", "transceiver"]},
        ],
    }
    truth = {
        "now": NOW, "board": "raisecom-ht803g", "leases_written_at": written_at,
        "identity": {"SerialNumber": serial, "SoftwareVersion": fw},
        "system": sys_expected,
        "optical": {"rx_dbm": -25.6, "tx_dbm": 2.1, "temperature_c": 52.3, "voltage_v": 3.28, "bias_ma": 14.2,
                    "los": False, "onu_state": "O5", "pon_type": "GPON", "gpon_serial": ""},
        "hosts": [host_truth(h, st) for h in hosts],
    }
    return profile, files, truth


def openwrt():
    """Generic OpenWrt 23.05 (here a Linksys E8450: MT7622 2.4 GHz 802.11n + MT7915 5 GHz 802.11ax, DSA)."""
    g = Gen("generic-openwrt/1")
    uptime_s = 612847
    base = [0xe8, 0x9f, 0x80, 0x2c, 0x4d, 0x11]
    radios = {"phy0-ap0": {"band": "2.4GHz", "std": "n", "width": 20, "nss": 2, "chains": 4},
              "phy1-ap0": {"band": "5GHz", "std": "ax", "width": 80, "nss": 2, "chains": 4}}
    plan = [("wifi", "phy0-ap0", 4), ("wifi", "phy1-ap0", 5), ("wired", None, 3), ("static", None, 1),
            ("gone", None, 1), ("expired", None, 1)]
    net = {"prefix": "192.168.1", "pool": (100, 249), "static": (2, 99)}
    hosts, st = build_roster(g, plan, net, uptime_s, radios)
    # dnsmasq specifics: one static reservation with an infinite lease (a wired host), one client that sent no
    # hostname ('*'), client ids as clients send them
    wired = [h for h in hosts if h["kind"] == "wired"]
    wired[0]["infinite"] = True
    wifi = [h for h in hosts if h["kind"] == "wifi"]
    wifi[0]["hostname"] = ""
    for h in hosts:
        roll = g.r.random()
        if roll < 0.7:
            h["client_id"] = "01:" + F.mac_str(h["mac"])
        elif roll < 0.85:
            h["client_id"] = "ff:" + ":".join("%02x" % g.r.randrange(256) for _ in range(18))
    leases = leases_for(g, hosts, 43200, NOW, udhcpd=False)
    arp = arp_for(g, hosts, "br-lan", [{"ip": "100.66.128.1", "mac": [0x00, 0x00, 0x5e, 0x00, 0x01, 0x02],
                                        "device": "wan", "complete": True}])
    files = {}
    sysfiles, sys_expected = system_files(g, {
        "uptime_s": uptime_s, "ncpu": 2, "busy": 0.04, "stat_fields": 10, "load": (0.08, 0.11, 0.09),
        "tasks": (1, 132, 9921),
        "mem": meminfo(491232, 302884, 349660, 4312, 38912)})
    files.update(sysfiles)
    files["etc/openwrt_version"] = "r23809-234f1a2efa\n"
    files["etc/openwrt_release"] = (
        "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='23.05.3'\nDISTRIB_REVISION='r23809-234f1a2efa'\n"
        "DISTRIB_TARGET='mediatek/mt7622'\nDISTRIB_ARCH='aarch64_cortex-a53'\n"
        "DISTRIB_DESCRIPTION='OpenWrt 23.05.3 r23809-234f1a2efa'\nDISTRIB_TAINTS=''\n")
    files["tmp/sysinfo/model"] = "Linksys E8450 (UBI)\n"
    files["tmp/sysinfo/board_name"] = "linksys,e8450-ubi\n"
    files["captured/" + F.captured_name(["fw_printenv", "-n", "serial#"])] = "22A10C6C115538\n"
    files["tmp/dhcp.leases"] = F.dnsmasq_leases(leases)
    files["var/etc/dnsmasq.conf.cfg01411c"] = F.dnsmasq_conf("br-lan", "192.168.1.%d" % net["pool"][0],
                                                             "192.168.1.%d" % net["pool"][1], "255.255.255.0", "12h")
    # IPv4: OpenWrt's br-lan and a DHCP WAN
    files["captured/" + F.captured_name(["ip", "-o", "-4", "addr", "show"])] = F.ip_addr_oneline([
        (1, "lo", "127.0.0.1", 8, None, None, "host"),
        (6, "wan", "100.64.211.38", 20, None, "100.64.223.255", "global"),
        (9, "br-lan", "192.168.1.1", 24, None, "192.168.1.255", "global")])
    files["proc/net/arp"] = F.proc_net_arp(arp)
    lan_rx = sum(s["rx_bytes"] for v in st.values() for s in v)
    files.update(sysfs_iface("br-lan", base, "up", 1, None, None, traffic_stats(g, lan_rx * 2, lan_rx * 8)))
    for name, state, speed in (("lan1", "up", 1000), ("lan2", "up", 1000), ("lan3", "down", -1),
                               ("lan4", "down", -1)):
        if state == "up":
            rx = g.r.randint(10 ** 9, 6 * 10 ** 10)
            files.update(sysfs_iface(name, base, "up", 1, speed, "full", traffic_stats(g, rx, rx * g.r.randint(3, 9))))
        else:
            files.update(sysfs_iface(name, base, "down", 0, -1, "unknown", traffic_stats(g, 0, 0)))
    wan_rx = g.r.randint(10 ** 11, 4 * 10 ** 11)
    files.update(sysfs_iface("wan", add_mac(base, 1), "up", 1, 1000, "full", traffic_stats(g, wan_rx, wan_rx // 8)))
    for n, name in enumerate(("phy0-ap0", "phy1-ap0")):
        rx, tx = station_totals(st[name])
        mac = [0xea, 0x9f, 0x80, 0x2c, 0x4d, 0x12 + n]  # mac80211 AP interfaces: locally administered variants
        files.update(sysfs_iface(name, mac, "up", 1, None, None,
                                 traffic_stats(g, rx + g.r.randint(10 ** 6, 10 ** 8), tx + g.r.randint(10 ** 7, 10 ** 9))))
        files["captured/" + F.captured_name(["iw", "dev", name, "station", "dump"])] = \
            F.iw_station_dump(name, st[name], NOW, uptime_s)
        files["captured/" + F.captured_name(["iw", "dev", name, "scan", "dump"])] = \
            F.iw_scan_dump(name, (NEIGHBOURS_24, NEIGHBOURS_5)[n])
        # OpenWrt's default wireless config: SSID "OpenWrt" on every radio (/etc/config/wireless, wifi-iface)
        files["captured/" + F.captured_name(["iw", "dev", name, "info"])] = \
            F.iw_info(name, 12 + n, mac, "OpenWrt", (1, 36)[n], radios[name]["width"])
    learned = fdb_ports("generic-openwrt/1", hosts, lambda h: h["where"] if h["kind"] == "wifi" else ["lan1", "lan2"])
    fdb = [(m, p, "master br-lan") for m, p, _ in learned]
    fdb += [(base, "lan1", "vlan 1 master br-lan permanent"), (base, "lan1", "master br-lan permanent"),
            ([0x33, 0x33, 0, 0, 0, 1], "lan1", "self permanent"), ([0x01, 0, 0x5e, 0, 0, 1], "lan1", "self permanent")]
    files["captured/" + F.captured_name(["bridge", "fdb", "show", "br", "br-lan"])] = F.bridge_fdb_show(fdb)
    files[".capture-time"] = "%d\n" % NOW
    lan_ports = ["lan1", "lan2", "lan3", "lan4"]
    profile = {
        "board": "generic-openwrt",
        "description": "OpenWrt 23.05 router with dnsmasq and nl80211 Wi-Fi (fixture: Linksys E8450, mediatek/mt7622)",
        "target": "aarch64",
        "identity": {
            "Manufacturer": "OpenWrt", "ManufacturerOUI": "E89F80", "ModelName": {"file": "/tmp/sysinfo/model"},
            "ProductClass": "OpenWrt", "SerialNumber": {"command": ["fw_printenv", "-n", "serial#"]},
            "HardwareVersion": {"file": "/tmp/sysinfo/board_name"},
            "SoftwareVersion": {"file": "/etc/openwrt_version"}, "Description": "OpenWrt router",
        },
        "lan": {"bridge": "br-lan", "ports": lan_ports},
        "wifi": [{"interface": "phy0-ap0", "band": "2.4GHz"}, {"interface": "phy1-ap0", "band": "5GHz"}],
        "wan": {"interface": "wan"},
        "sources": [
            {"collector": "identity"},
            {"collector": "system", "uptime": "/proc/uptime", "meminfo": "/proc/meminfo", "stat": "/proc/stat",
             "loadavg": "/proc/loadavg"},
            {"collector": "leases_dnsmasq", "file": "/tmp/dhcp.leases"},
            {"collector": "dhcp_config", "file": "/var/etc/dnsmasq.conf.cfg01411c", "format": "dnsmasq"},
            {"collector": "arp", "file": "/proc/net/arp"},
            {"collector": "sysfs_net", "dir": "/sys/class/net",
             "interfaces": ["br-lan"] + lan_ports + ["wan", "phy0-ap0", "phy1-ap0"]},
            {"collector": "ip_addr", "command": ["ip", "-o", "-4", "addr", "show"]},
            {"collector": "iw_station", "interface": "phy0-ap0",
             "command": ["iw", "dev", "phy0-ap0", "station", "dump"]},
            {"collector": "iw_station", "interface": "phy1-ap0",
             "command": ["iw", "dev", "phy1-ap0", "station", "dump"]},
            {"collector": "wifi_info", "interface": "phy0-ap0", "command": ["iw", "dev", "phy0-ap0", "info"]},
            {"collector": "wifi_info", "interface": "phy1-ap0", "command": ["iw", "dev", "phy1-ap0", "info"]},
            {"collector": "bridge_fdb", "bridge": "br-lan", "format": "bridge",
             "command": ["bridge", "fdb", "show", "br", "br-lan"]},
        ],
    }
    truth = {
        "now": NOW, "board": "generic-openwrt",
        "identity": {"ModelName": "Linksys E8450 (UBI)", "SerialNumber": "22A10C6C115538",
                     "HardwareVersion": "linksys,e8450-ubi", "SoftwareVersion": "r23809-234f1a2efa"},
        "system": sys_expected,
        "hosts": [host_truth(h, st) for h in hosts],
    }
    return profile, files, truth


# ---------------------------------------------------------------- writing

def render(profile, files, truth):
    out = {"profile.json": F.json_text(profile), "fixtures/truth.json": F.json_text(truth)}
    for path, content in files.items():
        out["fixtures/rootfs/" + path] = content
    return {k: (v.encode("utf-8") if isinstance(v, str) else v) for k, v in out.items()}


def sync(root, wanted, check):
    """Makes `root` hold exactly `wanted` under its managed parts (profile.json and fixtures/). Returns the list
    of changes."""
    changes = []
    for rel, data in sorted(wanted.items()):
        path = os.path.join(root, rel)
        old = None
        if os.path.isfile(path):
            with open(path, "rb") as f:
                old = f.read()
        if old != data:
            changes.append(("write", path))
            if not check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    managed = os.path.join(root, "fixtures")
    for dirpath, dirnames, filenames in os.walk(managed, topdown=False):
        for name in filenames + dirnames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path) or (os.path.isfile(path) and rel not in wanted):
                changes.append(("delete", path))
                if not check:
                    os.remove(path)
            elif os.path.isdir(path) and not os.listdir(path):
                changes.append(("rmdir", path))
                if not check:
                    os.rmdir(path)
    return changes


XX230V_COUNTS = {"ra0": 7, "rai0": 8, "soussol-2g": 3, "soussol-5g": 4, "chambre-2g": 2, "chambre-5g": 3,
                 "wired": 4, "wired-soussol": 2, "static": 2, "gone": 2}
BENCH_COUNTS = {"ra0": 12, "rai0": 14, "soussol-2g": 6, "soussol-5g": 7, "chambre-2g": 4, "chambre-5g": 5,
                "wired": 5, "wired-soussol": 2, "static": 2, "gone": 4}


def main(argv):
    check = "--check" in argv
    jobs = [
        ("boards/tplink-xx230v", lambda: xx230v("tplink-xx230v/1", XX230V_COUNTS, 432189)),
        ("boards/raisecom-ht803g", ht803g),
        ("boards/generic-openwrt", openwrt),
        ("bench/fixtures/xx230v-64hosts", lambda: xx230v("xx230v-64hosts/1", BENCH_COUNTS, 1209617)),
    ]
    all_changes = []
    for rel, build in jobs:
        profile, files, truth = build()
        all_changes += sync(os.path.join(REPO, rel), render(profile, files, truth), check)
    for what, path in all_changes:
        print("%s %s" % (what, os.path.relpath(path, REPO)))
    if check and all_changes:
        print("fixtures are stale: run /usr/bin/python3 tools/fixturegen/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
