#!/usr/bin/env python3
"""Re-reads the generated fixtures the way a device reader would (independently of the generator) and checks
that they agree with each other and with fixtures/truth.json:

- every Wi-Fi host is in the leases, in ARP (complete) and in the station list of the radio or mesh node it is on;
- wired and mesh-agent hosts are in leases + ARP only; static hosts in ARP only; departed hosts in leases only
  (one of them with an incomplete ARP entry); exactly one expired lease;
- the mesh controller's stations equal the iw station lists; profile files/commands exist in the rootfs.

    /usr/bin/python3 tools/fixturegen/check_fixtures.py      (exit 1 and a list of problems on failure)
"""

import json
import os
import re
import struct
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DIRS = ["boards/tplink-xx230v", "boards/raisecom-ht803g", "boards/generic-openwrt", "bench/fixtures/xx230v-64hosts"]


def captured_name(argv):
    joined = "_".join(argv)
    return "".join(c if (c.isascii() and (c.isalnum() or c in "._:-")) else "-" for c in joined) + ".out"


def read(root, path, binary=False):
    with open(os.path.join(root, path.lstrip("/")), "rb" if binary else "r") as f:
        return f.read()


def norm(mac):
    mac = mac.lower().replace("-", ":")
    if ":" not in mac:
        mac = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    return mac


def check_board(rel, problems):
    def bad(msg):
        problems.append("%s: %s" % (rel, msg))

    base = os.path.join(REPO, rel)
    root = os.path.join(base, "fixtures", "rootfs")
    profile = json.loads(read(base, "profile.json"))
    truth = json.loads(read(base, "fixtures/truth.json"))
    now = truth["now"]
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if os.path.islink(os.path.join(dirpath, n)):
                bad("symlink %s" % os.path.join(dirpath, n))

    leases, arp, stations, mesh_sta, controller_sta = {}, {}, {}, {}, {}
    for src in profile["sources"]:
        kind = src["collector"]
        if kind == "identity":
            for key, v in profile["identity"].items():
                if isinstance(v, dict) and "file" in v:
                    if not read(root, v["file"]).strip():
                        bad("identity %s empty" % key)
                elif isinstance(v, dict):
                    if not read(root, "captured/" + captured_name(v["command"])).strip():
                        bad("identity %s command output empty" % key)
        elif kind == "system":
            up = float(read(root, src["uptime"]).split()[0])
            if int(up) != truth["system"]["uptime_s"]:
                bad("uptime %s" % up)
            stat = read(root, src["stat"])
            btime = int(re.search(r"^btime (\d+)$", stat, re.M).group(1))
            if btime != now - truth["system"]["uptime_s"]:
                bad("btime %d" % btime)
        elif kind == "leases_udhcpd":
            data = read(root, src["file"], binary=True)
            if (len(data) - 8) % 36:
                bad("udhcpd size %d" % len(data))
            written = struct.unpack(">q", data[:8])[0]
            for off in range(8, len(data), 36):
                remaining, = struct.unpack(">I", data[off:off + 4])
                ip = ".".join(str(b) for b in data[off + 4:off + 8])
                mac = ":".join("%02x" % b for b in data[off + 8:off + 14])
                name = data[off + 14:off + 34].split(b"\0")[0].decode()
                if data[off + 34:off + 36] != b"\0\0" or b"\0" not in data[off + 14:off + 34]:
                    bad("udhcpd record %s padding/NUL" % mac)
                leases[mac] = (ip, name, written + remaining)
        elif kind == "leases_dnsmasq":
            for line in read(root, src["file"]).splitlines():
                exp, mac, ip, name, cid = line.split(" ")
                leases[mac] = (ip, "" if name == "*" else name, int(exp))
        elif kind == "arp":
            lines = read(root, src["file"]).splitlines()
            if not lines[0].startswith("IP address       HW type"):
                bad("arp header")
            for line in lines[1:]:
                ip, hw, flags, mac, mask, dev = line.split()
                arp[ip] = (mac, flags, dev)
        elif kind == "sysfs_net":
            for ifname in src["interfaces"]:
                d = os.path.join(src["dir"], ifname)
                for f in ("address", "operstate", "statistics/rx_bytes", "statistics/tx_bytes",
                          "statistics/rx_packets", "statistics/tx_packets", "statistics/rx_errors",
                          "statistics/tx_errors", "statistics/rx_dropped", "statistics/tx_dropped"):
                    read(root, os.path.join(d, f))
        elif kind == "iw_station":
            argv = src.get("command", ["iw", "dev", src["interface"], "station", "dump"])
            for m in re.finditer(r"^Station ([0-9a-f:]{17})", read(root, "captured/" + captured_name(argv)), re.M):
                stations[m.group(1)] = src["interface"]
        elif kind == "realtek_wlan":
            text = read(root, src.get("file", "/proc/%s/sta_info" % src["interface"]))
            for m in re.finditer(r"^\s+hwaddr: ([0-9a-f]{12})$", text, re.M):
                stations[norm(m.group(1))] = src["interface"]
        elif kind == "mesh":
            doc = json.loads(read(root, src["file"]))
            for dev in doc["devices"]:
                for radio in dev["radios"]:
                    for bss in radio["bss"]:
                        for s in bss["stations"]:
                            mesh_sta[s["mac"]] = dev["name"]
                            if dev["role"] == "controller":
                                controller_sta[s["mac"]] = s
        elif kind == "econet_pon":
            info = read(root, src["dir"] + "/info")
            rx = int(re.search(r"RxPower: (0x[0-9a-f]+)", info).group(1), 16)
            import math
            if abs(10 * math.log10(rx * 1e-4) - truth["optical"]["rx_dbm"]) > 0.01:
                bad("econet rx")
        elif kind == "realtek_pon":
            argv = src.get("command", ["diag", "pon", "get", "transceiver"])
            for sub in ("rx-power", "tx-power", "temperature", "voltage", "bias-current"):
                read(root, "captured/" + captured_name(argv + [sub]))
            read(root, "captured/" + captured_name(["diag", "gpon", "get", "onu-state"]))

    if mesh_sta and set(controller_sta) != set(stations):
        bad("controller stations %d != iw stations %d" % (len(controller_sta), len(stations)))
    hosts = truth["hosts"]
    if len({h["mac"] for h in hosts}) != len(hosts) or len({h["ip"] for h in hosts}) != len(hosts):
        bad("duplicate mac or ip in roster")
    expired = 0
    incomplete = [ip for ip, (mac, flags, dev) in arp.items() if flags == "0x0"]
    if len(incomplete) != 1:
        bad("incomplete ARP entries: %d" % len(incomplete))
    for h in hosts:
        mac, ip, kind = h["mac"], h["ip"], h["kind"]
        in_lease = mac in leases
        in_arp = ip in arp and arp[ip][0] == mac and arp[ip][1] == "0x2"
        in_sta = mac in stations or mac in mesh_sta
        want = {"wifi": (True, True, True), "wired": (True, True, False), "agent": (True, True, False),
                "static": (False, True, False), "gone": (True, False, False),
                "expired": (True, False, False)}[kind]
        if (in_lease, in_arp, in_sta) != want:
            bad("%s %s %s: lease/arp/station %s, want %s" % (kind, mac, h["hostname"], (in_lease, in_arp, in_sta),
                                                             want))
        if in_lease:
            lip, lname, lexp = leases[mac]
            if lip != ip or lname != h["hostname"] or lexp != h["lease_expires"]:
                bad("lease of %s differs from truth: %s" % (mac, leases[mac]))
            if lexp and lexp < now:
                expired += 1
        if kind == "wifi" and h["station_of"] and stations.get(mac) != h["station_of"]:
            bad("%s on %s, truth says %s" % (mac, stations.get(mac), h["station_of"]))
    if expired != 1:
        bad("%d expired leases" % expired)
    return len(hosts), len(leases), len(arp), len(stations), len(mesh_sta)


def main():
    problems = []
    for rel in DIRS:
        counts = check_board(rel, problems)
        print("%-32s hosts %d, leases %d, arp rows %d, radio stations %d, mesh stations %d" % ((rel,) + counts))
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
