#!/usr/bin/python3
"""GenieACS NBI (v1.2.16) simulator for the hub's GenieACS client tests and demos. Standard library only.

Every behaviour follows shared reference/genieacs-nbi.md ("the doc" below) unless marked "sim:" (a choice of
this simulator where the real NBI would crash, hang or where the doc is silent).

    /usr/bin/python3 nbi_sim.py --fleet fleet.json [--port 0] [--dump tplink-xx230v-tr181-dump.csv]

Prints "READY <port>" on stdout once listening, then serves until killed. Devices come from the fleet file
(tests/sim/fleet/make_fleet.py): XX230v units are built from the real XX230v dump (GenieACS CSV export) with
per-device serial, GPON serial, MACs, optical levels and hosts; HT803G units get a TR-098 tree.

Test-only control endpoints (same port):
  GET  /__sim/stats                 counters: requests, device_queries, devices_returned, tasks_posted, ...
  POST /__sim/fault {"delay_ms":N, "status":503, "malformed":true, "corrupt":true, "count":K, "after":A,
                     "paths":"/devices", "ids":["<device id>", ...]}
                                    after A matching requests pass untouched, the next K (-1 = all) are delayed /
                                    answered with `status` / get a truncated JSON body / get their first device
                                    document with a parameter that is not an object; {} clears. With "ids": only
                                    /devices answers holding one of those devices fail (every time: count and after
                                    are not used), and "corrupt" spoils those devices' documents
  POST /__sim/online {"id":"<device id>", "online":false, "session_ms":N}
                                    online=true also runs the device's queued tasks that have not expired (its next
                                    session); session_ms: how long each connection-request session takes
  POST /__sim/session_fault {"id":"<device id>", "code":"cwmp.9002", "message":"Internal error"}
                                    the device's next session answers its task with that CWMP fault
  POST /__sim/cpe {"id":"<device id>", "params":{"<path>":[value, "xsd:type"] | null, ...}}
                                    values the CPE has now but GenieACS has not read yet (null: an object or
                                    instance); a task that reads a path (refreshObject / getParameterValues of it or
                                    of an object above it) brings them into the device's document
  POST /__sim/fleet {"remove":["<id>", ...], "clone":[{"from":"<id>", "tr069_serial":"..."}], "after_queries":N}
                                    removes / adds devices (a clone gets the new serial and the id made from it),
                                    now or once N more device queries have been answered (a fleet that changes
                                    while a client pages through it)
  POST /__sim/diagnostics {"id":"<device id>", "delay_ms":N, "success":S, "failure":F, "avg_ms":A, "min_ms":m,
                     "max_ms":M, "state":"Complete", "inform":true}
                                    how the device's next IP ping diagnostic ends (see "Diagnostics" below); "inform":
                                    false: the CPE never sends its 8 DIAGNOSTICS COMPLETE inform
  POST /__sim/download {"id":"<device id>", "status":1, "delay_ms":N, "code":"9010", "message":"Download failure"}
                                    how the device answers its next Download RPCs (see "Files and downloads" below):
                                    DownloadResponse Status 0 (done in the session) or 1 (default: later), then after
                                    delay_ms (default 300) TransferComplete, with the fault code/message when "code"
                                    is given; {"id":...} alone: back to success
  POST /__sim/reset                 clears faults, counters, tasks, files, operations, pending fleet changes; the fleet
                                    file's devices again

Files and downloads (GenieACS lib/nbi.ts, lib/cwmp.ts, lib/cwmp/db.ts, lib/session.ts, read for behaviour):
  PUT /files/<name> (lib/nbi.ts, the FILES_REGEX branch): the body is the file; headers fileType, oui, productClass,
    version become its `metadata`; an existing file of that name is deleted first (a second PUT overwrites); the
    answer is 201 with an empty body. The stored document is GridFS's fs.files record (lib/db/db.ts: the `files`
    collection is "fs.files"): {_id: name, filename: name, length, chunkSize, uploadDate, metadata}. sim
    (assumption): a header that is absent is stored as null (the Node driver serializes undefined as null).
  DELETE /files/<name>: 200, or 404 "404 Not Found" when there is none (FileNotFound). GET /files/<name>: 405 with
    Allow: PUT, DELETE (that branch answers nothing else). GET /files/?query=…: the query of every collection
    (QUERY_REGEX), e.g. {"_id":"<name>"} or {"metadata.version":"…"}.
  A download task {"name":"download","file":"<name>"}: lib/api-functions.ts accepts `file` (the id of a file) in
    place of fileType + fileName; lib/cwmp/db.ts getDueTasks ("For API compatibility") fills fileType from the
    file's metadata.fileType and fileName from its filename; an unknown file leaves both empty. lib/cwmp.ts nextRpc
    turns it into a "download" provision, lib/session.ts rpcRequest sends the Download RPC (URL: the file server's
    prefix + the file name, FileSize its length).
  DownloadResponse Status 0 (lib/session.ts rpcResponse): done; Downloads.<i>.LastDownload/LastFileType/… are set.
    Status 1: an operation is stored (lib/cwmp/db.ts saveOperation: /operations _id "<device>:<command key>", name
    "Download", channels/provisions/retries/args as JSON strings); either way the declaration is met, so the task's
    channel is done and the task is deleted at the session's end (lib/cwmp.ts nextRpc + clearTasks): the NBI answers
    200.
  TransferComplete (lib/session.ts transferComplete; lib/cwmp.ts transferComplete + recordFault): the operation
    is deleted; a FaultStruct with a code other than "0" becomes the fault of the task's channel,
    "<device>:task_<task id>" in /faults, code "cwmp.<FaultCode>", message the FaultString, detail the FaultStruct,
    timestamp the operation's, retries 0, provisions as a JSON string (lib/cwmp/db.ts saveFault) — while the task
    itself stays deleted. Without a fault, Downloads.<i>.LastDownload, StartTime, CompleteTime… are set. sim
    (assumption): the CPE reboots into a firmware image (FileType "1 Firmware Upgrade Image") and its next Inform
    carries the file's metadata.version as DeviceInfo.SoftwareVersion (a forced Inform parameter, TR-069 Amendment 6
    A.3.3.1), with a new _lastBoot.
  A Download the CPE cannot take (sim, assumption): an empty FileType or file name (an unknown `file`) is answered
    with the SOAP fault 9003 Invalid arguments (TR-069 Amendment 6 A.5.1): the task faults in the session and stays
    in /tasks with its fault (lib/cwmp.ts recordFault; the NBI answers 202 "Task faulted"). A file deleted before
    the CPE fetched it: TransferComplete with 9016 (A.5.1 "Download failure: unable to access file"; assumption).

Paging (GenieACS lib/nbi.ts and lib/query.ts, read for behaviour): `sort` keys are rewritten like query keys, then
MongoDB applies sort, `skip`, `limit` (0 = no limit); the `total` header is the query's count, skip and limit
ignored; `_id` is never rewritten and `{"_id": {"$gt": "<id>"}}` compares strings (the number/date forms GenieACS
adds for a string never match a string _id: MongoDB compares values of one type).

Diagnostics (issue 14). TR-069 Amendment 6 (3.2.1 / Table 7, and Annex B DiagnosticsState): an ACS starts a
diagnostic by setting the diagnostics object's parameters with DiagnosticsState = "Requested"; once the session
ends, the CPE runs it, sets DiagnosticsState to "Complete" (or an Error_… value) with the results, and opens a new
session whose Inform carries the event "8 DIAGNOSTICS COMPLETE". GenieACS keeps that event only for the session:
lib/session.ts inform() sets Events.<code, spaces as '_'> in the session's data, but lib/cwmp/db.ts saveDevice()
persists only Inform, 1_BOOT, 0_BOOTSTRAP and Registered (as _lastInform, _lastBoot, _lastBootstrap, _registered),
so the document shows the inform as a newer _lastInform and nothing else; the results stay on the CPE until a task
(or a preset's provision) reads them (GenieACS does not read them by itself). A setParameterValues that the CPE
accepts updates the document's values (GenieACS writes the values it set). sim: the ping's outcome is what
/__sim/diagnostics said (default: 4 of 4 replies, 12/10/15 ms), after delay_ms (default 300).

Speed (the doc: "Only `_id` is indexed: parameter queries scan the collection"): a query on `_id` alone (equality,
$gt/$gte/$lt/$lte, and $and of those) sorted by `_id` or unsorted is answered from a sorted index of ids, like
MongoDB's _id index; other queries scan every device. A device's document for a projection is built once and kept
until the device changes (a task, /__sim/online, /__sim/fleet).
"""

import argparse
import bisect
import copy
import csv
import datetime
import json
import os
import re
import sys
import threading
import time
from urllib.parse import parse_qsl, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fleet"))
from make_fleet import generate_device_id  # noqa: E402  (same id rules for the generator and the sim)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simkit  # noqa: E402  (the simulators' shared HTTP plumbing)

DEFAULT_DUMP = os.path.join(HERE, "..", "data", "tplink-xx230v-tr181-dump.csv")
MISSING = object()

# ---------------------------------------------------------------------------------------------------------------
# Device trees: a flat map path -> leaf/object attributes. Leaves: {"value": (v, type) or absent, "ts", "writable"};
# objects: {"object": True, "ts", "writable"}. XX230v devices share one template (the dump) plus per-device overrides.


def typed(value, vtype):
    if vtype == "xsd:boolean":
        return value.lower() == "true"
    if vtype in ("xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong"):
        try:
            return int(value)
        except ValueError:
            return value
    return value  # strings; dateTime is an ISO string in NBI output


def load_dump(path):
    tree = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            p = row["Parameter"]
            if row["Object"] == "true":
                tree[p] = {"object": True, "ts": row["Object timestamp"], "writable": row["Writable"] == "true"}
            else:
                leaf = {"object": False, "ts": row["Object timestamp"], "writable": row["Writable"] == "true"}
                if row["Value type"]:  # never-fetched leaves have no _value (the doc)
                    leaf["value"] = (typed(row["Value"], row["Value type"]), row["Value type"])
                    leaf["ts"] = row["Value timestamp"] or leaf["ts"]
                tree[p] = leaf
    return tree


TEMPLATE_SERIAL = "22275A7000395"
TEMPLATE_MAC_RE = re.compile(r"([0-9A-F]{2}):61:B4:FB:2A:([0-9A-F]{2})")
TEMPLATE_MAC_PLAIN_RE = re.compile(r"([0-9A-F]{2})61B4FB2A([0-9A-F]{2})")
HOST_RE = re.compile(r"^Device\.Hosts\.Host\.(\d+)(\.|$)")


def leaf(value, vtype, ts, writable=False):
    return {"object": False, "value": (value, vtype), "ts": ts, "writable": writable}


def obj(ts, writable=False):
    return {"object": True, "ts": ts, "writable": writable}


_VARYING = {}


def template_varying(template):
    """The dump's entries that differ per device (hosts, serial, MACs), computed once per template."""
    key = id(template)
    if key not in _VARYING:
        out = []
        for p, a in template.items():
            v = a.get("value")
            if HOST_RE.match(p) or (v and isinstance(v[0], str) and
                                    (TEMPLATE_SERIAL in v[0] or "FB:2A" in v[0] or "FB2A" in v[0])):
                out.append((p, a))
        _VARYING[key] = out
    return _VARYING[key]


_SORTED_KEYS = {}


def sorted_keys(template):
    key = id(template)
    if key not in _SORTED_KEYS:
        _SORTED_KEYS[key] = sorted(template)
    return _SORTED_KEYS[key]


def prefix_range(keys, prefix):
    """The slice of sorted `keys` starting with `prefix` ('.' + 1 is '/': the first string after the subtree)."""
    lo = bisect.bisect_left(keys, prefix)
    hi = bisect.bisect_left(keys, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo)
    return keys[lo:hi]


class Device:
    def __init__(self, spec, template):
        self.spec = spec
        self.docs = {}  # projection (tuple, None = all) -> encoded document; cleared when the device changes
        self.over_keys = None
        self.id = generate_device_id(spec["oui"], spec["product_class"], spec["tr069_serial"])
        self.online = spec["online"]
        self.last_inform = spec["last_inform"]
        self.last_boot = spec["last_boot"]
        self.registered = spec["registered"]
        self.tags = ["agent"] if spec.get("agent") else []
        self.template = template if spec["model"] == "XX230v" else {}
        self.over = self.build_xx230v() if spec["model"] == "XX230v" else self.build_ht803g()
        self.session_ms = 0
        self.next_fault = None
        self.ping_outcome = {}  # /__sim/diagnostics
        self.download_outcome = {}  # /__sim/download
        # What the CPE holds that GenieACS has not read yet (path -> attributes): GenieACS's document holds the
        # values of its last read, each with its _timestamp (the doc: leaves {_value,_type,_timestamp,...}); a
        # value changes there only when a session reads it. The fleet file may list some (cpe_params).
        self.staged = {}
        for p, v in (spec.get("cpe_params") or {}).items():
            self.stage(p, v, spec["last_inform"])

    def stage(self, path, v, ts):
        # A leaf the CPE changes keeps its writability (GetParameterNames answers the same for it).
        writable = bool((self.attr(path) or {}).get("writable", False))
        self.staged[path] = obj(ts, True) if v is None else leaf(v[0], v[1], ts, writable)
        parts = path.split(".")
        for i in range(1, len(parts)):  # the instances and objects above it
            parent = ".".join(parts[:i])
            if parent not in self.staged and self.attr(parent) is None:
                self.staged[parent] = obj(ts, True)

    def read(self, path):
        """A session reads `path` (refreshObject / getParameterValues): what the CPE holds under it comes into the
        document with _timestamp now (the doc: leaves carry the _timestamp of their read). False: no such path on
        the device; the task still ends without fault — a refreshObject of Device.Hosts on a TR-098 device answered
        200 and read nothing in a test against a real GenieACS 1.2.16 (issue 11); sim (assumption): the same for
        any path the device lacks."""
        now = now_iso()
        found = False
        for p in sorted(p for p in self.staged if p == path or p.startswith(path + ".")):
            a = self.staged.pop(p)
            if a.get("removed"):  # an instance the CPE no longer has: the read drops it and what is under it
                for q, _ in list(self.subtree(p)):
                    self.over[q] = None
                self.over_keys = None
                found = True
                continue
            a["ts"] = now
            self.over[p] = a
            found = True
        self.over_keys = None
        for p, a in list(self.subtree(path)):
            b = dict(a)
            b["ts"] = now
            self.over[p] = b
            found = True
        self.over_keys = None
        self.changed()
        return found

    def mac_sub(self, text):
        d = [int(x, 16) for x in self.spec["mac"].split(":")]

        def sub(m, sep):
            last = (d[5] + int(m.group(2), 16) - 0xC8) % 256
            octets = [m.group(1), "61", "B4", "%02X" % d[3], "%02X" % d[4], "%02X" % last]
            return sep.join(octets)
        text = TEMPLATE_MAC_RE.sub(lambda m: sub(m, ":"), text)
        return TEMPLATE_MAC_PLAIN_RE.sub(lambda m: sub(m, ""), text)

    def build_xx230v(self):
        s, ts = self.spec, self.spec["last_inform"]
        over = {}
        for p, a in template_varying(self.template):
            if HOST_RE.match(p):
                over[p] = None  # the dump's hosts are replaced by this device's hosts below
                continue
            v = a.get("value")
            if v and isinstance(v[0], str) and (TEMPLATE_SERIAL in v[0] or "FB:2A" in v[0] or "FB2A" in v[0]):
                b = dict(a)
                b["value"] = (self.mac_sub(v[0].replace(TEMPLATE_SERIAL, s["tr069_serial"])), v[1])
                over[p] = b
        gp = "Device.Optical.Interface.1."
        over[gp + "GponAuth.GponSn"] = leaf(s["gpon_serial"], "xsd:string", ts, True)
        g = gp + "X_TP_GPON_Config."
        for k, f in (("RXPower", "rx_power"), ("TXPower", "tx_power"), ("TransceiverTemperature", "temperature"),
                     ("SupplyVottage", "voltage"), ("BiasCurrent", "bias_current")):
            over[g + k] = leaf(s[f] if s["online"] else 0, "xsd:int", ts)
        over["Device.DeviceInfo.SoftwareVersion"] = leaf(s["software_version"], "xsd:string", ts)
        shape = {p[len("Device.Hosts.Host.1."):]: a for p, a in self.template.items()
                 if p.startswith("Device.Hosts.Host.1.")}
        for i, h in enumerate(s["hosts"], start=1):
            base = "Device.Hosts.Host.%d" % i
            over[base] = obj(ts, True)
            vals = {"PhysAddress": h["mac"], "IPAddress": h["ip"], "HostName": h["hostname"], "Active": h["active"],
                    "X_TP_LanConnType": 0 if h["wifi"] else 5, "X_TP_Vendor": h["vendor"],
                    "X_TP_LanConnDev": "Unknown", "LeaseTimeRemaining": h["lease_remaining"],
                    "AddressSource": "DHCP"}
            for name, a in shape.items():
                b = dict(a)
                b["ts"] = ts
                if name in vals and "value" in a:
                    b["value"] = (vals[name], a["value"][1])
                over[base + "." + name] = b
        over["Device.Hosts.HostNumberOfEntries"] = leaf(len(s["hosts"]), "xsd:unsignedInt", ts)
        return over

    def build_ht803g(self):
        s, ts = self.spec, self.spec["last_inform"]
        r = "InternetGatewayDevice."
        t = {r[:-1]: obj(ts)}
        for p in ("DeviceInfo", "ManagementServer", "WANDevice", "WANDevice.1", "WANDevice.1.X_CT-COM_GponInterfaceConfig",
                  "LANDevice", "LANDevice.1", "LANDevice.1.Hosts", "LANDevice.1.Hosts.Host"):
            t[r + p] = obj(ts)
        di = r + "DeviceInfo."
        for k, v in (("Manufacturer", "Raisecom"), ("ManufacturerOUI", s["oui"]), ("ModelName", "HT803G"),
                     ("ProductClass", s["product_class"]), ("SerialNumber", s["tr069_serial"]),
                     ("HardwareVersion", s["hardware_version"]), ("SoftwareVersion", s["software_version"])):
            t[di + k] = leaf(v, "xsd:string", ts)
        t[di + "UpTime"] = leaf(86400, "xsd:unsignedInt", ts)
        t[r + "ManagementServer.ConnectionRequestURL"] = leaf("http://10.0.0.1:7547/", "xsd:string", ts)
        # boards.md: X_CT-COM_GponInterfaceConfig.RXPower/TXPower in 0.1 uW. sim: the GponSn leaf name here is an
        # assumption (unconfirmed for the HT803G); the client's GPON-serial paths are configurable.
        g = r + "WANDevice.1.X_CT-COM_GponInterfaceConfig."
        for k, f in (("RXPower", "rx_power"), ("TXPower", "tx_power"), ("TransceiverTemperature", "temperature"),
                     ("SupplyVoltage", "voltage"), ("BiasCurrent", "bias_current")):
            t[g + k] = leaf(s[f] if s["online"] else 0, "xsd:int", ts)
        t[g + "GponSn"] = leaf(s["gpon_serial"], "xsd:string", ts)
        t[g + "Status"] = leaf("Up" if s["online"] else "Down", "xsd:string", ts)
        rev_t = s["hardware_version"] != "N.00"
        for i, h in enumerate(s["hosts"], start=1):
            b = r + "LANDevice.1.Hosts.Host.%d" % i
            t[b] = obj(ts)
            t[b + ".MACAddress"] = leaf(h["mac"], "xsd:string", ts)
            t[b + ".IPAddress"] = leaf(h["ip"], "xsd:string", ts)
            t[b + ".HostName"] = leaf(h["hostname"], "xsd:string", ts)
            t[b + ".Active"] = leaf(h["active"], "xsd:boolean", ts)
            # boards.md: on rev T, InterfaceType "802.11" means Wi-Fi.
            t[b + ".InterfaceType"] = leaf("802.11" if h["wifi"] and rev_t else ("WLAN" if h["wifi"] else "Ethernet"),
                                           "xsd:string", ts)
        t[r + "LANDevice.1.Hosts.HostNumberOfEntries"] = leaf(len(s["hosts"]), "xsd:unsignedInt", ts)
        # TR-098 InternetGatewayDevice.IPPingDiagnostics (TR-098 Amendment 2): the input leaves writable.
        d = r + "IPPingDiagnostics"
        t[d] = obj(ts)
        for k, v, vt, w in (("DiagnosticsState", "None", "xsd:string", True), ("Interface", "", "xsd:string", True),
                            ("Host", "", "xsd:string", True), ("NumberOfRepetitions", 1, "xsd:unsignedInt", True),
                            ("Timeout", 1000, "xsd:unsignedInt", True), ("DataBlockSize", 56, "xsd:unsignedInt", True),
                            ("DSCP", 0, "xsd:unsignedInt", True), ("SuccessCount", 0, "xsd:unsignedInt", False),
                            ("FailureCount", 0, "xsd:unsignedInt", False),
                            ("AverageResponseTime", 0, "xsd:unsignedInt", False),
                            ("MinimumResponseTime", 0, "xsd:unsignedInt", False),
                            ("MaximumResponseTime", 0, "xsd:unsignedInt", False)):
            t[d + "." + k] = leaf(v, vt, ts, w)
        # sim (assumption): TR-098 TraceRouteDiagnostics (TR-098 Amendment 2) too; no Download/UploadDiagnostics
        # (TR-143 objects the HT803G's data model is not known to have: setting them faults, as on a CPE without them).
        d = r + "TraceRouteDiagnostics"
        t[d] = obj(ts)
        t[d + ".RouteHops"] = obj(ts)
        for k, v, vt, w in (("DiagnosticsState", "None", "xsd:string", True), ("Host", "", "xsd:string", True),
                            ("NumberOfTries", 3, "xsd:unsignedInt", True), ("Timeout", 5000, "xsd:unsignedInt", True),
                            ("DataBlockSize", 38, "xsd:unsignedInt", True), ("DSCP", 0, "xsd:unsignedInt", True),
                            ("MaxHopCount", 30, "xsd:unsignedInt", True), ("ResponseTime", 0, "xsd:unsignedInt", False),
                            ("RouteHopsNumberOfEntries", 0, "xsd:unsignedInt", False)):
            t[d + "." + k] = leaf(v, vt, ts, w)
        return t

    def attr(self, path):
        if path in self.over:
            return self.over[path]  # may be None (removed)
        return self.template.get(path)

    def changed(self):
        self.docs.clear()

    def subtree(self, q):
        """(path, attributes) of `q` itself and every path under it, the device's own entries over the template's."""
        a = self.attr(q)
        if a is not None:
            yield q, a
        if self.over_keys is None:
            self.over_keys = sorted(self.over)
        for p in prefix_range(self.over_keys, q + "."):
            if self.over[p] is not None:
                yield p, self.over[p]
        if self.template:
            for p in prefix_range(sorted_keys(self.template), q + "."):
                if p not in self.over:
                    yield p, self.template[p]

    def document_json(self, projection):
        key = tuple(projection) if projection is not None else None
        doc = self.docs.get(key)
        if doc is None:
            if len(self.docs) >= 8:  # sim: a bound on what is kept per device
                self.docs.clear()
            doc = self.docs[key] = json.dumps(self.document(projection)).encode()
        return doc

    def paths(self):
        seen = set()
        for p, a in self.over.items():
            seen.add(p)
            if a is not None:
                yield p, a
        for p, a in self.template.items():
            if p not in seen:
                yield p, a

    def resolve(self, key):
        """A query key (after rewriting) -> its value in this document, or MISSING."""
        if key == "_id":
            return self.id
        if key in ("_lastInform", "_lastBoot", "_registered"):
            return {"_lastInform": self.last_inform, "_lastBoot": self.last_boot, "_registered": self.registered}[key]
        if key == "_tags":
            return self.tags
        if key.startswith("_deviceId."):
            d = {"_Manufacturer": "TP-Link" if self.spec["model"] == "XX230v" else "Raisecom",
                 "_OUI": self.spec["oui"], "_ProductClass": self.spec["product_class"],
                 "_SerialNumber": self.spec["tr069_serial"]}
            return d.get(key[len("_deviceId."):], MISSING)
        head, _, attr = key.rpartition(".")
        a = self.attr(head)
        if a is None:
            return MISSING
        if attr == "_value":
            return a["value"][0] if "value" in a else MISSING
        if attr == "_timestamp":
            return a["ts"]
        if attr == "_writable":
            return a["writable"]
        if attr == "_object":
            return a["object"]
        return MISSING

    def document(self, projection):
        """The device as the NBI returns it, limited to the projected paths (None = everything)."""
        doc = {"_id": self.id}
        top = {"_deviceId": {"_Manufacturer": self.resolve("_deviceId._Manufacturer"), "_OUI": self.spec["oui"],
                             "_ProductClass": self.spec["product_class"],
                             "_SerialNumber": self.spec["tr069_serial"]},
               "_lastInform": self.last_inform, "_lastBoot": self.last_boot, "_registered": self.registered,
               "_tags": list(self.tags)}

        for k, v in top.items():
            if projection is None or any(q == k or q.startswith(k + ".") for q in projection):
                if k == "_deviceId" and projection is not None and "_deviceId" not in projection:
                    v = {f: x for f, x in v.items() if "_deviceId." + f in projection}
                doc[k] = v
        if projection is None:
            entries = self.paths()
        else:
            seen, entries = set(), []
            for q in projection:
                if q.startswith("_"):
                    continue
                for p, a in self.subtree(q):
                    if p not in seen:
                        seen.add(p)
                        entries.append((p, a))
        for p, a in entries:
            node = doc
            parts = p.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            n = node.setdefault(parts[-1], {})
            if a["object"]:
                n.update({"_object": True, "_timestamp": a["ts"], "_writable": a["writable"]})
            else:
                n.update({"_object": False, "_timestamp": a["ts"], "_writable": a["writable"]})
                if "value" in a:
                    n["_value"], n["_type"] = a["value"]
        return doc


# ---------------------------------------------------------------------------------------------------------------
# Queries: the doc's rewriting, then a small MongoDB matcher.

class QueryError(Exception):
    pass


def expand_value(v):
    """the doc: a string also matches its number/date forms, "/re/flags" is a regex, '*' is a wildcard."""
    if not isinstance(v, str):
        return [v]
    m = re.fullmatch(r"/(.*)/([imsx]*)", v, re.S)
    if m:
        flags = 0
        for c in m.group(2):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[c]
        try:
            return [re.compile(m.group(1), flags)]
        except re.error as e:
            raise QueryError("bad regular expression %r: %s" % (v, e))
    out = [v]
    if "*" in v:
        out = [re.compile("^" + ".*".join(re.escape(x) for x in v.split("*")) + "$")]
    try:
        out.append(int(v))
    except ValueError:
        try:
            out.append(float(v))
        except ValueError:
            pass
    return out


def rewrite_key(key):
    last = key.rsplit(".", 1)[-1]
    return key if last.startswith("_") else key + "._value"


def values_match(actual, expected):
    if actual is MISSING:
        return expected is None
    if isinstance(actual, list) and not isinstance(expected, list):
        return any(values_match(a, expected) for a in actual)
    if isinstance(expected, re.Pattern):
        return isinstance(actual, str) and expected.search(actual) is not None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return actual == expected


def compare(actual, op, expected):
    if actual is MISSING or isinstance(actual, bool):
        return False
    for e in expand_value(expected):
        if isinstance(e, re.Pattern):
            continue
        if isinstance(actual, str) != isinstance(e, str):
            continue
        if (op == "$gt" and actual > e) or (op == "$gte" and actual >= e) or (op == "$lt" and actual < e) or \
                (op == "$lte" and actual <= e):
            return True
    return False


def id_bounds(q):
    """A query on `_id` alone -> (low, low inclusive, high, high inclusive, exact or None); None for anything else.
    lib/query.ts leaves `_id` as is (its last segment starts with '_') and expands only the value: a string's number
    and date forms never match a string _id (MongoDB compares values of one type), so only the string counts."""
    lo, lo_inc, hi, hi_inc, exact = None, False, None, False, None
    terms = []
    if not isinstance(q, dict):
        return None
    for k, v in q.items():
        if k == "$and" and isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for x in v:
                terms.extend(x.items())
        else:
            terms.append((k, v))
    for k, v in terms:
        if k != "_id":
            return None
        if isinstance(v, str):
            if "*" in v or re.fullmatch(r"/(.*)/([imsx]*)", v, re.S):
                return None
            v = {"$eq": v}
        if not isinstance(v, dict) or not v:
            return None
        for op, x in v.items():
            if not isinstance(x, str):
                return None
            if op == "$eq":
                if exact is not None and exact != x:
                    return ("", False, "", False, None)  # nothing
                exact = x
            elif op in ("$gt", "$gte"):
                if lo is None or x > lo or (x == lo and op == "$gt"):
                    lo, lo_inc = x, op == "$gte"
            elif op in ("$lt", "$lte"):
                if hi is None or x < hi or (x == hi and op == "$lt"):
                    hi, hi_inc = x, op == "$lte"
            else:
                return None
    return (lo, lo_inc, hi, hi_inc, exact)


def id_slice(ids, bounds):
    lo, lo_inc, hi, hi_inc, exact = bounds
    if exact is not None:
        ok = (lo is None or exact > lo or (lo_inc and exact == lo)) and \
             (hi is None or exact < hi or (hi_inc and exact == hi))
        i = bisect.bisect_left(ids, exact)
        return [exact] if ok and i < len(ids) and ids[i] == exact else []
    a = 0 if lo is None else (bisect.bisect_left(ids, lo) if lo_inc else bisect.bisect_right(ids, lo))
    b = len(ids) if hi is None else (bisect.bisect_right(ids, hi) if hi_inc else bisect.bisect_left(ids, hi))
    return ids[a:b] if a < b else []


def match(dev, q):
    if not isinstance(q, dict):
        raise QueryError("query must be a JSON object")
    for k, cond in q.items():
        if k in ("$or", "$and"):
            if not isinstance(cond, list) or not cond:
                raise QueryError("%s needs a non-empty array" % k)
            res = [match(dev, sub) for sub in cond]
            if (k == "$or" and not any(res)) or (k == "$and" and not all(res)):
                return False
            continue
        if k.startswith("$"):
            raise QueryError("unknown top-level operator %s" % k)
        actual = dev.resolve(rewrite_key(k))
        if isinstance(cond, dict) and cond and all(c.startswith("$") for c in cond):
            if not match_ops(actual, cond):
                return False
        elif not any(values_match(actual, e) for e in expand_value(cond)):
            return False
    return True


def match_ops(actual, ops):
    for op, v in ops.items():
        if op == "$regex":
            flags = re.I if "i" in ops.get("$options", "") else 0
            try:
                ok = isinstance(actual, str) and re.search(v, actual, flags) is not None
            except (re.error, TypeError) as e:
                raise QueryError("bad $regex %r: %s" % (v, e))
        elif op == "$options":
            continue
        elif op == "$exists":
            ok = (actual is not MISSING) == bool(v)
        elif op in ("$in", "$nin"):
            if not isinstance(v, list):
                raise QueryError("%s needs an array" % op)
            hit = any(values_match(actual, e) for x in v for e in expand_value(x))
            ok = hit if op == "$in" else not hit
        elif op == "$ne":
            ok = not any(values_match(actual, e) for e in expand_value(v))
        elif op == "$eq":
            ok = any(values_match(actual, e) for e in expand_value(v))
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            ok = compare(actual, op, v)
        elif op == "$not":
            ok = not match_ops(actual, v if isinstance(v, dict) else {"$regex": v})
        else:
            raise QueryError("unknown operator %s" % op)  # sim: MongoDB rejects it; the NBI's answer is untested
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# Tasks

TASK_NAMES = {"getParameterValues", "setParameterValues", "refreshObject", "addObject", "deleteObject", "download",
              "reboot", "factoryReset"}


MAX_FILE = 64 << 20  # sim: the largest file PUT /files takes (GridFS itself has no such limit)


def field_match(doc, key, cond):
    """A query key of the tasks/faults/files/operations collections: MongoDB's dotted path ("metadata.version"),
    equality or the operators of match_ops (no rewriting: lib/nbi.ts rewrites device queries only)."""
    v = doc
    for part in key.split("."):
        v = v.get(part, MISSING) if isinstance(v, dict) else MISSING
    if isinstance(cond, dict) and cond and all(c.startswith("$") for c in cond):
        return v is not MISSING and match_ops(v, cond)
    return v == cond


def validate_task(t):
    """Shapes the real NBI needs; the real one crashes its worker on a bad shape (the doc), the sim answers 400."""
    if not isinstance(t, dict):
        return "task must be a JSON object"
    name = t.get("name")
    if name not in TASK_NAMES:
        return "unknown task name %r" % (name,)
    if name == "getParameterValues":
        pn = t.get("parameterNames")
        if not isinstance(pn, list) or not pn or not all(isinstance(x, str) and x for x in pn):
            return "getParameterValues needs parameterNames: a non-empty array of strings"
    if name == "setParameterValues":
        pv = t.get("parameterValues")
        if not isinstance(pv, list) or not pv or not all(
                isinstance(x, list) and 2 <= len(x) <= 3 and isinstance(x[0], str) for x in pv):
            return "setParameterValues needs parameterValues: [[path, value, type?], ...]"
    if name in ("refreshObject", "addObject", "deleteObject"):
        if not isinstance(t.get("objectName"), str) or not t["objectName"]:
            return "%s needs objectName: a string" % name
    if name == "download":
        if not isinstance(t.get("file"), str) and not (isinstance(t.get("fileType"), str) and
                                                       isinstance(t.get("fileName"), str)):
            return "download needs file, or fileType and fileName"
    if "expiry" in t and (not isinstance(t["expiry"], (int, float)) or isinstance(t["expiry"], bool)):
        return "expiry must be a number of seconds"  # GenieACS NBI docs: expiry in seconds
    return None


DIAGNOSTIC_OBJECTS = {
    "Device.IP.Diagnostics.IPPing": "ping", "InternetGatewayDevice.IPPingDiagnostics": "ping",
    "Device.IP.Diagnostics.TraceRoute": "traceroute", "InternetGatewayDevice.TraceRouteDiagnostics": "traceroute",
    "Device.IP.Diagnostics.DownloadDiagnostics": "download", "InternetGatewayDevice.DownloadDiagnostics": "download",
    "Device.IP.Diagnostics.UploadDiagnostics": "upload", "InternetGatewayDevice.UploadDiagnostics": "upload",
    "Device.DNS.Diagnostics.NSLookupDiagnostics": "nslookup", "Device.WiFi.NeighboringWiFiDiagnostic": "wifi",
}


def diagnostic_kind(obj):
    return DIAGNOSTIC_OBJECTS.get(obj)


def iso_after(seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def diagnostic_results(kind, o, value_of, dev):
    """sim: what the CPE's test found ({leaf: [value, type]}). Leaf names: TR-181 (the XX230v export's objects) and
    TR-098 / TR-143 for InternetGatewayDevice (TraceRoute hops as HopHost, HopHostAddress, HopErrorCode,
    HopRTTimes). The numbers are this simulator's (assumptions), overridable with /__sim/diagnostics."""
    u = "xsd:unsignedInt"
    tr098 = dev.spec["model"] != "XX230v"
    if kind == "ping":
        ok = o.get("success", 4)
        r = {"SuccessCount": [ok, u], "FailureCount": [o.get("failure", 0), u]}
        for k, key, dflt in (("Average", "avg_ms", 12), ("Minimum", "min_ms", 10), ("Maximum", "max_ms", 15)):
            ms = o.get(key, dflt if ok else 0)
            r[k + "ResponseTime"] = [ms, u]
            if value_of(k + "ResponseTimeDetailed") is not None:  # the µs form, where the object has it (XX230v)
                r[k + "ResponseTimeDetailed"] = [ms * 1000, u]
        return r
    if kind == "traceroute":
        host = value_of("Host") or "192.0.2.1"
        hops = o.get("hops", ["10.0.0.1", "100.64.0.1", host])
        pre = "Hop" if tr098 else ""
        r = {"ResponseTime": [len(hops) * 3, u], "RouteHopsNumberOfEntries": [len(hops), u]}
        for i, a in enumerate(hops, start=1):
            b = "RouteHops.%d." % i
            r[b + pre + "Host"] = [a, "xsd:string"]
            r[b + pre + "HostAddress"] = [a, "xsd:string"]
            r[b + pre + "ErrorCode"] = [0, u]
            r[b + pre + "RTTimes"] = ["%d,%d,%d" % (i, i + 1, i), "xsd:string"]
        return r
    if kind in ("download", "upload"):
        nbytes = o.get("bytes", 12500000) if kind == "download" else int(value_of("TestFileLength") or 0)
        secs = o.get("seconds", 1.0)
        r = {"ROMTime": [iso_after(0), "xsd:dateTime"], "BOMTime": [iso_after(0), "xsd:dateTime"],
             "EOMTime": [iso_after(secs), "xsd:dateTime"]}
        if kind == "download":
            r.update({"TestBytesReceived": [nbytes, u], "TotalBytesReceived": [nbytes + 4000, u]})
        else:
            r.update({"TestBytesSent": [nbytes, u], "TotalBytesSent": [nbytes + 4000, u]})
        return r
    if kind == "nslookup":
        name = value_of("HostName") or "example.net"
        return {"SuccessCount": [1, u], "ResultNumberOfEntries": [1, u],
                "Result.1.Status": ["Success", "xsd:string"], "Result.1.AnswerType": ["Authoritative", "xsd:string"],
                "Result.1.HostNameReturned": [name, "xsd:string"],
                "Result.1.IPAddresses": [o.get("addresses", "192.0.2.10"), "xsd:string"],
                "Result.1.DNSServerIP": [value_of("DNSServer") or "192.0.2.53", "xsd:string"],
                "Result.1.ResponseTime": [7, u]}
    if kind == "wifi":
        own = (dev.attr("Device.WiFi.SSID.3.SSID") or {}).get("value", ("",))[0]
        # sim: three neighbours and, on 5 GHz, the device's own SSID as a mesh satellite hears it
        nets = o.get("networks") or [
            ("Voisin-2G", "2.4GHz", 1, -48, "20MHz"), ("Bell123", "2.4GHz", 6, -71, "20MHz"),
            ("Cafe-Wifi", "5GHz", 36, -80, "80MHz"), (own, "5GHz", 44, -55, "80MHz")]
        r = {"ResultNumberOfEntries": [len(nets), u]}
        for i, (ssid, band, ch, sig, bw) in enumerate(nets, start=1):
            b = "Result.%d." % i
            r.update({b + "SSID": [ssid, "xsd:string"], b + "BSSID": ["02:00:00:00:00:%02X" % i, "xsd:string"],
                      b + "OperatingFrequencyBand": [band, "xsd:string"], b + "Channel": [ch, u],
                      b + "SignalStrength": [sig, "xsd:int"], b + "OperatingChannelBandwidth": [bw, "xsd:string"],
                      b + "SecurityModeEnabled": ["WPA2-Personal", "xsd:string"], b + "Noise": [-95, "xsd:int"]})
        return r
    return {}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class State:
    def __init__(self, devices, template):
        self.template = template
        self.loaded = list(devices)
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        """Back to the fleet file's devices (tasks, faults, counters and pending changes cleared)."""
        self.devices = {d.id: d for d in self.loaded}
        for d in self.loaded:
            d.session_ms = 0
            d.next_fault = None
            d.ping_outcome = {}
        self.order = [d.id for d in self.loaded]  # insertion order: MongoDB's natural order without a sort
        self.ids = sorted(self.devices)           # the _id index
        self.tasks = {}
        self.faults = {}
        self.files = {}       # name -> fs.files document (lib/nbi.ts PUT /files)
        self.contents = {}    # name -> bytes (GridFS chunks)
        self.operations = {}  # "<device>:<command key>" -> operation (lib/cwmp/db.ts saveOperation)
        self.op_seq = 0
        for d in self.loaded:
            d.download_outcome = {}
        self.fault = {}
        self.task_seq = 0
        self.fleet_changes = []
        self.stats = {"requests": 0, "device_queries": 0, "devices_returned": 0, "tasks_posted": 0,
                      "invalid_tasks": 0, "faulted_tasks": 0, "injected_faults": 0, "fleet_changes": 0,
                      "reboots": 0, "expired_tasks": 0, "tasks_deleted": 0, "faults_deleted": 0,
                      "files_put": 0, "downloads": 0, "transfers_complete": 0,
                      "last_device_query": ""}

    def change_fleet(self, change):
        """Applies {"remove": [...], "clone": [...]} (lock held)."""
        for i in change.get("remove", []):
            if self.devices.pop(i, None) is not None:
                self.order.remove(i)
                self.ids.remove(i)
        for c in change.get("clone", []):
            src = self.devices.get(c.get("from", ""))
            if src is None or not c.get("tr069_serial"):
                continue
            spec = dict(src.spec, tr069_serial=c["tr069_serial"], serial=c.get("serial", c["tr069_serial"]))
            d = Device(spec, self.template)
            if d.id in self.devices:
                continue
            self.devices[d.id] = d
            self.order.append(d.id)
            bisect.insort(self.ids, d.id)
        self.stats["fleet_changes"] += 1

    def device_query_done(self):
        """Counts a device query and applies the fleet changes that were waiting for it (lock held)."""
        self.stats["device_queries"] += 1
        keep = []
        for c in self.fleet_changes:
            c["after_queries"] = c.get("after_queries", 0) - 1
            if c["after_queries"] <= 0:
                self.change_fleet(c)
            else:
                keep.append(c)
        self.fleet_changes = keep

    def take_fault(self, path):
        with self.lock:
            f = self.fault
            if not f or not path.startswith(f.get("paths", "/")):
                return None
            if f.get("ids"):
                return dict(f)  # decided by the answer's devices (list_collection)
            if f.get("after", 0) > 0:
                f["after"] -= 1
                return None
            return simkit.spend_fault(f, self.stats)

    def run_task(self, dev, task):
        """A connection-request session of an online device: 'done' or a fault message."""
        name = task["name"]
        if name == "getParameterValues":
            for p in task["parameterNames"]:
                if p.endswith("."):
                    return "Invalid parameter path %s" % p  # the doc: 1.2.16 rejects a trailing dot
                if dev.attr(p) is None and not any(q.startswith(p + ".") for q, _ in dev.paths()):
                    return "Invalid parameter name %s" % p
        if name in ("refreshObject", "addObject", "deleteObject"):
            p = task["objectName"]
            if p.endswith(".") and name == "refreshObject":
                return "Invalid parameter path %s" % p
        if name == "setParameterValues":
            for p in task["parameterValues"]:
                a = dev.attr(p[0])
                if a is None or a["object"]:
                    return "Invalid parameter name %s" % p[0]
                if not a["writable"]:
                    return "Parameter %s is not writable" % p[0]
        if name == "download":
            return self.start_download(dev, task)
        with self.lock:
            if name == "reboot":
                dev.last_boot = now_iso()
                self.stats["reboots"] += 1
            if name == "refreshObject":
                dev.read(task["objectName"])
            if name == "getParameterValues":
                for p in task["parameterNames"]:
                    dev.read(p)
            ping = None
            if name == "setParameterValues":
                now = now_iso()
                for p in task["parameterValues"]:
                    a = dict(dev.attr(p[0]))
                    old = a.get("value", ("", "xsd:string"))
                    a["value"] = (typed(str(p[1]), p[2] if len(p) > 2 else old[1]), p[2] if len(p) > 2 else old[1])
                    a["ts"] = now
                    dev.over[p[0]] = a
                    if p[0].endswith(".DiagnosticsState") and str(p[1]) == "Requested" and \
                            diagnostic_kind(p[0][:-len(".DiagnosticsState")]):
                        ping = p[0][:-len("DiagnosticsState")]
                dev.over_keys = None
            dev.last_inform = now_iso()
            dev.changed()
        if ping:
            self.start_diagnostic(dev, ping)
        return None

    def start_diagnostic(self, dev, base):
        """The CPE runs the diagnostic after the session, then informs with 8 DIAGNOSTICS COMPLETE ("Diagnostics")."""
        o = dict(dev.ping_outcome)
        kind = diagnostic_kind(base[:-1])

        def value_of(leaf_name):
            a = dev.attr(base + leaf_name)
            return a["value"][0] if a and "value" in a else None

        def complete():
            with self.lock:
                now = now_iso()
                state = o.get("state", "Complete")
                results = diagnostic_results(kind, o, value_of, dev)
                results.update(o.get("results") or {})
                fresh = {".".join(k.split(".")[:2]) for k in results if re.match(r"^(RouteHops|Result)\.\d+\.", k)}
                for p in [q for q, _ in dev.subtree(base[:-1]) if re.match(r"^(RouteHops|Result)\.\d+$", q[len(base):])]:
                    if p[len(base):] not in fresh:
                        dev.staged[p] = {"removed": True}  # rows of the last run the CPE no longer has
                for k, v in results.items():
                    dev.stage(base + k, v, now)
                dev.stage(base + "DiagnosticsState", [state, "xsd:string"], now)
                if o.get("inform", True) and dev.online:
                    dev.last_inform = now  # the 8 DIAGNOSTICS COMPLETE session (not kept as an event: see above)
                    dev.changed()
                self.stats["diagnostics_completed"] = self.stats.get("diagnostics_completed", 0) + 1
        t = threading.Timer(o.get("delay_ms", 300) / 1000.0, complete)
        t.daemon = True
        t.start()

    def download_fields(self, task):
        """(fileType, fileName, file document or None) of a download task (lock held): lib/cwmp/db.ts getDueTasks
        fills fileType/fileName from the file named by `file` when the task does not give them."""
        f = self.files.get(task["file"]) if isinstance(task.get("file"), str) else None
        ftype = task.get("fileType") or ((f.get("metadata") or {}).get("fileType") if f else None) or ""
        fname = task.get("fileName") or (f["filename"] if f else "")
        if f is None and isinstance(task.get("fileName"), str):
            f = self.files.get(task["fileName"])
        return ftype, fname, f

    def set_download_params(self, dev, instance, ftype, fname, start, end):
        """Downloads.<i>.* as lib/session.ts sets them after a download (lock held)."""
        now = now_iso()
        base = "Downloads.%s." % instance
        for p in ("Downloads", "Downloads." + instance):
            if dev.attr(p) is None:
                dev.over[p] = obj(now)
        for k, v, t in (("LastDownload", start, "xsd:dateTime"), ("LastFileType", ftype, "xsd:string"),
                        ("LastFileName", fname, "xsd:string"), ("StartTime", start, "xsd:dateTime"),
                        ("CompleteTime", end, "xsd:dateTime")):
            dev.over[base + k] = leaf(v, t, now)
        dev.over_keys = None

    def start_download(self, dev, task):
        """The Download RPC of a session (see "Files and downloads"): None (done) or (code, message) of a fault the
        CPE answered at once."""
        with self.lock:
            ftype, fname, f = self.download_fields(task)
            if not ftype or not fname:
                return ("cwmp.9003", "Invalid arguments")  # assumption, see "Files and downloads"
            self.stats["downloads"] += 1
            o = dict(dev.download_outcome)
            now = now_iso()
            if o.get("status", 1) == 0:
                self.set_download_params(dev, "1", ftype, fname, now, now)
                self.finish_firmware(dev, ftype, f, o)
                dev.last_inform = now
                dev.changed()
                return None
            self.op_seq += 1
            key = "%s:%d" % (dev.id, self.op_seq)
            channel = "task_" + task["_id"]
            prov = [["download", ftype, fname, ""]]
            self.operations[key] = {
                "_id": key, "name": "Download", "timestamp": now, "channels": json.dumps({channel: 1}),
                "provisions": json.dumps(prov), "retries": json.dumps({}),
                "args": json.dumps({"instance": "1", "fileType": ftype, "fileName": fname, "targetFileName": ""})}
            dev.last_inform = now
            dev.changed()

        def complete():
            with self.lock:
                op = self.operations.pop(key, None)
                if op is None:
                    return
                self.stats["transfers_complete"] += 1
                end = now_iso()
                code, message = o.get("code"), o.get("message")
                if not code and fname not in self.files:
                    code, message = "9016", "Download failure: unable to access file"  # assumption
                if code and str(code) != "0":
                    self.faults[dev.id + ":" + channel] = {
                        "_id": dev.id + ":" + channel, "device": dev.id, "channel": channel, "timestamp": op["timestamp"],
                        "code": "cwmp." + str(code), "message": message or "",
                        "detail": {"faultCode": str(code), "faultString": message or ""}, "retries": 0,
                        "provisions": op["provisions"]}
                else:
                    self.set_download_params(dev, "1", ftype, fname, op["timestamp"], end)
                    self.finish_firmware(dev, ftype, self.files.get(fname), o)
                dev.last_inform = end
                dev.changed()
        t = threading.Timer(o.get("delay_ms", 300) / 1000.0, complete)
        t.daemon = True
        t.start()
        return None

    def finish_firmware(self, dev, ftype, f, o):
        """A firmware image applied: the CPE reboots and informs its new SoftwareVersion (assumption, "Files and
        downloads"). Lock held."""
        if not ftype.startswith("1 ") or f is None:
            return
        version = (f.get("metadata") or {}).get("version")
        root = "Device" if dev.attr("Device.DeviceInfo.SoftwareVersion") is not None or \
            dev.spec["model"] == "XX230v" else "InternetGatewayDevice"
        if version:
            dev.over[root + ".DeviceInfo.SoftwareVersion"] = leaf(version, "xsd:string", now_iso())
            dev.over_keys = None
        dev.last_boot = now_iso()

    def expired(self, task):
        """GenieACS NBI docs: a task's `expiry` (seconds) is how long it may wait for the device; lib/api-functions.ts
        (sanitizeTask) stores it as a date, timestamp + expiry. sim (assumption): an expired task is dropped when it
        is next looked at (listed, or due at a session) instead of by GenieACS's own clean-up."""
        e = task.get("expiry")
        if not isinstance(e, str):
            return False
        t = datetime.datetime.strptime(e, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        return datetime.datetime.now(datetime.timezone.utc) > t

    def drop_expired(self):
        """(lock held)"""
        for tid in [tid for tid, t in self.tasks.items() if self.expired(t)]:
            del self.tasks[tid]
            self.stats["expired_tasks"] += 1

    def run_queued(self, dev):
        """The device's next session runs its queued tasks, oldest first (the doc: a queued task runs when the device
        next informs; issue 11 saw a reboot queued while offline run when the CPE came back). sim (assumption):
        oldest first; a task that faults stays with its fault, no retry here."""
        with self.lock:
            self.drop_expired()
            due = [t for t in self.tasks.values() if t["device"] == dev.id]
        for t in sorted(due, key=lambda x: x["_id"]):
            if self.run_task(dev, t) is None:
                with self.lock:
                    self.tasks.pop(t["_id"], None)


# ---------------------------------------------------------------------------------------------------------------
# HTTP

class Handler(simkit.SimHandler):
    server_version = "GenieACS-sim/1.2.16"

    def send(self, status, body=b"", reason=None, ctype="application/json", headers=()):
        self.send_body(status, body, ctype, headers, reason)

    def handle_any(self, method):
        st = self.server.state
        url = urlsplit(self.path)
        raw_path = url.path
        if raw_path.startswith("/__sim/"):
            return self.control(method, raw_path)
        with st.lock:
            st.stats["requests"] += 1
        f = st.take_fault(raw_path)
        if f and not f.get("ids"):
            if f.get("delay_ms"):
                time.sleep(f["delay_ms"] / 1000.0)
            if f.get("status"):
                return self.send(f["status"], "sim: injected failure\n", ctype="text/plain")
        segs = raw_path.split("/")[1:]
        # the doc: the NBI decodes a path segment once
        segs = [unquote(s) for s in segs]
        q = dict(parse_qsl(url.query, keep_blank_values=True))
        if method == "GET" and segs[0] in ("devices", "tasks", "faults", "files", "operations") and \
                (len(segs) == 1 or segs[1:] == [""]):
            return self.list_collection(segs[0], q, f)
        if segs[0] == "files" and len(segs) in (2, 3) and segs[1] and (len(segs) == 2 or segs[2] == ""):
            return self.file(method, segs[1])
        if method == "POST" and len(segs) == 3 and segs[0] == "devices" and segs[2] == "tasks":
            return self.post_task(segs[1], q)
        if method == "DELETE" and len(segs) == 2 and segs[0] == "tasks":
            # lib/nbi.ts: DELETE /tasks/<id> deletes the task and its fault (<device>:task_<id>)
            with st.lock:
                t = st.tasks.pop(segs[1], None)
                if t:
                    st.stats["tasks_deleted"] += 1
                    st.faults.pop(t["device"] + ":task_" + segs[1], None)
            return self.send(200 if t else 404, "" if t else "Task not found", ctype="text/plain")
        if method == "DELETE" and len(segs) == 2 and segs[0] == "faults":
            # the doc: DELETE /faults/<device id>:<channel>; lib/nbi.ts: a task's fault (channel task_<task id>)
            # takes its task with it
            with st.lock:
                x = st.faults.pop(segs[1], None)
                if x:
                    st.stats["faults_deleted"] += 1
                    ch = segs[1].split(":", 1)[1] if ":" in segs[1] else ""
                    if ch.startswith("task_"):
                        st.tasks.pop(ch[5:], None)
            return self.send(200 if x else 404, "" if x else "Fault not found", ctype="text/plain")
        return self.send(404, "Not found", ctype="text/plain")

    def list_collection(self, coll, q, f):
        st = self.server.state
        try:
            query = json.loads(q.get("query") or "{}")
        except ValueError as e:
            return self.send(400, "Invalid query: %s" % e, ctype="text/plain")  # the doc: bad JSON -> 400
        try:
            # lib/nbi.ts: a sort that is not JSON -> 400. sim: skip/limit that are not integers >= 0 -> 400 (the real
            # NBI passes parseInt's result to MongoDB, which refuses a negative skip; untested there).
            sort = json.loads(q["sort"]) if q.get("sort") else None
            if sort is not None and not isinstance(sort, dict):
                raise ValueError("sort must be a JSON object")
            skip = int(q.get("skip") or 0)
            limit = int(q.get("limit") or 0)
            if skip < 0 or limit < 0:
                raise ValueError("skip and limit must not be negative")
        except ValueError as e:
            return self.send(400, "Invalid sort/skip/limit: %s" % e, ctype="text/plain")
        projection = [p.strip() for p in q["projection"].split(",") if p.strip()] if q.get("projection") else None
        try:
            if coll == "devices":
                with st.lock:
                    st.stats["last_device_query"] = q.get("query", "")
                    total, ids, docs = self.device_page(query, sort, skip, limit, projection)
                    broken = [i for i, x in enumerate(ids) if f and x in f.get("ids", ())]
                    if broken and not f.get("corrupt"):
                        st.stats["injected_faults"] += 1
                    else:
                        st.stats["devices_returned"] += len(docs)
                    st.device_query_done()
                if broken and f.get("delay_ms"):
                    time.sleep(f["delay_ms"] / 1000.0)
                if broken and f.get("status"):
                    return self.send(f["status"], "sim: injected failure\n", ctype="text/plain")
                if broken and f.get("corrupt"):
                    for i in broken:
                        d = json.loads(docs[i])
                        d["Device"] = 5  # sim: a parameter that is not an object
                        docs[i] = json.dumps(d).encode()
            else:
                with st.lock:
                    st.drop_expired()
                    items = list({"tasks": st.tasks, "faults": st.faults, "files": st.files,
                                  "operations": st.operations}[coll].values())
                docs = [x for x in items if all(field_match(x, k, v) for k, v in query.items())]
                total = len(docs)
                docs = docs[skip:skip + limit] if limit else docs[skip:]
                docs = [json.dumps(d).encode() for d in docs]
        except QueryError as e:
            return self.send(400, "Invalid query: %s" % e, ctype="text/plain")
        if f and f.get("corrupt") and docs and not f.get("ids"):
            # sim: a device document whose parameter is not an object (a broken record), first of the page
            d = json.loads(docs[0])
            d["Device"] = 5
            docs[0] = json.dumps(d).encode()
        # lib/nbi.ts: header `total` (the count of the query, skip and limit ignored), then the array streamed as
        # "[\n", documents separated by ",\n", "\n]" (Node writes it chunked)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("total", str(total))
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body = b"[\n" + b",\n".join(docs) + b"\n]"
        if f and f.get("malformed"):
            body = b'[\n{"_id": "broken", "_deviceId": {"_Serial'  # a stream cut mid-document
        out = []
        for i in range(0, len(body), 65536):
            c = body[i:i + 65536]
            out.append(b"%x\r\n%s\r\n" % (len(c), c))
        out.append(b"0\r\n\r\n")
        self.wfile.write(b"".join(out))

    def device_page(self, query, sort, skip, limit, projection):
        """(total, ids, encoded documents) of a device query (lock held)."""
        st = self.server.state
        bounds = id_bounds(query)
        id_sort = sort is None or (list(sort) == ["_id"] and sort["_id"] in (1, -1))
        if bounds is not None and id_sort:
            ids = id_slice(st.ids, bounds)
            if sort is None:  # natural order
                wanted = set(ids)
                ids = [i for i in st.order if i in wanted] if len(ids) != len(st.ids) else list(st.order)
            elif sort["_id"] < 0:
                ids = ids[::-1]
            total = len(ids)
            ids = ids[skip:skip + limit] if limit else ids[skip:]
            hits = [st.devices[i] for i in ids]
        else:
            hits = [st.devices[i] for i in st.order if match(st.devices[i], query)]
            if sort:
                for k, direction in reversed(list(sort.items())):
                    hits.sort(key=lambda d: str(d.resolve(rewrite_key(k))), reverse=direction < 0)
            total = len(hits)
            hits = hits[skip:skip + limit] if limit else hits[skip:]
        return total, [d.id for d in hits], [d.document_json(projection) for d in hits]

    def file(self, method, name):
        """PUT / DELETE /files/<name> (see "Files and downloads")."""
        st = self.server.state
        if method == "PUT":
            try:
                body = self.read_body(MAX_FILE)
            except simkit.BodyTooLarge:
                return self.send(413, "sim: file larger than %d bytes" % MAX_FILE, ctype="text/plain")
            meta = {k: self.headers.get(k) for k in ("fileType", "oui", "productClass", "version")}
            with st.lock:
                st.files.pop(name, None)  # lib/nbi.ts: filesBucket.delete first (a second PUT overwrites)
                st.files[name] = {"_id": name, "length": len(body), "chunkSize": 261120, "uploadDate": now_iso(),
                                  "filename": name, "metadata": meta}
                st.contents[name] = body
                st.stats["files_put"] += 1
            return self.send(201, "", ctype="text/plain")
        if method == "DELETE":
            with st.lock:
                gone = st.files.pop(name, None)
                st.contents.pop(name, None)
            if gone is None:
                return self.send(404, "404 Not Found", ctype="text/plain")
            return self.send(200, "", ctype="text/plain")
        return self.send(405, "405 Method Not Allowed", ctype="text/plain", headers=(("Allow", "PUT, DELETE"),))

    def post_task(self, dev_id, q):
        st = self.server.state
        raw = self.read_body()
        try:
            task = json.loads(raw or b"null")
        except ValueError as e:
            return self.send(400, "Invalid JSON: %s" % e, ctype="text/plain")
        err = validate_task(task)
        with st.lock:
            st.stats["tasks_posted"] += 1
            if err:
                st.stats["invalid_tasks"] += 1
        if err:
            # sim: the real NBI's worker crashes here and the client hangs (the doc); 400 lets tests see it happened
            return self.send(400, "sim: invalid task (the real NBI would crash): %s" % err, ctype="text/plain")
        dev = st.devices.get(dev_id)
        if dev is None:
            return self.send(404, "No such device", reason="No such device", ctype="text/plain")
        with st.lock:
            st.task_seq += 1
            tid = "%024x" % (0x5f0000000000000000000000 + st.task_seq)
            task = dict(task, _id=tid, device=dev_id, timestamp=now_iso())
            if isinstance(task.get("expiry"), (int, float)):
                # lib/api-functions.ts sanitizeTask: expiry (seconds) becomes the date timestamp + expiry
                t0 = datetime.datetime.now(datetime.timezone.utc)
                task["expiry"] = (t0 + datetime.timedelta(seconds=task["expiry"])).strftime(
                    "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            st.tasks[tid] = task
        if "connection_request" not in q:
            # lib/nbi.ts: without connection_request the answer is a plain 202 (Node's phrase "Accepted")
            return self.send(202, json.dumps(task), reason="Accepted")
        if not dev.online:
            return self.send(202, json.dumps(task), reason="Device is offline")
        if dev.session_ms:
            # the doc: `timeout` only bounds the wait for the session to start; the NBI then waits for the session
            # to end (up to 120 s), however long the CPE's RPCs take
            time.sleep(dev.session_ms / 1000.0)
        with st.lock:
            injected, dev.next_fault = dev.next_fault, None
        # A CPE's SOAP fault becomes the task's fault, code "cwmp.<FaultCode>" (issue 11 saw `cwmp.9002` from a real
        # GenieACS; fault codes: TR-069 Amendment 6 A.5.1, 9002 Internal error, 9005 Invalid parameter name)
        fault = injected["message"] if injected else st.run_task(dev, task)
        code = injected["code"] if injected else "cwmp.9005"
        if isinstance(fault, tuple):
            code, fault = fault
        if fault:
            with st.lock:
                st.stats["faulted_tasks"] += 1
                ch = "task_" + tid
                st.faults[dev_id + ":" + ch] = {"_id": dev_id + ":" + ch, "device": dev_id, "channel": ch,
                                                "code": code, "message": fault, "detail": None,
                                                "timestamp": now_iso(), "retries": 0}
            return self.send(202, json.dumps(task), reason="Task faulted")
        with st.lock:
            st.tasks.pop(tid, None)
        return self.send(200, json.dumps(task))

    def control(self, method, path):
        st = self.server.state
        if method == "GET" and path == "/__sim/stats":
            with st.lock:
                return self.send(200, json.dumps(st.stats))
        try:
            body = json.loads(self.read_body() or b"{}")
        except ValueError:
            return self.send(400, '{"error":"bad json"}')
        if method == "POST" and path == "/__sim/fault":
            with st.lock:
                st.fault = body
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/online":
            with st.lock:
                d = st.devices.get(body.get("id", ""))
                if not d:
                    return self.send(404, '{"error":"no such device"}')
                was = d.online
                d.online = bool(body.get("online", d.online))
                d.session_ms = int(body.get("session_ms", d.session_ms))
                d.changed()
            if d.online and not was:
                st.run_queued(d)  # its first session back runs what was queued for it
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/session_fault":
            with st.lock:
                d = st.devices.get(body.get("id", ""))
                if not d:
                    return self.send(404, '{"error":"no such device"}')
                d.next_fault = {"code": body.get("code", "cwmp.9002"), "message": body.get("message", "Internal error")}
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/diagnostics":
            with st.lock:
                d = st.devices.get(body.get("id", ""))
                if not d:
                    return self.send(404, '{"error":"no such device"}')
                d.ping_outcome = {k: v for k, v in body.items() if k != "id"}
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/download":
            with st.lock:
                d = st.devices.get(body.get("id", ""))
                if not d:
                    return self.send(404, '{"error":"no such device"}')
                d.download_outcome = {k: v for k, v in body.items() if k != "id"}
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/cpe":
            with st.lock:
                d = st.devices.get(body.get("id", ""))
                if not d:
                    return self.send(404, '{"error":"no such device"}')
                for p, v in (body.get("params") or {}).items():
                    d.stage(p, v, now_iso())
            return self.send(200, "{}")
        if method == "POST" and path == "/__sim/fleet":
            with st.lock:
                if body.get("after_queries", 0) > 0:
                    st.fleet_changes.append(body)
                else:
                    st.change_fleet(body)
                n = len(st.devices)
            return self.send(200, json.dumps({"devices": n}))
        if method == "POST" and path == "/__sim/reset":
            with st.lock:
                st.reset()
            return self.send(200, "{}")
        return self.send(404, '{"error":"no such control endpoint"}')

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PUT(self):
        self.handle_any("PUT")


def main():
    ap = argparse.ArgumentParser(description="GenieACS NBI simulator")
    ap.add_argument("--fleet", required=True, help="fleet JSON from tests/sim/fleet/make_fleet.py")
    simkit.add_listen_args(ap)
    ap.add_argument("--dump", default=DEFAULT_DUMP, help="the XX230v GenieACS CSV export")
    a = ap.parse_args()
    fleet = simkit.load_json_file(a.fleet, "nbi_sim")
    try:
        template = load_dump(a.dump) if any(d["model"] == "XX230v" for d in fleet["devices"]) else {}
        devices = [Device(d, template) for d in fleet["devices"]]
    except (OSError, ValueError, KeyError) as e:
        print("nbi_sim: cannot load %s: %s" % (a.fleet, e), file=sys.stderr)
        return 2
    return simkit.serve(simkit.make_server(a.bind, a.port, Handler, state=State(devices, template)))


if __name__ == "__main__":
    sys.exit(main())
