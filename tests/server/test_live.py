"""``xlcomp serve`` as a real uvicorn process on loopback: it answers, and how fast the batch endpoint is."""

from __future__ import annotations

import subprocess
import sys
import time
from xml.etree import ElementTree

import httpx

from xlcomp.functions import REGISTRY
from xlcomp.server import MAX_BATCH_CALLS

DOMAIN_TIERS = [[1, 0.075], [1.5, 0.125], ["", 0.15]]
SPEC_TIERS = [[1.0, 1.0], [1.1, 3.0], ["", 1.0]]


def test_serve_answers_the_addin_files(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as client:
        functions = client.get("/functions.json").json()["functions"]
        assert [f["id"] for f in functions] == list(REGISTRY)
        manifest = client.get("/manifest.xml")
        root = ElementTree.fromstring(manifest.content)
        assert root.tag == "{http://schemas.microsoft.com/office/appforoffice/1.1}OfficeApp"
        assert f"{live_server}/functions.js" in manifest.text  # the address the request came to
        script = client.get("/functions.js")
        assert script.status_code == 200 and 'CustomFunctions.associate("CSM_TIERED"' in script.text
        response = client.post("/api/functions/CSM_COMMISSION", json={"args": [500000, 300000, DOMAIN_TIERS]})
        assert response.json() == {"value": 48750.0}
        assert client.post("/api/batch", content=b"{oops", headers={"content-type": "application/json"}
                           ).status_code == 422
        cors = client.options("/api/batch", headers={"Origin": "https://excel.officeapps.live.com",
                                                     "Access-Control-Request-Method": "POST"})
        assert cors.headers["access-control-allow-origin"] == "https://excel.officeapps.live.com"


def test_batch_throughput_on_loopback(live_server):
    """Calls per second through /api/batch: batches of 1,000 mixed calls for about two seconds."""
    pattern = [
        {"function": "CSM_TIERED", "args": [1.032609, SPEC_TIERS, "marginal", 0.85, 1.5]},
        {"function": "CSM_COMMISSION", "args": [500000, 300000, DOMAIN_TIERS]},
        {"function": "CSM_ATTAINMENT", "args": [0.95, 0.92]},
        {"function": "CS_GRR", "args": [100000, 95000]},
    ]
    calls = (pattern * 250)[:1000]
    assert len(calls) <= MAX_BATCH_CALLS
    done = 0
    with httpx.Client(base_url=live_server, timeout=30) as client:
        client.post("/api/batch", json={"calls": calls[:10]})  # warm up
        start = time.perf_counter()
        while time.perf_counter() - start < 2.0:
            results = client.post("/api/batch", json={"calls": calls}).json()["results"]
            assert results[0] == {"value": 1.097827} and results[1] == {"value": 48750.0}
            done += len(results)
        elapsed = time.perf_counter() - start
    rate = done / elapsed
    print(f"\nbatch endpoint on loopback: {done:,} calls in {elapsed:.2f} s = {rate:,.0f} calls/s")
    assert rate > 1000


def test_serve_without_matching_tls_options_is_a_usage_error(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    result = subprocess.run([sys.executable, "-m", "xlcomp", "serve", "--ssl-keyfile", str(key)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--ssl-keyfile and --ssl-certfile go together" in result.stderr


def test_serve_without_the_server_extra_says_what_to_install():
    # importing fastapi fails as it does where the extra is not installed
    code = "import sys; sys.modules['fastapi'] = None; from xlcomp.cli import main; sys.exit(main(['serve']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())  # rich wraps long lines
    assert 'install xlcomp[server], for example pip install "xlcomp[server]"' in message
    assert "Traceback" not in message
