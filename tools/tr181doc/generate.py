#!/usr/bin/env python3
"""Writes the parameter table of docs/tr181.md from the agent's supported model (agent/model/device.tr181).

Every parameter the schema declares gets a row: TR-181 status in the declared root version (2.17), type, unit and
the collector(s) it comes from. The rows are between the "<!-- table -->" markers; the rest of docs/tr181.md is
hand-written. tests/unit/agent_model (Tr181Doc) checks the table against the schema and the emitted trees.

    /usr/bin/python3 tools/tr181doc/generate.py [--check]
"""

import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA = os.path.join(REPO, "agent", "model", "device.tr181")
# The operator's TR-106 prefix replaces the schema's X_VENDOR_ at run time; the table shows the documentation one.
EXAMPLE_PREFIX = "X_EXAMPLE-NET_"
DOC = os.path.join(REPO, "docs", "tr181.md")

# Source collector by path prefix (longest match wins).
SOURCES = [
    ("Device.RootDataModelVersion", "(constant)"),
    ("Device.DeviceInfo.", "identity"),
    ("Device.DeviceInfo.UpTime", "system"),
    ("Device.DeviceInfo.MemoryStatus.", "system"),
    ("Device.DeviceInfo.ProcessStatus.", "system"),
    ("Device.Hosts.", "leases, arp, stations, mesh, bridge_fdb"),
    ("Device.DHCPv4.", "leases_dnsmasq / leases_udhcpd (+ presence: arp, stations, mesh)"),
    ("Device.DHCPv4.Server.Pool.{i}.MinAddress", "dhcp_config"),
    ("Device.DHCPv4.Server.Pool.{i}.MaxAddress", "dhcp_config"),
    ("Device.DHCPv4.Server.Pool.{i}.SubnetMask", "dhcp_config"),
    ("Device.DHCPv4.Server.Pool.{i}.LeaseTime", "dhcp_config"),
    ("Device.Ethernet.", "sysfs_net"),
    ("Device.Ethernet.Link.", "ip_addr, sysfs_net, bridge_fdb (brif)"),
    ("Device.Bridging.", "bridge_fdb (brif), sysfs_net"),
    ("Device.PPP.", "ip_addr, sysfs_net"),
    ("Device.IP.Interface.{i}.LowerLayers", "ip_addr, bridge_fdb (brif)"),
    ("Device.IP.", "ip_addr, sysfs_net"),
    ("Device.WiFi.", "profile (names, bands), sysfs_net"),
    ("Device.WiFi.Radio.{i}.Channel", "wifi_info"),
    ("Device.WiFi.SSID.{i}.SSID", "wifi_info"),
    ("Device.WiFi.AccessPoint.{i}.AssociatedDevice.", "iw_station / wl_broadcom / realtek_wlan"),
    ("Device.WiFi.MultiAP.", "mesh"),
    ("Device.WiFi.DataElements.", "mesh"),
    ("Device.Optical.", "econet_pon / realtek_pon"),
    ("Device.XPON.", "econet_pon / realtek_pon"),
    ("Device.LocalAgent.", "agent (USP)"),
    ("Device.SoftwareModules.", "agent (self-update: agent/update)"),
]
DEPRECATED = ["Device.WiFi.MultiAP."]  # deprecated 2.15, deleted 2.18: present in 2.17
UNITS = {
    "Device.DeviceInfo.UpTime": "s", "Device.DeviceInfo.MemoryStatus.Total": "KiB",
    "Device.DeviceInfo.MemoryStatus.Free": "KiB", "Device.DeviceInfo.ProcessStatus.CPUUsage": "%",
    "Device.Ethernet.Interface.{i}.MaxBitRate": "Mbps", "Device.Ethernet.Interface.{i}.CurrentBitRate": "Mbps",
    "SignalStrength@AccessPoint": "dBm", "Noise": "dBm", "SNR": "dB",
    "LastDataDownlinkRate": "kbps", "LastDataUplinkRate": "kbps", "EstMACDataRateDownlink": "Mbps",
    "SignalStrength@mesh": "RCPI 0–255", "BackhaulSignalStrength": "RCPI 0–255", "X_EXAMPLE-NET_BackhaulLinkRate": "kbps",
    "LastConnectTime": "s", "OpticalSignalLevel": "dBm/1000", "TransmitOpticalLevel": "dBm/1000",
    "RxPower": "0.1 dBm", "TxPower": "0.1 dBm", "Voltage": "mV", "Bias": "µA", "Temperature": "°C",
    "Device.LocalAgent.PeriodicNotifInterval": "s", "Device.DHCPv4.Server.Pool.{i}.LeaseTime": "s (−1 infinite)", "NotifExpiration": "s", "TimeToLive": "s",
    "Device.Ethernet.LinkNumberOfEntries": "",
    "BytesSent": "bytes", "BytesReceived": "bytes", "PacketsSent": "packets", "PacketsReceived": "packets",
}


def rows():
    out = []
    obj = None
    with open(SCHEMA, encoding="utf-8") as f:
        for line in f:
            t = line.split("#", 1)[0].strip().replace("X_VENDOR_", EXAMPLE_PREFIX)
            if t.startswith("object "):
                obj = t.split()[1]
            elif t.startswith("param ") and obj:
                parts = t.split()
                path = obj + parts[1]
                source = max((p for p in SOURCES if path.startswith(p[0])), key=lambda p: len(p[0]))[1]
                status = "deprecated (2.15; deleted 2.18)" if any(path.startswith(d) for d in DEPRECATED) else \
                    ("vendor extension" if "X_" in parts[1] else "current")
                name = parts[1]
                unit = UNITS.get(path) or UNITS.get(name + ("@mesh" if ("MultiAP" in path or "DataElements" in path)
                                                           else "@AccessPoint")) or UNITS.get(name, "")
                out.append("| `%s` | %s | %s | %s | %s |" % (path, status, parts[2], unit, source))
    return out


def command_rows():
    out = []
    with open(SCHEMA, encoding="utf-8") as f:
        for line in f:
            t = line.split("#", 1)[0].strip().replace("X_VENDOR_", EXAMPLE_PREFIX)
            if not t.startswith("command "):
                continue
            parts = t.split()
            attrs = {"in": "", "out": ""}
            for w in parts[2:]:
                if "=" in w:
                    k, v = w.split("=", 1)
                    attrs[k] = ", ".join(v.split(","))
            out.append("| `%s` | %s | %s | %s |" % (parts[1], "async" if "async" in parts[2:] else "sync",
                                                     attrs["in"] or "—", attrs["out"] or "—"))
    return out


def replace_block(doc, start, end, head, lines):
    table = start + "\n" + head + "\n".join(lines) + "\n" + end
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: table, doc, flags=re.S)


def render(doc):
    doc = replace_block(doc, "<!-- table -->", "<!-- /table -->",
                        "| parameter | status in 2.17 | type | unit | source |\n|---|---|---|---|---|\n", rows())
    return replace_block(doc, "<!-- commands -->", "<!-- /commands -->",
                         "| command | kind | input arguments | output arguments |\n|---|---|---|---|\n", command_rows())


def main(argv):
    with open(DOC, encoding="utf-8") as f:
        old = f.read()
    new = render(old)
    if "--check" in argv:
        if new != old:
            print("docs/tr181.md is stale: run /usr/bin/python3 tools/tr181doc/generate.py", file=sys.stderr)
            return 1
        return 0
    if new != old:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(new)
        print("write docs/tr181.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
