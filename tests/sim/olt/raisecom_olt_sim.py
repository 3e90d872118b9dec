#!/usr/bin/python3
"""Raisecom OLT (enterprise 8886) optical tables for snmpd's pass_persist.

snmpd runs this script once and talks to it over stdin/stdout with the pass_persist protocol
(snmpd.conf(5), "pass_persist"): "PING" -> "PONG"; "get"/"getnext" + OID line -> OID, type, value lines
or "NONE"; "set" + OID + value lines -> "not-writable". snmpd turns GETBULK into repeated getnext calls.

The OIDs, index layout and raw encodings are those in docs/bridge-olt.md (from shared tr181.md, unconfirmed
by the vendor). Values are a pure function of (slot, port, onu) so tests can compare against --dump.

Modes for tests: --omit-column (a column the OLT does not serve), --omit-cell (one row missing in one
column), --hang-after (stop answering mid-walk: snmpd then stops answering too, as a dead OLT would).
"""
import argparse
import bisect
import json
import sys

ONU_TABLE = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 6, 3, 1, 1)  # .16 Rx, .17 Tx, .18 temperature
OLT_RX = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 1, 3, 3, 1)     # .1 OLT-side Rx per ONU
ONU_INFO = (1, 3, 6, 1, 4, 1, 8886, 18, 3, 1, 3, 1, 1)   # .2 serial, .15 reason, .16 distance, .17 status

COLUMNS = {
    "rx": ONU_TABLE + (16,), "tx": ONU_TABLE + (17,), "temperature": ONU_TABLE + (18,),
    "olt_rx": OLT_RX + (1,), "serial": ONU_INFO + (2,), "offline_reason": ONU_INFO + (15,),
    "distance": ONU_INFO + (16,), "status": ONU_INFO + (17,),
}
LOS, DYING_GASP = 2, 6


def onu_index(slot, port, onu):
    return slot * 10**7 + port * 10**5 + onu * 1000 + 1


def offline_reason(onu):
    """Deterministic pattern: ONU 5, 21, 37... lost light; ONU 11, 27, 43... lost power."""
    if onu % 16 == 5:
        return LOS
    if onu % 16 == 11:
        return DYING_GASP
    return 0


def onu_values(slot, port, onu):
    """Engineering values, None where an offline ONU reports nothing (the raw encoding then says 0)."""
    online = offline_reason(onu) == 0
    rx = -15.0 - ((onu * 37 + port * 11 + slot) % 121) / 10.0   # -15.0 .. -27.0 dBm
    return {
        "onu": onu,
        "serial": "RCMG%02d%02d%04X" % (slot, port, 0xA000 + onu),
        "online": online,
        "rx_dbm": rx if online else None,
        "tx_dbm": 1.0 + (onu % 31) / 10.0 if online else None,
        "temperature_c": 30 + (onu * 7) % 25 if online else None,
        "olt_rx_dbm": round(rx - 1.2 - (onu % 5) / 10.0, 1) if online else None,
        "distance_m": 300 + onu * 97 if online else None,
        "offline_reason": None if online else offline_reason(onu),
    }


def raw_rows(slot, port, onu):
    v = onu_values(slot, port, onu)
    dbm_raw = lambda d: 0 if d is None else int(round(d * 500 + 15000))
    return {
        "rx": ("integer", dbm_raw(v["rx_dbm"])),
        "tx": ("integer", dbm_raw(v["tx_dbm"])),
        "temperature": ("integer", v["temperature_c"] or 0),
        "olt_rx": ("integer", 0 if v["olt_rx_dbm"] is None else int(round(v["olt_rx_dbm"] * 10))),
        "serial": ("string", v["serial"]),
        "offline_reason": ("integer", v["offline_reason"] or 0),
        "distance": ("integer", v["distance_m"] or 0),
        "status": ("integer", 1 if v["online"] else 3),
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
                entries.append((COLUMNS[col] + (onu_index(slot, port, onu),), typ, val))
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
