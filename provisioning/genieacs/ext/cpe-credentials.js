// GenieACS extension (install as config/ext/cpe-credentials.js; GenieACS docs/extensions.rst: a Node.js module whose
// functions take (args, callback)). connectionRequest(serial) → {username, password}: the TR-069
// connection-request credentials of one CPE, derived from a fleet secret so that no per-device password is stored
// anywhere: username "cr-<serial>", password = the first 24 characters of base64url(HMAC-SHA256(secret, serial)).
//
// The secret: the file named by CPE_TR069_CR_SECRET_FILE (genieacs-cwmp's environment), its first line; at least
// 32 characters. Never in this repository. Errors name what is missing.
"use strict";

const crypto = require("crypto");
const fs = require("fs");

function secret() {
  const file = process.env.CPE_TR069_CR_SECRET_FILE;
  if (!file) throw new Error("cpe-credentials: CPE_TR069_CR_SECRET_FILE is not set");
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error("cpe-credentials: cannot read CPE_TR069_CR_SECRET_FILE (" + e.code + ")");
  }
  const s = text.split("\n")[0].trim();
  if (s.length < 32) throw new Error("cpe-credentials: the secret must be at least 32 characters");
  return s;
}

function connectionRequest(args, callback) {
  const serial = String(args[0] || "");
  if (!/^[A-Za-z0-9_-]{4,64}$/.test(serial))
    return callback(new Error("cpe-credentials: bad serial number '" + serial.slice(0, 64) + "'"));
  let key;
  try {
    key = secret();
  } catch (e) {
    return callback(e);
  }
  const mac = crypto.createHmac("sha256", key).update(serial).digest("base64url");
  callback(null, { username: "cr-" + serial, password: mac.slice(0, 24) });
}

exports.connectionRequest = connectionRequest;
