"""The add-in server through FastAPI's TestClient: files, API, limits, CORS."""

from __future__ import annotations

import json
import re
import zlib
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from xlcomp import __version__
from xlcomp.functions import REGISTRY
from xlcomp.server import ADDIN_ID, MAX_BATCH_CALLS, MAX_BODY_BYTES, create_app
from xlcomp.server.security import Security

BASE = "https://xlcomp.example.com:8443"
NS = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
      "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
      "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
DOMAIN_TIERS = [[1, 0.075], [1.5, 0.125], ["", 0.15]]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(BASE), base_url=BASE)


def test_manifest_is_an_office_addin_with_custom_functions(client):
    response = client.get("/manifest.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{{{NS['o']}}}OfficeApp" and root.get(XSI_TYPE) == "TaskPaneApp"
    assert root.findtext("o:Id", namespaces=NS) == ADDIN_ID
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", root.findtext("o:Version", namespaces=NS) or "")
    assert root.find("o:Hosts/o:Host", NS).get("Name") == "Workbook"
    assert root.find("o:Requirements/o:Sets/o:Set", NS).get("Name") == "CustomFunctionsRuntime"
    # the schema's order of OfficeApp's children
    order = [child.tag.split("}")[1] for child in root]
    assert order == ["Id", "Version", "ProviderName", "DefaultLocale", "DisplayName", "Description", "IconUrl",
                     "HighResolutionIconUrl", "SupportUrl", "AppDomains", "Hosts", "Requirements", "DefaultSettings",
                     "Permissions", "VersionOverrides"]
    point = root.find("ov:VersionOverrides/ov:Hosts/ov:Host/ov:AllFormFactors/ov:ExtensionPoint", NS)
    assert point.get(XSI_TYPE) == "CustomFunctions"
    resources = root.find("ov:VersionOverrides/ov:Resources", NS)
    urls = {url.get("id"): url.get("DefaultValue") for url in resources.iterfind("bt:Urls/bt:Url", NS)}
    ids = {kind: point.find(f"ov:{kind}/ov:SourceLocation", NS).get("resid") for kind in ("Script", "Page", "Metadata")}
    assert urls[ids["Script"]] == f"{BASE}/functions.js"
    assert urls[ids["Page"]] == f"{BASE}/taskpane.html"  # the shared runtime: functions and task pane in one page
    assert urls[ids["Metadata"]] == f"{BASE}/functions.json"
    strings = {s.get("id"): s.get("DefaultValue") for s in resources.iterfind("bt:ShortStrings/bt:String", NS)}
    assert strings[point.find("ov:Namespace", NS).get("resid")] == "XLCOMP"
    # every resource id the manifest uses is defined, and every icon is served
    used = set(re.findall(r'resid="([^"]+)"', response.text))
    defined = set(re.findall(r'<bt:(?:Image|Url|String) id="([^"]+)"', response.text))
    assert used <= defined
    for image in resources.iterfind("bt:Images/bt:Image", NS):
        assert image.get("DefaultValue").startswith(f"{BASE}/assets/")
        icon = client.get(image.get("DefaultValue").removeprefix(BASE))
        assert icon.status_code == 200 and icon.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_icons_are_valid_pngs_of_their_size(client):
    for size in (16, 32, 64, 80):
        png = client.get(f"/assets/icon-{size}.png").content
        assert int.from_bytes(png[16:20], "big") == size and int.from_bytes(png[20:24], "big") == size
        idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
        assert len(zlib.decompress(idat)) == size * (1 + 3 * size)
    assert client.get("/assets/icon-17.png").status_code == 404


def test_functions_json_lists_every_function_from_the_registry(client):
    data = client.get("/functions.json").json()
    assert [f["id"] for f in data["functions"]] == list(REGISTRY)
    tiered = next(f for f in data["functions"] if f["id"] == "CSM_TIERED")
    assert tiered["name"] == "CSM_TIERED" and tiered["description"] == REGISTRY["CSM_TIERED"].description
    assert tiered["result"] == {"type": "number", "dimensionality": "scalar"}
    assert tiered["helpUrl"] == f"{BASE}/taskpane.html#CSM_TIERED"
    assert [(p["name"], p["type"], p["dimensionality"], p["optional"]) for p in tiered["parameters"]] == [
        ("attainment", "any", "scalar", False), ("tiers", "any", "matrix", False), ("mode", "string", "scalar", True),
        ("threshold", "any", "scalar", True), ("cap", "any", "scalar", True)]


def test_functions_js_associates_every_function(client):
    response = client.get("/functions.js")
    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    for name, spec in REGISTRY.items():
        names = ", ".join(p.name for p in spec.params)
        assert f'CustomFunctions.associate("{name}", function ({names}) {{' in script
        assert f'return call("{name}", [{names}]);' in script
    assert f'var SERVER = "{BASE}";' in script and f"var MAX_BATCH = {MAX_BATCH_CALLS};" in script
    assert '"#DIV/0!": "divisionByZero"' in script and "new CustomFunctions.Error(" in script


def test_functions_html_and_taskpane(client):
    page = client.get("/functions.html").text
    assert f'<script src="{BASE}/functions.js"></script>' in page
    taskpane = client.get("/taskpane.html").text
    for spec in REGISTRY.values():
        assert f'<dt id="{spec.name}">XLCOMP.{spec.signature}</dt>' in taskpane
    assert "/api/status" in taskpane
    assert client.get("/", follow_redirects=False).headers["location"] == "/taskpane.html"


def test_status(client):
    assert client.get("/api/status").json() == {"status": "ok", "version": __version__, "functions": list(REGISTRY)}


def test_one_call(client):
    response = client.post("/api/functions/CSM_COMMISSION", json={"args": [500000, 300000, DOMAIN_TIERS, "whole"]})
    assert response.status_code == 200 and response.json() == {"value": 75000.0}
    response = client.post("/api/functions/csm_commission", json={"args": [500000, 300000, DOMAIN_TIERS]})
    assert response.json() == {"value": 48750.0}
    response = client.post("/api/functions/CS_GRR", json={"args": [0, 0]})
    assert response.status_code == 200
    assert response.json() == {"error": {"code": "#DIV/0!",
                                         "message": "gross renewal rate is undefined: no renewable ARR in the period"}}
    response = client.post("/api/functions/CSM_PRORATION", json={"args": [46433, None, 46388, 46477]})
    assert response.json() == {"value": 0.5}
    missing = client.post("/api/functions/CS_GRR", json={"args": [1]}).json()
    assert missing["error"]["code"] == "#VALUE!" and "renewed" in missing["error"]["message"]


def test_batch(client):
    calls = [
        {"function": "CSM_TIERED", "args": [1.032609, [[1, 1], [1.1, 3], [None, 1]], "marginal", 0.85, 1.5]},
        {"function": "CSM_ATTAINMENT", "args": [0.95, 0.92]},
        {"function": "CS_HEALTH", "args": [80, 60, 40, [[0.5, 0.3, 0.2]]]},
        {"function": "CS_HEALTH", "args": [80, 60, 40]},
        {"function": "CSM_TIERED", "args": [1, [[2, 1], [1, 3]]]},
        {"function": "NO_SUCH", "args": []},
        {"function": "CS_COVERAGE"},
    ]
    response = client.post("/api/batch", json={"calls": calls})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[:4] == [{"value": 1.097827}, {"value": 1.032609}, {"value": 66.0}, {"value": 60.0}]
    assert results[4]["error"]["code"] == "#NUM!" and "ascend" in results[4]["error"]["message"]
    assert results[5] == {"error": {"code": "#NAME?", "message": "unknown function 'NO_SUCH'"}}
    assert results[6]["error"]["code"] == "#VALUE!"
    assert client.post("/api/batch", json={"calls": []}).json() == {"results": []}


@pytest.mark.parametrize(("path", "body", "words"), [
    ("/api/batch", b"{not json", "not valid JSON"),
    ("/api/batch", b"", "empty"),
    ("/api/batch", b"\xff\xfe", "not valid JSON"),
    ("/api/batch", b"[1, 2]", '{"calls"'),
    ("/api/batch", b'{"calls": {"function": "CS_GRR"}}', '{"calls"'),
    ("/api/batch", b'{"calls": [{"args": [1, 2]}]}', "calls[0]"),
    ("/api/batch", b'{"calls": [{"function": "CS_GRR", "args": 5}]}', "calls[0]: args must be a JSON array"),
    ("/api/functions/CS_GRR", b'{"args": [1, 2', "not valid JSON"),
    ("/api/functions/CS_GRR", b'"args"', '{"args"'),
    ("/api/functions/CS_GRR", json.dumps({"args": list(range(40))}).encode(), "more than any function takes"),
])
def test_bad_json_is_422_with_a_message(client, path, body, words):
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_unknown_function_is_404(client):
    response = client.post("/api/functions/NOPE", json={"args": []})
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


def test_request_size_limits(client):
    too_many = {"calls": [{"function": "CS_GRR", "args": [1, 1]}] * (MAX_BATCH_CALLS + 1)}
    response = client.post("/api/batch", json=too_many)
    assert response.status_code == 422 and "5,001 calls is more than 5,000" in response.json()["detail"]
    assert client.post("/api/batch", json={"calls": too_many["calls"][:MAX_BATCH_CALLS]}).status_code == 200
    big = b'{"calls": [' + b" " * MAX_BODY_BYTES + b"]}"
    response = client.post("/api/batch", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger than 1,048,576 bytes" in response.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"calls": ['
        for _ in range(20):
            yield b" " * 65536
        yield b"]}"

    response = client.post("/api/batch", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(("origin", "allowed"), [
    ("https://excel.officeapps.live.com", True),
    ("https://contoso.sharepoint.com", False),        # anyone can have a SharePoint tenant
    ("https://evilofficeapps.live.com", False),       # officeapps.live.com only on a dot boundary
    ("https://anything.live.com", False),
    ("https://eviloffice.com", False),
    ("https://outlook.office.com", True),
    ("https://localhost:3000", True),
    ("http://127.0.0.1:8000", True),
    ("https://evil.example", False),
    ("https://officeapps.live.com.evil.example", False),
    ("http://localhost.evil.example", False),
])
def test_cors_admits_office_and_localhost_only(client, origin, allowed):
    response = client.options("/api/batch", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                     "Access-Control-Request-Headers": "content-type"})
    assert (response.headers.get("access-control-allow-origin") == origin) is allowed
    assert (response.status_code == 200) is allowed


def test_default_base_url_is_the_request_address():
    client = TestClient(create_app(security=Security(allowed_hosts=("testserver",))))
    assert 'var SERVER = "http://testserver";' in client.get("/functions.js").text
    assert "http://testserver/functions.json" in client.get("/manifest.xml").text
