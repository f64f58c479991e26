"""Headless Chromium runs the add-in's functions.js against the live server.

The page ``/functions.html`` is loaded with a stand-in for Excel's ``CustomFunctions`` object (set up
before any script of the page runs) that keeps each function ``associate`` hands it; the test calls
them as Excel would and reads what came back from the server: numbers, and ``CustomFunctions.Error``
objects carrying the Excel error code and the server's message. Every host but loopback is made
unresolvable, so Office's CDN script is not fetched and nothing leaves the machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from xlcomp.functions import REGISTRY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

EXCEL_STAND_IN = """
window.__associated = {};
window.CustomFunctions = {
  associate: function (id, fn) { window.__associated[id] = fn; },
  Error: function (code, message) { this.code = code; this.message = message; },
  ErrorCode: {invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!",
              nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!"}
};
"""

CALL_ALL = """
var calls = arguments[0], done = arguments[arguments.length - 1];
var functions = window.__associated;
Promise.allSettled(calls.map(function (call) { return functions[call[0]].apply(null, call[1]); }))
  .then(function (outcomes) {
    done({associated: Object.keys(functions), results: outcomes.map(function (outcome) {
      if (outcome.status === "fulfilled") { return {value: outcome.value}; }
      var error = outcome.reason;
      return {code: error.code, message: error.message, isExcelError: error instanceof CustomFunctions.Error};
    })});
  });
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    profile: Path = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--no-first-run", f"--user-data-dir={profile}",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_custom_functions_in_a_browser_call_the_server(browser, live_server):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": EXCEL_STAND_IN})
    browser.get(f"{live_server}/functions.html")
    calls = [
        ["CSM_COMMISSION", [500000, 300000, [[1, 0.075], [1.5, 0.125], ["", 0.15]], None]],
        ["CSM_COMMISSION", [500000, 300000, [[1, 0.075], [1.5, 0.125], ["", 0.15]], "whole"]],
        ["CSM_TIERED", [1.032609, [["upto", "rate"], [1, 1], [1.1, 3], ["", 1]], "marginal", 0.85, 1.5]],
        ["CSM_ATTAINMENT", [0.95, 0.92]],
        ["CSM_PRORATION", [46433, "", 46388, 46477]],
        ["CS_NRR", [1000000, 150000, 20000, 50000]],
        ["CS_HEALTH", [80, 60, 40]],                     # weights omitted: undefined in JavaScript
        ["CS_GRR", [0, 0]],
        ["CSM_TIERED", [1, [[2, 1], [1, 3]]]],
        ["CSM_ATTAINMENT", ["abc", 1]],
    ]
    outcome = browser.execute_async_script(CALL_ALL, calls)
    assert sorted(outcome["associated"]) == sorted(REGISTRY)
    results = outcome["results"]
    assert [r.get("value") for r in results[:7]] == [48750, 75000, 1.097827, 1.032609, 0.5, 1.08, 60]
    assert results[7] == {"code": "#DIV/0!", "isExcelError": True,
                          "message": "gross renewal rate is undefined: no renewable ARR in the period"}
    assert results[8]["code"] == "#NUM!" and "tiers row 2" in results[8]["message"] and results[8]["isExcelError"]
    assert results[9] == {"code": "#VALUE!", "message": 'actual: "abc" is not a number', "isExcelError": True}
    # Office's runtime script was not fetched from the internet: the stand-in is what the page used
    assert browser.execute_script("return typeof window.__associated.CS_GRR") == "function"


def test_taskpane_shows_the_servers_status(browser, live_server):
    browser.get(f"{live_server}/taskpane.html")
    status = browser.execute_async_script("""
        var done = arguments[arguments.length - 1], started = Date.now();
        (function wait() {
          var element = document.getElementById("status");
          if (element.className || Date.now() - started > 10000) { done([element.className, element.textContent]); }
          else { setTimeout(wait, 50); }
        })();
    """)
    assert status[0] == "ok" and f"{len(REGISTRY)} functions" in status[1]
