#!/usr/bin/python3
"""Self-test of frappe_sim.py's writes (no pytest): makes a small fleet, starts the simulator as a process on a
free loopback port and checks each write behaviour over HTTP (the header of frappe_sim.py names the sources).
Exit status 0 when every check passed; each failure is printed.

    /usr/bin/python3 frappe_sim_write_test.py [path/to/tests/sim]
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SIM_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(HERE)
KEY, SECRET = "k0123", "s4567"
failures = []


def check(name, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, (": " + str(detail)) if detail and not cond else ""))
    if not cond:
        failures.append(name)


def request(port, method, path, body=None, auth=True):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "token %s:%s" % (KEY, SECRET)
    try:
        c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = c.getresponse()
        data = r.read()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, data
    finally:
        c.close()


def res(doctype, name=None, query=None):
    p = "/api/resource/" + urllib.parse.quote(doctype)
    if name:
        p += "/" + urllib.parse.quote(name)
    if query:
        p += "?" + urllib.parse.urlencode(query)
    return p


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fleet = os.path.join(tmp, "fleet.json")
        subprocess.run([sys.executable, os.path.join(SIM_DIR, "fleet", "make_fleet.py"), "--count", "4", "--seed", "3",
                        "--base-time", "1796000000", "--out", fleet], check=True, stdout=subprocess.DEVNULL)
        f = json.load(open(fleet))
        p = subprocess.Popen([sys.executable, os.path.join(SIM_DIR, "erpnext", "frappe_sim.py"), "--fleet", fleet,
                              "--api-key", KEY, "--api-secret", SECRET, "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            port = int(p.stdout.readline().split()[1])
            run(port, f)
        finally:
            p.terminate()
            p.wait(10)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


def run(port, fleet):
    locs = [l["name"] for l in fleet["service_locations"]]
    names = sorted(e["name"] for e in fleet["service_equipment"])
    st, body = request(port, "GET", res("Dispatch Job", query={"fields": '["*"]', "limit_page_length": 0}))
    check("one open Dispatch Job per Service Location", st == 200 and sorted(j["service_location"] for j in body["data"]) == sorted(locs), body)

    st, body = request(port, "POST", res("Service Equipment"), {"equipment_type": "ONT", "serial_number": "SIMW0001",
                                                               "mac_address": "02:00:00:00:00:01", "status": "Active",
                                                               "service_location": locs[0], "not_a_field": 1})
    d = body.get("data", {}) if isinstance(body, dict) else {}
    want = "EQP-%05d" % (int(names[-1].split("-")[1]) + 1)
    check("POST creates with the next number of the naming series", st == 200 and d.get("name") == want, (st, d.get("name"), want))
    check("POST answers the whole document with owner and creation", d.get("owner") and d.get("creation") and d.get("serial_number") == "SIMW0001", d)
    check("unknown keys do not reach the document", "not_a_field" not in d, d)
    st, got = request(port, "GET", res("Service Equipment", want))
    check("the created document reads back", st == 200 and got["data"]["mac_address"] == "02:00:00:00:00:01", got)

    st, body = request(port, "POST", res("Service Equipment"), {"serial_number": "X"})
    check("a missing mandatory field → 417 ValidationError", st == 417 and body.get("exc_type") == "ValidationError", (st, body))
    st, body = request(port, "POST", res("Service Equipment"), {"equipment_type": "ONT", "serial_number": "X", "service_location": "LOC-99999"})
    check("a Link to a missing document → 417 'Could not find'", st == 417 and "Could not find Service Location: LOC-99999" in body.get("_server_messages", ""), (st, body))

    st, body = request(port, "PUT", res("Service Equipment", want), {"service_location": locs[1]})
    check("PUT changes only the fields sent", st == 200 and body["data"]["service_location"] == locs[1] and body["data"]["serial_number"] == "SIMW0001", body)
    st, v = request(port, "GET", res("Version", query={"fields": '["*"]', "filters": json.dumps([["docname", "=", want]])}))
    rows = v.get("data", []) if isinstance(v, dict) else []
    check("a tracked DocType's change writes one Version with [field, old, new]",
          len(rows) == 1 and json.loads(rows[0]["data"])["changed"] == [["service_location", locs[0], locs[1]]], rows)
    request(port, "PUT", res("Service Equipment", want), {"service_location": locs[1]})
    st, v = request(port, "GET", res("Version", query={"fields": '["*"]', "filters": json.dumps([["docname", "=", want]])}))
    check("a save that changes nothing writes no Version", len(v["data"]) == 1, v)
    st, body = request(port, "PUT", res("Service Equipment", "EQP-99999"), {"status": "Active"})
    check("PUT of a missing document → 404 DoesNotExistError", st == 404 and body.get("exc_type") == "DoesNotExistError", (st, body))

    st, body = request(port, "POST", res("Comment"), {"comment_type": "Comment", "reference_doctype": "Dispatch Job",
                                                     "reference_name": "DJ-00001", "content": "<p>hi</p>"})
    check("a Comment on a Dispatch Job", st == 200 and body["data"]["reference_name"] == "DJ-00001", (st, body))
    st, body = request(port, "POST", res("Comment"), {"comment_type": "Comment", "reference_doctype": "Dispatch Job",
                                                     "reference_name": "DJ-99999", "content": "x"})
    check("a Comment's Dynamic Link to a missing document → 417", st == 417, (st, body))
    st, body = request(port, "POST", res("Customer"), {"customer_name": "x"})
    check("a DocType the API user may not write → 403", st == 403, (st, body))
    st, body = request(port, "POST", res("Comment"), {"comment_type": "Comment"}, auth=False)
    check("a write without credentials (Guest) → 403", st == 403 and body.get("exc_type") == "PermissionError", (st, body))


if __name__ == "__main__":
    sys.exit(main())
