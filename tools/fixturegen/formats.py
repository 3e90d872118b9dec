"""Renderers for the files a CPE exposes: each function returns the exact bytes (or text) of one file.

Standard formats follow the Linux kernel, busybox and dnsmasq; the radio, mesh and optical formats follow
docs/sources-radio.md. Nothing here is random: every value comes from the caller.
"""

import json
import math
import struct


def mac_str(mac_bytes):
    return ":".join("%02x" % b for b in mac_bytes)


def mac_plain(mac_bytes):
    return "".join("%02x" % b for b in mac_bytes)


# ---------------------------------------------------------------- DHCP leases

def udhcpd_leases(written_at, leases):
    """busybox udhcpd lease file (networking/udhcp/files.c write_leases): 8-byte big-endian written-at time,
    then struct dyn_lease {u32 BE seconds remaining (clamped at 0), u32 IPv4 network order, u8 mac[6],
    char hostname[20] NUL-padded, u8 pad[2]} = 36 bytes each."""
    out = bytearray(struct.pack(">q", written_at))
    for lease in leases:
        remaining = max(0, lease["expires"] - written_at)
        ip = bytes(int(p) for p in lease["ip"].split("."))
        name = lease["hostname"].encode("ascii")
        assert len(name) <= 19, name  # udhcpd keeps at most 19 characters and a NUL
        out += struct.pack(">I", remaining) + ip + bytes(lease["mac"]) + name.ljust(20, b"\0") + b"\0\0"
    return bytes(out)


def udhcpd_hostname(name):
    """What udhcpd stores for a client's option 12 (add_lease): at most 19 characters, characters other than
    [0-9A-Za-z_-] become '.', a leading '-' becomes '.'."""
    name = name[:19]
    out = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "." for c in name)
    if out.startswith("-"):
        out = "." + out[1:]
    return out


def dnsmasq_leases(leases):
    """dnsmasq lease file: '<expiry epoch|0> <mac> <ip> <hostname|*> <client-id|*>' per line."""
    lines = []
    for lease in leases:
        lines.append("%d %s %s %s %s\n" % (lease["expires"], mac_str(lease["mac"]), lease["ip"],
                                           lease["hostname"] or "*", lease.get("client_id") or "*"))
    return "".join(lines)


# ---------------------------------------------------------------- /proc

def proc_net_arp(entries):
    """Kernel net/ipv4/arp.c: header, then '%-16s 0x%-10x0x%-10x%-17s     %-8s %s'."""
    out = ["IP address       HW type     Flags       HW address            Mask     Device\n"]
    for e in entries:
        flags = 0x2 if e["complete"] else 0x0
        mac = mac_str(e["mac"]) if e["complete"] else "00:00:00:00:00:00"
        out.append("%-16s 0x%-10x0x%-10x%-17s     %-8s %s\n" % (e["ip"], 0x1, flags, mac, "*", e["device"]))
    return "".join(out)


def proc_uptime(uptime_cs, idle_cs):
    return "%d.%02d %d.%02d\n" % (uptime_cs // 100, uptime_cs % 100, idle_cs // 100, idle_cs % 100)


def proc_loadavg(load, running, total, last_pid):
    return "%.2f %.2f %.2f %d/%d %d\n" % (load[0], load[1], load[2], running, total, last_pid)


def proc_meminfo(fields):
    """fields: list of (name, kB). Kernel layout: name and colon padded to 16 columns, value right-aligned in 8."""
    return "".join("%-16s%8d kB\n" % (name + ":", value) for name, value in fields)


def proc_stat(cpus, fields, intr, ctxt, btime, processes, running, blocked, softirq):
    """cpus: list of per-CPU tick lists (USER_HZ=100) in kernel field order; `fields` = how many columns the
    kernel prints (10 since 2.6.33 with guest_nice, 9 before)."""
    total = [sum(c[i] for c in cpus) for i in range(fields)]
    lines = ["cpu  " + " ".join(str(v) for v in total) + "\n"]
    for n, c in enumerate(cpus):
        lines.append("cpu%d " % n + " ".join(str(v) for v in c[:fields]) + "\n")
    lines.append("intr %d " % sum(intr) + " ".join(str(v) for v in intr) + "\n")
    lines.append("ctxt %d\n" % ctxt)
    lines.append("btime %d\n" % btime)
    lines.append("processes %d\n" % processes)
    lines.append("procs_running %d\n" % running)
    lines.append("procs_blocked %d\n" % blocked)
    if softirq is not None:
        lines.append("softirq %d " % sum(softirq) + " ".join(str(v) for v in softirq) + "\n")
    return "".join(lines)


# ---------------------------------------------------------------- Wi-Fi rates

# Bit rates exactly as the kernel computes them (net/wireless/util.c cfg80211_calculate_bitrate_*), in units
# of 100 kbit/s, which is what iw prints as "%d.%d MBit/s".
_HE_DIVISORS = [102399, 51201, 34134, 25599, 17067, 12801, 11377, 10239, 8532, 7680, 6828, 6144]
_HE_BASE = {20: 114711111, 40: 229411111, 80: 480388888}  # GI 0.8 us
_VHT_BASE = {
    20: [6500000, 13000000, 19500000, 26000000, 39000000, 52000000, 58500000, 65000000, 78000000, 86700000],
    40: [13500000, 27000000, 40500000, 54000000, 81000000, 108000000, 121500000, 135000000, 162000000, 180000000],
    80: [29300000, 58500000, 87800000, 117000000, 175500000, 234000000, 263300000, 292500000, 351000000, 390000000],
}


def _he_100k(width, mcs, nss):
    result = _HE_BASE[width] * 6144 // _HE_DIVISORS[mcs]
    return (result * nss // 8) // 10000


def _vht_100k(width, mcs, nss, sgi):
    bitrate = _VHT_BASE[width][mcs] * nss
    if sgi:
        bitrate = bitrate // 9 * 10
    return (bitrate + 50000) // 100000


def _ht_100k(width, index, sgi):
    modulation, streams = index & 7, (index >> 3) + 1
    bitrate = 13500000 if width == 40 else 6500000
    bitrate *= (modulation + 1) if modulation < 4 else (modulation + 2) if modulation == 4 else (modulation + 3)
    bitrate *= streams
    if sgi:
        bitrate = bitrate // 9 * 10
    return (bitrate + 50000) // 100000


def rate(standard, width, mcs, nss, sgi=True):
    """A rate as a dict: kbps, the iw 'MBit/s …' text and the Realtek current_tx_rate text.
    standard: 'ax', 'ac', 'n', or legacy 'g' (then mcs is the rate in Mbit/s)."""
    if standard == "ax":
        r = _he_100k(width, mcs, nss)
        iw = "%d.%d MBit/s%s HE-MCS %d HE-NSS %d HE-GI 0 HE-DCM 0" % (
            r // 10, r % 10, "" if width == 20 else " %dMHz" % width, mcs, nss)
        rtk = "HE NSS%d-MCS%d %d.%d" % (nss, mcs, r // 10, r % 10)
    elif standard == "ac":
        r = _vht_100k(width, mcs, nss, True)
        iw = "%d.%d MBit/s VHT-MCS %d %dMHz short GI VHT-NSS %d" % (r // 10, r % 10, mcs, width, nss)
        rtk = "VHT NSS%d-MCS%d %d.%d" % (nss, mcs, r // 10, r % 10)
    elif standard == "n":
        index = mcs + 8 * (nss - 1)
        r = _ht_100k(width, index, sgi)
        iw = "%d.%d MBit/s MCS %d%s%s" % (r // 10, r % 10, index, " 40MHz" if width == 40 else "",
                                         " short GI" if sgi else "")
        rtk = "MCS%d %d.%d" % (index, r // 10, r % 10)
    else:
        r = int(mcs * 10)
        iw = "%d.%d MBit/s" % (r // 10, r % 10)
        rtk = "%g" % mcs
    return {"mbps": r / 10.0, "kbps": r * 100, "iw": iw, "rtk": rtk, "standard": standard}


# ---------------------------------------------------------------- iw station dump

def iw_station_dump(interface, stations, now, uptime_s):
    """iw's station.c print_sta_handler layout (iw 5.19), including its quirks ('beacon interval:100')."""
    out = []
    for s in stations:
        assoc_boot = uptime_s - s["connected_s"]
        out.append("Station %s (on %s)\n" % (mac_str(s["mac"]), interface))
        out.append("\tinactive time:\t%d ms\n" % s["inactive_ms"])
        out.append("\trx bytes:\t%d\n" % s["rx_bytes"])
        out.append("\trx packets:\t%d\n" % s["rx_packets"])
        out.append("\ttx bytes:\t%d\n" % s["tx_bytes"])
        out.append("\ttx packets:\t%d\n" % s["tx_packets"])
        out.append("\ttx retries:\t%d\n" % s["tx_retries"])
        out.append("\ttx failed:\t%d\n" % s["tx_failed"])
        out.append("\trx drop misc:\t%d\n" % s["rx_drop"])
        chains = ", ".join(str(s["signal"] - d) for d in s["chain_delta"])
        out.append("\tsignal:  \t%d [%s] dBm\n" % (s["signal"], chains))
        out.append("\tsignal avg:\t%d [%s] dBm\n" % (s["signal"] + 1, ", ".join(
            str(s["signal"] + 1 - d) for d in s["chain_delta"])))
        out.append("\ttx bitrate:\t%s\n" % s["tx_rate"]["iw"])
        out.append("\ttx duration:\t%d us\n" % s["tx_duration_us"])
        out.append("\trx bitrate:\t%s\n" % s["rx_rate"]["iw"])
        out.append("\trx duration:\t%d us\n" % s["rx_duration_us"])
        out.append("\tairtime weight: 256\n")
        out.append("\tauthorized:\tyes\n")
        out.append("\tauthenticated:\tyes\n")
        out.append("\tassociated:\tyes\n")
        out.append("\tpreamble:\tshort\n")
        out.append("\tWMM/WME:\tyes\n")
        out.append("\tMFP:\t\tno\n")
        out.append("\tTDLS peer:\tno\n")
        out.append("\tDTIM period:\t2\n")
        out.append("\tbeacon interval:100\n")
        out.append("\tshort slot time:yes\n")
        out.append("\tconnected time:\t%d seconds\n" % s["connected_s"])
        out.append("\tassociated at [boottime]:\t%d.%03ds\n" % (assoc_boot, s["assoc_ms_frac"]))
        out.append("\tassociated at:\t%d ms\n" % ((now - s["connected_s"]) * 1000 + s["assoc_ms_frac"]))
        out.append("\tcurrent time:\t%d ms\n" % (now * 1000 + 412))
    return "".join(out)


# ---------------------------------------------------------------- Realtek /proc/wlanN/sta_info

def realtek_sta_info(stations):
    """rtl8192cd 8192cd_proc.c layout as given in docs/sources-radio.md §3."""
    out = ["-- STA info table -- (active: %d)\n" % len(stations)]
    for n, s in enumerate(stations, 1):
        pct = max(0, min(100, 100 + s["signal"]))
        c1, c2 = max(0, pct - s["chain_delta"][0]), max(0, pct - s["chain_delta"][1])
        t = s["connected_s"]
        d, rem = divmod(t, 86400)
        h, rem = divmod(rem, 3600)
        m, sec = divmod(rem, 60)
        link = ("%d day " % d if d else "") + ("%d hr " % h if d or h else "") + \
               ("%d min " % m if d or h or m else "") + "%d sec" % sec
        out.append(" %d: stat_info...\n" % n)
        out.append("    state: 20b\n")
        out.append("    AuthAlgrthm: 0\n")
        out.append("    ieee8021x_ctrlport: 1\n")
        out.append("    hwaddr: %s\n" % mac_plain(s["mac"]))
        out.append("    aid: %d\n" % n)
        out.append("    tx_bytes: %d\n" % s["tx_bytes"])
        out.append("    rx_bytes: %d\n" % s["rx_bytes"])
        out.append("    tx_pkts: %d\n" % s["tx_packets"])
        out.append("    rx_pkts: %d\n" % s["rx_packets"])
        out.append("    tx_fail: %d\n" % s["tx_failed"])
        out.append("    rssi: %d (%d %d)\n" % (pct, c1, c2))
        out.append("    expired_time: %d\n" % s["expired_time"])
        out.append("    sleep: %s\n" % ("yes" if s["inactive_ms"] > 5000 else "no"))
        out.append("    current_tx_rate: %s\n" % s["tx_rate"]["rtk"])
        out.append("    current_rx_rate: %s\n" % s["rx_rate"]["rtk"])
        out.append("    rx_bw: %s\n" % s["rx_bw"])
        out.append("    Chip Vendor: --\n")
        out.append("    link_time: %s\n" % link)
        out.append("    ht_cap: %s\n" % ("none" if s["tx_rate"]["standard"] in ("a", "g") else "yes"))
        out.append("\n")
    return "".join(out)


# ---------------------------------------------------------------- Optical

def dbm_to_tenth_uw(dbm):
    return int(round(10 ** (dbm / 10.0) * 1e4))  # mW → 0.1 µW


def tenth_uw_to_dbm(v):
    return 10 * math.log10(v * 1e-4)


def econet_pon_info(o):
    """docs/sources-radio.md §5 (a format we define; SFF-8472 units)."""
    return ("PonType: %s\nOnuState: %s\nGponSn: %s\nTemperature: 0x%04x\nVoltage: 0x%04x\n"
            "BiasCurrent: 0x%04x\nTxPower: 0x%04x\nRxPower: 0x%04x\n") % (
        o["pon_type"], o["onu_state"], o["gpon_sn"], o["temperature_raw"], o["voltage_raw"], o["bias_raw"],
        o["tx_raw"], o["rx_raw"])


def realtek_diag(label, value, unit):
    return "%s: %s %s\n" % (label, value, unit)


# ---------------------------------------------------------------- JSON

def json_text(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def captured_name(argv):
    """agent/collectors/source.hpp captured_name(): argv joined by '_', chars outside [A-Za-z0-9._:-] → '-'."""
    joined = "_".join(argv)
    return "".join(c if (c.isascii() and (c.isalnum() or c in "._:-")) else "-" for c in joined) + ".out"


def ip_addr_oneline(entries):
    """`ip -o -4 addr show` (iproute2 ip/ipaddress.c, oneline): entries of (index, ifname, address, prefix, peer, brd,
    scope); a point-to-point address prints "peer <peer>/<prefix>" and no prefix of its own."""
    out = []
    for index, name, address, prefix, peer, brd, scope in entries:
        where = "%s peer %s/%d" % (address, peer, prefix) if peer else "%s/%d" % (address, prefix)
        out.append("%d: %-6s inet %s%s scope %s %s\\       valid_lft forever preferred_lft forever\n"
                   % (index, name, where, " brd " + brd if brd else "", scope, name))
    return "".join(out)


def iw_info(interface, ifindex, mac, ssid, channel, width):
    """`iw dev <if> info` of an AP interface (iw interface.c print_iface_handler; channel line from
    print_channel: "channel <n> (<freq> MHz), width: <w> MHz, center1: <c> MHz"). SSID bytes escaped as iw's
    print_ssid_escaped does (non-printable, backslash, and a space at either end as \\xNN)."""
    freq = 2407 + 5 * channel if channel <= 14 else 5000 + 5 * channel
    if width <= 20:
        center = freq
    elif channel <= 14:
        center = freq - 10  # HT40-: the fixtures' 2.4 GHz radios sit at the top of the band
    elif width == 80:  # the 80 MHz blocks of 5 GHz by their centre channel (IEEE 802.11ac, Annex E)
        center = 5000 + 5 * next(c for c in (42, 58, 106, 122, 138, 155, 171) if abs(channel - c) <= 6)
    else:  # 40 MHz: pairs 36+40, 44+48, …, 149+153, …
        center = freq + (10 if (channel // 4) % 2 == 1 else -10)
    escaped = ""
    raw = ssid.encode("utf-8")
    for i, b in enumerate(raw):
        c = chr(b)
        if 32 < b < 127 and c != "\\":
            escaped += c
        elif c == " " and 0 < i < len(raw) - 1:
            escaped += " "
        else:
            escaped += "\\x%.2x" % b
    return ("Interface %s\n\tifindex %d\n\twdev 0x%x\n\taddr %s\n\tssid %s\n\ttype AP\n\twiphy %d\n"
            "\tchannel %d (%d MHz), width: %d MHz, center1: %d MHz\n\ttxpower 20.00 dBm\n"
            % (interface, ifindex, ifindex - 7, mac_str(mac), escaped, 0 if channel <= 14 else 1, channel, freq,
               width, center))


def brctl_showmacs(entries):
    """`brctl showmacs <br>` (bridge-utils brctl_cmd.c / BusyBox brctl.c): entries = [(port_no, mac, local,
    ageing_s)], printed sorted by port then MAC as both tools do (they sort the kernel's fdb records)."""
    out = ["port no\tmac addr\t\tis local?\tageing timer\n"]
    for port, mac, local, age in sorted(entries, key=lambda e: (e[0], e[1])):
        out.append("%3i\t%s\t%s\t\t%7.2f\n" % (port, mac_str(mac), "yes" if local else "no", age))
    return "".join(out)


def bridge_fdb_show(entries):
    """iproute2 `bridge fdb show br <br>`: entries = [(mac, dev, extra)] with extra the rest of the line
    ("master br-lan", "vlan 1 master br-lan permanent", "self permanent")."""
    return "".join("%s dev %s %s\n" % (mac_str(mac), dev, extra) for mac, dev, extra in entries)


def udhcpd_conf(start, end, interface, lease_s, subnet, router, lease_file):
    """BusyBox udhcpd.conf (keywords of networking/udhcp/files.c; the layout of BusyBox's examples/udhcp/udhcpd.conf)."""
    return ("# udhcpd configuration\nstart\t\t%s\nend\t\t%s\ninterface\t%s\nmax_leases\t%d\n"
            "lease_file\t%s\nopt\tdns\t%s\noption\tsubnet\t%s\nopt\trouter\t%s\noption\tlease\t%d\t# seconds\n"
            % (start, end, interface, 254, lease_file, router, subnet, router, lease_s))


def dnsmasq_conf(lan_dev, start, end, netmask, lease):
    """The dnsmasq configuration OpenWrt's /etc/init.d/dnsmasq writes (/var/etc/dnsmasq.conf.<section id>):
    a few global lines and one dhcp-range per DHCP-enabled interface ("set:<network>,<start>,<end>,<netmask>,
    <leasetime>")."""
    return ("# auto-generated config file from /etc/config/dhcp\nconf-file=/etc/dnsmasq.conf\n"
            "dhcp-authoritative\ndomain-needed\nlocalise-queries\nread-ethers\nenable-ubus=dnsmasq\n"
            "expand-hosts\nbind-dynamic\nlocal-service\nedns-packet-max=1232\ndomain=lan\nlocal=/lan/\n"
            "addn-hosts=/tmp/hosts\ndhcp-leasefile=/tmp/dhcp.leases\nresolv-file=/tmp/resolv.conf.d/resolv.conf.auto\n"
            "stop-dns-rebind\nrebind-localhost-ok\ndhcp-broadcast=tag:needs-broadcast\n"
            "dhcp-ignore-names=tag:dhcp_bogus_hostname\nconf-dir=/tmp/dnsmasq.d\nuser=dnsmasq\ngroup=dnsmasq\n\n"
            "dhcp-ignore-names=tag:dhcp_bogus_hostname\n\n\nbogus-priv\nconf-file=/usr/share/dnsmasq/rfc6761.conf\n"
            "dhcp-range=set:lan,%s,%s,%s,%s\nno-dhcp-interface=wan\n" % (start, end, netmask, lease))


# ---- site survey (agent/diag/site_survey.cpp) ---------------------------------------------------------------

def iw_scan_dump(ifname, bsses):
    """`iw dev <if> scan dump`: iw scan.c print_bss_handler with the IE printers (RSN/WPA print_rsn_ie,
    HT/VHT operation print_ht_op/print_vht_oper, HE capabilities). bsses: dicts mac, freq, signal, ssid, sec
    ("wpa2", "wpa3t" PSK+SAE, "mixed" WPA+WPA2 TKIP/CCMP, "" open), ht_off, vht_width, he, ch."""
    out = []
    for b in bsses:
        two = b["freq"] < 3000
        privacy = b["sec"] != ""
        out += ["BSS %s(on %s)" % (b["mac"], ifname),
                "\tlast seen: 431876.512s [boottime]",
                "\tTSF: 89123456789 usec (1d, 00:45:23)",
                "\tfreq: %d.0" % b["freq"],
                "\tbeacon interval: 100 TUs",
                "\tcapability: ESS Privacy ShortSlotTime RadioMeasure (0x1411)" if privacy
                else "\tcapability: ESS ShortSlotTime (0x0401)",
                "\tsignal: %d.00 dBm" % b["signal"],
                "\tlast seen: 1240 ms ago",
                "\tSSID: %s" % b["ssid"],
                "\tSupported rates: 1.0* 2.0* 5.5* 11.0* 6.0 9.0 12.0 18.0 " if two
                else "\tSupported rates: 6.0* 9.0 12.0* 18.0 24.0* 36.0 48.0 54.0 ",
                "\tDS Parameter set: channel %d" % b["ch"]]
        if two:
            out.append("\tExtended supported rates: 24.0 36.0 48.0 54.0 ")
        if b["sec"] == "wpa2":
            out += ["\tRSN:\t * Version: 1", "\t\t * Group cipher: CCMP", "\t\t * Pairwise ciphers: CCMP",
                    "\t\t * Authentication suites: PSK", "\t\t * Capabilities: 1-PTKSA-RC 1-GTKSA-RC (0x0000)"]
        elif b["sec"] == "wpa3t":
            out += ["\tRSN:\t * Version: 1", "\t\t * Group cipher: CCMP", "\t\t * Pairwise ciphers: CCMP",
                    "\t\t * Authentication suites: PSK SAE",
                    "\t\t * Capabilities: 1-PTKSA-RC 1-GTKSA-RC MFP-capable (0x0080)"]
        elif b["sec"] == "mixed":
            out += ["\tRSN:\t * Version: 1", "\t\t * Group cipher: TKIP", "\t\t * Pairwise ciphers: TKIP CCMP",
                    "\t\t * Authentication suites: PSK", "\t\t * Capabilities: 16-PTKSA-RC 1-GTKSA-RC (0x000c)",
                    "\tWPA:\t * Version: 1", "\t\t * Group cipher: TKIP", "\t\t * Pairwise ciphers: TKIP CCMP",
                    "\t\t * Authentication suites: PSK"]
        out += ["\tHT capabilities:", "\t\tCapabilities: 0x1ad", "\t\t\tRX LDPC", "\t\t\tHT20",
                "\t\tMaximum RX AMPDU length 65535 bytes (exponent: 0x003)",
                "\tHT operation:", "\t\t * primary channel: %d" % b["ch"],
                "\t\t * secondary channel offset: %s" % (b.get("ht_off") or "no secondary"),
                "\t\t * STA channel width: " + ("any" if b.get("ht_off") else "20 MHz")]
        if b.get("vht_width"):
            out += ["\tVHT capabilities:", "\t\tVHT Capabilities (0x0f8b69b1):", "\t\t\tMax MPDU length: 7991",
                    "\tVHT operation:", "\t\t * channel width: %s" % b["vht_width"],
                    "\t\t * center freq segment 1: %d" % (b["ch"] + 6), "\t\t * center freq segment 2: 0"]
        if b.get("he"):
            out += ["\tHE capabilities:", "\t\tHE MAC Capabilities (0x000801185018):", "\t\t\t+HTC HE Supported"]
    return "\n".join(out) + "\n"


def realtek_ss_result(rows):
    """/proc/<if>/SS_Result of Realtek's rtl8192cd: ASSUMED layout (no capture): a header line, then per network
    SSID, BSSID, channel, RSSI in dBm and the encryption words. rows: (ssid, mac, ch, rssi, enc)."""
    out = [" SSID                             BSSID              Ch  RSSI  Encrypt"]
    for ssid, mac, ch, rssi, enc in rows:
        out.append(" %-32s %s  %-3d %-5d %s" % (ssid, mac, ch, rssi, enc))
    return "\n".join(out) + "\n"

