// The baseline reader: Playwright driving Chromium, doing the TP-Link web-UI login and reads in page JavaScript
// (reader.html) like the operator's modem-bridge. Chromium is the Debian package (/usr/bin/chromium); no browser
// download, no network besides loopback.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const READER_HTML = fs.readFileSync(path.join(__dirname, "reader.html"), "utf8");

async function launch() {
  // launch() always starts Chromium with a fresh temporary --user-data-dir of its own (Playwright refuses the
  // flag here; it is only accepted by launchPersistentContext, which allows one context only).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return { browser };
}

// One read the way a Playwright reader does it: a fresh context (cookies), the login page at the modem's
// origin, the login + reads in the page, the context closed.
async function readOnce(browser, host, user, password) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const url = "http://" + host + "/__reader.html";
    await page.route(url, (route) => route.fulfill({ status: 200, contentType: "text/html", body: READER_HTML }));
    await page.goto(url);
    return await page.evaluate(([u, p]) => readModem(u, p), [user, password]);
  } finally {
    await context.close();
  }
}

module.exports = { launch, readOnce };
