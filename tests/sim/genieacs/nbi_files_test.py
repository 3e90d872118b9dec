#!/usr/bin/python3
"""Self-test of nbi_sim.py's files and download semantics (no pytest): makes a small fleet with make_fleet.py,
starts the simulator on a free loopback port and checks each behaviour of its "Files and downloads" section over
HTTP. Exit status 0 when every check passed; each failure is printed.

    /usr/bin/python3 nbi_files_test.py <tests/sim directory> <scratch directory>
"""

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

SIMDIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SCRATCH = sys.argv[2] if len(sys.argv) > 2 else "."
failures = []


def check(name, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, (": " + str(detail)) if detail and not cond else ""))
    if not cond:
        failures.append(name)


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            try:
                obj = json.loads(data) if data else None
            except ValueError:
                obj = data
            return r.status, r.reason, obj, dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            c.close()

    def query(self, coll, q):
        return self.request("GET", "/%s/?query=%s" % (coll, urllib.parse.quote(json.dumps(q))))[2]

    def control(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})


def wait_for(what, fn, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    return None


def main():
    fleet = os.path.join(SCRATCH, "nbi_files_fleet.json")
    subprocess.run(["/usr/bin/python3", os.path.join(SIMDIR, "fleet", "make_fleet.py"), "--count", "4", "--seed", "3",
                    "--out", fleet], check=True)
    devices = json.load(open(fleet))["devices"]
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(SIMDIR, "genieacs", "nbi_sim.py"), "--fleet", fleet],
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            print("FAIL simulator did not start: %r" % line)
            return 1
        c = Client(int(line[1]))
        run(c, devices)
    finally:
        p.terminate()
        p.wait()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


def run(c, devices):
    xx = [d for d in devices if d["model"] == "XX230v" and d["online"]]
    dev = c.query("devices", {"_deviceId._SerialNumber": xx[0]["tr069_serial"]})[0]["_id"]
    path_id = urllib.parse.quote(dev, safe="")
    hdr = {"fileType": "1 Firmware Upgrade Image", "oui": "1C61B4", "productClass": "Device2", "version": "1.2.0"}

    # PUT /files: 201, metadata from the headers, fs.files shape
    s, _, _, _ = c.request("PUT", "/files/xx230v-1.2.0.bin", b"A" * 1000, hdr)
    check("PUT /files answers 201", s == 201, s)
    got = c.query("files", {"_id": "xx230v-1.2.0.bin"})
    check("GET /files by _id finds it", len(got) == 1, got)
    f = got[0] if got else {}
    check("metadata as stored", f.get("metadata") == hdr, f.get("metadata"))
    check("length and filename", f.get("length") == 1000 and f.get("filename") == "xx230v-1.2.0.bin", f)
    # a second PUT overwrites
    hdr2 = dict(hdr, version="1.2.1")
    c.request("PUT", "/files/xx230v-1.2.0.bin", b"B" * 10, hdr2)
    got = c.query("files", {"filename": "xx230v-1.2.0.bin"})
    check("PUT twice overwrites (one file, new length and metadata)",
          len(got) == 1 and got[0]["length"] == 10 and got[0]["metadata"]["version"] == "1.2.1", got)
    check("query by metadata.version", len(c.query("files", {"metadata.version": "1.2.1"})) == 1)
    check("query by another version finds nothing", c.query("files", {"metadata.version": "9"}) == [])
    s, _, _, h = c.request("GET", "/files/xx230v-1.2.0.bin")
    check("GET /files/<name> is 405 with Allow: PUT, DELETE", s == 405 and h.get("allow") == "PUT, DELETE", (s, h))
    s, _, _, _ = c.request("DELETE", "/files/nope.bin")
    check("DELETE of an unknown file: 404", s == 404, s)

    # download, success: the task leaves /tasks, an operation until TransferComplete, then the new version
    c.request("PUT", "/files/fw-ok.bin", b"C" * 100, hdr)
    c.control("/__sim/download", {"id": dev, "delay_ms": 300})
    s, reason, task, _ = c.request("POST", "/devices/%s/tasks?connection_request" % path_id,
                                   json.dumps({"name": "download", "file": "fw-ok.bin"}))
    check("download task: 200 (the session met its declaration)", s == 200, (s, reason))
    tid = task["_id"] if isinstance(task, dict) else ""
    check("the task is deleted at the session's end", c.query("tasks", {"_id": tid}) == [])
    ops = c.query("operations", {"channels": {"$regex": "task_" + tid}})
    check("an operation waits for TransferComplete", len(ops) == 1 and ops[0]["name"] == "Download", ops)
    gone = wait_for("operation gone", lambda: c.query("operations", {"channels": {"$regex": "task_" + tid}}) == [])
    check("TransferComplete deletes the operation", gone)
    check("no fault after a good transfer", c.query("faults", {"_id": dev + ":task_" + tid}) == [])
    d = c.query("devices", {"_id": dev})[0]
    check("Downloads.1.LastFileName set", d.get("Downloads", {}).get("1", {}).get("LastFileName", {}).get("_value")
          == "fw-ok.bin", d.get("Downloads"))
    check("SoftwareVersion is the file's version",
          d["Device"]["DeviceInfo"]["SoftwareVersion"]["_value"] == "1.2.0", d["Device"]["DeviceInfo"]["SoftwareVersion"])

    # download, TransferComplete with 9010: a fault record, the task stays deleted
    c.control("/__sim/download", {"id": dev, "delay_ms": 200, "code": "9010", "message": "Download failure"})
    s, reason, task, _ = c.request("POST", "/devices/%s/tasks?connection_request" % path_id,
                                   json.dumps({"name": "download", "file": "fw-ok.bin"}))
    tid = task["_id"]
    check("faulting download: 200 at first", s == 200, (s, reason))
    fault = wait_for("fault", lambda: c.query("faults", {"_id": dev + ":task_" + tid}))
    check("TransferComplete 9010 becomes the fault of the task's channel",
          bool(fault) and fault[0]["code"] == "cwmp.9010" and fault[0]["message"] == "Download failure"
          and fault[0]["channel"] == "task_" + tid and fault[0]["detail"]["faultCode"] == "9010", fault)
    check("the operation is deleted", c.query("operations", {"channels": {"$regex": "task_" + tid}}) == [])
    check("the faulted download's task is not in /tasks", c.query("tasks", {"_id": tid}) == [])

    # an unknown file: the CPE refuses the Download in the session, the task stays with its fault
    c.control("/__sim/download", {"id": dev})
    s, reason, task, _ = c.request("POST", "/devices/%s/tasks?connection_request" % path_id,
                                   json.dumps({"name": "download", "file": "missing.bin"}))
    check("unknown file: 202 Task faulted", s == 202 and reason == "Task faulted", (s, reason))
    tid = task["_id"]
    check("the task stays in /tasks", len(c.query("tasks", {"_id": tid})) == 1)
    f = c.query("faults", {"_id": dev + ":task_" + tid})
    check("its fault is cwmp.9003", bool(f) and f[0]["code"] == "cwmp.9003", f)

    # Status 0: done in the session, no operation
    c.control("/__sim/download", {"id": dev, "status": 0})
    s, _, task, _ = c.request("POST", "/devices/%s/tasks?connection_request" % path_id,
                              json.dumps({"name": "download", "file": "fw-ok.bin"}))
    check("Status 0: 200 and no operation", s == 200 and
          c.query("operations", {"channels": {"$regex": "task_" + task["_id"]}}) == [], s)

    s, _, _, _ = c.request("DELETE", "/files/fw-ok.bin")
    check("DELETE /files/<name>: 200", s == 200, s)
    check("gone from /files", c.query("files", {"_id": "fw-ok.bin"}) == [])


if __name__ == "__main__":
    sys.exit(main())
