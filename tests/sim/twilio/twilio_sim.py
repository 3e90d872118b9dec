#!/usr/bin/python3
"""Twilio Programmable Messaging simulator (the Messages resource only) for the hub's SMS OTP tests and the demo.
Standard library only.

Sources, cited at each behaviour below:
  [MR]   Twilio docs, Messages resource: https://www.twilio.com/docs/messaging/api/message-resource
  [API]  Twilio docs, "Our API: the basics": https://www.twilio.com/docs/iam/api (base URL, HTTP Basic auth with
         Account SID and Auth Token)
  [GO]   twilio-go's generated API docs (rest/api/v2010/docs/AccountsMessagesApi.md, ApiV2010Message.md), read for
         the field list of the Message object
  [ERR n] Twilio's error page https://www.twilio.com/docs/errors/<n> (21211, 21602, 21603, 21604, 21617, 20003,
         20404, 20429, 20500)
  [EX]   a published example 400 body (gist "Reference: https://www.twilio.com/docs/api/errors", quoting Twilio's
         debugging guide): {"code": 21211, "message": "The 'To' number 5551234567 is not a valid phone number.",
         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
  [RT]   riptutorial "send a single message using an alphanumeric sender id": a full 201 response body
Anything marked "assumption:" is our choice where these sources are silent.

    /usr/bin/python3 twilio_sim.py --account-sid AC… --auth-token T [--bind 127.0.0.1] [--port 0]
                                   [--rate-limit N --rate-window S]

Prints "READY <port>" on stdout once listening. Test-only control endpoints (no auth, same port; never Twilio's):
  GET  /__sim/messages?to=+15551234567   the last message accepted for that phone (404 {"error":…} when none)
  GET  /__sim/messages                   every accepted message, oldest first
  GET  /__sim/stats                      {"requests", "accepted", "rejected", "auth_failures", "rate_limited"}
  POST /__sim/fault {"mode": "down"|"500"|"none", "count": K}
       "down": the connection is closed without an answer (provider unreachable); "500": Twilio's 500 error body.
       count K: only the next K Messages requests (default: until the next fault or reset).
  POST /__sim/config {"rate_limit": N, "rate_window": S}   at most N accepted messages per S seconds (0 = no limit)
  POST /__sim/reset                      forget messages, stats, faults (the rate limit setting stays)
"""

import argparse
import base64
import email.utils
import hmac
import json
import re
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

API_VERSION = "2010-04-01"  # [API]: every URL is under https://api.twilio.com/2010-04-01
ACCOUNT_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")  # [GO] schema: Account SIDs are AC + 32 hex
SERVICE_SID_RE = re.compile(r"^MG[0-9a-fA-F]{32}$")  # [GO] schema: Messaging Service SIDs are MG + 32 hex
# [MR]: To is "the recipient's phone number in E.164 format": '+', a country code not starting with 0, at most 15
# digits in all (ITU-T E.164). assumption: channel addresses (whatsapp:+…) are not simulated and fail as 21211.
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAX_BODY = 1600  # [ERR 21617]: "The Body parameter for an outgoing message can be up to 1,600 characters"

# GSM 03.38 basic character set plus its extension table (extension characters cost two septets). Used only for
# num_segments; [MR] says bodies over the character limit are segmented, Twilio's segment glossary gives 160 GSM-7
# / 70 UCS-2 characters per single segment, 153 / 67 per part of a concatenated message.
GSM7_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = set("^{}\\[~]|€\f")


def num_segments(body):
    if all(c in GSM7_BASIC or c in GSM7_EXT for c in body):
        units = sum(2 if c in GSM7_EXT else 1 for c in body)
        single, part = 160, 153
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in body)  # UCS-2/UTF-16 code units
        single, part = 70, 67
    if units <= single:
        return 1
    return (units + part - 1) // part


def twilio_error(status, code, message):
    """[EX]: the error body is {"code", "message", "more_info", "status"}; more_info points at the error's page."""
    return status, {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                    "status": status}


class State:
    def __init__(self, account_sid, auth_token, rate_limit, rate_window):
        self.lock = threading.Lock()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.reset()

    def reset(self):
        self.messages = []
        self.sent_times = []
        self.fault = None
        self.fault_left = None
        self.stats = {"requests": 0, "accepted": 0, "rejected": 0, "auth_failures": 0, "rate_limited": 0}

    def take_fault(self):
        """The fault for this Messages request, if any; counts down a bounded fault."""
        with self.lock:
            if not self.fault or self.fault == "none":
                return None
            f = self.fault
            if self.fault_left is not None:
                self.fault_left -= 1
                if self.fault_left <= 0:
                    self.fault, self.fault_left = None, None
            return f


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "twilio-sim"

    def log_message(self, fmt, *args):
        sys.stderr.write("twilio_sim: %s\n" % (fmt % args))

    def send_json(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        # [MR]: the .json suffix of the URI asks for a JSON representation
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(self, err, headers=()):
        status, body = err
        with self.server.state.lock:
            self.server.state.stats["rejected"] += 1
        self.send_json(status, body, headers)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > 64 * 1024:  # assumption: Twilio's request size limit is not documented here; bounded
            return None
        return self.rfile.read(n) if n else b""

    # ---- control endpoints -------------------------------------------------------------------------------------
    def control_get(self, url):
        st = self.server.state
        if url.path == "/__sim/stats":
            with st.lock:
                return self.send_json(200, dict(st.stats))
        if url.path == "/__sim/messages":
            q = parse_qs(url.query, keep_blank_values=True)
            with st.lock:
                msgs = list(st.messages)
            if "to" in q:
                mine = [m for m in msgs if m["to"] == q["to"][0]]
                if not mine:
                    return self.send_json(404, {"error": "no message to %s" % q["to"][0]})
                return self.send_json(200, mine[-1])
            return self.send_json(200, {"messages": msgs})
        return self.send_json(404, {"error": "unknown control endpoint"})

    def control_post(self, path):
        st = self.server.state
        raw = self.read_body()
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError as e:
            return self.send_json(400, {"error": "bad json: %s" % e})
        if path == "/__sim/fault":
            mode = body.get("mode", "none")
            if mode not in ("down", "500", "none"):
                return self.send_json(400, {"error": "mode must be down, 500 or none"})
            count = body.get("count")
            if count is not None and (not isinstance(count, int) or count < 1):
                return self.send_json(400, {"error": "count must be a positive integer"})
            with st.lock:
                st.fault, st.fault_left = mode, count
            return self.send_json(200, {})
        if path == "/__sim/config":
            try:
                limit = int(body.get("rate_limit", st.rate_limit))
                window = float(body.get("rate_window", st.rate_window))
            except (TypeError, ValueError):
                return self.send_json(400, {"error": "rate_limit and rate_window must be numbers"})
            if limit < 0 or window <= 0:
                return self.send_json(400, {"error": "rate_limit >= 0 and rate_window > 0"})
            with st.lock:
                st.rate_limit, st.rate_window = limit, window
                st.sent_times = []
            return self.send_json(200, {})
        if path == "/__sim/reset":
            with st.lock:
                st.reset()
            return self.send_json(200, {})
        return self.send_json(404, {"error": "unknown control endpoint"})

    # ---- the Twilio API ----------------------------------------------------------------------------------------
    def authenticated(self):
        """[API], [ERR 20003]: HTTP Basic with the Account SID as user name and the Auth Token as password.
        assumption: API key SIDs (SK…) are not simulated; only the configured account's pair is accepted."""
        st = self.server.state
        h = self.headers.get("Authorization") or ""
        parts = h.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "basic":
            return False
        try:
            user, _, pw = base64.b64decode(parts[1], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        # constant-time comparison: the sim should not be a timing oracle either
        return hmac.compare_digest(user.encode(), st.account_sid.encode()) and \
            hmac.compare_digest(pw.encode(), st.auth_token.encode())

    def auth_failed(self):
        with self.server.state.lock:
            self.server.state.stats["auth_failures"] += 1
        # [ERR 20003] "Permission Denied" / "Authenticate"; 401 as the doc's status map (erpnext-twilio.md) and the
        # Basic challenge so generic HTTP clients retry with credentials. assumption: the realm text.
        return self.send_error_json(twilio_error(401, 20003, "Authenticate"),
                                    headers=[("WWW-Authenticate", 'Basic realm="Twilio API"')])

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.startswith("/__sim/"):
            return self.control_get(url)
        if not self.authenticated():
            return self.auth_failed()
        # assumption: only creating messages is simulated; everything else is Twilio's 404 (20404 "The requested
        # resource … was not found", [ERR 20404]).
        return self.send_error_json(twilio_error(404, 20404, "The requested resource %s was not found" % url.path))

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path.startswith("/__sim/"):
            return self.control_post(url.path)
        st = self.server.state
        with st.lock:
            st.stats["requests"] += 1
        raw = self.read_body()
        m = re.match(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$", url.path)
        fault = st.take_fault() if m else None
        if fault == "down":
            # the provider is unreachable: the connection closes with no status line (as a dead upstream would)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if fault == "500":
            # [ERR 20500] "Internal Server Error"
            return self.send_error_json(twilio_error(500, 20500, "An internal server error has occurred"))
        if not self.authenticated():
            return self.auth_failed()
        if not m:
            return self.send_error_json(twilio_error(404, 20404,
                                                     "The requested resource %s was not found" % url.path))
        if m.group(1) != st.account_sid:
            # assumption: credentials valid for one account used on another account's URL are refused like bad
            # credentials (Twilio's 20003 lists "Using subaccount credentials to access master account").
            return self.auth_failed()
        if raw is None:
            # assumption: an oversized request (bounded here at 64 KiB, unread) is answered as an over-long body
            # and the connection closed
            self.close_connection = True
            return self.send_error_json(twilio_error(400, 21617, "The concatenated message body exceeds the 1600 "
                                                                 "character limit"))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype not in ("application/x-www-form-urlencoded", ""):
            # assumption: [MR] documents form-encoded parameters only; a JSON body carries none of them, so To is
            # missing (21604) — the same result Twilio's form parser would give.
            raw = b""
        try:
            form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            form = {}
        to = form.get("To", "")
        sender = form.get("From", "")
        service = form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        # assumption: the order of checks (To, To format, sender, body) — Twilio does not document which error wins
        # when several parameters are wrong.
        if not to:
            return self.send_error_json(twilio_error(400, 21604, "A 'To' phone number is required."))  # [ERR 21604]
        if not E164_RE.match(to):
            # [ERR 21211], message text as [EX]
            return self.send_error_json(twilio_error(400, 21211, "The 'To' number %s is not a valid phone number."
                                                     % to))
        if not sender and not service:
            # [ERR 21603]: a From or a MessagingServiceSid is required
            return self.send_error_json(twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is "
                                                                 "required to send a message."))
        if service and not SERVICE_SID_RE.match(service):
            # assumption: a malformed service SID is reported as 21603 (the doc: "did not include a valid … Messaging
            # Service SID")
            return self.send_error_json(twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is "
                                                                 "required to send a message."))
        if not body:
            # [ERR 21602]: Body (or MediaUrl, not simulated) is required
            return self.send_error_json(twilio_error(400, 21602, "Message body is required."))
        if len(body) > MAX_BODY:
            return self.send_error_json(twilio_error(400, 21617, "The concatenated message body exceeds the 1600 "
                                                                 "character limit"))  # [ERR 21617]
        now = time.time()
        with st.lock:
            if st.rate_limit > 0:
                st.sent_times = [t for t in st.sent_times if now - t < st.rate_window]
                if len(st.sent_times) >= st.rate_limit:
                    st.stats["rate_limited"] += 1
                    limited = True
                else:
                    st.sent_times.append(now)
                    limited = False
            else:
                limited = False
        if limited:
            # [ERR 20429]: 429 Too Many Requests; such a request "is never processed and is always safe to retry".
            # assumption: a fixed window of accepted messages stands in for Twilio's (undocumented) concurrency
            # limit, and no Retry-After header is sent (none documented for the REST API).
            return self.send_error_json(twilio_error(429, 20429, "Too Many Requests"))
        sid = "SM" + secrets.token_hex(16)
        date = email.utils.formatdate(now, usegmt=False).replace("-0000", "+0000")  # [MR]: RFC 2822, GMT
        # [MR], [GO], [RT]: the Message object. With a Messaging Service the status is "accepted" and num_segments
        # "0" until a sender is assigned ([MR] num_segments: "For messages sent via a Messaging Service,
        # num_segments is initially 0"); otherwise "queued". assumption: "from" stays null until a sender is chosen
        # when only a service was given ([RT] shows it set because both were given).
        msg = {
            "account_sid": st.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": "0",
            "num_segments": "0" if service else str(num_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {"media": "/%s/Accounts/%s/Messages/%s/Media.json" % (API_VERSION, st.account_sid,
                                                                                   sid)},
            "to": to,
            "uri": "/%s/Accounts/%s/Messages/%s.json" % (API_VERSION, st.account_sid, sid),
        }
        with st.lock:
            st.messages.append(msg)
            st.stats["accepted"] += 1
            if len(st.messages) > 10000:  # bounded memory in long demos
                del st.messages[:1000]
        return self.send_json(201, msg)  # [MR]: creating a Message answers 201 Created


def main():
    ap = argparse.ArgumentParser(description="Twilio Messages resource simulator")
    ap.add_argument("--account-sid", required=True, help="AC + 32 hex digits")
    ap.add_argument("--auth-token", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = any free port")
    ap.add_argument("--rate-limit", type=int, default=0, help="accepted messages per window (0 = unlimited)")
    ap.add_argument("--rate-window", type=float, default=60.0, help="seconds")
    a = ap.parse_args()
    if not ACCOUNT_SID_RE.match(a.account_sid):
        print("twilio_sim: --account-sid must be AC followed by 32 hex digits", file=sys.stderr)
        return 2
    if a.rate_limit < 0 or a.rate_window <= 0:
        print("twilio_sim: --rate-limit must be >= 0 and --rate-window > 0", file=sys.stderr)
        return 2
    srv = ThreadingHTTPServer((a.bind, a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a.account_sid, a.auth_token, a.rate_limit, a.rate_window)
    print("READY %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
