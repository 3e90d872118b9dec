#!/usr/bin/python3
"""Simulated fleet generator: one deterministic JSON file that the GenieACS and ERPNext simulators (and later the
hub demo and the agent fleet launcher) read, so every source agrees on the same devices.

    /usr/bin/python3 make_fleet.py --count 200 --seed 1 --out fleet.json

Standard library only. The same (count, seed) always gives the same file. Format: docs/sources-hub.md.
Facts it follows (shared reference/boards.md, operator-system.md):
- XX230v: OUI 1C61B4, ProductClass Device2, GenieACS id 1C61B4-Device2-<serial>, serial like TPLGC4160688;
  the GPON serial leaf GponAuth.GponSn holds the vendor id as hex ("TPLG" = 54504C47) + 8 hex digits, as in the
  real dump (54504C47B4FB2AC8). Some units report a factory serial (like the dump's 22275A7000395) as their TR-069
  SerialNumber: those are found only by the GPON-suffix fallback.
- HT803G: TR-098 data model, GPON serial prefix RCMG; hardware "N.00" = rev N (firmware 5.00.21), else rev T (3.20).
- ERPNext: Customer, Service Location LOC-#####, Service Equipment EQP-##### (type ONT/Router/..., status
  Active/Inactive/En stock/Defectueux/Retourne). Their fields are listed under "doctypes" (what Frappe's
  getdoctype describes): a field added through Customize Form is named custom_… (Frappe's custom_field.py:
  fieldname = "custom_" + scrubbed label), so the equipment's label MAC is custom_label_mac; Customer's stripe_id
  (operator-system.md) sits at permission level 1, which an API user without that level does not read.
- Service Equipment rows are typed by people: serial numbers and MACs are stored in mixed notations (upper/lower
  case, ':' '-' '.' or bare, stray spaces), which PostgreSQL's exact '=' does not match (issue 19). The devices'
  own serial/mac (what GenieACS and the agent report) stay canonical.
- --hidden-customers N: the API user gets User Permissions for every Customer but the last N ("user_permissions"),
  so those customers, their locations and equipment are left out of its lists silently (Frappe's User Permission).
- Optical levels (shared reference/tr181.md "Optical grading (GPON class B+)", boards.md): both models report
  RXPower/TXPower in 0.1 uW (XX230v X_TP_GPON_Config, HT803G X_CT-COM_GponInterfaceConfig; dBm = 10*log10(v*1e-4);
  the real XX230v dump has RXPower 5624 = -7.5 dBm and TXPower 14880 = +1.7 dBm). ONT receive window -8..-27 dBm,
  transmit +0.5..+5 dBm (ITU-T G.984.2). The fleet: mostly good, some marginal and bad links, a few too hot (no
  attenuator) and a few without light (offline: an ONT without light cannot inform; rx_power 0). `optical_grade`
  is the grade of the reported value with the class B+ defaults the hub uses (good >= -25, warning >= -27,
  critical below, too_high above -8, no_signal <= -40; docs/api.md "optical").
"""

import argparse
import json
import math
import random
import sys
from statistics import NormalDist

MAX_DEVICES = 10000
XX230V_OUI = "1C61B4"
XX230V_CLASS = "Device2"
XX230V_FIRMWARE = "0.6.0 3.0.0 v6066.0 Build 220630 Rel.56119n"  # the real dump's SoftwareVersion
# Raisecom's IEEE OUI; ProductClass as the fleet's HT803G units are assumed to report it (unconfirmed).
HT803G_OUI = "000E5E"
HT803G_CLASSES = ["HT803G-W", "HT803G-WS2"]  # boards.md variants; the '-' exercises GenieACS id escaping
HT803G_REVS = [("N.00", "5.00.21"), ("T", "3.20")]  # boards.md

FIRST_NAMES = ["Marie", "Jean", "Sophie", "Luc", "Isabelle", "Pierre", "Julie", "Marc", "Nathalie", "Andre",
               "Chantal", "Michel", "Genevieve", "Francois", "Catherine", "Yves", "Emilie", "Louis", "Ines", "Sami"]
LAST_NAMES = ["Tremblay", "Gagnon", "Roy", "Cote", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagne",
              "Ouellet", "Pelletier", "Belanger", "Levesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard"]
STREETS = ["rue Principale", "chemin du Lac", "rang Saint-Joseph", "boulevard des Erables", "rue de l'Eglise",
           "avenue du Parc", "route 132", "rue des Pins", "montee Sainte-Julie", "rue Notre-Dame"]
CITIES = [("Rimouski", 48.449, -68.523), ("Matane", 48.849, -67.533), ("Amqui", 48.464, -67.431),
          ("Mont-Joli", 48.580, -68.192), ("Trois-Pistoles", 48.121, -69.179), ("Sainte-Flavie", 48.610, -68.235)]
HOSTNAMES = ["iPhone", "Galaxy-S21", "MBP-de-{}", "DESKTOP-{}", "Chromecast", "HP-Printer", "iPad-de-{}",
             "LG-TV", "Nintendo-Switch", "Pixel-7", "android-{}", "Echo-Dot"]
HOST_VENDORS = ["Apple", "Samsung", "Google", "HP", "LG", "Nintendo", "Amazon", "Intel", ""]


def escape_id_part(part):
    """GenieACS lib/util.ts generateDeviceId: every char outside [A-Za-z0-9_] becomes %XX (UTF-8 bytes)."""
    out = []
    for ch in part:
        if ch.isascii() and (ch.isalnum() or ch == "_"):
            out.append(ch)
        else:
            out.extend("%%%02X" % b for b in ch.encode("utf-8"))
    return "".join(out)


def generate_device_id(oui, product_class, serial):
    """'OUI-ProductClass-Serial' (or 'OUI-Serial' without a product class); the separators stay literal '-'."""
    parts = [oui] + ([product_class] if product_class else []) + [serial]
    return "-".join(escape_id_part(p) for p in parts)


def wan_mac_of(lan_mac):
    """The label MAC a sticker shows: the LAN MAC + 1 in its last byte (sim: an assumption, not a vendor fact)."""
    head, last = lan_mac[:-2], int(lan_mac[-2:], 16)
    return head + "%02X" % ((last + 1) % 256)


def mac(rng, oui):
    tail = [rng.randrange(256) for _ in range(3)]
    return ":".join([oui[0:2], oui[2:4], oui[4:6]] + ["%02X" % b for b in tail])


# Online links, as (share, grade, how the level is drawn from a uniform u in [0, 1)): the class B+ window with its
# warning band (tr181.md). A spread an operator sees on a healthy PON: most links between -15 and -24 dBm.
RX_MIX = [
    (0.87, "good", lambda u: min(-8.3, max(-24.8, NormalDist(-19.5, 2.4).inv_cdf(0.001 + 0.998 * u)))),
    (0.07, "warning", lambda u: -25.2 - 1.7 * u),
    (0.04, "critical", lambda u: -27.3 - 2.7 * u),
    (0.02, "too_high", lambda u: -7.6 + 2.6 * u),
]
NO_LIGHT_SHARE_OF_OFFLINE = 0.12  # about 1 % of the fleet (10 % is offline)


def tenth_uw(dbm):
    """dBm -> the integer 0.1 uW the ONT reports (boards.md)."""
    return max(1, int(round(10 ** ((dbm + 40.0) / 10.0))))


def dbm_of_tenth_uw(v):
    return 10.0 * math.log10(v * 1e-4) if v > 0 else None


def grade_of(dbm):
    """The hub's class B+ defaults (docs/api.md optical.*): what the summary shows for this value."""
    if dbm is None:
        return "no_signal"
    if dbm <= -40:
        return "no_signal"
    if dbm > -8:
        return "too_high"
    if dbm >= -25:
        return "good"
    if dbm >= -27:
        return "warning"
    return "critical"


def optical(u_rx, u_tx, online):
    """Two uniform draws -> (rx_power, tx_power in 0.1 uW, grade). An offline unit keeps its last level unless it
    is offline for lack of light (rx 0: no light)."""
    if not online and u_rx < NO_LIGHT_SHARE_OF_OFFLINE:
        rx = 0
    else:
        u = (u_rx - NO_LIGHT_SHARE_OF_OFFLINE) / (1 - NO_LIGHT_SHARE_OF_OFFLINE) if not online else u_rx
        acc = 0.0
        for share, _, level in RX_MIX:
            if u < acc + share:
                rx = tenth_uw(level((u - acc) / share))
                break
            acc += share
        else:
            rx = tenth_uw(RX_MIX[0][2](0.5))
    tx = tenth_uw(min(4.8, max(0.6, NormalDist(2.2, 0.7).inv_cdf(0.001 + 0.998 * u_tx))))
    return rx, tx, ("no_signal" if rx == 0 else grade_of(dbm_of_tenth_uw(rx)))


def typed_mac(mac_colon, i):
    """A MAC as a person might have typed it (deterministic by row index, no draw from the generator)."""
    bare = mac_colon.replace(":", "")
    forms = [mac_colon, mac_colon.lower().replace(":", "-"), bare, mac_colon.lower() + " ", mac_colon.replace(":", "-"),
             " ".join(mac_colon.split(":")), "%s.%s.%s" % (bare[0:4], bare[4:8], bare[8:12]), bare.lower()]
    return forms[i % len(forms)]


def typed_serial(serial, i):
    forms = [serial, serial.lower(), serial + " ", " " + serial[:4].lower() + serial[4:]]
    return forms[(i // 2) % len(forms)]


def doctypes():
    """The three DocTypes' fields as getdoctype describes them (fieldname, fieldtype, permlevel)."""
    def f(name, ftype="Data", permlevel=0, options=None):
        d = {"fieldname": name, "fieldtype": ftype, "permlevel": permlevel}
        if options:
            d["options"] = options
        return d
    return {
        "Customer": [f("customer_name"), f("customer_type", "Select"), f("mobile_no"), f("legacy_account_id"),
                     f("stripe_id", permlevel=1)],
        "Service Location": [f("address"), f("city"), f("gps"), f("connection_type", "Select"), f("olt_name"),
                             f("olt_port"), f("vlan", "Int"), f("customer", "Link", options="Customer")],
        "Service Equipment": [f("equipment_type", "Select"), f("serial_number"), f("mac_address"),
                              f("custom_label_mac"), f("status", "Select"), f("ip_address"), f("firmware"),
                              f("model"), f("service_location", "Link", options="Service Location"),
                              f("customer", "Link", options="Customer")],
    }


def iso(ts):
    import datetime
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (int(ts * 1000) % 1000)


def make_fleet(count, seed, base_time, hidden_customers=0):
    if not 1 <= count <= MAX_DEVICES:
        raise ValueError("--count must be between 1 and %d, got %d" % (MAX_DEVICES, count))
    rng = random.Random(seed)
    used_serials = set()
    devices, customers, locations, equipment = [], [], [], []
    eqp_no = 0
    for i in range(count):
        roll = rng.random()
        # Mix: mostly XX230v; a share of HT803G; some of each without the agent (TR-069 only).
        model = "XX230v" if roll < 0.7 else "HT803G"
        agent = rng.random() < 0.6
        while True:
            tail = "%08X" % rng.getrandbits(32)
            if tail not in used_serials:
                used_serials.add(tail)
                break
        vendor = "TPLG" if model == "XX230v" else "RCMG"
        serial = vendor + tail
        gpon_serial = vendor.encode().hex().upper() + tail
        if model == "XX230v":
            oui, pclass = XX230V_OUI, XX230V_CLASS
            # 1 in 5 reports a factory serial in TR-069 (like the real dump's 22275A7000395).
            tr069_serial = serial if rng.random() >= 0.2 else "22275%s%07d" % (rng.choice("ABC"), rng.randrange(10**7))
            firmware, hardware = XX230V_FIRMWARE, "XX230v v1.0 00000000"
            board = "boards/tplink-xx230v" if agent else None
            lan_mac = "1C:61:B4:" + ":".join(tail[j:j + 2] for j in (2, 4, 6))
        else:
            oui, pclass = HT803G_OUI, rng.choice(HT803G_CLASSES)
            tr069_serial = serial
            hardware, firmware = rng.choice(HT803G_REVS)
            board = "boards/raisecom-ht803g" if agent else None
            lan_mac = mac(rng, oui)
        city, lat, lon = rng.choice(CITIES)
        cust_name = "CUST-%05d" % (i + 1)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customers.append({
            "name": cust_name, "customer_name": "%s %s" % (first, last),
            "mobile_no": "+1418555%04d" % rng.randrange(10000),
            "legacy_account_id": "ACC%06d" % (100000 + i), "customer_type": "Individual",
            "stripe_id": "cus_%014d" % (i + 1),
        })
        loc_name = "LOC-%05d" % (i + 1)
        olt = {"olt": "OLT-%02d" % (1 + i // 2048), "slot": 1 + (i // 128) % 16, "port": 1 + (i // 16) % 8,
               "onu": 1 + i % 16}
        locations.append({
            "name": loc_name, "address": "%d %s" % (rng.randrange(1, 2000), rng.choice(STREETS)), "city": city,
            "gps": "%.5f,%.5f" % (lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)),
            "connection_type": "FTTH", "olt_port": "%d/%d/%d" % (olt["slot"], olt["port"], olt["onu"]),
            "olt_name": olt["olt"], "vlan": 100 + olt["slot"], "customer": cust_name,
        })
        online = rng.random() < 0.9
        eqp_no += 1
        ont_eqp = "EQP-%05d" % eqp_no
        ip = "10.%d.%d.%d" % (64 + i // 65536, (i // 256) % 256, i % 256)
        equipment.append({
            "name": ont_eqp, "equipment_type": "ONT", "serial_number": typed_serial(serial, i),
            "mac_address": typed_mac(lan_mac, i), "custom_label_mac": typed_mac(wan_mac_of(lan_mac), i + 3),
            "status": "Active", "ip_address": ip, "firmware": firmware, "model": model,
            "service_location": loc_name, "customer": cust_name,
        })
        eqps = [ont_eqp]
        if rng.random() < 0.15:  # a separate router or AP at some locations
            eqp_no += 1
            eqps.append("EQP-%05d" % eqp_no)
            equipment.append({
                "name": eqps[-1], "equipment_type": rng.choice(["Router", "AP"]),
                "serial_number": "Y%011d" % rng.randrange(10**11), "mac_address": typed_mac(mac(rng, "F4F26D"), i + 1),
                "custom_label_mac": "",
                "status": rng.choice(["Active", "Active", "Inactive"]), "ip_address": "", "firmware": "",
                "model": "", "service_location": loc_name, "customer": cust_name,
            })
        hosts = []
        for h in range(rng.randrange(0, 6)):
            name = rng.choice(HOSTNAMES)
            hosts.append({
                "mac": mac(rng, "%06X" % rng.getrandbits(24) if rng.random() < 0.5 else "3C0630"),
                "ip": "192.168.1.%d" % (100 + h), "hostname": name.format(first) if "{}" in name else name,
                "active": rng.random() < 0.7, "wifi": rng.random() < 0.6, "vendor": rng.choice(HOST_VENDORS),
                "lease_remaining": rng.randrange(0, 86400),
            })
        last_inform = base_time - (rng.randrange(30, 300) if online else rng.randrange(3600, 30 * 86400))
        wan_mac = mac(rng, oui)
        last_boot = iso(last_inform - rng.randrange(3600, 90 * 86400))
        registered = iso(base_time - rng.randrange(90 * 86400, 900 * 86400))
        # Two draws in the same place as the generator's earlier uniform rx/tx draws, so a seed keeps its identities.
        u_rx, u_tx = (rng.randrange(300, 9000) - 300) / 8700.0, (rng.randrange(9000, 20000) - 9000) / 11000.0
        rx_power, tx_power, grade = optical(u_rx, u_tx, online)
        # A TR-098 (HT803G) unit has a client GenieACS has not read yet: it shows once a hosts refresh reads
        # InternetGatewayDevice.LANDevice.1.Hosts (tests/sim/genieacs/nbi_sim.py, /__sim/cpe). Not drawn from `rng`,
        # so a seed keeps every other value.
        cpe_params = {}
        if model == "HT803G" and not agent:
            b = "InternetGatewayDevice.LANDevice.1.Hosts.Host.%d" % (len(hosts) + 1)
            cpe_params = {
                b: None,
                b + ".MACAddress": ["02:5E:%02X:%02X:00:01" % (i // 256 % 256, i % 256), "xsd:string"],
                b + ".IPAddress": ["192.168.1.%d" % (100 + len(hosts)), "xsd:string"],
                b + ".HostName": ["new-phone", "xsd:string"],
                b + ".Active": [True, "xsd:boolean"],
                b + ".InterfaceType": ["802.11", "xsd:string"],
                "InternetGatewayDevice.LANDevice.1.Hosts.HostNumberOfEntries": [len(hosts) + 1, "xsd:unsignedInt"],
            }
        devices.append({
            "index": i, "model": model, "agent": agent, "board": board, "cpe_params": cpe_params,
            "serial": serial, "tr069_serial": tr069_serial, "gpon_serial": gpon_serial,
            "genieacs_id": generate_device_id(oui, pclass, tr069_serial),
            "oui": oui, "product_class": pclass, "hardware_version": hardware, "software_version": firmware,
            "mac": lan_mac, "wan_mac": wan_mac, "label_mac": wan_mac_of(lan_mac), "online": online,
            "last_inform": iso(last_inform), "last_boot": last_boot, "registered": registered,
            "rx_power": rx_power, "tx_power": tx_power, "optical_grade": grade,  # 0.1 uW
            "temperature": rng.randrange(8000, 14000), "voltage": rng.randrange(3200, 3350),
            "bias_current": rng.randrange(6000, 11000),
            "olt": olt, "hosts": hosts, "mesh_nodes": rng.randrange(0, 3) if model == "XX230v" else 0,
            "customer": cust_name, "service_location": loc_name, "equipment": eqps,
        })
    fleet = {"version": 1, "seed": seed, "count": count, "generated_at": iso(base_time),
             "devices": devices, "customers": customers, "service_locations": locations,
             "service_equipment": equipment, "doctypes": doctypes()}
    if hidden_customers:
        fleet["user_permissions"] = {"Customer": [c["name"] for c in customers[:max(0, count - hidden_customers)]]}
    return fleet


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--base-time", type=int, default=1764000000, help="epoch seconds that 'now' means in the file")
    ap.add_argument("--out", default="-")
    ap.add_argument("--hidden-customers", type=int, default=0,
                    help="the last N customers are outside the API user's User Permissions")
    a = ap.parse_args()
    try:
        fleet = make_fleet(a.count, a.seed, a.base_time, a.hidden_customers)
    except ValueError as e:
        print("make_fleet: %s" % e, file=sys.stderr)
        return 2
    text = json.dumps(fleet, indent=1, sort_keys=True)
    if a.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
