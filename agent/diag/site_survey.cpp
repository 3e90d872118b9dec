#include "diag/site_survey.hpp"

#include <cctype>
#include <chrono>
#include <memory>
#include <thread>

#include "collectors/source.hpp"

namespace cpe::agent::diag {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

// "aa:bb:cc:dd:ee:ff" (either case) → lower case; "" when it is not a MAC.
std::string mac_of(std::string_view s) {
    if (s.size() < 17) return {};
    s = s.substr(0, 17);
    std::string out;
    for (size_t i = 0; i < 17; ++i) {
        const char c = s[i];
        if (i % 3 == 2) {
            if (c != ':') return {};
            out += ':';
            continue;
        }
        if (!isxdigit(static_cast<unsigned char>(c))) return {};
        out += static_cast<char>(tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::optional<long> number(std::string_view s) {
    s = trim(s);
    if (s.empty() || s.size() > 12) return std::nullopt;
    const std::string t(s);
    char* end = nullptr;
    const long v = strtol(t.c_str(), &end, 10);
    if (end == t.c_str()) return std::nullopt;
    return v;
}

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 32 * 4)) out += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
    return out;
}

bool has(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

// TR-181 SecurityModeEnabled from what the beacon carries.
std::string security_of(bool privacy, bool wpa, bool rsn, bool psk, bool sae, bool eap) {
    if (!wpa && !rsn) return privacy ? "WEP-64" : "None";  // WEP key length is not in the beacon
    if (eap)
        return rsn && wpa ? "WPA-WPA2-Enterprise"
                          : (rsn ? (sae ? "WPA3-Enterprise" : "WPA2-Enterprise") : "WPA-Enterprise");
    if (sae) return psk ? "WPA3-Personal-Transition" : "WPA3-Personal";
    if (rsn && wpa) return "WPA-WPA2-Personal";
    return rsn ? "WPA2-Personal" : "WPA-Personal";
}

std::string encryption_of(bool tkip, bool aes) {
    if (tkip && aes) return "TKIP,AES";
    return aes ? "AES" : (tkip ? "TKIP" : "");
}

}  // namespace

uint32_t channel_of(uint32_t mhz, std::string* band) {
    std::string b;
    uint32_t ch = 0;
    if (mhz == 2484)
        ch = 14, b = "2.4GHz";
    else if (mhz >= 2412 && mhz <= 2472 && (mhz - 2407) % 5 == 0)
        ch = (mhz - 2407) / 5, b = "2.4GHz";
    else if (mhz >= 5955 && mhz <= 7115 && (mhz - 5950) % 5 == 0)
        ch = (mhz - 5950) / 5, b = "6GHz";
    else if (mhz >= 5160 && mhz <= 5885 && (mhz - 5000) % 5 == 0)
        ch = (mhz - 5000) / 5, b = "5GHz";
    if (band) *band = b;
    return ch;
}

// iw's scan output (iw scan.c print_bss_handler and the IE printers): "BSS <mac>(on <if>)" starts an entry;
// tab-indented "key: value" lines; RSN/WPA blocks list "* Authentication suites:" and "* Pairwise ciphers:".
std::vector<Neighbor> parse_iw_scan(std::string_view text) {
    std::vector<Neighbor> out;
    Neighbor cur;
    bool in = false, privacy = false, wpa = false, rsn = false, psk = false, sae = false, eap = false,
         tkip = false, aes = false, ht = false, vht = false, he = false, ofdm = false;
    std::string block;  // "RSN", "WPA", "HT", "VHT"
    auto flush = [&] {
        if (in && !cur.bssid.empty() && out.size() < kMaxNeighbors) {
            cur.security = security_of(privacy, wpa, rsn, psk, sae, eap);
            cur.encryption = encryption_of(tkip, aes);
            std::string std_list =
                cur.band == "2.4GHz" ? (ofdm ? "b,g" : "b") : (cur.band.empty() ? "" : "a");
            if (ht) std_list += ",n";
            if (vht) std_list += ",ac";
            if (he) std_list += ",ax";
            cur.standards = std_list;
            if (cur.bandwidth.empty()) cur.bandwidth = "20MHz";
            out.push_back(cur);
        }
        cur = Neighbor{};
        in = privacy = wpa = rsn = psk = sae = eap = tkip = aes = ht = vht = he = ofdm = false;
        block.clear();
    };
    for (std::string_view raw : lines_of(text)) {
        if (raw.starts_with("BSS ")) {
            flush();
            in = true;
            cur.bssid = mac_of(raw.substr(4));
            continue;
        }
        if (!in) continue;
        const std::string_view line = trim(raw);
        const size_t colon = line.find(':');
        const std::string_view key = colon == std::string_view::npos ? line : trim(line.substr(0, colon));
        const std::string_view value = colon == std::string_view::npos ? "" : trim(line.substr(colon + 1));
        const bool top = raw.size() > 1 && raw[0] == '\t' && raw[1] != '\t';
        if (top) block.clear();
        if (top && key == "freq") {
            if (auto f = number(value.substr(0, value.find('.')))) {
                if (*f > 0 && *f < 100000) cur.channel = channel_of(static_cast<uint32_t>(*f), &cur.band);
            }
        } else if (top && key == "signal") {
            if (auto s = number(value.substr(0, value.find('.')))) {
                if (*s >= -200 && *s <= 0) cur.signal_dbm = static_cast<int>(*s);
            }
        } else if (top && key == "SSID") {
            cur.ssid = printable(value);
        } else if (top && key == "capability") {
            privacy = has(value, "Privacy");
        } else if (top && key == "beacon interval") {
            if (auto b = number(value); b && *b > 0 && *b < 65536)
                cur.beacon_period = static_cast<uint32_t>(*b);
        } else if (top && (key == "Supported rates" || key == "Extended supported rates")) {
            ofdm = ofdm || has(value, "54.0") || has(value, "6.0");
        } else if (top && key == "RSN") {
            rsn = true;
            block = "RSN";
        } else if (top && key == "WPA") {
            wpa = true;
            block = "WPA";
        } else if (top && key == "HT operation") {
            ht = true;
            block = "HT";
        } else if (top && key == "HT capabilities") {
            ht = true;
        } else if (top && key == "VHT operation") {
            vht = true;
            block = "VHT";
        } else if (top && key == "VHT capabilities") {
            vht = true;
        } else if (top && (key == "HE capabilities" || key == "HE Operation" || key == "HE operation")) {
            he = true;
        } else if (!top && (block == "RSN" || block == "WPA")) {
            if (has(key, "Authentication suites")) {
                psk = psk || has(value, "PSK");
                sae = sae || has(value, "SAE");
                eap = eap || has(value, "IEEE 802.1X");
            } else if (has(key, "Pairwise ciphers") || has(key, "Group cipher")) {
                tkip = tkip || (has(key, "Pairwise") && has(value, "TKIP"));
                aes = aes || (has(key, "Pairwise") && has(value, "CCMP"));
            }
        } else if (!top && block == "HT" && has(key, "secondary channel offset")) {
            if (value == "above" || value == "below") cur.bandwidth = "40MHz";
        } else if (!top && block == "VHT" && has(key, "channel width")) {
            // "1 (80 MHz)", "2 (160 MHz)"; 0 means the HT width stands
            if (has(value, "160"))
                cur.bandwidth = "160MHz";
            else if (has(value, "80"))
                cur.bandwidth = "80MHz";
        }
    }
    flush();
    return out;
}

// Broadcom `wl scanresults` (wlu.c dump_bss_info): "SSID: \"x\"" starts an entry; "Mode: … RSSI: -45 dBm …
// noise: -92 dBm … Channel: 6" ; "BSSID: … Capability: ESS Privacy …"; RSN/WPA blocks list "AKM Suites" and
// "unicast ciphers"; "Chanspec: 5GHz channel 42 80MHz (0xe02a)" and "Primary channel: 36" under HT/VHT.
std::vector<Neighbor> parse_wl_scanresults(std::string_view text) {
    std::vector<Neighbor> out;
    Neighbor cur;
    bool in = false, privacy = false, wpa = false, rsn = false, psk = false, sae = false, eap = false,
         tkip = false, aes = false, ht = false, vht = false, he = false;
    std::string block;
    auto flush = [&] {
        if (in && !cur.bssid.empty() && out.size() < kMaxNeighbors) {
            cur.security = security_of(privacy, wpa, rsn, psk, sae, eap);
            cur.encryption = encryption_of(tkip, aes);
            std::string s = cur.band == "2.4GHz" ? "b,g" : (cur.band.empty() ? "" : "a");
            if (ht) s += ",n";
            if (vht) s += ",ac";
            if (he) s += ",ax";
            cur.standards = s;
            if (cur.bandwidth.empty()) cur.bandwidth = "20MHz";
            out.push_back(cur);
        }
        cur = Neighbor{};
        in = privacy = wpa = rsn = psk = sae = eap = tkip = aes = ht = vht = he = false;
        block.clear();
    };
    auto field = [](std::string_view line, std::string_view key) -> std::optional<std::string_view> {
        const size_t at = line.find(key);
        if (at == std::string_view::npos) return std::nullopt;
        std::string_view rest = line.substr(at + key.size());
        const size_t tab = rest.find('\t');
        return trim(rest.substr(0, tab));
    };
    for (std::string_view raw : lines_of(text)) {
        const std::string_view line = trim(raw);
        if (raw.starts_with("SSID: ")) {
            flush();
            in = true;
            std::string_view v = trim(raw.substr(6));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            cur.ssid = printable(v);
            continue;
        }
        if (!in) continue;
        const bool top = !raw.empty() && raw[0] != '\t' && raw[0] != ' ';
        if (top) block.clear();
        if (raw.starts_with("Mode:")) {
            if (auto r = field(line, "RSSI:")) {
                if (auto v = number(r->substr(0, r->find(' '))); v && *v >= -200 && *v <= 0)
                    cur.signal_dbm = static_cast<int>(*v);
            }
            if (auto n = field(line, "noise:")) {
                if (auto v = number(n->substr(0, n->find(' '))); v && *v >= -200 && *v < 0)
                    cur.noise_dbm = static_cast<int>(*v);
            }
            if (auto c = field(line, "Channel:")) {
                // "6", "36/80", "6l", "157u"
                if (auto v = number(*c); v && *v > 0 && *v < 256) cur.channel = static_cast<uint32_t>(*v);
                if (has(*c, "/80"))
                    cur.bandwidth = "80MHz";
                else if (has(*c, "/160"))
                    cur.bandwidth = "160MHz";
                else if (!c->empty() && (c->back() == 'l' || c->back() == 'u'))
                    cur.bandwidth = "40MHz";
            }
        } else if (raw.starts_with("BSSID:")) {
            cur.bssid = mac_of(trim(raw.substr(6)));
            privacy = has(line, "Privacy");
        } else if (top && line.starts_with("RSN")) {
            rsn = true;
            block = "RSN";
        } else if (top && line.starts_with("WPA")) {
            wpa = true;
            block = "WPA";
        } else if (top && line.starts_with("HT Capable")) {
            ht = true;
            block = "HT";
        } else if (top && line.starts_with("VHT Capable")) {
            vht = true;
            block = "HT";
        } else if (top && line.starts_with("HE Capable")) {
            he = true;
            block = "HT";
        } else if (!top && (block == "RSN" || block == "WPA")) {
            if (line.starts_with("AKM Suites")) {
                psk = psk || has(line, "PSK");
                sae = sae || has(line, "SAE");
                eap = eap || has(line, "802.1x") || has(line, "802.1X") || has(line, "UNSPECIFIED");
            } else if (line.starts_with("unicast ciphers")) {
                tkip = tkip || has(line, "TKIP");
                aes = aes || has(line, "AES");
            }
        } else if (!top && block == "HT" && line.starts_with("Chanspec:")) {
            const std::string_view v = trim(line.substr(9));
            if (has(v, "2.4GHz"))
                cur.band = "2.4GHz";
            else if (has(v, "6GHz"))
                cur.band = "6GHz";
            else if (has(v, "5GHz"))
                cur.band = "5GHz";
            if (has(v, " 160MHz"))
                cur.bandwidth = "160MHz";
            else if (has(v, " 80MHz"))
                cur.bandwidth = "80MHz";
            else if (has(v, " 40MHz"))
                cur.bandwidth = "40MHz";
            else if (has(v, " 20MHz"))
                cur.bandwidth = "20MHz";
        } else if (!top && block == "HT" && line.starts_with("Primary channel:")) {
            if (auto v = number(line.substr(16)); v && *v > 0 && *v < 256)
                cur.channel = static_cast<uint32_t>(*v);
        }
        if (cur.band.empty() && cur.channel) cur.band = cur.channel <= 14 ? "2.4GHz" : "5GHz";
    }
    flush();
    return out;
}

// Realtek rtl8192cd /proc/<if>/SS_Result: **assumed** layout (docs/boards.md): one network per line with the
// BSSID as the first MAC-shaped token, the SSID before it, then channel and RSSI (dBm, or 0–100 quality which
// is converted as quality/2 − 100), then the encryption words.
std::vector<Neighbor> parse_realtek_ss_result(std::string_view text) {
    std::vector<Neighbor> out;
    for (std::string_view raw : lines_of(text)) {
        if (out.size() >= kMaxNeighbors) break;
        // find a MAC token
        size_t at = std::string_view::npos;
        for (size_t i = 0; i + 17 <= raw.size(); ++i)
            if ((i == 0 || raw[i - 1] == ' ' || raw[i - 1] == '\t') && !mac_of(raw.substr(i)).empty() &&
                (i + 17 == raw.size() || raw[i + 17] == ' ' || raw[i + 17] == '\t')) {
                at = i;
                break;
            }
        if (at == std::string_view::npos) continue;
        Neighbor n;
        n.bssid = mac_of(raw.substr(at));
        n.ssid = printable(trim(raw.substr(0, at)));
        std::vector<std::string_view> words;
        std::string_view rest = raw.substr(at + 17);
        size_t s = 0;
        while (s < rest.size()) {
            while (s < rest.size() && (rest[s] == ' ' || rest[s] == '\t')) ++s;
            size_t e = s;
            while (e < rest.size() && rest[e] != ' ' && rest[e] != '\t') ++e;
            if (e > s) words.push_back(rest.substr(s, e - s));
            s = e;
        }
        if (words.size() < 2) continue;
        auto ch = number(words[0]);
        auto rssi = number(words[1]);
        if (!ch || *ch <= 0 || *ch > 233) continue;
        n.channel = static_cast<uint32_t>(*ch);
        n.band = n.channel <= 14 ? "2.4GHz" : "5GHz";
        if (rssi)
            n.signal_dbm = *rssi <= 0 ? static_cast<int>(std::max(*rssi, -200L))
                                      : static_cast<int>(std::min(*rssi, 100L) / 2 - 100);
        std::string enc;
        for (size_t i = 2; i < words.size(); ++i) enc += std::string(words[i]) + " ";
        const bool wpa2 = has(enc, "WPA2"), wpa3 = has(enc, "WPA3") || has(enc, "SAE"),
                   wpa = has(enc, "WPA ") || has(enc, "WPA-") || has(enc, "WPA/");
        n.security = wpa3              ? "WPA3-Personal"
                     : (wpa2 && wpa)   ? "WPA-WPA2-Personal"
                     : wpa2            ? "WPA2-Personal"
                     : wpa             ? "WPA-Personal"
                     : has(enc, "WEP") ? "WEP-64"
                                       : "None";
        n.encryption = encryption_of(has(enc, "TKIP"), has(enc, "AES") || has(enc, "CCMP") || wpa2 || wpa3);
        if (n.security == "None" || n.security == "WEP-64") n.encryption.clear();
        n.bandwidth = "";
        out.push_back(n);
    }
    return out;
}

namespace {

usp::Args run_survey(const std::vector<SurveyRadio>& radios, const std::string& root,
                     const usp::RunContext& ctx) {
    std::unique_ptr<SourceReader> reader = root.empty() ? make_live_reader() : make_fixture_reader(root);
    usp::Args out{{"Status", "Complete"}};
    size_t n = 0, answered = 0;
    for (size_t r = 0; r < radios.size() && !ctx.stop_now(); ++r) {
        const SurveyRadio& radio = radios[r];
        std::vector<Neighbor> found;
        bool ok = false;
        auto wait = [&](int ms) {
            for (int i = 0; i < ms / 100 && !ctx.stop_now(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        };
        if (radio.family == RadioFamily::iw) {
            // A fresh scan where the driver allows it on an AP (ap-force); the dump then holds its results.
            auto trigger =
                reader->run({"iw", "dev", radio.interface, "scan", "trigger", "ap-force"}, 3000, 4096);
            if (trigger && root.empty()) wait(5000);
            auto text = reader->run({"iw", "dev", radio.interface, "scan", "dump"}, 3000, 512 * 1024);
            if (text) ok = true, found = parse_iw_scan(*text);
        } else if (radio.family == RadioFamily::wl) {
            auto trigger = reader->run({"wl", "-i", radio.interface, "scan"}, 3000, 4096);
            if (trigger && root.empty()) wait(4000);
            auto text = reader->run({"wl", "-i", radio.interface, "scanresults"}, 3000, 512 * 1024);
            if (text) ok = true, found = parse_wl_scanresults(*text);
        } else {
            auto text = reader->read_file("/proc/" + radio.interface + "/SS_Result", 256 * 1024);
            if (text) ok = true, found = parse_realtek_ss_result(*text);
        }
        if (!ok) continue;
        ++answered;
        for (const Neighbor& nb : found) {
            const std::string p = "Result." + std::to_string(++n) + ".";
            out[p + "Radio"] = "Device.WiFi.Radio." + std::to_string(r + 1) + ".";
            out[p + "SSID"] = nb.ssid;
            out[p + "BSSID"] = nb.bssid;
            out[p + "Mode"] = "Infrastructure";
            out[p + "Channel"] = std::to_string(nb.channel);
            out[p + "SignalStrength"] = nb.signal_dbm ? std::to_string(*nb.signal_dbm) : "0";
            out[p + "SecurityModeEnabled"] = nb.security;
            out[p + "EncryptionMode"] = nb.encryption;
            out[p + "OperatingFrequencyBand"] = nb.band.empty() ? radio.band : nb.band;
            out[p + "OperatingStandards"] = nb.standards;
            out[p + "OperatingChannelBandwidth"] = nb.bandwidth.empty() ? "Auto" : nb.bandwidth;
            out[p + "BeaconPeriod"] = std::to_string(nb.beacon_period);
            if (nb.noise_dbm) out[p + "Noise"] = std::to_string(*nb.noise_dbm);
        }
    }
    if (answered == 0) out["Status"] = "Error";  // no radio could be surveyed
    out["ResultNumberOfEntries"] = std::to_string(n);
    return out;
}

}  // namespace

usp::CommandSpec neighboring_wifi_command(std::vector<SurveyRadio> radios, std::string root) {
    usp::CommandSpec c;
    c.path = "Device.WiFi.NeighboringWiFiDiagnostic()";
    c.kind = "wifiscan";
    c.max_seconds = 60;
    c.run = [radios = std::move(radios), root = std::move(root)](const usp::RunContext& ctx) {
        return run_survey(radios, root, ctx);
    };
    return c;
}

}  // namespace cpe::agent::diag
