#!/usr/bin/python3
"""ERPNext (Frappe REST v1) simulator for the hub's ERPNext client tests and demos. Standard library only.

Every behaviour follows shared reference/erpnext-twilio.md ("the doc" below) unless marked "sim:" (a choice where
the doc is silent). Data comes from the fleet file (tests/sim/fleet/make_fleet.py): Customer, Service Location,
Service Equipment.

    /usr/bin/python3 frappe_sim.py --fleet fleet.json --api-key K --api-secret S [--port 0]

Prints "READY <port>" on stdout once listening. Test-only control endpoints (no auth, same port):
  GET  /__sim/stats
  POST /__sim/fault {"delay_ms":N, "status":503, "malformed":true, "rate_limit":true, "retry_after":7, "count":K}
  POST /__sim/reset
"""

import argparse
import base64
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

# the doc: the operators Frappe accepts (plus tree/time operators, not simulated: they fail like unknown ones)
OPERATORS = ["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"]

EXC_STATUS = {"ValidationError": 417, "AuthenticationError": 401, "PermissionError": 403, "DoesNotExistError": 404,
              "DuplicateEntryError": 409, "TooManyRequestsError": 429}


class FrappeError(Exception):
    def __init__(self, exc_type, message, title="Message"):
        super().__init__(message)
        self.exc_type, self.message, self.title = exc_type, message, title


def load_docs(fleet):
    docs = {"Customer": {}, "Service Location": {}, "Service Equipment": {}}
    base = 1764000000
    for key, dt in (("customers", "Customer"), ("service_locations", "Service Location"),
                    ("service_equipment", "Service Equipment")):
        for i, row in enumerate(fleet[key]):
            d = dict(row)
            d["doctype"] = dt
            # sim: `modified` descends with creation order, so Frappe's default order "modified desc" is stable
            d["modified"] = "2025-11-%02d %02d:%02d:%02d.000000" % (1 + (i // 86400) % 28, 23 - (i // 3600) % 24,
                                                                    59 - (i // 60) % 60, 59 - i % 60)
            d["creation"] = d["modified"]
            d["idx"] = base - i
            docs[dt][d["name"]] = d
    return docs


def like_to_regex(pattern):
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.I | re.S)  # sim: case-insensitive, as ILIKE on PostgreSQL


def as_list(v):
    if isinstance(v, list):
        return v
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return [v]


def cmp_val(a, b):
    if isinstance(a, (int, float)) and not isinstance(b, (int, float)):
        try:
            b = float(b)
        except (TypeError, ValueError):
            a = str(a)
    elif isinstance(b, (int, float)) and not isinstance(a, (int, float)):
        a, b = str(a), str(b)
    return a, b


def test_condition(doc, field, op, value, doctype, fields_known):
    if field not in fields_known:
        # sim: Frappe answers with a database error text here; kept as a clear 417
        raise FrappeError("ValidationError", "Field not permitted in query: %s" % field)
    actual = doc.get(field)
    op = op.lower().strip() if isinstance(op, str) else op
    if op not in OPERATORS:
        raise FrappeError("ValidationError", "Operator must be one of %s" % ", ".join(OPERATORS))
    if op in ("=", "!="):
        a, b = cmp_val(actual if actual is not None else "", value if value is not None else "")
        return (a == b) == (op == "=")
    if op in (">", "<", ">=", "<="):
        a, b = cmp_val(actual if actual is not None else "", value)
        try:
            return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
        except TypeError:
            return False
    if op in ("like", "not like"):
        hit = like_to_regex(str(value)).match(str(actual if actual is not None else "")) is not None
        return hit == (op == "like")
    if op in ("in", "not in"):
        vals = [str(x) for x in as_list(value)]
        return (str(actual) in vals) == (op == "in")
    if op == "is":
        if value not in ("set", "not set"):
            raise FrappeError("ValidationError", "Value for 'is' must be 'set' or 'not set'")
        is_set = actual not in (None, "")
        return is_set == (value == "set")
    if op == "between":
        vals = as_list(value)
        if len(vals) != 2:
            raise FrappeError("ValidationError", "between needs two values")
        a, lo = cmp_val(actual, vals[0])
        a2, hi = cmp_val(actual, vals[1])
        try:
            return lo <= a and a2 <= hi
        except TypeError:
            return False
    return False


def normalise_filters(raw, doctype, what):
    """the doc: [[field,op,value]...], [[doctype,field,op,value]], {field:value} or {field:[op,value]}."""
    out = []
    if raw is None:
        return out
    if isinstance(raw, dict):
        for k, v in raw.items():
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str):
                out.append((k, v[0], v[1]))
            else:
                out.append((k, "=", v))
        return out
    if not isinstance(raw, list):
        raise FrappeError("ValidationError", "%s must be a list or an object" % what)
    for f in raw:
        if isinstance(f, list) and len(f) == 4:
            if f[0] != doctype:
                raise FrappeError("ValidationError", "sim: child-table filters are not simulated (%s)" % f[0])
            f = f[1:]
        if isinstance(f, list) and len(f) == 2:
            f = [f[0], "=", f[1]]
        if not (isinstance(f, list) and len(f) == 3 and isinstance(f[0], str)):
            raise FrappeError("ValidationError", "Invalid filter: %s" % json.dumps(f))
        out.append(tuple(f))
    return out


class State:
    def __init__(self, docs, key, secret):
        self.docs, self.key, self.secret = docs, key, secret
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.fault = {}
        self.stats = {"requests": 0, "list_calls": 0, "get_calls": 0, "auth_failures": 0, "injected_faults": 0,
                      "last_query": ""}

    def take_fault(self):
        with self.lock:
            f = self.fault
            if not f:
                return None
            c = f.get("count", -1)
            if c == 0:
                return None
            if c > 0:
                f["count"] = c - 1
            self.stats["injected_faults"] += 1
            return dict(f)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per answer on loopback). Real servers send them together; so does this one with TCP_NODELAY.
    disable_nagle_algorithm = True
    server_version = "frappe-sim"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, headers=(), raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_exc(self, e, headers=()):
        # the doc: exc_type always; _server_messages is a string holding a JSON array of JSON strings
        msg = json.dumps({"message": e.message, "title": e.title, "indicator": "red", "raise_exception": 1})
        self.send_json(EXC_STATUS.get(e.exc_type, 500),
                       {"exc_type": e.exc_type, "_server_messages": json.dumps([msg])}, headers)

    def authenticate(self):
        """Returns the user, 'Guest' without a header; raises on bad credentials (the doc)."""
        st = self.server.state
        h = self.headers.get("Authorization")
        if not h:
            return "Guest"
        scheme, _, cred = h.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            try:
                cred = base64.b64decode(cred.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                raise FrappeError("ValidationError", "Invalid Basic authorization header")  # the doc: 400
        elif scheme != "token":
            raise FrappeError("AuthenticationError", "Invalid authorization scheme")
        key, _, secret = cred.strip().partition(":")
        if key != st.key or secret != st.secret:
            with st.lock:
                st.stats["auth_failures"] += 1
            raise FrappeError("AuthenticationError", "Invalid API key or secret", "Not permitted")
        return "api-user"

    def do_GET(self):
        st = self.server.state
        url = urlsplit(self.path)
        path = url.path
        if path == "/__sim/stats":
            with st.lock:
                return self.send_json(200, st.stats)
        with st.lock:
            st.stats["requests"] += 1
        f = st.take_fault()
        if f:
            if f.get("delay_ms"):
                time.sleep(f["delay_ms"] / 1000.0)
            if f.get("rate_limit"):
                # the doc: 429 with Retry-After and X-RateLimit-* headers
                return self.send_exc(FrappeError("TooManyRequestsError", "You hit the rate limit because of too many requests. Please try after sometime."),
                                     headers=[("Retry-After", str(f.get("retry_after", 5))),
                                              ("X-RateLimit-Limit", "600"), ("X-RateLimit-Remaining", "0")])
            if f.get("status"):
                return self.send_json(f["status"], None, raw=b"<html><body>sim: injected failure</body></html>")
            if f.get("malformed"):
                return self.send_json(200, None, raw=b'{"data": [{"name": "EQP-0')
        if path.startswith("/api/v1/"):
            path = "/api/" + path[len("/api/v1/"):]  # the doc: /api/v1/... from v15
        try:
            if path == "/api/method/ping":
                return self.send_json(200, {"message": "pong"})
            user = self.authenticate()
            if path == "/api/method/frappe.auth.get_logged_user":
                if user == "Guest":
                    raise FrappeError("AuthenticationError", "Not logged in")  # sim: message text
                return self.send_json(200, {"message": user})
            segs = path.split("/")
            if len(segs) in (4, 5) and segs[1] == "api" and segs[2] == "resource":
                doctype = unquote(segs[3])
                if doctype not in st.docs:
                    raise FrappeError("DoesNotExistError", "DocType %s not found" % doctype)
                if user == "Guest":
                    raise FrappeError("PermissionError", "Not permitted", "Not permitted")  # the doc: Guest → 403
                if len(segs) == 5:
                    name = unquote(segs[4])
                    with st.lock:
                        st.stats["get_calls"] += 1
                    d = st.docs[doctype].get(name)
                    if d is None:
                        raise FrappeError("DoesNotExistError", "%s %s not found" % (doctype, name))
                    return self.send_json(200, {"data": d})
                return self.list(doctype, dict(parse_qsl(url.query, keep_blank_values=True)))
            raise FrappeError("DoesNotExistError", "Page not found")  # sim
        except FrappeError as e:
            if e.message == "Invalid Basic authorization header":
                return self.send_json(400, {"exc_type": "ValidationError", "_server_messages": json.dumps(
                    [json.dumps({"message": e.message})])})
            return self.send_exc(e)

    def list(self, doctype, q):
        st = self.server.state
        with st.lock:
            st.stats["list_calls"] += 1
            st.stats["last_query"] = json.dumps(q, sort_keys=True)
        docs = list(st.docs[doctype].values())
        known = set(docs[0].keys()) if docs else {"name"}
        try:
            fields = json.loads(q["fields"]) if q.get("fields") else ["name"]
            filters = normalise_filters(json.loads(q["filters"]) if q.get("filters") else None, doctype, "filters")
            or_filters = normalise_filters(json.loads(q["or_filters"]) if q.get("or_filters") else None, doctype,
                                           "or_filters")
        except ValueError as e:
            raise FrappeError("ValidationError", "Invalid JSON in query: %s" % e)
        if not isinstance(fields, list) or not all(isinstance(x, str) for x in fields):
            raise FrappeError("ValidationError", "fields must be a JSON list of strings")
        try:
            start = int(q.get("limit_start") or 0)
            page = int(q["limit_page_length"]) if q.get("limit_page_length") not in (None, "") else 20  # the doc
        except ValueError:
            raise FrappeError("ValidationError", "limit_start and limit_page_length must be integers")
        hits = []
        for d in docs:
            if not all(test_condition(d, fl, op, v, doctype, known) for fl, op, v in filters):
                continue
            if or_filters and not any(test_condition(d, fl, op, v, doctype, known) for fl, op, v in or_filters):
                continue
            hits.append(d)
        order = (q.get("order_by") or "modified desc").strip()
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            words = part.replace("`", "").split()
            fl = words[0].split(".")[-1]
            if fl not in known:
                raise FrappeError("ValidationError", "Invalid field in order_by: %s" % fl)
            desc = len(words) > 1 and words[1].lower() == "desc"
            hits.sort(key=lambda d: str(d.get(fl, "")), reverse=desc)
        hits = hits[start:start + page] if page > 0 else hits[start:]
        if "*" in fields:
            out = [dict(d) for d in hits]
        else:
            for fl in fields:
                base = fl.split(" as ")[0].strip()
                if base not in known:
                    raise FrappeError("ValidationError", "Field not permitted in query: %s" % base)
            out = [{fl: d.get(fl) for fl in fields} for d in hits]
        return self.send_json(200, {"data": out})

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.path == "/__sim/fault":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.send_json(400, {"error": "bad json"})
            with st.lock:
                st.fault = body
            return self.send_json(200, {})
        if self.path == "/__sim/reset":
            with st.lock:
                st.reset()
            return self.send_json(200, {})
        return self.send_exc(FrappeError("PermissionError", "sim: writes are not simulated", "Not permitted"))


def main():
    ap = argparse.ArgumentParser(description="ERPNext / Frappe REST simulator")
    ap.add_argument("--fleet", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--api-secret", required=True)
    a = ap.parse_args()
    try:
        with open(a.fleet) as f:
            docs = load_docs(json.load(f))
    except (OSError, ValueError, KeyError) as e:
        print("frappe_sim: cannot load %s: %s" % (a.fleet, e), file=sys.stderr)
        return 2
    srv = ThreadingHTTPServer((a.bind, a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(docs, a.api_key, a.api_secret)
    print("READY %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
