#!/usr/bin/python3
"""ERPNext (Frappe REST v1) simulator for the hub's ERPNext client tests and demos. Standard library only.

Every behaviour follows shared reference/erpnext-twilio.md ("the doc" below), or Frappe v15's own source where
named (frappe/model/db_query.py, frappe/api/v1.py, frappe/auth.py, frappe/app.py, frappe/utils/response.py, as read
for issue 19; read, not copied), unless marked "sim:" (a choice where both are silent). The database behind it is
PostgreSQL, as the operator runs it (operator-system.md): '=' and 'in' exact, 'like' → ILIKE, 'not like' exact.
Data comes from the fleet file (tests/sim/fleet/make_fleet.py): Customer, Service Location, Service Equipment, the
DocTypes' fields ("doctypes") and the API user's User Permissions ("user_permissions").

    /usr/bin/python3 frappe_sim.py --fleet fleet.json --api-key K --api-secret S [--port 0] [--deny-read DOCTYPE]...

Writes (issue 13, the QR flow's technicians): POST /api/resource/<DocType> creates, PUT /api/resource/<DocType>/<name>
updates, for Service Equipment, Dispatch Job and Comment; Version records are written for tracked DocTypes. Sources
for these, besides the above: [CRUD] Frappe docs "Creating, Updating & Deleting"
(https://docs.frappe.io/framework-git/rest-api/creating-updating), [REST] Frappe v15 REST API guide
(https://docs.frappe.io/framework/v15/user/en/guides/integration/rest_api), [AUDIT] Frappe docs "Audit Trail"
(https://docs.frappe.io/framework-git/security/audit-trail). Dispatch Job (DJ-#####: customer, service location,
technician, schedule, equipment items) is the operator's custom DocType (operator-system.md); its other fields
here are the hub's (docs/qr.md "Install check on the Dispatch Job"); the jobs generated at start are "sim:".

Prints "READY <port>" on stdout once listening. Test-only control endpoints (no auth, same port):
  GET  /__sim/stats
  POST /__sim/fault {"delay_ms":N, "status":503, "malformed":true, "rate_limit":true, "retry_after":7, "count":K}
  POST /__sim/reset
"""

import argparse
import base64
import json
import os
import re
import sys
import threading
import time
from urllib.parse import parse_qsl, unquote, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simkit  # noqa: E402  (the simulators' shared HTTP plumbing)

# the doc: the operators Frappe accepts (plus tree/time operators, not simulated: they fail like unknown ones)
OPERATORS = ["=", "!=", ">", "<", ">=", "<=", "like", "not like", "in", "not in", "is", "between"]

# the doc's status map; DataError is a ValidationError (frappe/exceptions.py), 417 too
EXC_STATUS = {"ValidationError": 417, "DataError": 417, "AuthenticationError": 401, "PermissionError": 403,
              "DoesNotExistError": 404, "DuplicateEntryError": 409, "TooManyRequestsError": 429}

# Columns every DocType's table has (Frappe's standard fields, frappe/model/__init__.py default_fields).
STANDARD_FIELDS = ["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"]
API_USER = "api-user"


class FrappeError(Exception):
    def __init__(self, exc_type, message, title="Message", error_message=None):
        super().__init__(message)
        self.exc_type, self.message, self.title = exc_type, message, title
        self.error_message = error_message  # frappe.flags.error_message → "_error_message" (v15 frappe/app.py)


def no_read(doctype):
    # v15 frappe/model/db_query.py execute(): without read permission, frappe.flags.error_message is set to
    # "Insufficient Permission for <b>DocType</b>" (frappe.bold) and a bare PermissionError raised; frappe/app.py
    # handle_exception sends the flag as _error_message with the 403.
    return FrappeError("PermissionError", None, error_message="Insufficient Permission for <strong>%s</strong>" % doctype)


def load_meta(fleet, docs):
    """DocType → [{fieldname, fieldtype, permlevel}] from the fleet's "doctypes"; sim: derived from the rows' keys
    when the fleet has none (older fleet files)."""
    meta = {}
    for dt, rows in docs.items():
        fields = (fleet.get("doctypes") or {}).get(dt)
        if fields is None:
            keys = []
            for d in rows.values():
                keys += [k for k in d if k not in keys]
            fields = [{"fieldname": k, "fieldtype": "Data", "permlevel": 0} for k in keys if k not in STANDARD_FIELDS
                      and k != "doctype"]
        meta[dt] = fields
    return meta


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


# Naming series of the DocTypes the sim creates (operator-system.md: EQP-#####, DJ-#####); Comment and Version are
# named by hash in Frappe (sim: a counter in hex, same shape).
SERIES = {"Service Equipment": "EQP-%05d", "Dispatch Job": "DJ-%05d"}
# DocTypes with "Track Changes" on ([AUDIT]: off by default; the operator's two are assumed tracked, an assumption).
TRACKED = {"Service Equipment", "Dispatch Job"}
# Mandatory fields per DocType (sim: the operator's DocTypes' reqd flags are unknown; these are what the hub sends).
MANDATORY = {"Service Equipment": ["equipment_type", "serial_number"], "Comment": ["comment_type", "reference_doctype"],
             "Dispatch Job": ["customer"]}
# Link fields checked on save (frappe/model/document.py _validate_links: "Could not find <DocType>: <name>",
# LinkValidationError, a ValidationError → 417).
LINKS = {"Service Equipment": {"service_location": "Service Location", "customer": "Customer"},
         "Dispatch Job": {"service_location": "Service Location", "customer": "Customer"}}
WRITABLE = {"Service Equipment", "Dispatch Job", "Comment"}


def extra_meta():
    """Fields of the DocTypes the fleet file does not describe (getdoctype, list field checks)."""
    def f(name, ftype="Data", options=None):
        d = {"fieldname": name, "fieldtype": ftype, "permlevel": 0}
        if options:
            d["options"] = options
        return d
    return {
        "Dispatch Job": [f("customer", "Link", "Customer"), f("service_location", "Link", "Service Location"),
                         f("technician"), f("job_type", "Select"), f("status", "Select"), f("scheduled_date", "Date"),
                         f("custom_install_verdict", "Select"), f("custom_install_checked_at", "Datetime"),
                         f("custom_install_checked_by"), f("custom_install_equipment", "Link", "Service Equipment")],
        # frappe/core/doctype/comment/comment.json (the fields a timeline comment carries)
        "Comment": [f("comment_type", "Select"), f("reference_doctype", "Link", "DocType"),
                    f("reference_name", "Dynamic Link"), f("content", "HTML Editor"), f("comment_email"),
                    f("comment_by")],
        # [AUDIT]: ref_doctype, docname, data (a JSON diff)
        "Version": [f("ref_doctype", "Link", "DocType"), f("docname", "Data"), f("data", "Code")],
    }


def dispatch_jobs(docs):
    """sim: one open installation job per service location, technician DT-00001, so every demo device has a job."""
    jobs = {}
    for i, loc in enumerate(sorted(docs["Service Location"].values(), key=lambda d: d["name"])):
        name = SERIES["Dispatch Job"] % (i + 1)
        jobs[name] = {"name": name, "doctype": "Dispatch Job", "customer": loc.get("customer", ""),
                      "service_location": loc["name"], "technician": "DT-00001", "job_type": "Installation",
                      "status": "Open", "scheduled_date": "2026-12-07", "custom_install_verdict": "",
                      "custom_install_checked_at": "", "custom_install_checked_by": "",
                      "custom_install_equipment": "", "modified": "2025-11-01 00:00:00.000000",
                      "creation": "2025-11-01 00:00:00.000000", "owner": "Administrator", "docstatus": 0,
                      "idx": 0}
    return jobs


def now_text():
    t = time.time()
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + ".%06d" % int((t % 1) * 1e6)


def like_to_regex(value, case_insensitive):
    """A Frappe `like` value as PostgreSQL matches it. v15 frappe/model/db_query.py prepare_filter_condition doubles
    each backslash of the value ("like uses backslash for escaping") and passes '%' and '_' on as wildcards; on
    PostgreSQL it turns `like` (only `like`, not `not like`) into ILIKE. PostgreSQL's LIKE: '_' one character, '%'
    any run, backslash escapes the next character."""
    pattern = value.replace("\\", "\\\\")
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("^" + "".join(out) + "$", (re.I if case_insensitive else 0) | re.S)


def as_list(v):
    """`in` values: a list, or a string split on ',' (v15 db_query.py prepare_filter_condition); each value is
    stripped (cstr(v).strip()) before it is quoted, so "in [' X ']" finds "X"."""
    if isinstance(v, str):
        v = v.split(",")
    if not isinstance(v, list):
        v = [v]
    return [("" if x is None else str(x)).strip() for x in v]


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
        # v15 db_query.py: a field that is not the DocType's is refused with frappe.DataError (417), the query
        # never reaching the database
        raise FrappeError("DataError", "Field not permitted in query: %s" % field)
    actual = doc.get(field)
    op = op.lower().strip() if isinstance(op, str) else op
    if op not in OPERATORS:
        raise FrappeError("ValidationError", "Operator must be one of %s" % ", ".join(OPERATORS))
    if op in ("=", "!="):
        # PostgreSQL compares text exactly: case, spaces and separators count
        a, b = cmp_val(actual if actual is not None else "", value if value is not None else "")
        return (a == b) == (op == "=")
    if op in (">", "<", ">=", "<="):
        a, b = cmp_val(actual if actual is not None else "", value)
        try:
            return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
        except TypeError:
            return False
    if op in ("like", "not like"):
        hit = like_to_regex(str(value), op == "like").match(str(actual if actual is not None else "")) is not None
        return hit == (op == "like")
    if op in ("in", "not in"):
        vals = as_list(value)  # stripped; the comparison itself is exact (PostgreSQL IN)
        return (str(actual if actual is not None else "") in vals) == (op == "in")
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
    def __init__(self, docs, meta, key, secret, deny_read=(), user_permissions=None):
        self.docs, self.meta, self.key, self.secret = docs, meta, key, secret
        self.deny_read = set(deny_read)
        # User Permissions of the API user: {"Customer": [names it may see]} (Frappe's User Permission DocType)
        self.user_permissions = user_permissions or {}
        self.lock = threading.Lock()
        self.counters = {}
        self.reset()

    def reset(self):
        self.fault = {}
        self.stats = {"requests": 0, "list_calls": 0, "get_calls": 0, "auth_failures": 0, "injected_faults": 0,
                      "last_query": ""}

    def can_read(self, user, doctype):
        return user != "Guest" and doctype not in self.deny_read

    def visible(self, doctype, d):
        """User Permissions (frappe/permissions.py has_user_permission; applied to lists by v15
        frappe/model/db_query.py add_user_permissions): once the user has User Permissions for Customer, a Customer
        outside them, and every document whose Customer link points outside them, is not the user's to see. Lists
        leave such rows out silently."""
        allowed = self.user_permissions.get("Customer")
        if allowed is None:
            return True
        if doctype == "Customer":
            return d["name"] in allowed
        link = d.get("customer")
        return not link or link in allowed

    def readable_fields(self, doctype):
        """Fields the API user may read: permission level 0 only (sim: its roles have no higher level).
        Frappe drops the others from a list's fields without a word (v15 frappe/model/db_query.py, through
        frappe.model.get_permitted_fields)."""
        return set(STANDARD_FIELDS) | {f["fieldname"] for f in self.meta[doctype] if not f.get("permlevel")}

    def known_fields(self, doctype):
        return set(STANDARD_FIELDS) | {f["fieldname"] for f in self.meta[doctype]}

    def take_fault(self):
        with self.lock:
            return simkit.spend_fault(self.fault, self.stats) if self.fault else None


class Handler(simkit.SimHandler):
    server_version = "frappe-sim"

    def send_json(self, status, obj, headers=(), raw=None):
        self.send_body(status, raw if raw is not None else json.dumps(obj), "application/json", headers)

    def send_exc(self, e, headers=()):
        # the doc: exc_type always; _server_messages is a string holding a JSON array of JSON strings, present only
        # when something was frappe.throw()n or msgprint()ed — a bare raise (AuthenticationError in frappe/auth.py,
        # db_query's PermissionError) has none (v15 frappe/utils/response.py report_error, build_response)
        body = {"exc_type": e.exc_type}
        if e.message is not None:
            msg = json.dumps({"message": e.message, "title": e.title, "indicator": "red", "raise_exception": 1})
            body["_server_messages"] = json.dumps([msg])
        if e.error_message:
            body["_error_message"] = e.error_message
        self.send_json(EXC_STATUS.get(e.exc_type, 500), body, headers)

    def send_html_404(self):
        """Anything outside /api/ is the website's: an unknown page is its HTML 404 (v15 frappe/app.py: only
        /api/ answers JSON errors), as is a reverse proxy's 404 in front of a wrong prefix."""
        body = b"<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>Page Not Found</h1></body></html>"
        self.send_body(404, body, "text/html; charset=utf-8")

    def authenticate(self):
        """Returns the user: 'Guest' without usable credentials; raises on rejected ones. v15 frappe/auth.py
        validate_auth: the header is split on ' '; only a two-part header is tried (oauth, then api keys); in
        validate_auth_via_api_keys the token is split on ':' into exactly (key, secret), any other shape raising a
        ValueError that is passed over; a two-part header that leaves the user Guest raises a bare
        AuthenticationError (401, no message). So "token key: secret" (three parts) is simply Guest."""
        st = self.server.state
        parts = self.headers.get("Authorization", "").split(" ")
        if len(parts) != 2:
            return "Guest"
        scheme, cred = parts
        user = "Guest"
        if scheme.lower() in ("token", "basic"):
            if scheme.lower() == "basic":
                try:
                    cred = base64.b64decode(cred, validate=True).decode()
                except (ValueError, UnicodeDecodeError):
                    # frappe/auth.py: binascii.Error → frappe.throw(…, InvalidAuthorizationToken); the doc: 400
                    raise FrappeError("InvalidAuthorizationToken",
                                      "Failed to decode token, please provide a valid base64-encoded token.")
            pieces = cred.split(":")
            if len(pieces) == 2:
                if pieces[0] == st.key and pieces[1] == st.secret:
                    user = API_USER
        if user == "Guest":
            with st.lock:
                st.stats["auth_failures"] += 1
            raise FrappeError("AuthenticationError", None)
        return user

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
        if not path.startswith("/api/"):
            return self.send_html_404()
        try:
            if path == "/api/method/ping":
                return self.send_json(200, {"message": "pong"})
            user = self.authenticate()
            if path == "/api/method/frappe.auth.get_logged_user":
                if user == "Guest":
                    raise FrappeError("AuthenticationError", "Not logged in")  # sim: message text
                return self.send_json(200, {"message": user})
            if path == "/api/method/frappe.desk.form.load.getdoctype":
                return self.getdoctype(user, dict(parse_qsl(url.query, keep_blank_values=True)).get("doctype", ""))
            # v15 frappe/api/v1.py: Rule("/resource/<doctype>") and Rule("/resource/<doctype>/<path:name>") in a
            # Map with strict_slashes=False (frappe/api/__init__.py): a trailing slash is tolerated and a name may
            # hold a raw '/'.
            if path.endswith("/") and path.count("/") > 3:
                path = path[:-1]
            segs = path.split("/")
            if len(segs) >= 4 and segs[1] == "api" and segs[2] == "resource" and segs[3]:
                doctype = unquote(segs[3])
                if doctype not in st.docs:
                    # frappe.get_meta of an unknown DocType: DoesNotExistError, thrown with its message
                    raise FrappeError("DoesNotExistError", "DocType %s not found" % doctype)
                if not st.can_read(user, doctype):
                    raise no_read(doctype)  # the doc: Guest → 403
                if len(segs) >= 5:
                    name = unquote("/".join(segs[4:]))
                    with st.lock:
                        st.stats["get_calls"] += 1
                    d = st.docs[doctype].get(name)
                    if d is None:
                        # frappe/model/document.py load_from_db: frappe.throw("<DocType> <name> not found",
                        # DoesNotExistError) → 404 with the message (the doc)
                        raise FrappeError("DoesNotExistError", "%s %s not found" % (doctype, name))
                    if not st.visible(doctype, d):
                        # a document a User Permission hides: has_permission fails → 403 (frappe/permissions.py)
                        raise FrappeError("PermissionError", "No permission for %s %s" % (doctype, name),
                                          "Not permitted")
                    readable = st.readable_fields(doctype)
                    return self.send_json(200, {"data": {k: v for k, v in d.items() if k in readable or k == "doctype"}})
                return self.list(doctype, dict(parse_qsl(url.query, keep_blank_values=True)))
            raise FrappeError("DoesNotExistError", "Page not found")  # sim
        except FrappeError as e:
            if e.exc_type == "InvalidAuthorizationToken":
                return self.send_json(400, {"exc_type": e.exc_type, "_server_messages": json.dumps(
                    [json.dumps({"message": e.message})])})
            return self.send_exc(e)

    def getdoctype(self, user, doctype):
        """GET /api/method/frappe.desk.form.load.getdoctype?doctype=X → {"docs": [the DocType with its fields,
        custom fields merged in (frappe.get_meta)]} (frappe/desk/form/load.py sets frappe.response.docs).
        sim: without read permission on X, the same 403 as a list."""
        st = self.server.state
        if doctype not in st.docs:
            raise FrappeError("DoesNotExistError", "DocType %s not found" % doctype)
        if not st.can_read(user, doctype):
            raise no_read(doctype)
        fields = [dict(f, parent=doctype, idx=i + 1) for i, f in enumerate(st.meta[doctype])]
        return self.send_json(200, {"docs": [{"doctype": "DocType", "name": doctype, "module": "Selfcare",
                                              "custom": 0, "fields": fields}]})

    def list(self, doctype, q):
        st = self.server.state
        with st.lock:
            st.stats["list_calls"] += 1
            st.stats["last_query"] = json.dumps(q, sort_keys=True)
        docs = [d for d in st.docs[doctype].values() if st.visible(doctype, d)]
        known = st.known_fields(doctype)
        readable = st.readable_fields(doctype)
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
                raise FrappeError("DataError", "Invalid field in order_by: %s" % fl)
            desc = len(words) > 1 and words[1].lower() == "desc"
            hits.sort(key=lambda d: str(d.get(fl, "")), reverse=desc)
        hits = hits[start:start + page] if page > 0 else hits[start:]
        if "*" in fields:
            out = [{k: v for k, v in d.items() if k in readable} for d in hits]
        else:
            for fl in fields:
                base = fl.split(" as ")[0].strip()
                if base not in known:
                    # v15 db_query.py: a field that is not the DocType's → frappe.DataError (417)
                    raise FrappeError("DataError", "Field not permitted in query: %s" % base)
            fields = [fl for fl in fields if fl.split(" as ")[0].strip() in readable]  # dropped silently
            out = [{fl: d.get(fl) for fl in fields} for d in hits]
        return self.send_json(200, {"data": out})

    def do_POST(self):
        st = self.server.state
        raw = self.read_body()
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
        return self.write("POST", raw)

    def do_PUT(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.write("PUT", self.rfile.read(n) if n else b"")

    def write(self, method, raw):
        """[CRUD]/[REST]: POST /api/resource/<DocType> creates (body: the fields; `doctype` comes from the URL) and
        answers the whole document with the server-set name, owner, creation; PUT /api/resource/<DocType>/<name> is a
        partial update (only the fields sent change) answering the whole document. [AUDIT]: a tracked DocType's
        save that changed something writes a Version {ref_doctype, docname, data: {"changed": [[field, old, new]]}}."""
        st = self.server.state
        with st.lock:
            st.stats["requests"] += 1
            st.stats["writes"] = st.stats.get("writes", 0) + 1
        f = st.take_fault()
        if f and f.get("status"):
            return self.send_json(f["status"], None, raw=b"<html><body>sim: injected failure</body></html>")
        path = urlsplit(self.path).path
        if path.startswith("/api/v1/"):
            path = "/api/" + path[len("/api/v1/"):]
        if not path.startswith("/api/"):
            return self.send_html_404()
        try:
            user = self.authenticate()
            segs = path.rstrip("/").split("/")
            if len(segs) < 4 or segs[1] != "api" or segs[2] != "resource" or not segs[3]:
                raise FrappeError("DoesNotExistError", "Page not found")
            doctype = unquote(segs[3])
            if doctype not in st.docs:
                raise FrappeError("DoesNotExistError", "DocType %s not found" % doctype)
            if user == "Guest":
                # the doc: no credentials → Guest; Guest may not write (frappe/permissions.py) → 403
                raise no_read(doctype)
            if doctype not in WRITABLE:
                raise FrappeError("PermissionError", "No permission for %s" % doctype, "Not permitted")  # sim: role
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise FrappeError("ValidationError", "sim: the body is not JSON")
            if isinstance(body, dict) and isinstance(body.get("data"), (dict, str)):
                body = body["data"] if isinstance(body["data"], dict) else json.loads(body["data"])  # frappe accepts {"data": …}
            if not isinstance(body, dict):
                raise FrappeError("ValidationError", "sim: the body must be a JSON object")
            known = st.known_fields(doctype)
            # Unknown keys are not columns: they do not reach the database (frappe/model/base_document.py
            # get_valid_dict keeps only the DocType's fields).
            values = {k: v for k, v in body.items() if k in known and k not in ("name", "owner", "creation",
                                                                                 "modified", "modified_by", "doctype")}
            with st.lock:
                if method == "POST":
                    if len(segs) != 4:
                        raise FrappeError("DoesNotExistError", "Page not found")
                    d = {k: "" for k in known}
                    d.update(values)
                    self.validate(st, doctype, d)
                    # A naming series continues from the highest number used (frappe/model/naming.py keeps the
                    # series' current value in tabSeries).
                    if doctype not in st.counters:
                        nums = [int(m.group(1)) for m in (re.match(r"^[A-Z]+-(\d+)$", k) for k in st.docs[doctype]) if m]
                        st.counters[doctype] = max(nums, default=len(st.docs[doctype]))
                    st.counters[doctype] += 1
                    name = (SERIES[doctype] % st.counters[doctype]) if doctype in SERIES else "%010x" % st.counters[doctype]
                    if name in st.docs[doctype]:
                        raise FrappeError("DuplicateEntryError", "%s %s already exists" % (doctype, name))
                    d.update({"name": name, "doctype": doctype, "owner": user, "modified_by": user, "docstatus": 0,
                              "idx": 0, "creation": now_text()})
                    d["modified"] = d["creation"]
                    st.docs[doctype][name] = d
                    out = dict(d)
                else:
                    if len(segs) < 5:
                        raise FrappeError("DoesNotExistError", "Page not found")
                    name = unquote("/".join(segs[4:]))
                    d = st.docs[doctype].get(name)
                    if d is None:
                        raise FrappeError("DoesNotExistError", "%s %s not found" % (doctype, name))
                    new = dict(d)
                    new.update(values)
                    self.validate(st, doctype, new)
                    changed = [[k, d.get(k), v] for k, v in values.items() if d.get(k) != v]
                    if changed:
                        new["modified"] = now_text()
                        new["modified_by"] = user
                        st.docs[doctype][name] = new
                        if doctype in TRACKED:
                            st.counters["Version"] = st.counters.get("Version", len(st.docs["Version"])) + 1
                            vname = "%010x" % st.counters["Version"]
                            st.docs["Version"][vname] = {
                                "name": vname, "doctype": "Version", "ref_doctype": doctype, "docname": name,
                                "data": json.dumps({"changed": changed, "added": [], "removed": [], "row_changed": []}),
                                "owner": user, "creation": new["modified"], "modified": new["modified"],
                                "docstatus": 0, "idx": 0}
                    out = dict(st.docs[doctype][name])
            return self.send_json(200, {"data": out})
        except FrappeError as e:
            return self.send_exc(e)

    @staticmethod
    def validate(st, doctype, d):
        for k in MANDATORY.get(doctype, []):
            if d.get(k) in (None, ""):
                # frappe/model/base_document.py _get_missing_mandatory_fields → MandatoryError (417)
                raise FrappeError("ValidationError", "Error: Value missing for %s: %s" % (doctype, k),
                                  "Missing Fields")
        links = dict(LINKS.get(doctype, {}))
        if doctype == "Comment" and d.get("reference_doctype"):
            links["reference_name"] = d["reference_doctype"]  # Dynamic Link: validated against its DocType
        for k, target in links.items():
            v = d.get(k)
            if v and (target not in st.docs or v not in st.docs[target]):
                raise FrappeError("ValidationError", "Could not find %s: %s" % (target, v))


def main():
    ap = argparse.ArgumentParser(description="ERPNext / Frappe REST simulator")
    ap.add_argument("--fleet", required=True)
    simkit.add_listen_args(ap)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--api-secret", required=True)
    ap.add_argument("--deny-read", action="append", default=[],
                    help="a DocType the API user has no role to read (403 on lists, documents and its description)")
    a = ap.parse_args()
    fleet = simkit.load_json_file(a.fleet, "frappe_sim")
    try:
        docs = load_docs(fleet)
        meta = load_meta(fleet, docs)
        meta.update(extra_meta())
        docs["Dispatch Job"] = dispatch_jobs(docs)
        docs["Comment"], docs["Version"] = {}, {}
        ups = fleet.get("user_permissions") or {}
    except (OSError, ValueError, KeyError) as e:
        print("frappe_sim: cannot load %s: %s" % (a.fleet, e), file=sys.stderr)
        return 2
    return simkit.serve(simkit.make_server(a.bind, a.port, Handler,
                                           state=State(docs, meta, a.api_key, a.api_secret, a.deny_read, ups)))


if __name__ == "__main__":
    sys.exit(main())
