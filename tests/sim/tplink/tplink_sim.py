#!/usr/bin/python3
"""Simulator of TP-Link EX/XX modems' web UI (the XX230v family), for the bridge's tests.

An independent implementation on python3-cryptography, so our C++ client (mbedTLS) and this simulator do not
share bugs. Every behaviour follows shared reference/tplink-web-api.md ("the doc" below) unless marked
as an assumption; docs/bridge-tplink.md lists them.

    /usr/bin/python3 tplink_sim.py [--port 0] [--count 1] [--variant cbc-raw|cbc-oaep|gcm|gcm-oaep]
                                   [--password-file F] [--max-failures 5] [--forbid-seconds 600]

Prints one line "READY <port> [<port> …]" on stdout once listening, then serves until killed.
Control endpoints (test only, same port): GET /__sim/stats, POST /__sim/fault {…}, POST /__sim/browser_login,
POST /__sim/reset.
"""

import argparse
import base64
import csv
import hashlib
import json
import os
import random
import secrets
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, padding as sympad
from cryptography.hazmat.primitives.asymmetric import padding as asympad
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simkit  # noqa: E402  (the simulators' shared HTTP plumbing)

RET_OK = 0
RET_BAD_CREDENTIALS = 71233  # the doc, Login step 5
RET_BAD_REQUEST = 71234
RET_SESSION_BUSY = 71235  # assumption: the code of "another admin session is open" is in no source we have

FIXTURE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "boards", "tplink-xx230v",
                           "fixtures")
# The real XX230v TR-181 dump (tests/sim/data/README of shared data: GenieACS CSV export, 6,408 parameters).
DUMP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tplink-xx230v-tr181-dump.csv")

# Objects the web UI reads with `gl` (multi-instance). WAN and LAN: real captures and the independent client
# tplinkrouterc6u (its EX client lists DEV2_ADT_WAN / DEV2_ADT_LAN and skips disabled items); Wi-Fi and hosts:
# the doc's table.
LIST_OBJECTS = ("DEV2_ADT_WAN", "DEV2_ADT_LAN", "DEV2_ADT_WIFI_COMMON", "DEV2_HOST_ENTRY", "DEV2_MULTIAP_APDEVICE",
                "DEV2_MULTIAP_ASSOCDEV")
ERR_REFUSED = 9003  # assumption: the error code a modem gives for a refused act (`go` on a list, a bare logout)


class Drop(Exception):
    """Close the connection without an answer: the modem's reaction to a sign it cannot read (the doc, Pitfalls)."""


# ----------------------------------------------------------------------------------------------- board data

def load_dump(path=DUMP):
    """Parameter → value from the real dump (values may span lines; the csv module handles the quoting)."""
    with open(path, encoding="utf-8", newline="") as f:
        return {row["Parameter"]: row["Value"] for row in csv.DictReader(f)}


def dump_mac(dump, obj):
    """Follows LowerLayers from a TR-181 object down to the first one with a MACAddress (Ethernet.Link)."""
    seen = set()
    while obj and obj not in seen:
        seen.add(obj)
        mac = dump.get(obj + "MACAddress")
        if mac:
            return mac
        obj = (dump.get(obj + "LowerLayers") or "").split(",")[0].strip()
    return ""


def wan_lan_from_dump(dump):
    """DEV2_ADT_WAN / DEV2_ADT_LAN as lists, one item per IP interface of the real dump: br0 (interface 1) is the
    LAN; the others are WAN connections — on this unit four, all enabled, the live one ppp0 (interface 6, over
    PPP.Interface.3) last. Field names: the doc's table plus `name` (tplinkrouterc6u reads it); `status` is an
    assumption (the web-UI object's status field is not in any source we have), valued from IP.Interface.Status."""
    wan, lan = [], []
    ids = sorted({int(k.split(".")[3]) for k in dump if k.startswith("Device.IP.Interface.") and
                  k.split(".")[3].isdigit()})
    for i in ids:
        p = "Device.IP.Interface.%d." % i
        lower = dump.get(p + "LowerLayers", "")
        addr = dump.get(p + "IPv4Address.1.IPAddress", "")
        mask = dump.get(p + "IPv4Address.1.SubnetMask", "")
        enable = "1" if dump.get(p + "Enable") == "true" else "0"
        if dump.get(p + "Name") == "br0":
            lan.append({"stack": "%d,0,0,0,0,0" % (len(lan) + 1), "MACAddress": dump_mac(dump, p),
                        "IPAddress": addr, "IPSubnetMask": mask,
                        "DHCPv4Enable": "1" if dump.get("Device.DHCPv4.Server.Enable") == "true" else "0"})
            continue
        gateway = ""
        for k, v in dump.items():
            if k.startswith("Device.Routing.Router.1.IPv4Forwarding.") and k.endswith(".Interface") and v == p:
                gateway = dump.get(k[:-len("Interface")] + "GatewayIPAddress", "")
        dns = ""
        if lower.startswith("Device.PPP.Interface."):
            dns = dump.get(lower + "IPCP.DNSServers", "")
        wan.append({"stack": "%d,0,0,0,0,0" % (len(wan) + 1), "enable": enable,
                    "name": dump.get(p + "X_TP_ConnName", ""), "status": dump.get(p + "Status", ""),
                    "MACAddr": dump_mac(dump, lower), "connIPv4Address": addr, "connIPv4Gateway": gateway,
                    "connIPv4SubnetMask": mask, "connIPv4DnsServer": dns})
    return wan, lan


def mesh_from_dump(dump, host_macs):
    """DEV2_MULTIAP_APDEVICE / DEV2_MULTIAP_ASSOCDEV: a controller with two satellites.

    The object names are an ASSUMPTION (no public capture of an EX web UI reading its mesh); they follow the DEV2_
    naming of Device.WiFi.MultiAP.APDevice.{i} and its AssociatedDevice.{i}, and the field names are those TR-181
    parameters as the real XX230v dump shows them (first letter lowered for standard names, as DEV2_HOST_ENTRY
    does with physAddress/hostName; X_TP_ names kept). The controller is the dump's APDevice.1 (its values); the
    dump has no satellite, so the two satellites are ASSUMED: the same field set, one wired to the controller,
    one on a Wi-Fi backhaul through the first (a tree, as EasyMesh allows). Clients: the dump's associated
    device (MBP-de-Gaspare on the controller's 5 GHz AP) plus two of the built-in hosts, one per satellite."""
    ap = "Device.WiFi.MultiAP.APDevice.1."
    controller_mac = dump.get(ap + "MACAddress", "1C:61:B4:FB:2A:C8")
    sat1, sat2 = "1C:61:B4:FB:3B:10", "1C:61:B4:FB:4C:20"  # assumption: TP-Link OUI, invented tails

    def node(mac, name, ip, controller, link, parent, signal, rate, up):
        return {"MACAddress": mac, "X_TP_HostName": name, "X_TP_ModelName": dump.get(ap + "X_TP_ModelName", ""),
                "softwareVersion": dump.get(ap + "SoftwareVersion", ""), "X_TP_IPAddress": ip,
                "X_TP_IsController": "true" if controller else "false", "X_TP_Active": "true",
                "backhaulLinkType": link, "backhaulMACAddress": parent, "backhaulSignalStrength": str(signal),
                "X_TP_LinkRate": str(rate), "X_TP_UpTime": str(up)}

    nodes = [
        node(controller_mac, dump.get(ap + "X_TP_HostName", ""), dump.get(ap + "X_TP_IPAddress", ""), True,
             dump.get(ap + "BackhaulLinkType", ""), dump.get(ap + "BackhaulMACAddress", ""),
             dump.get(ap + "BackhaulSignalStrength", "0"), dump.get(ap + "X_TP_LinkRate", "0"),
             dump.get(ap + "X_TP_UpTime", "0")),
        node(sat1, "XX230v_3B10", "192.168.1.3", False, "Ethernet", controller_mac, 0, 1000, 4000),
        node(sat2, "XX230v_4C20", "192.168.1.4", False, "Wi-Fi", sat1, 162, 1201, 3900),
    ]
    for i, n in enumerate(nodes):
        n["stack"] = "%d,0,0,0,0,0" % (i + 1)
    assoc = "Device.WiFi.MultiAP.APDevice.1.Radio.2.AP.2.AssociatedDevice.1."
    clients = [{"MACAddress": dump.get(assoc + "MACAddress", ""), "X_TP_ApDeviceMac": dump.get(assoc + "X_TP_ApDeviceMac", ""),
                "X_TP_HostName": dump.get(assoc + "X_TP_HostName", ""), "active": "1",
                "signalStrength": dump.get(assoc + "SignalStrength", ""),
                "lastDataDownlinkRate": dump.get(assoc + "LastDataDownlinkRate", "")}]
    for mac, sat, signal in ((host_macs[1], sat1, 150), (host_macs[3], sat2, 120)):
        clients.append({"MACAddress": mac, "X_TP_ApDeviceMac": sat, "X_TP_HostName": "", "active": "1",
                        "signalStrength": str(signal), "lastDataDownlinkRate": "286000"})
    for i, c in enumerate(clients):
        c["stack"] = "1,%d,0,0,0,0" % (i + 1)
    return nodes, clients


def builtin_board(index):
    """Fallback when the board fixture is absent: values from the real XX230v dump in shared data
    (model, firmware, optical and memory values)."""
    mac_tail = 0x10 + index
    dump = load_dump()
    wan, lan = wan_lan_from_dump(dump)
    hosts = [
        # name, ip, mac, X_TP_LanConnType (0 wired, 1 2.4G, 2 guest 2.4G, 3 5G, 4 guest 5G), active, lease
        ("MBP-de-Gaspare", "192.168.1.2", "3C:06:30:2D:42:FB", "3", "1", "4006"),
        ("Galaxy-S21", "192.168.1.23", "A8:9C:ED:11:22:%02X" % mac_tail, "1", "1", "85344"),
        ("living-room-tv", "192.168.1.40", "F4:F5:D8:AA:01:02", "0", "1", "72000"),
        ("guest-phone", "192.168.1.101", "5A:11:22:33:44:55", "2", "1", "3600"),
        ("ipad-guest", "192.168.1.102", "62:AA:BB:CC:DD:EE", "4", "0", "120"),
        ("printer", "192.168.1.50", "00:1B:A9:10:20:30", "0", "0", "0"),
    ]
    mesh = mesh_from_dump(dump, [h[2] for h in hosts])
    return {
        "DEV2_DEV_INFO": {"hardwareVersion": "XX230v v1.0 00000000", "modelName": "XX230v",
                          "softwareVersion": "0.6.0 3.0.0 v6066.0 Build 220630 Rel.56119n"},
        "DEV2_ADT_WAN": wan,
        "DEV2_ADT_LAN": lan,
        "DEV2_ADT_WIFI_COMMON": [
            {"stack": "1,0,0,0,0,0", "primaryEnable": "1", "guestEnable": "1"},
            {"stack": "2,0,0,0,0,0", "primaryEnable": "1", "guestEnable": "0"},
        ],
        "DEV2_HOST_ENTRY": [
            {"stack": "%d,0,0,0,0,0" % (i + 1), "active": a, "X_TP_LanConnType": t, "physAddress": m,
             "IPAddress": ip, "hostName": n, "leaseTimeRemaining": lease,
             "interfaceType": "Ethernet" if t == "0" else "802.11", "X_TP_Layer2Interface": "",
             "addressSource": "DHCP"}
            for i, (n, ip, m, t, a, lease) in enumerate(hosts)
        ],
        # 0.1 µW, as in the real dump: 5624 → −2.5 dBm, 14880 → +1.73 dBm.
        "DEV2_OPTC_GPON_CFG": {"RXPower": "5624", "TXPower": "14880"},
        "DEV2_MEM_STATUS": {"total": "212544", "free": "73940"},
        "DEV2_PROC_STATUS": {"CPUUsage": "3"},
        "DEV2_MULTIAP_APDEVICE": mesh[0],
        "DEV2_MULTIAP_ASSOCDEV": mesh[1],
    }


def conn_type(host):
    """X_TP_LanConnType for a fixture host (the doc: 0 wired, 1 2.4G, 2 guest 2.4G, 3 5G, 4 guest 5G).
    MediaTek interface names per shared data/README.md: ra* 2.4 GHz, rai* 5 GHz; mesh-node names carry -2g/-5g."""
    where = (host.get("where") or "").lower()
    if host.get("kind") != "wifi":
        return "0"
    if where.startswith("rai") or where.endswith("5g"):
        return "3"
    return "1"


def board_from_truth(truth, index):
    """The board fixture's ground truth (boards/tplink-xx230v/fixtures/truth.json) as the web UI's objects."""
    board = builtin_board(index)
    now = truth.get("now", int(time.time()))
    ident = truth.get("identity", {})
    if ident.get("SoftwareVersion"):
        board["DEV2_DEV_INFO"]["softwareVersion"] = ident["SoftwareVersion"]
    system = truth.get("system", {})
    if "mem_total_kib" in system:
        board["DEV2_MEM_STATUS"] = {"total": str(system["mem_total_kib"]), "free": str(system["mem_free_kib"])}
    if "cpu_percent_since_boot" in system:
        board["DEV2_PROC_STATUS"] = {"CPUUsage": str(int(round(system["cpu_percent_since_boot"])))}
    optical = truth.get("optical", {})

    def tenth_uw(dbm):  # dBm → 0.1 µW, the unit of X_TP_GPON_Config.RXPower/TXPower
        return str(int(round(10 ** (dbm / 10.0) * 1e4)))

    if optical.get("los"):
        board["DEV2_OPTC_GPON_CFG"] = {"RXPower": "0", "TXPower": "0"}
    elif "rx_dbm" in optical and "tx_dbm" in optical:
        board["DEV2_OPTC_GPON_CFG"] = {"RXPower": tenth_uw(optical["rx_dbm"]), "TXPower": tenth_uw(optical["tx_dbm"])}
    hosts = []
    for h in truth.get("hosts", []):
        kind = h.get("kind")
        active = kind not in ("gone", "expired") and h.get("arp") == "complete"
        lease = "-1" if h.get("lease_expires") is None else str(max(0, int(h["lease_expires"]) - int(now)))
        hosts.append({"stack": "%d,0,0,0,0,0" % (len(hosts) + 1), "active": "1" if active else "0",
                      "X_TP_LanConnType": conn_type(h), "physAddress": (h.get("mac") or "").upper(),
                      "IPAddress": h.get("ip") or "", "hostName": h.get("hostname") or "",
                      "leaseTimeRemaining": lease, "interfaceType": "802.11" if kind == "wifi" else "Ethernet",
                      "X_TP_Layer2Interface": h.get("where") or "",
                      "addressSource": "Static" if kind == "static" else "DHCP"})
    board["DEV2_HOST_ENTRY"] = hosts
    if truth.get("mesh_nodes"):
        board["DEV2_MULTIAP_APDEVICE"], board["DEV2_MULTIAP_ASSOCDEV"] = mesh_from_truth(truth, board, hosts)
    return board


def squash(text):
    return "".join(c for c in (text or "").lower() if c.isalnum())


def mesh_from_truth(truth, board, hosts):
    """The board fixture's mesh (truth.json mesh_nodes: a controller and its agents, each Wi-Fi host's `where`
    naming the node's radio: ra*/rai* the controller's own, "<node>-2g"/"<node>-5g" a satellite's) as the
    mesh objects. Node fields other than MAC, name and role copy the controller's (dump) template; backhauls are
    an ASSUMPTION (the fixture does not record them): the first satellite wired, the others on Wi-Fi through
    the controller."""
    template = board["DEV2_MULTIAP_APDEVICE"][0]
    nodes, by_name, controller = [], {}, None
    satellites = 0
    for n in truth.get("mesh_nodes") or []:
        item = dict(template)
        item["MACAddress"] = (n.get("id") or "").upper()
        item["X_TP_HostName"] = n.get("name") or ""
        is_controller = n.get("role") == "controller"
        item["X_TP_IsController"] = "true" if is_controller else "false"
        if is_controller:
            controller = item["MACAddress"]
            item.update({"backhaulLinkType": "", "backhaulMACAddress": "", "backhaulSignalStrength": "0",
                         "X_TP_LinkRate": "0"})
        else:
            satellites += 1
            wired = satellites == 1
            item.update({"backhaulLinkType": "Ethernet" if wired else "Wi-Fi", "backhaulSignalStrength":
                         "0" if wired else "150", "X_TP_LinkRate": "1000" if wired else "866"})
        item["stack"] = "%d,0,0,0,0,0" % (len(nodes) + 1)
        nodes.append(item)
        by_name[squash(n.get("name"))] = item["MACAddress"]
    for item in nodes:
        if item["X_TP_IsController"] == "false":
            item["backhaulMACAddress"] = controller or ""
    clients = []
    for h in hosts:
        if h["interfaceType"] != "802.11" or h["active"] != "1":
            continue
        where = h["X_TP_Layer2Interface"].lower()
        node = controller if where.startswith("ra") else by_name.get(squash(where.rsplit("-", 1)[0]))
        if not node:
            continue
        clients.append({"stack": "1,%d,0,0,0,0" % (len(clients) + 1), "MACAddress": h["physAddress"],
                        "X_TP_ApDeviceMac": node, "X_TP_HostName": h["hostName"], "active": "1",
                        "signalStrength": "", "lastDataDownlinkRate": ""})
    return nodes, clients


def load_board(index, fixture_dir):
    path = os.path.join(fixture_dir, "truth.json") if fixture_dir else ""
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return board_from_truth(json.load(f), index)
    return builtin_board(index)


# ----------------------------------------------------------------------------------------------- crypto

def aes_cbc_encrypt(key, iv, plain):
    padder = sympad.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def aes_cbc_decrypt(key, iv, data):
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(data) + dec.finalize()
    unpadder = sympad.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


class Modem:
    def __init__(self, index, args):
        self.index = index
        self.args = args
        self.cipher = "gcm" if args.variant.startswith("gcm") else "cbc"
        self.oaep = args.variant.endswith("oaep")
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=args.key_bits)
        self.k = (args.key_bits + 7) // 8
        self.board = load_board(index, args.fixture)
        self.user = args.user
        self.password = args.password
        self.lock = threading.Lock()
        self.seq = 0
        self.session = None  # {"id", "token", "key", "iv", "hash", "owner", "acts"}
        self.failures = 0
        self.forbid_until = 0.0
        self.faults = []
        self.takeovers = []
        self.stats = {"gdpr_parm": 0, "logins_ok": 0, "logins_failed": 0, "logins_locked": 0, "bad_signs": 0,
                      "bad_requests": 0, "acts": 0, "logouts": 0, "stale_session": 0, "logins_while_active": 0,
                      "browser_logins": 0, "in_flight": 0, "max_in_flight": 0, "faults_applied": 0,
                      "tpencrypt_js": 0, "logins_refused_busy": 0, "logouts_refused": 0, "go_on_list": 0,
                      "expired_sessions": 0}

    # ---- RSA on the sign: 2k hex digits per block (the doc, Login step 4)
    def open_sign(self, hex_sign):
        step = 2 * self.k
        if not hex_sign or len(hex_sign) % step:
            raise Drop()
        out = b""
        priv = self.key.private_numbers()
        n = priv.public_numbers.n
        for off in range(0, len(hex_sign), step):
            try:
                block = bytes.fromhex(hex_sign[off:off + step])
            except ValueError:
                raise Drop()
            if self.oaep:
                try:
                    out += self.key.decrypt(block, asympad.OAEP(mgf=asympad.MGF1(hashes.SHA1()),
                                                                algorithm=hashes.SHA1(), label=None))
                except ValueError:
                    raise Drop()
            else:
                c = int.from_bytes(block, "big")
                if c >= n:
                    raise Drop()
                out += pow(c, priv.d, n).to_bytes(self.k, "big").rstrip(b"\0")
        try:
            text = out.decode("ascii")
        except UnicodeDecodeError:
            raise Drop()
        fields = {}
        for part in text.split("&"):
            if "=" not in part:
                raise Drop()
            k, v = part.split("=", 1)
            fields[k] = v
        if "h" not in fields or "s" not in fields or not fields["s"].isdigit():
            raise Drop()
        return fields

    def encrypt_body(self, key, iv, plain):
        if self.cipher == "cbc":
            return base64.b64encode(aes_cbc_encrypt(key, iv, plain))
        sealed = AESGCM(key).encrypt(iv, plain, None)
        ct, tag = sealed[:-16], sealed[-16:]
        if self.args.gcm_joined:  # VX220 style: base64(cipher || tag)
            return base64.b64encode(sealed)
        return base64.b64encode(ct) + base64.b64encode(tag)  # the doc: "ends with the 24-char base64 tag"

    def decrypt_body(self, key, iv, data_b64, tag_b64):
        data = base64.b64decode(data_b64, validate=True)
        if self.cipher == "cbc":
            return aes_cbc_decrypt(key, iv, data)
        tag = base64.b64decode(tag_b64 or "", validate=True)
        return AESGCM(key).decrypt(iv, data + tag, None)

    def stats_snapshot(self):
        with self.lock:
            s = dict(self.stats)
            s["failures"] = self.failures
            s["forbidden_for"] = max(0.0, self.forbid_until - time.monotonic())
            s["session_owner"] = self.session["owner"] if self.session else None
            # Admin sessions open on the modem: at most one (the doc, Pitfalls: one admin session at a time).
            s["open_sessions"] = 1 if self.session else 0
            s["locked"] = 1 if self.forbid_until > time.monotonic() else 0
            s["variant"] = self.args.variant
            return s


# ----------------------------------------------------------------------------------------------- HTTP

class Handler(simkit.SimHandler):
    server_version = "Boa/0.94"  # what these modems announce; harmless
    sys_version = ""

    def log_message(self, fmt, *a):  # quiet unless asked
        if self.server.args.verbose:
            sys.stderr.write("sim[%d] %s\n" % (self.server.modem.index, fmt % a))

    @property
    def modem(self):
        return self.server.modem

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            raise Drop()
        return self.rfile.read(n) if n else b""

    def leave(self):
        """Ends this request's in-flight count before the answer goes out, so the client cannot start its next
        request while we still count this one."""
        if getattr(self, "_in_flight", False):
            self._in_flight = False
            with self.modem.lock:
                self.modem.stats["in_flight"] -= 1

    def send(self, status, body, ctype="text/plain", cookie=None):
        self.leave()
        self.send_body(status, body, ctype, [("Set-Cookie", "JSESSIONID=%s; Path=/; HttpOnly" % cookie)] if cookie else ())

    def drop(self):
        self.leave()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cookie(self):
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "JSESSIONID":
                return v
        return None

    def do_GET(self):
        m = self.modem
        path = urlsplit(self.path).path
        if path == "/__sim/stats":
            return self.send(200, json.dumps(m.stats_snapshot()), "application/json")
        if path == "/js/tpEncrypt.js" and not self.server.args.no_encrypt_js:
            with m.lock:
                m.stats["tpencrypt_js"] += 1
            # Markers a real firmware's script carries (EX920 0.8.0: rsaEncrypt = $.rsa.encryptOAEP). Every variant's
            # script also defines OAEP and GCM helpers it may not use — assumption: a shared crypto library with
            # more in it than the firmware calls (issue 16 item 5); only the use must count.
            js = ("/* helpers: encryptOAEP (RSA-OAEP), GCM mode */\n"
                  "$.rsa = { encrypt: function (m, n, e) { return m; },\n"
                  "          encryptOAEP: function (m, n, e) { return m; } };\n"
                  "function aesGcmEncrypt(k, iv, m) { return m; }\n"
                  "var modes = { \"GCM\": 1, \"CBC\": 2 };\n"
                  "var rsaEncrypt = %s;\nvar aesMode = \"%s\";\n") % (
                "$.rsa.encryptOAEP" if m.oaep else "$.rsa.encrypt", m.cipher.upper())
            return self.send(200, js, "application/javascript")
        if path == "/":
            with m.lock:
                s = m.session
                valid = s is not None and s["owner"] == "client" and self.cookie() == s["id"]
                token = s["token"] if valid else None
            if token:
                page = "<html><head><script type=\"text/javascript\">var token=\"%s\";</script></head></html>" % token
            else:
                page = "<html><head><script type=\"text/javascript\">var isLogin=false;</script></head></html>"
            return self.send(200, page, "text/html")
        return self.send(404, "not found")

    def do_POST(self):
        m = self.modem
        path = urlsplit(self.path).path
        try:
            body = self.read_body()
        except Drop:
            return self.drop()
        if path.startswith("/__sim/"):
            return self.control(path, body)
        if path == "/cgi/getGDPRParm":
            with m.lock:
                m.stats["gdpr_parm"] += 1
                m.seq = random.randint(100000000, 999999999)
                nums = m.key.public_key().public_numbers()
                # ee as firmware sends it: "010001" (tplinkrouterc6u asserts 6 characters)
                js = 'var ee="%06x";\nvar nn="%0*x";\nvar seq="%d";\n$.ret=0;\n' % (nums.e, 2 * m.k, nums.n, m.seq)
            return self.send(200, js)
        if path == "/cgi_gdpr":
            with m.lock:
                m.stats["in_flight"] += 1
                m.stats["max_in_flight"] = max(m.stats["max_in_flight"], m.stats["in_flight"])
            self._in_flight = True
            try:
                return self.gdpr(body)
            except Drop:
                with m.lock:
                    m.stats["bad_signs"] += 1
                return self.drop()
            finally:
                self.leave()
        return self.send(404, "not found")

    # ---- control
    def control(self, path, body):
        m = self.modem
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send(400, "bad json")
        with m.lock:
            if path == "/__sim/fault":
                # {"kind": garble|truncate|drop|slow, "target": login|act|any, "count": n, "delay": s}
                m.faults.append({"kind": req["kind"], "target": req.get("target", "any"),
                                 "count": int(req.get("count", 1)), "delay": float(req.get("delay", 2.0))})
            elif path == "/__sim/takeover":
                # a person logs into the web UI after our session's `after`-th read, `count` times
                m.takeovers.append({"after": int(req.get("after", 1)), "count": int(req.get("count", 1))})
            elif path == "/__sim/browser_login":
                self.browser_login_locked()
            elif path == "/__sim/expire_sessions":
                # The modem's idle timeout passing (assumption: real units drop an idle admin session after some
                # minutes): ends any open session, e.g. one whose login answer the client never received.
                if m.session is not None:
                    m.stats["expired_sessions"] += 1
                m.session = None
            elif path == "/__sim/reset":
                m.failures, m.forbid_until, m.faults, m.takeovers = 0, 0.0, [], []
            elif path == "/__sim/config":
                if "password" in req:
                    m.password = req["password"]
                if "forbid_seconds" in req:
                    m.args.forbid_seconds = float(req["forbid_seconds"])
            else:
                return self.send(404, "unknown control")
        return self.send(200, "{}", "application/json")

    def browser_login_locked(self):
        m = self.modem
        m.stats["browser_logins"] += 1
        # One admin session at a time (the doc, Pitfalls): the browser's login ends ours.
        m.session = {"id": secrets.token_hex(16), "token": secrets.token_hex(16), "key": b"", "iv": b"", "hash": "",
                     "owner": "browser", "acts": 0}

    def take_fault(self, target):
        m = self.modem
        for f in m.faults:
            if f["target"] in (target, "any") and f["count"] > 0:
                f["count"] -= 1
                m.stats["faults_applied"] += 1
                return dict(f)
        return None

    def answer(self, fault, status, payload, cookie=None):
        """Sends an (encrypted) answer, bent by a requested fault."""
        if fault:
            kind = fault["kind"]
            if kind == "slow":
                time.sleep(fault["delay"])
            elif kind == "drop":
                return self.drop()
            elif kind == "truncate":
                payload = payload[: max(1, len(payload) // 2)]
            elif kind == "garble":
                payload = bytes(random.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ+/0123456789") for _ in payload)
        return self.send(status, payload, cookie=cookie)

    def gdpr(self, body):
        m = self.modem
        fields = {}
        for line in body.decode("ascii", "replace").split("\r\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        if "sign" not in fields or "data" not in fields:
            raise Drop()
        if m.cipher == "gcm" and "tag" not in fields:
            raise Drop()
        sign = m.open_sign(fields["sign"])
        with m.lock:
            seq = m.seq
        if int(sign["s"]) != seq + len(fields["data"]):
            raise Drop()
        if "key" in sign and "iv" in sign:
            return self.login(sign, fields)
        return self.act(sign, fields)

    def login(self, sign, fields):
        m = self.modem
        key, iv = sign["key"], sign["iv"]
        if m.cipher == "gcm":
            # GCM firmwares take key and nonce base64-encoded in the sign (tplinkrouterc6u EncryptionWrapperMRGCM;
            # the EX920 capture's 640-hex OAEP sign only fits that longer string). Raw digits are refused.
            try:
                key = base64.b64decode(key, validate=True)
                iv = base64.b64decode(iv, validate=True)
            except ValueError:
                raise Drop()
        else:
            key, iv = key.encode(), iv.encode()
        want_iv = 12 if m.cipher == "gcm" else 16
        if len(key) != 16 or len(iv) != want_iv or not (key + iv).isdigit():
            raise Drop()
        try:
            req = json.loads(m.decrypt_body(key, iv, fields["data"], fields.get("tag")))
            user = base64.b64decode(req["data"]["UserName"]).decode()
            password = base64.b64decode(req["data"]["Passwd"]).decode()
            if req.get("oid") != "/cgi/login":
                raise ValueError("not a login")
        except Exception:  # noqa: BLE001 — any undecodable login is a bad request
            with m.lock:
                m.stats["bad_requests"] += 1
            return self.send(200, "$.ret=%d;" % RET_BAD_REQUEST)
        with m.lock:
            fault = self.take_fault("login")
            now = time.monotonic()
            if now < m.forbid_until:
                m.stats["logins_locked"] += 1
                text = "$.ret=%d;\n" % RET_BAD_CREDENTIALS + self.attempt_lines(int(m.forbid_until - now + 0.999))
                payload, cookie = m.encrypt_body(key, iv, text.encode()), None
            elif m.session is not None and m.session["owner"] == "client":
                # One admin session at a time (the doc, Pitfalls; issue 16: the modem refuses a second one while
                # one is open). The answer's code is an assumption: no source shows it.
                m.stats["logins_refused_busy"] += 1
                payload, cookie = m.encrypt_body(key, iv, b"$.ret=%d;\n" % RET_SESSION_BUSY), None
            elif user == m.user and password == m.password and sign["h"] == hashlib.md5(
                    (user + password).encode()).hexdigest():
                m.failures = 0
                m.stats["logins_ok"] += 1
                m.session = {"id": secrets.token_hex(16), "token": secrets.token_hex(16), "key": key, "iv": iv,
                             "hash": sign["h"], "owner": "client", "acts": 0}
                payload, cookie = m.encrypt_body(key, iv, b"$.ret=0;\n"), m.session["id"]
            else:
                m.failures += 1
                m.stats["logins_failed"] += 1
                forbid = 0
                if m.failures >= m.args.max_failures:  # MR-style lockout: N tries then a forbid time
                    m.forbid_until = now + m.args.forbid_seconds
                    forbid = int(m.args.forbid_seconds + 0.999)
                text = "$.ret=%d;\n" % RET_BAD_CREDENTIALS + self.attempt_lines(forbid)
                payload, cookie = m.encrypt_body(key, iv, text.encode()), None
        return self.answer(fault, 200, payload, cookie)

    def attempt_lines(self, forbid):
        """The attempt counters after a failed login. `--lockout-answer mr`: the MR family's plaintext lines
        (tplinkrouterc6u's MR client parses `var currAuthTimes=N;\nvar currForbidTime=S;`); their EX shape is
        unconfirmed (issue 16 item 6), so `--lockout-answer none` says nothing and locks silently."""
        if self.server.args.lockout_answer == "none":
            return ""
        return "var currAuthTimes=%d;\nvar currForbidTime=%d;\n" % (self.modem.failures, forbid)

    def act(self, sign, fields):
        m = self.modem
        with m.lock:
            s = m.session
            for t in m.takeovers:
                if s is not None and s["owner"] == "client" and t["count"] > 0 and s["acts"] >= t["after"]:
                    t["count"] -= 1
                    self.browser_login_locked()
                    break
            s = m.session
            if (s is None or s["owner"] != "client" or self.cookie() != s["id"]
                    or self.headers.get("TokenID") != s["token"]):
                m.stats["stale_session"] += 1
                stale = True
            else:
                stale = False
                s["acts"] += 1
        if stale:
            return self.send(403, "")
        if sign["h"] != s["hash"]:
            raise Drop()
        try:
            req = json.loads(m.decrypt_body(s["key"], s["iv"], fields["data"], fields.get("tag")))
        except Exception:  # noqa: BLE001
            with m.lock:
                m.stats["bad_requests"] += 1
            return self.send(200, "$.ret=%d;" % RET_BAD_REQUEST)
        op, oid = req.get("operation"), req.get("oid")
        with m.lock:
            fault = self.take_fault("act")
            m.stats["acts"] += 1
            data = req.get("data")
            if op == "cgi" and oid == "/cgi/logout" and (not isinstance(data, dict) or "stack" not in data
                                                          or "pstack" not in data):
                # Logout only in the form the independent client sends ({"data":{"stack","pstack"},…}: tplinkrouterc6u
                # EX client); the bare form is refused and the session stays open (assumption: how a modem refuses).
                m.stats["logouts_refused"] += 1
                out = json.dumps({"success": False, "errorcode": ERR_REFUSED}).encode()
            elif op == "cgi" and oid == "/cgi/logout":
                m.stats["logouts"] += 1
                m.session = None
                out = b""
            else:
                out = json.dumps(self.read_object(op, oid, req.get("data") or {})).encode()
        payload = m.encrypt_body(s["key"], s["iv"], out) if out else b""
        return self.answer(fault, 200, payload)

    def read_object(self, op, oid, data):
        value = self.modem.board.get(oid)
        if value is None or op not in ("go", "gl"):
            return {"success": False, "errorcode": 9003}  # assumption: the code for an unknown object/operation
        if op == "go" and oid in LIST_OBJECTS:
            # `go` on a multi-instance object is refused (issue 16: real clients read these with `gl`); the
            # answer's shape is an assumption.
            self.modem.stats["go_on_list"] += 1
            return {"success": False, "errorcode": ERR_REFUSED}
        wanted = [k for k in data if k not in ("stack", "pstack")]

        def pick(obj):
            return {k: v for k, v in obj.items() if not wanted or k in wanted or k == "stack"}

        if isinstance(value, list):
            items = [pick(v) for v in value]
            return {"data": items if op == "gl" else (items[0] if items else {}), "operation": op, "oid": oid,
                    "success": True}
        return {"data": pick(value), "operation": op, "oid": oid, "success": True}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    simkit.add_listen_args(ap, host_flag="--host", port_help="first port; 0 = any free port for each modem")
    ap.add_argument("--count", type=int, default=1, help="number of modems (consecutive ports from --port)")
    ap.add_argument("--variant", default="cbc-raw", choices=["cbc-raw", "cbc-oaep", "gcm", "gcm-oaep"])
    ap.add_argument("--gcm-joined", action="store_true", help="GCM answers as base64(cipher||tag) (VX220)")
    ap.add_argument("--key-bits", type=int, default=512)
    ap.add_argument("--user", default="user")
    ap.add_argument("--password-file", help="file whose first line is the password (default: 'password')")
    ap.add_argument("--max-failures", type=int, default=5)
    ap.add_argument("--forbid-seconds", type=float, default=600.0)
    ap.add_argument("--lockout-answer", default="mr", choices=["mr", "none"],
                    help="mr: currAuthTimes/currForbidTime lines after a failed login; none: say nothing")
    ap.add_argument("--fixture", default=FIXTURE_DIR,
                    help="board fixture dir with truth.json (default: boards/tplink-xx230v/fixtures); '' = built-in data")
    ap.add_argument("--no-encrypt-js", action="store_true", help="no /js/tpEncrypt.js: clients must probe")
    ap.add_argument("--no-mesh", action="store_true", help="serve no mesh objects (a firmware without them)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    args.password = "password"
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            args.password = f.readline().rstrip("\r\n")
            if args.password.startswith("password="):
                args.password = args.password[len("password="):]
    if args.count < 1 or args.count > 1000:
        ap.error("--count must be 1..1000")

    servers = []
    for i in range(args.count):
        port = args.port + i if args.port else 0
        srv = simkit.make_server(args.host, port, Handler, args=args, modem=Modem(i, args))
        if args.no_mesh:
            srv.modem.board.pop("DEV2_MULTIAP_APDEVICE", None)
            srv.modem.board.pop("DEV2_MULTIAP_ASSOCDEV", None)
        servers.append(srv)
    return simkit.serve(*servers)


if __name__ == "__main__":
    sys.exit(main())
