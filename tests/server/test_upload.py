"""The upload page (``GET /upload``, ``POST /api/recalc``, ``GET /api/recalc/{job}/{file}``): FastAPI's
TestClient on the app with small limits, one real ``xlcomp serve`` on loopback, and headless Chromium
using the page as finance would."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from xlcomp.recalc.intake import Limits
from xlcomp.server import create_app
from xlcomp.server.jobs import JobStore
from xlcomp.server.security import Security
from xlcomp.server.upload import UploadPage, UploadSettings, safe_upload_name

from .conftest import Served, start_serve
from .upload_files import (
    HAND_PAYOUTS,
    HAND_PLAN,
    HAND_TOTAL,
    PERIOD,
    demo_result,
    demo_workbook,
    not_a_zip,
    plain_workbook,
    typed_over,
    zip_bomb,
)

KB = 1024
SETTINGS = UploadSettings(limits=Limits(max_bytes=512 * KB), max_files=6, max_request_bytes=1536 * KB,
                          max_plan_bytes=16 * KB, workers=2)
TOKEN = "upload-tests-token-0123456789"
SECURITY = Security(token=TOKEN, allowed_hosts=("testserver",))
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPED = 9999.99


class Files:
    """The uploads, built once: paths, and what the tests need to know about them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.result = demo_result()
        self.demo = demo_workbook(folder / "demo.xlsx", self.result)
        first_csm = self.result.csms[0]
        self.sheet = next(name for name in openpyxl.load_workbook(self.demo, read_only=True).sheetnames
                          if name.startswith(first_csm.csm.csm_id))
        self.cell = "B52"
        self.formula = typed_over(self.demo, folder / "edited.xlsx", self.sheet, self.cell, TYPED)
        self.edited = folder / "edited.xlsx"
        cached = openpyxl.load_workbook(self.demo, data_only=True)[self.sheet][self.cell].value
        self.engine_payout = f"{cached:.2f}"  # what the engine wrote there: the payout of the cell
        self.plain = plain_workbook(folder / "plain.xlsx")
        self.notzip = not_a_zip(folder / "notes.xlsx")
        self.bomb = zip_bomb(folder / "bomb.xlsx")
        self.plan = folder / "hand.yaml"
        self.plan.write_text(HAND_PLAN, encoding="utf-8")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files(tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def page_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("upload-jobs")


@pytest.fixture(scope="module")
def app(page_temp: Path) -> Any:
    application = create_app(upload=replace(SETTINGS, temp_parent=page_temp), security=SECURITY)
    yield application
    application.state.upload_page.close()


@pytest.fixture(scope="module")
def client(app: Any) -> TestClient:
    return TestClient(app, headers=AUTH)


def part(path: Path, name: str | None = None) -> tuple[str, tuple[str, bytes]]:
    return "files", (name or path.name, path.read_bytes())


@pytest.fixture(scope="module")
def batch(client: TestClient, files: Files) -> dict[str, Any]:
    """One request with every kind of upload, the hand-worked plan and the period."""
    response = client.post("/api/recalc", files=[
        part(files.demo), part(files.edited), part(files.plain), part(files.notzip, "../../not a workbook.xlsx"),
        part(files.bomb), ("plan", ("hand.yaml", files.plan.read_bytes())),
    ], data={"period": PERIOD})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def entry(body: dict[str, Any], name: str) -> dict[str, Any]:
    found = [item for item in body["files"] if item["file"] == name]
    assert len(found) == 1, [item["file"] for item in body["files"]]
    return found[0]


def messages(item: dict[str, Any], key: str = "problems") -> str:
    return "\n".join(f"{p['where']} {p['message']}" for p in item[key])


# ---------------------------------------------------------------------------------------------
# the page


def test_page_is_a_form_with_drag_and_drop(client):
    response = client.get("/upload")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<form id="upload-form" action="/api/recalc" method="post" enctype="multipart/form-data"' in html
    assert '<input id="files-input" type="file" name="files" multiple' in html
    assert 'id="drop"' in html and 'name="plan"' in html and 'name="period"' in html
    assert 'data-max-files="6"' in html and f'data-max-file-bytes="{512 * KB}"' in html
    assert "up to 6 files of 0.5 MB each, 1.5 MB together" in html
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    script = client.get("/upload.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert '"drop"' in script.text and "dataTransfer" in script.text
    assert "innerHTML" not in script.text  # the server's texts go in as text


# ---------------------------------------------------------------------------------------------
# a batch: statuses, overrides, problems


def test_batch_reports_every_upload_in_order(batch):
    assert [item["file"] for item in batch["files"]] == ["demo.xlsx", "edited.xlsx", "plain.xlsx",
                                                         "not a workbook.xlsx", "bomb.xlsx"]
    assert [item["status"] for item in batch["files"]] == ["ok", "overridden", "ok", "rejected", "rejected"]
    assert batch["counts"] == {"ok": 2, "inputs_changed": 0, "overridden": 1, "rejected": 2}
    assert re.fullmatch(r"[0-9a-f]{32}", batch["job"])
    assert batch["expires_in"] == 3600


def test_untouched_workbook_is_ok_with_the_engine_total(batch, files):
    demo = entry(batch, "demo.xlsx")
    assert demo["kind"] == "xlcomp workbook" and demo["period"] == PERIOD
    assert demo["total"] == f"{files.result.total:.2f}" and demo["csms"] == 4
    assert demo["overrides"] == [] and demo["differences"] == [] and demo["problems"] == []


def test_typed_over_formula_is_an_override_at_its_cell(batch, files):
    edited = entry(batch, "edited.xlsx")
    overrides = [o for o in edited["overrides"] if o["where"] == f"{files.sheet}!{files.cell}"]
    assert [{k: o[k] for k in ("where", "formula", "found", "kind", "action")} for o in overrides] == [
        {"where": f"{files.sheet}!{files.cell}", "formula": files.formula, "found": "9999.99", "kind": "constant",
         "action": "discarded"}]
    assert "is not paid" in overrides[0]["message"] and "Adjustments table" in overrides[0]["message"]
    assert len(edited["overrides"]) == 1  # nothing else was touched
    assert edited["total"] == f"{files.result.total:.2f}"  # the engine pays, not the typed number


def test_plain_workbook_with_uploaded_plan_pays_the_hand_worked_total(batch):
    plain = entry(batch, "plain.xlsx")
    assert plain["kind"] != "xlcomp workbook" and plain["plan"] == "upload-hand" and plain["period"] == PERIOD
    assert plain["total"] == HAND_TOTAL and plain["csms"] == 2


def test_hostile_files_are_rejected_with_a_message(batch):
    notzip = entry(batch, "not a workbook.xlsx")  # "../../" dropped from the name
    assert "is not an Excel workbook" in messages(notzip) and notzip["download"] is None
    bomb = entry(batch, "bomb.xlsx")
    assert "zip bomb" in messages(bomb) and "xl/worksheets/sheet1.xml" in messages(bomb)
    assert bomb["download"] is None and bomb["output"] == ""


# ---------------------------------------------------------------------------------------------
# downloads


def test_downloads_are_the_regenerated_workbooks_and_reports(client, batch, files):
    assert set(batch["reports"]) == {"report.json", "report.xlsx", "payouts.csv"}
    regenerated = client.get(entry(batch, "edited.xlsx")["download"])
    assert regenerated.status_code == 200 and regenerated.headers["content-type"] == XLSX
    assert regenerated.headers["content-disposition"] == 'attachment; filename="edited.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(regenerated.content))
    assert workbook[files.sheet][files.cell].value == files.formula  # the formula is back
    cached = openpyxl.load_workbook(io.BytesIO(regenerated.content), data_only=True)
    assert f"{cached[files.sheet][files.cell].value:.2f}" == files.engine_payout

    report = client.get(batch["reports"]["report.json"]).json()
    assert report == [{k: v for k, v in item.items() if k != "download"} for item in batch["files"]]

    rows = list(csv.DictReader(io.StringIO(client.get(batch["reports"]["payouts.csv"]).text)))
    assert {row["source"] for row in rows} == {"demo.xlsx", "edited.xlsx", "plain.xlsx"}
    hand = {(row["csm_id"], row["component"]): row["payout"] for row in rows if row["source"] == "plain.xlsx"}
    assert hand == HAND_PAYOUTS
    first = files.result.csms[0].csm.csm_id
    edited_rows = [row for row in rows if row["source"] == "edited.xlsx" and row["csm_id"] == first]
    assert "9999.99" not in {row["payout"] for row in edited_rows}
    assert files.engine_payout in {row["payout"] for row in edited_rows}

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(batch["reports"]["report.xlsx"]).content))["Files"]
    assert [sheet.cell(row, 1).value for row in range(2, 7)] == [item["file"] for item in batch["files"]]


def test_no_server_path_reaches_the_user(client, batch, app):
    root = str(app.state.upload_page.jobs.root)
    texts = [json.dumps(batch)] + [client.get(url).text for url in (batch["reports"]["report.json"],
                                                                      batch["reports"]["payouts.csv"])]
    for text in texts:
        assert root not in text and "/in/" not in text and "xlcomp-recalc-" not in text


@pytest.mark.parametrize("name", ["..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", ".xlcomp-recalc",
                                  ".xlcomp-recalc%2Fdemo.json", "..%2Fin%2Fdemo.xlsx", "%2Fetc%2Fpasswd",
                                  "demo.xlsx%00", "not%20a%20workbook.xlsx", "hand.yaml"])
def test_nothing_outside_the_jobs_outputs_can_be_downloaded(client, batch, name):
    response = client.get(f"/api/recalc/{batch['job']}/{name}")
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_unknown_or_malformed_jobs_are_404(client, batch):
    for job in ("0" * 32, batch["job"].upper(), batch["job"][:-1], "..", "%2e%2e%2fetc"):
        response = client.get(f"/api/recalc/{job}/report.json")
        assert response.status_code == 404, job
    assert "expired" in client.get(f"/api/recalc/{'0' * 32}/report.json").json()["detail"]


# ---------------------------------------------------------------------------------------------
# limits and bad forms


def test_a_workbook_over_the_file_limit_is_413(client, app):
    jobs_before = len(app.state.upload_page.jobs)
    response = client.post("/api/recalc", files=[("files", ("big.xlsx", b"PK" + b"\0" * (600 * KB)))])
    assert response.status_code == 413
    assert response.json()["detail"] == "big.xlsx is 0.6 MB, over the 0.5 MB limit for one workbook"
    assert len(app.state.upload_page.jobs) == jobs_before


def test_a_request_over_the_total_limit_is_413_declared_or_streamed(client, app):
    jobs_before = len(app.state.upload_page.jobs)
    body = [("files", (f"part{i}.xlsx", b"\0" * (500 * KB))) for i in range(4)]
    response = client.post("/api/recalc", files=body)
    assert response.status_code == 413 and "larger than 1,572,864 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xlsx\"\r\n\r\n"
        for _ in range(40):
            yield b"\0" * (64 * KB)
        yield b"\r\n--x--\r\n"

    response = client.post("/api/recalc", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413
    assert len(app.state.upload_page.jobs) == jobs_before  # refused before a job folder was made


@pytest.mark.parametrize("count", [7, 9, 200])
def test_too_many_files_is_413(client, count):
    response = client.post("/api/recalc", files=[("files", (f"f{i}.xlsx", b"PK")) for i in range(count)])
    assert response.status_code == 413
    assert "at most 6 workbooks a request" in response.json()["detail"]


@pytest.mark.parametrize(("request_kwargs", "message"), [
    ({"json": {"files": []}}, "send the workbooks as multipart/form-data"),
    ({"files": [("plan", ("hand.yaml", HAND_PLAN.encode()))]}, "no workbooks"),
    ({"files": [("files", ("a.xlsx", b"PK"))], "data": {"periode": "2027-Q1"}}, "unknown form field 'periode'"),
    ({"files": [("files", ("a.xlsx", b"PK"))], "data": {"period": "2027-Q5"}}, 'period: period "2027-Q5" is not'),
    ({"files": [("files", ("a.xlsx", b"PK")), ("files", ("dir/A.XLSX", b"PK"))]}, "two uploads would be saved as"),
    ({"files": [("files", ("a.xlsx", b"PK")), ("plan", ("p.yaml", b"\xff\xfe\x00"))]}, "is not UTF-8 text"),
    ({"files": [("plan", ("hand.yaml", HAND_PLAN.encode()))], "data": {"files": "a.xlsx"}}, "'files' must be files"),
    ({"data": {"files": "a.xlsx"}}, "send the workbooks as multipart/form-data"),
])
def test_bad_forms_are_422_with_a_message(client, request_kwargs, message):
    response = client.post("/api/recalc", **request_kwargs)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]


def test_a_bad_plan_is_422_with_its_problems(client):
    bad_plan = HAND_PLAN.replace("weight: 0.5", "weight: 1.6")
    response = client.post("/api/recalc", files=[("files", ("a.xlsx", b"PK")),
                                                 ("plan", ("hand.yaml", bad_plan.encode()))])
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("the plan hand.yaml has 1 problem")
    assert body["problems"][0]["where"] == "hand.yaml:9" and "weight" in body["problems"][0]["message"]


def test_upload_names_are_sanitised():
    assert safe_upload_name("../../etc/passwd") == "passwd"
    assert safe_upload_name("C:\\Users\\ana\\Q1 EMEA (final).xlsx") == "Q1 EMEA (final).xlsx"
    assert safe_upload_name(".hidden.xlsx") == "hidden.xlsx"
    assert safe_upload_name("..") == "upload"
    assert safe_upload_name("a\x00b;rm -rf $HOME|.xlsx") == "ab_rm -rf _HOME_.xlsx"
    assert safe_upload_name("Zürich\u200b.xlsx") == "Zürich.xlsx"
    assert safe_upload_name("=HYPERLINK(x).xlsx") == "_HYPERLINK(x).xlsx"
    long = safe_upload_name("x" * 500 + ".xlsx")
    assert len(long) == 120 and long.endswith(".xlsx")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: f"{a}/{b}.xlsx", st.text(max_size=20), st.text(max_size=20)))
def test_saved_names_are_plain_short_and_stable(raw):
    name = safe_upload_name(raw)
    assert name and len(name) <= 120 and name.isprintable()
    assert not name.startswith((".", " ")) and not name.endswith((".", " "))
    assert all(ch.isalnum() or ch in " ._-()" for ch in name)  # no "/", "\\", ":", control characters
    assert safe_upload_name(name) == name


# ---------------------------------------------------------------------------------------------
# jobs: expiry, count, shutdown, busy


def test_old_and_surplus_jobs_are_removed(tmp_path):
    store = JobStore(max_age=60, max_jobs=2, parent=tmp_path)
    jobs = []
    for _ in range(3):
        job = store.create()
        (job.outputs / "report.json").write_text("[]")
        store.finish(job)
        jobs.append(job)
    assert not jobs[0].folder.exists() and jobs[1].folder.exists() and jobs[2].folder.exists()  # count
    assert store.get(jobs[0].id) is None and store.get(jobs[2].id) is jobs[2]
    assert jobs[2].download_path("report.json") == jobs[2].outputs / "report.json"
    assert store.sweep(now=time.monotonic() + 61) == [jobs[1].id, jobs[2].id]  # age
    assert not jobs[2].folder.exists() and len(store) == 0
    running = store.create()  # unfinished jobs are neither listed nor swept
    assert store.get(running.id) is None and store.sweep(now=time.monotonic() + 1e6) == []
    root = store.root
    store.close()
    assert not root.exists()


def test_every_file_is_removed_at_shutdown(files, tmp_path):
    application = create_app(upload=replace(SETTINGS, temp_parent=tmp_path), security=SECURITY)
    with TestClient(application, headers=AUTH) as client:  # runs the app's lifespan
        response = client.post("/api/recalc", files=[part(files.notzip)])
        assert response.status_code == 200 and response.json()["counts"]["rejected"] == 1
        assert client.get(response.json()["reports"]["report.json"]).status_code == 200
        assert any(tmp_path.iterdir())
    assert list(tmp_path.iterdir()) == []


def test_a_busy_server_answers_503(files, tmp_path):
    one_at_a_time = replace(SETTINGS, temp_parent=tmp_path, max_running=1, max_waiting=0)
    application = create_app(upload=one_at_a_time, security=SECURITY)
    page: UploadPage = application.state.upload_page
    client = TestClient(application, headers=AUTH)
    answers: list[int] = []
    page._slots.acquire()  # a batch is running
    first = threading.Thread(target=lambda: answers.append(client.post("/api/recalc", files=[part(files.notzip)]
                                                                       ).status_code))
    first.start()
    try:
        deadline = time.monotonic() + 10
        while page._active < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        second = client.post("/api/recalc", files=[part(files.notzip)])
        assert second.status_code == 503 and second.headers["retry-after"] == "30"
        assert "busy" in second.json()["detail"]
    finally:
        page._slots.release()
        first.join(30)
        page.close()
    assert answers == [200]


# ---------------------------------------------------------------------------------------------
# a real server, and a real browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """``xlcomp serve`` on loopback with its own temporary folder (TMPDIR), to see what it leaves; its
    token is the random one of the URL it printed."""
    temp = tmp_path_factory.mktemp("serve-tmp")
    server = start_serve(tmp_path_factory.mktemp("serve-log") / "serve.log", env={"TMPDIR": str(temp)})
    try:
        yield server, temp
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--no-first-run", "--window-size=1200,1600",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_in_a_browser_uploads_and_shows_the_override(served, browser, files):
    server, _temp = served
    url = server.url
    browser.get(f"{url}/upload")  # without the token: the page says how to get in
    assert "needs the server's token" in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{url}/upload?token={server.token}")  # the start-up URL: sets the cookie, drops the token
    assert browser.current_url == f"{url}/upload"
    assert browser.find_element(By.ID, "submit").get_attribute("disabled") == "true"
    browser.find_element(By.ID, "files-input").send_keys(f"{files.demo}\n{files.edited}")
    assert [li.text.split("\n")[0] for li in browser.find_elements(By.CSS_SELECTOR, "#chosen li")] == \
        ["demo.xlsx", "edited.xlsx"]
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 60).until(lambda driver: driver.find_element(By.ID, "results").is_displayed())
    cards = browser.find_elements(By.CSS_SELECTOR, "article.file")
    assert [(c.get_attribute("data-file"), c.get_attribute("data-status")) for c in cards] == \
        [("demo.xlsx", "ok"), ("edited.xlsx", "overridden")]
    cells = [td.text for td in cards[1].find_elements(By.CSS_SELECTOR, "table tbody tr:first-child td")]
    assert cells[:3] == [f"{files.sheet}!{files.cell}", files.formula, "9999.99"]
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#summary a")}
    assert set(links) == {"report.xlsx", "report.json", "payouts.csv"}
    assert httpx.get(links["report.json"], timeout=10).status_code == 401  # not without the token
    report = httpx.get(links["report.json"], headers=server.auth, timeout=10).json()  # with it, outside the page too
    assert [item["status"] for item in report] == ["ok", "overridden"]
    assert browser.find_element(By.ID, "error").is_displayed() is False


DROP = """
var transfer = new DataTransfer();
arguments[0].forEach(function (file) { transfer.items.add(new File([new Uint8Array(file[1])], file[0])); });
document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                                     cancelable: true}));
"""


def test_the_page_takes_dropped_files_checks_limits_and_shows_refusals(served, browser, tmp_path):
    server, _temp = served
    url = server.url
    browser.get(f"{url}/upload?token={server.token}")
    bad_plan = tmp_path / "bad plan.yaml"
    bad_plan.write_text(HAND_PLAN.replace("weight: 0.5", "weight: 1.6"), encoding="utf-8")
    browser.get(f"{url}/upload")
    browser.execute_script(DROP, [["dropped.xlsx", 2], ["huge.xlsx", 51 * 1024 * KB]])

    def chosen() -> list[str]:
        return [li.text.split("\n")[0] for li in browser.find_elements(By.CSS_SELECTOR, "#chosen li")]

    error = browser.find_element(By.ID, "error")
    submit = browser.find_element(By.ID, "submit")
    assert chosen() == ["dropped.xlsx", "huge.xlsx"]
    assert error.is_displayed() and "huge.xlsx is 51 MB, over the 50 MB limit for one workbook" in error.text
    assert submit.get_attribute("disabled") == "true"
    browser.find_element(By.CSS_SELECTOR, '#chosen button[title="remove huge.xlsx"]').click()
    assert chosen() == ["dropped.xlsx"] and not error.is_displayed() and submit.get_attribute("disabled") is None
    browser.find_element(By.ID, "plan-input").send_keys(str(bad_plan))
    submit.click()
    busy = browser.find_element(By.ID, "busy")
    WebDriverWait(browser, 30).until(lambda driver: error.is_displayed() and not busy.is_displayed())
    time.sleep(0.2)
    assert error.is_displayed()  # the server's refusal stays up after the request is over
    assert "the plan bad plan.yaml has 1 problem" in error.text and "bad plan.yaml:9" in error.text
    assert not browser.find_element(By.ID, "results").is_displayed()


def test_real_server_recalculates_and_leaves_nothing_behind(served, files):
    server, temp = served
    with httpx.Client(base_url=server.url, headers=server.auth, timeout=60) as client:
        assert "Drop workbooks here" in client.get("/upload").text
        response = client.post("/api/recalc", files=[part(files.plain), ("plan", ("hand.yaml", HAND_PLAN.encode()))],
                               data={"period": PERIOD})
        assert response.status_code == 200, response.text
        body = response.json()
        assert entry(body, "plain.xlsx")["total"] == HAND_TOTAL
        workbook = client.get(entry(body, "plain.xlsx")["download"])
        assert workbook.status_code == 200 and workbook.content.startswith(b"PK")
        assert client.get(f"/api/recalc/{body['job']}/..%2F..%2Fserve.log").status_code == 404
    assert [p.name for p in temp.iterdir() if p.name.startswith("xlcomp-upload-")]  # the jobs are there
    assert server.stop() == 0
    assert list(temp.iterdir()) == []  # uploads, outputs, the batch's own temporary files: all gone
