#!/usr/bin/python3
"""Self-test of twilio_sim.py (no pytest): starts the simulator as a process on a free loopback port and checks
each documented behaviour over HTTP. Exit status 0 when every check passed; each failure is printed.

    /usr/bin/python3 twilio_sim_test.py [path/to/twilio_sim.py]
"""

import base64
import http.client
import json
import os
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "twilio_sim.py")
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-token-not-a-secret"
SERVICE = "MG" + "fedcba9876543210" * 2

failures = []


def check(name, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, (": " + detail) if detail and not cond else ""))
    if not cond:
        failures.append(name)


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            try:
                obj = json.loads(data) if data else None
            except ValueError:
                obj = data
            return r.status, obj, dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            c.close()

    def send(self, fields, account=ACCOUNT, user=ACCOUNT, password=TOKEN, auth=True):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        return self.request("POST", "/2010-04-01/Accounts/%s/Messages.json" % account,
                            urllib.parse.urlencode(fields), headers)

    def control(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})


def is_error(name, resp, status, code):
    st, body, _ = resp
    ok = st == status and isinstance(body, dict) and body.get("code") == code and body.get("status") == status \
        and isinstance(body.get("message"), str) and body["message"] \
        and body.get("more_info") == "https://www.twilio.com/docs/errors/%d" % code
    check(name, ok, "got %s %r" % (st, body))


def main():
    proc = subprocess.Popen([sys.executable, SIM, "--account-sid", ACCOUNT, "--auth-token", TOKEN, "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("READY "):
            print("FAIL simulator did not start: %r" % line)
            return 1
        cl = Client(int(line.split()[1]))
        run(cl)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, SIM, "--account-sid", "ACnothex", "--auth-token", "x"],
                         capture_output=True, text=True, timeout=30)
    check("a malformed --account-sid is refused", bad.returncode == 2 and "--account-sid" in bad.stderr, bad.stderr)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


def run(cl):
    # 201 with the Message object
    st, m, hdr = cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "Votre code : 123456"})
    check("201 on a valid message", st == 201, "got %s %r" % (st, m))
    check("json content type", hdr.get("content-type", "").startswith("application/json"))
    for k in ("sid", "status", "to", "from", "body", "date_created", "date_updated", "date_sent", "uri",
              "account_sid", "api_version", "direction", "error_code", "error_message", "num_segments", "price"):
        check("201 body has %s" % k, k in m)
    check("sid is SM + 32 hex", isinstance(m.get("sid"), str) and len(m["sid"]) == 34 and m["sid"].startswith("SM")
          and all(c in "0123456789abcdef" for c in m["sid"][2:]), repr(m.get("sid")))
    check("status queued", m.get("status") == "queued")
    check("to/from/body echoed", (m.get("to"), m.get("from"), m.get("body")) ==
          ("+15550001111", "+15559990000", "Votre code : 123456"))
    check("date_created is RFC 2822 GMT", isinstance(m.get("date_created"), str) and
          m["date_created"].endswith("+0000") and "," in m["date_created"], repr(m.get("date_created")))
    check("num_segments is a string", m.get("num_segments") == "1", repr(m.get("num_segments")))
    check("uri names the message", m.get("uri") == "/2010-04-01/Accounts/%s/Messages/%s.json" % (ACCOUNT, m["sid"]))
    check("error_code null", m.get("error_code") is None)

    # the test endpoint: last message per phone
    cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "second"})
    st, last, _ = cl.request("GET", "/__sim/messages?to=%2B15550001111")
    check("last message per phone", st == 200 and last.get("body") == "second", repr(last))
    st, none, _ = cl.request("GET", "/__sim/messages?to=%2B15550002222")
    check("no message for another phone → 404", st == 404, repr(none))

    # Messaging service: accepted, num_segments "0"
    st, m2, _ = cl.send({"To": "+33612345678", "MessagingServiceSid": SERVICE, "Body": "x"})
    check("messaging service → 201 accepted", st == 201 and m2.get("status") == "accepted"
          and m2.get("messaging_service_sid") == SERVICE and m2.get("num_segments") == "0", repr(m2))

    # segments: 161 GSM-7 characters are two parts, 71 UCS-2 characters too
    st, m3, _ = cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "a" * 161})
    check("161 GSM-7 chars → 2 segments", st == 201 and m3.get("num_segments") == "2", repr(m3.get("num_segments")))
    st, m4, _ = cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "é" * 10 + "\u4e2d" * 61})
    check("71 UCS-2 chars → 2 segments", st == 201 and m4.get("num_segments") == "2", repr(m4.get("num_segments")))

    # 400s
    is_error("missing To → 21604", cl.send({"From": "+15559990000", "Body": "x"}), 400, 21604)
    is_error("To not E.164 → 21211", cl.send({"To": "5551234567", "From": "+15559990000", "Body": "x"}), 400, 21211)
    is_error("To with letters → 21211", cl.send({"To": "+1555abc", "From": "+15559990000", "Body": "x"}), 400, 21211)
    is_error("no From nor service → 21603", cl.send({"To": "+15550001111", "Body": "x"}), 400, 21603)
    is_error("missing Body → 21602", cl.send({"To": "+15550001111", "From": "+15559990000"}), 400, 21602)
    is_error("empty Body → 21602", cl.send({"To": "+15550001111", "From": "+15559990000", "Body": ""}), 400, 21602)
    is_error("1601-char Body → 21617", cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "b" * 1601}),
             400, 21617)
    st, _, _ = cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "b" * 1600})
    check("1600-char Body accepted", st == 201)

    # 401s
    r = cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "x"}, password="wrong")
    is_error("wrong token → 401 20003", r, 401, 20003)
    check("401 carries a Basic challenge", r[2].get("www-authenticate", "").lower().startswith("basic"))
    is_error("no credentials → 401 20003", cl.send({"To": "+15550001111", "Body": "x"}, auth=False), 401, 20003)
    other = "AC" + "1" * 32
    is_error("another account's URL → 401", cl.send({"To": "+15550001111", "From": "+1555", "Body": "x"},
                                                    account=other), 401, 20003)
    is_error("wrong account SID as user → 401", cl.send({"To": "+15550001111", "From": "+15559990000", "Body": "x"},
                                                        user=other), 401, 20003)
    check("refused requests leave no message", cl.request("GET", "/__sim/messages?to=%2B15550001111")[1]["body"]
          == "b" * 1600)

    # 429 once the configured rate is exceeded
    cl.control("/__sim/reset", {})
    st, _, _ = cl.control("/__sim/config", {"rate_limit": 2, "rate_window": 3600})
    check("config accepted", st == 200)
    codes = [cl.send({"To": "+15550003333", "From": "+15559990000", "Body": "n%d" % i})[0] for i in range(2)]
    check("two messages within the rate", codes == [201, 201], repr(codes))
    is_error("third message → 429 20429", cl.send({"To": "+15550003333", "From": "+15559990000", "Body": "n2"}),
             429, 20429)
    check("the limited message was not recorded",
          cl.request("GET", "/__sim/messages?to=%2B15550003333")[1].get("body") == "n1")
    cl.control("/__sim/config", {"rate_limit": 0})

    # failure switch: 500 then down, bounded by count
    cl.control("/__sim/fault", {"mode": "500", "count": 1})
    is_error("fault 500 → Twilio 500 body", cl.send({"To": "+15550004444", "From": "+15559990000", "Body": "x"}),
             500, 20500)
    st, _, _ = cl.send({"To": "+15550004444", "From": "+15559990000", "Body": "after"})
    check("count 1: the next request succeeds", st == 201)
    cl.control("/__sim/fault", {"mode": "down"})
    try:
        r = cl.send({"To": "+15550004444", "From": "+15559990000", "Body": "lost"})
        check("fault down: connection closed without an answer", False, "got %r" % (r,))
    except (http.client.HTTPException, OSError):
        check("fault down: connection closed without an answer", True)
    check("while down, the control endpoint still answers", cl.request("GET", "/__sim/stats")[0] == 200)
    cl.control("/__sim/fault", {"mode": "none"})
    check("lost message not recorded", cl.request("GET", "/__sim/messages?to=%2B15550004444")[1].get("body")
          == "after")
    st, _, _ = cl.control("/__sim/fault", {"mode": "sideways"})
    check("unknown fault mode refused", st == 400)

    # unknown resource → 404 20404
    r = cl.request("GET", "/2010-04-01/Accounts/%s/Calls.json" % ACCOUNT, headers={
        "Authorization": "Basic " + base64.b64encode(("%s:%s" % (ACCOUNT, TOKEN)).encode()).decode()})
    is_error("unknown resource → 404 20404", r, 404, 20404)

    st, stats, _ = cl.request("GET", "/__sim/stats")
    check("stats count accepted and rejected", st == 200 and stats.get("accepted", 0) >= 1
          and stats.get("rejected", 0) >= 1, repr(stats))


if __name__ == "__main__":
    sys.exit(main())
