"""Statements as HTML: hand-worked figures, every explanation, and no template debris."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from xlcomp import __version__
from xlcomp.statements import build_statements, write_statements
from xlcomp.statements.render import debris, html_fields, html_record, html_text

ISSUED = date(2027, 4, 5)


@pytest.fixture
def spec_statements(spec_files, compute):
    result = compute(spec_files)
    return {s.csm_id: s for s in build_statements(result, issued=ISSUED)}


def test_hand_worked_statement_shows_every_figure(spec_statements):
    statement = spec_statements["CSM-A"]
    text = html_text(statement.html)
    # who, when, which plan
    for expected in ("Ana Lima", "CSM-A", "Enterprise", "Maya Chen", "2027-Q1", "1 Jan 2027 – 31 Mar 2027",
                     "CSM Adoption & Renewal FY27", "csm-fy27-ar", "5 Apr 2027", "USD 40,000.00 a year",
                     "90 of 90 days (100.00%)"):
        assert expected in text, expected
    # renewal: GRR 195,000 / 200,000 = 97.50%, attainment 1.059783, share 1.179349, x1.05
    assert "renewed ARR / renewable ARR = 195,000.00 / 200,000.00 = 97.50%" in text
    assert "97.50% ÷ 92.00% = 105.9783% — at or above the 85% threshold" in text
    assert "40,000.00 a year × 60% × ¼ × 90/90 days = 6,000.00" in text
    assert "0%–100% at 1.0× 100% 6,000.00" in text
    assert "100%–110% at 3.0× 5.9783% 1,076.09" in text
    assert "Share 1.179349 of the target incentive" in text
    assert "NPS 30 reaches the band from 30 — ×1.05" in text
    assert "Payout 1.179349 × 6,000.00 × 1.05 7,429.90" in text
    # upsell: 60,000 on a 50,000 quota, 5% then 8%, gate met
    assert "Upsell ARR 60,000.00 — sum of upsell ARR over your 2 accounts" in text
    assert "50,000.00 (your quota upsell on the roster)" in text
    assert "0.00–50,000.00 at 5% 50,000.00 2,500.00" in text
    assert "50,000.00 and above at 8% 10,000.00 800.00" in text
    assert "gross renewal rate 97.50% is at least 80.00% — met" in text
    assert "Payout sum of the tiers 3,300.00" in text
    # the total, and the proof
    assert "Total variable pay for 2027-Q1 USD 10,729.90" in text
    assert statement.total == Decimal("10729.90")
    assert statement.view.plan_hash in text and statement.view.input_hash in text
    assert f"xlcomp {__version__}" in text


def test_fields_mark_the_figures_verify_compares(spec_statements):
    fields, duplicates = html_fields(spec_statements["CSM-A"].html)
    assert duplicates == []
    assert fields["renewal.actual"] == "97.50%"
    assert fields["renewal.target"] == "92.00%"
    assert fields["renewal.attainment"] == "105.98%"
    assert fields["renewal.payout"] == "7,429.90"
    assert fields["upsell.actual"] == "60,000.00"
    assert fields["upsell.target"] == "50,000.00"
    assert fields["upsell.attainment"] == "120.00%"
    assert fields["upsell.payout"] == "3,300.00"
    assert fields["total"] == "10,729.90"
    assert fields["name"] == "Ana Lima" and fields["csm_id"] == "CSM-A" and fields["period"] == "2027-Q1"
    assert fields == spec_statements["CSM-A"].record["fields"]


def test_undefined_metric_and_gate_explain_why_nothing_was_paid(spec_statements):
    statement = spec_statements["CSM-B"]
    text = html_text(statement.html)
    assert "45 of 90 days (50.00%) — joined 15 Feb 2027" in text
    assert "Gross renewal rate: no value — no renewable ARR in the period" in text
    assert "none: gross renewal rate is undefined, so this bonus pays nothing" in text
    assert "20,000.00 a year × 60% × ¼ × 45/90 days = 1,500.00" in text
    assert ("gross renewal rate has no value (no renewable ARR in the period); it must be at least 80.00% — "
            "not met, so this component pays nothing") in text
    assert "NPS: no data (no account has an nps) — ×1" in text
    assert "Payout nothing: gross renewal rate is undefined (no renewable ARR in the period) 0.00" in text
    assert "Payout nothing: the gate is not met 0.00" in text
    assert "Total variable pay for 2027-Q1 USD 0.00" in text
    fields, _ = html_fields(statement.html)
    assert fields["renewal.actual"] == "—" and fields["renewal.attainment"] == "—"


def test_below_threshold_and_failed_gate(spec_statements):
    text = html_text(spec_statements["CSM-D"].html)
    assert "78.00% ÷ 92.00% = 84.7826% — below the 85% threshold, so this component pays nothing" in text
    assert "gross renewal rate 78.00% is below 80.00% — not met, so this component pays nothing" in text
    assert "NPS -10 is below every band — ×1" in text
    assert "Payout nothing: attainment is below the threshold 0.00" in text
    assert "below threshold" in text and "gate not met" in text


def test_second_band_of_the_multiplier(spec_statements):
    text = html_text(spec_statements["CSM-C"].html)
    assert "82.00% ÷ 92.00% = 89.1304%" in text
    assert "NPS 55 reaches the band from 50 — ×1.1" in text
    assert "Payout 0.891304 × 4,500.00 × 1.1 4,411.95" in text
    assert "Total variable pay for 2027-Q1 USD 5,811.95" in text


def test_whole_steps_flat_rate_and_caps(edge_files, compute):
    (statement,) = build_statements(compute(edge_files), issued=ISSUED)
    text = html_text(statement.html)
    # adoption 60% on a 50% target: whole tier 1.2x on all 120% = 1.44, capped at 1.3 -> 13,000.00
    assert "120% and above at 1.2× all 120% 14,400.00" not in text   # the tier starts at 100%
    assert "100% and above at 1.2× all 120% 14,400.00" in text
    assert "Share 1.44 of the target incentive, capped at 1.3" in text
    assert "Payout 1.3 × 10,000.00 13,000.00" in text
    # onboarding 8/10 = 80% on a 90% target: step 70%-100% pays a fixed 0.75 -> 7,500.00
    assert "Onboarding completion = onboardings done / onboardings planned = 8 / 10 = 80.00%" in text
    assert "70%–100% at 0.75× fixed share 0.75 7,500.00" in text
    # cross-sell 30,000 at 5% = 1,500.00, capped at 1,000.00
    assert "flat rate at 5% 30,000.00 1,500.00" in text
    assert "Cap 1,500.00 is above the cap of 1,000.00" in text
    assert "Total variable pay for 2027-Q1 EUR 21,500.00" in text
    assert "Eve O'Neil" in text


def test_no_template_debris_anywhere(spec_files, edge_files, compute):
    for files in (spec_files, edge_files):
        for statement in build_statements(compute(files), issued=ISSUED):
            outside_script = statement.html.split('<script type="application/json"')[0]
            assert debris(html_text(statement.html)) == []
            assert debris(outside_script) == [], statement.csm_id


def test_debris_scanner_finds_what_it_must():
    assert debris("Payout None") and debris("actual nan") and debris("{{ s.total }}") and debris("{% if x %}")
    assert debris("Nonesuch Nancy banana {x}") == []


def test_embedded_record_carries_the_inputs(spec_statements):
    statement = spec_statements["CSM-A"]
    record = json.loads(html_record(statement.html) or "")
    assert record == json.loads(json.dumps(statement.record))
    assert record["format"] == "xlcomp-statement/1" and record["period"] == "2027-Q1"
    assert record["plan"]["yaml"].startswith("id: csm-fy27-ar")
    assert record["inputs"]["roster"]["quota_upsell"] == "50000"
    rows = record["inputs"]["accounts"]["rows"]
    assert [row[0] for row in rows] == ["A1", "A2"]
    assert record["result"]["total"] == "10729.90"
    assert {c["id"]: c["payout"] for c in record["result"]["components"]} == {"renewal": "7429.90",
                                                                               "upsell": "3300.00"}


def test_script_breakout_is_escaped(tmp_path, compute, spec_files):
    roster = spec_files["roster"].read_text().replace("Ana Lima", "Ana </script><b>Lima</b> {{x}}")
    spec_files["roster"].write_text(roster)
    statement = next(s for s in build_statements(compute(spec_files), issued=ISSUED) if s.csm_id == "CSM-A")
    assert "</script><b>" not in statement.html
    assert "Ana &lt;/script&gt;&lt;b&gt;Lima&lt;/b&gt;" in statement.html
    assert json.loads(html_record(statement.html) or "")["fields"]["name"] == "Ana </script><b>Lima</b> {{x}}"


def test_write_statements_html_only(tmp_path: Path, spec_files, compute):
    calls: list[tuple[int, int]] = []
    written = write_statements(compute(spec_files), tmp_path / "out", pdf=False, issued=ISSUED,
                               progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    names = sorted(p.name for p in written)
    assert names == ["CSM-A-2027-Q1.html", "CSM-B-2027-Q1.html", "CSM-C-2027-Q1.html", "CSM-D-2027-Q1.html",
                     "index.html"]
    index = html_text((tmp_path / "out" / "index.html").read_text())
    assert "Ana Lima" in index and "10,729.90" in index and "Total 16,541.85" in index
    assert not list((tmp_path / "out").glob(".*"))   # no temporary files left


def test_a_leaver_before_the_period_has_no_target_incentive(spec_files, compute):
    roster = spec_files["roster"]
    roster.write_text(roster.read_text().replace("CSM-C,Cy Dorn,Mid-Market,CSM,110000,30000,2021-03-01,,",
                                                 "CSM-C,Cy Dorn,Mid-Market,CSM,110000,30000,2021-03-01,2026-12-31,"))
    statement = next(s for s in build_statements(compute(spec_files), issued=ISSUED) if s.csm_id == "CSM-C")
    text = html_text(statement.html)
    assert "0 of 90 days (0.00%) — left 31 Dec 2026" in text
    assert "30,000.00 a year × 60% × ¼ × 0/90 days = 0.00" in text
    assert "Employment not employed during the period: no target incentive" in text
    # commissions are not prorated: the upsell still pays 1,400.00
    assert "Total variable pay for 2027-Q1 USD 1,400.00" in text
