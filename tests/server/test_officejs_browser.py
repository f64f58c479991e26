"""functions.js in headless Chromium, in the page Excel's shared runtime loads, against a real ``xlcomp serve``.

``taskpane.html`` is the add-in's shared runtime: Excel loads it once and it both shows the help and runs the
functions. Here it is loaded with a stand-in for Office's ``CustomFunctions`` (set up before any script of the page
runs, as office.js would have it), which keeps each function ``associate`` hands it. The test then calls every
function of the registry on the cases the xlwings Lite functions are checked on (tests/lite/cases.py: worked
examples, every error, dates, blanks, random curves), as Excel would, and compares each answer with what the registry
itself returns: numbers, and ``CustomFunctions.Error`` objects with the Excel error code and the registry's message.
Every host but loopback is unresolvable, so office.js is not fetched and nothing leaves the machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.lite.cases import lite_cases, registry_results
from xlcomp.functions import REGISTRY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

CUSTOM_FUNCTIONS_STAND_IN = """
window.__associated = {};
window.CustomFunctions = {
  associate: function (id, fn) {
    if (window.__associated[id]) { throw new Error("associated twice: " + id); }
    window.__associated[id] = fn;
  },
  Error: function (code, message) { this.code = code; this.message = message; },
  ErrorCode: {invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!",
              nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!"}
};
"""

# Calls every case the way Excel does: all in one recalculation (functions.js batches them), omitted optional
# arguments as null.
CALL_ALL = """
var calls = arguments[0], done = arguments[arguments.length - 1];
var functions = window.__associated;
Promise.allSettled(calls.map(function (call) {
  var fn = functions[call[0]], args = call[1].slice();
  while (args.length < fn.length) { args.push(null); }
  return fn.apply(null, args);
})).then(function (outcomes) {
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
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_every_function_in_the_shared_runtime_page_answers_as_the_registry(browser, live_server):
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CUSTOM_FUNCTIONS_STAND_IN})
    browser.get(f"{live_server}/taskpane.html")
    cases = lite_cases(count=200)
    assert {name for name, _ in cases} == set(REGISTRY)
    outcome = browser.execute_async_script(CALL_ALL, [[name, args] for name, args in cases])
    assert sorted(outcome["associated"]) == sorted(REGISTRY)
    expected = registry_results(cases)
    mismatches = []
    for (name, args), got, want in zip(cases, outcome["results"], expected, strict=True):
        if "value" in want:
            same = "value" in got and got["value"] == want["value"]
        else:
            same = got == {"code": want["error"], "message": want["message"], "isExcelError": True}
        if not same:
            mismatches.append((name, args, got, want))
    assert mismatches == []
    errors = [want["error"] for want in expected if "error" in want]
    assert {"#VALUE!", "#DIV/0!", "#NUM!"} <= set(errors)  # the cases reach every error


def test_the_page_works_as_a_task_pane_too(browser, live_server):
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
    assert browser.execute_script("return typeof window.__associated.CSM_TIERED") == "function"
