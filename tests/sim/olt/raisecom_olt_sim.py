#!/usr/bin/python3
"""Raisecom GPON OLT (enterprise 8886) ONU tables for snmpd's pass_persist.

snmpd runs this script once and talks to it over stdin/stdout with the pass_persist protocol
(snmpd.conf(5), "pass_persist"): "PING" -> "PONG"; "get"/"getnext" + OID line -> OID, type, value lines
or "NONE"; "set" + OID + value lines -> "not-writable". snmpd turns GETBULK into repeated getnext calls.

Source of the facts served here (independent of our code): issue 17 and the shared reference tr181.md
("Raisecom OLT SNMP (enterprise 8886)", revised 2026-12), which agree with Raisecom's own management software's
ONU helpers and two open-source OLT tools in production use:
- optical table rcGponOnuPonMngTable .18.3.6.3.1.1.x (.16 Rx, .17 Tx, .18 temperature, .19 voltage), index
  slot*10^7 + port*10^5 + onu*1000 + 1 for ONUs 1..99; ONUs 100..128 under a (3<<28) prefix:
  (3<<28) + slot*10^7 + port*10^5 + (onu % 100)*1000 + 1;
- ONU table rcGponONUTable .18.3.1.3.1.1.x (.2 serial, .15 offline reason, .16 distance, .17 status) and OLT-side
  Rx .18.3.1.3.3.1.1, index type2id = (1<<28) | (slot<<23) | (port<<16) | onu on firmware 2.x/3.x, and
  slot*10^7 + port*10^5 + onu on older firmware (--scheme picks one per simulated OLT);
- Rx/Tx: dBm = (raw - 15000)/500 with raw a signed 16-bit number, sent as its unsigned pattern (-31 dBm -> 65036);
  temperature raw/256 degC, signed 16-bit; voltage raw * 0.02 V; OLT-side Rx raw/10 dBm;
- status (rcGponONUWorkStatus) 1 online, 2 pending, 3 offline;
- offline reason (rcGponONUOfflineReason, the last down cause, kept while the ONU is online again): 1 unknown,
  2 CLI deactivation, 3 host request, 4 alarm, 6 dying gasp, 12 backbone fibre cut, 13 branch fibre cut, ... up
  to 28. Code 24 is served as one our sources do not name.
Assumptions (no source): an ONU that is not online reports 0 in the optical columns, distance and OLT-side Rx
(as the previous reference note said for offline ONUs); a pending ONU likewise.

Values are a pure function of (slot, port, onu) so tests can compare against --dump.

Modes for tests: --omit-column (a column the OLT does not serve), --omit-cell (one row missing in one
column), --hang-after (stop answering mid-walk: snmpd then stops answering too, as a dead OLT would).
"""
import argparse
import bisect
import json
import sys

ONU_OPTICAL = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 6, 3, 1, 1)  # .16 Rx, .17 Tx, .18 temperature, .19 voltage
OLT_RX = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 1, 3, 3, 1)       # .1 OLT-side Rx per ONU
ONU_INFO = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 1, 3, 1, 1)     # .2 serial, .15 reason, .16 distance, .17 status

COLUMNS = {
    "rx": ONU_OPTICAL + (16,), "tx": ONU_OPTICAL + (17,), "temperature": ONU_OPTICAL + (18,),
    "voltage": ONU_OPTICAL + (19,), "olt_rx": OLT_RX + (1,), "serial": ONU_INFO + (2,),
    "offline_reason": ONU_INFO + (15,), "distance": ONU_INFO + (16,), "status": ONU_INFO + (17,),
}
OPTICAL_COLUMNS = {"rx", "tx", "temperature", "voltage"}
ONLINE, PENDING, OFFLINE = 1, 2, 3
# Offline ONUs (5, 21, 37, ...) take these causes in turn, so a 128-ONU PON shows each one.
OFFLINE_CAUSES = (2, 6, 12, 13, 1, 3, 4, 24)
STALE_CAUSE = 6  # what an online ONU that once lost power still reports


def optical_index(slot, port, onu):
    v = slot * 10**7 + port * 10**5 + (onu % 100) * 1000 + 1
    return v + (3 << 28) if onu >= 100 else v


def onu_index(scheme, slot, port, onu):
    if scheme == "type2id":
        return (1 << 28) | (slot << 23) | (port << 16) | onu
    return slot * 10**7 + port * 10**5 + onu


def status_of(onu):
    """ONU 5, 21, 37... offline; ONU 11, 43, 75, 107 pending; the others online."""
    if onu % 16 == 5:
        return OFFLINE
    if onu % 32 == 11:
        return PENDING
    return ONLINE


def reason_code(onu):
    status = status_of(onu)
    if status == OFFLINE:
        return OFFLINE_CAUSES[(onu // 16) % len(OFFLINE_CAUSES)]
    if status == PENDING:
        return 13
    return STALE_CAUSE if onu % 3 == 0 else 0


def onu_values(slot, port, onu):
    """Engineering values, None where an ONU that is not online reports nothing (the raw encoding then says 0)."""
    status = status_of(onu)
    online = status == ONLINE
    rx = -8.0 - ((onu * 37 + port * 11 + slot) % 251) / 10.0   # -8.0 .. -33.0 dBm: some below -30 (raw < 0)
    if rx == -30.0:
        rx = -30.1  # raw 0 means "no light"
    return {
        "onu": onu,
        "serial": "RCMG%02d%02d%04X" % (slot, port, 0xA000 + onu),
        "status": {ONLINE: "online", PENDING: "pending", OFFLINE: "offline"}[status],
        "online": online,
        "rx_dbm": rx if online else None,
        "tx_dbm": -1.0 + (onu % 51) / 10.0 if online else None,   # -1.0 .. 4.0 dBm
        "temperature_c": -10.0 + (onu * 7) % 70 + (onu % 2) * 0.5 if online else None,  # some below 0 degC
        "voltage_v": round(3.10 + (onu % 10) * 0.02, 2) if online else None,
        "olt_rx_dbm": round(rx - 1.2 - (onu % 5) / 10.0, 1) if online else None,
        "distance_m": 300 + onu * 97 if online else None,
        "offline_reason": None if online else reason_code(onu),
    }


def u16(v):
    """A signed 16-bit number as the OLT sends it: its unsigned pattern."""
    assert -32768 <= v <= 32767
    return v & 0xFFFF


def raw_rows(slot, port, onu):
    v = onu_values(slot, port, onu)
    dbm_raw = lambda d: 0 if d is None else u16(int(round(d * 500 + 15000)))
    return {
        "rx": ("integer", dbm_raw(v["rx_dbm"])),
        "tx": ("integer", dbm_raw(v["tx_dbm"])),
        "temperature": ("integer", 0 if v["temperature_c"] is None else u16(int(round(v["temperature_c"] * 256)))),
        "voltage": ("integer", 0 if v["voltage_v"] is None else int(round(v["voltage_v"] / 0.02))),
        "olt_rx": ("integer", 0 if v["olt_rx_dbm"] is None else int(round(v["olt_rx_dbm"] * 10))),
        "serial": ("string", v["serial"]),
        "offline_reason": ("integer", reason_code(onu)),
        "distance": ("integer", v["distance_m"] or 0),
        "status": ("integer", status_of(onu)),
    }


def build(args):
    entries = []
    omit_cells = set()
    for spec in args.omit_cell:
        col, onu = spec.split(":")
        omit_cells.add((col, int(onu)))
    for pon in args.pon:
        slot, port, count = (int(x) for x in pon.split("/"))
        for onu in range(1, count + 1):
            for col, (typ, val) in raw_rows(slot, port, onu).items():
                if col in args.omit_column or (col, onu) in omit_cells:
                    continue
                index = optical_index(slot, port, onu) if col in OPTICAL_COLUMNS else \
                    onu_index(args.scheme, slot, port, onu)
                entries.append((COLUMNS[col] + (index,), typ, val))
    entries.sort()
    return entries


def parse_oid(text):
    text = text.strip().lstrip(".")
    try:
        return tuple(int(x) for x in text.split(".")) if text else ()
    except ValueError:
        return None


def serve(entries, hang_after):
    keys = [e[0] for e in entries]
    served = 0
    out = sys.stdout
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        cmd = line.strip()
        if cmd == "PING":
            out.write("PONG\n")
        elif cmd in ("get", "getnext"):
            oid = parse_oid(sys.stdin.readline())
            served += 1
            if hang_after and served > hang_after:
                while sys.stdin.readline():  # never answer; leave when snmpd goes away
                    pass
                return
            found = None
            if oid is not None:
                if cmd == "get":
                    i = bisect.bisect_left(keys, oid)
                    found = entries[i] if i < len(keys) and keys[i] == oid else None
                else:
                    i = bisect.bisect_right(keys, oid)
                    found = entries[i] if i < len(keys) else None
            if found is None:
                out.write("NONE\n")
            else:
                out.write("." + ".".join(map(str, found[0])) + "\n" + found[1] + "\n" + str(found[2]) + "\n")
        elif cmd == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            out.write("not-writable\n")
        elif cmd == "":
            continue
        else:
            out.write("NONE\n")
        out.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pon", action="append", default=[], metavar="SLOT/PORT/ONUS",
                   help="serve one PON of ONUS ONUs (repeatable)")
    p.add_argument("--scheme", choices=("type2id", "legacy"), default="type2id",
                   help="the ONU table's index: firmware 2.x/3.x (type2id) or older (legacy)")
    p.add_argument("--omit-column", action="append", default=[], choices=sorted(COLUMNS))
    p.add_argument("--omit-cell", action="append", default=[], metavar="COLUMN:ONU")
    p.add_argument("--hang-after", type=int, default=0, metavar="N",
                   help="stop answering after N get/getnext requests")
    p.add_argument("--argv-pad", help=argparse.SUPPRESS)  # see snmpd.conf.in
    p.add_argument("--dump", action="store_true", help="print the engineering values as JSON and exit")
    args = p.parse_args()
    if args.dump:
        rows = []
        for pon in args.pon:
            slot, port, count = (int(x) for x in pon.split("/"))
            rows += [dict(onu_values(slot, port, onu), slot=slot, port=port) for onu in range(1, count + 1)]
        json.dump(rows, sys.stdout)
        return
    serve(build(args), args.hang_after)


if __name__ == "__main__":
    main()
