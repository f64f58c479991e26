"""Plan letters: targets, curves in words and as a chart, and engine-computed worked examples."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from xlcomp.cli import main
from xlcomp.errors import UsageError
from xlcomp.load.plan import load_plan
from xlcomp.load.roster import load_roster
from xlcomp.model.period import parse_period
from xlcomp.statements.letters import letter_view, write_letters
from xlcomp.statements.render import debris, html_text, pdf_text, render_template

DAY = date(2027, 1, 4)


def letter(files: dict[str, Path], csm_id: str, period: str | None = None):
    plan = load_plan(files["plan"])
    roster = load_roster(files["roster"], plan)
    csm = roster.by_id()[csm_id]
    view = letter_view(plan, csm, parse_period(period) if period else None, DAY)
    return view, html_text(render_template("letters/letter.html.j2", l=view))


def examples(view, key: str) -> list[tuple[str, str, str, str]]:
    component = next(c for c in view.components if c.key == key)
    return [(e.attainment, e.actual, e.detail, e.payout) for e in component.examples]


def test_bonus_examples_at_80_100_120(spec_files):
    view, _ = letter(spec_files, "CSM-A")
    # TI = 40,000 x 0.6 / 4 = 6,000; 80% is below the 85% threshold; 120%: 1 + 3 x 0.1 + 1 x 0.1 = 1.4
    assert examples(view, "renewal") == [
        ("80%", "73.60%", "below the threshold", "0.00"),
        ("100%", "92.00%", "1 × 6,000.00", "6,000.00"),
        ("120%", "110.40%", "1.4 × 6,000.00", "8,400.00"),
    ]


def test_commission_examples_on_the_quota(spec_files):
    view, _ = letter(spec_files, "CSM-A")
    # quota 50,000: 5% up to it, 8% above
    assert examples(view, "upsell") == [
        ("80%", "40,000.00", "sum of the tiers", "2,000.00"),
        ("100%", "50,000.00", "sum of the tiers", "2,500.00"),
        ("120%", "60,000.00", "sum of the tiers", "3,300.00"),
    ]
    assert view.on_target == "USD 8,500.00"


def test_prorated_for_a_hire_in_the_period(spec_files):
    view, text = letter(spec_files, "CSM-B", "2027-Q1")
    # 45 of 90 days: TI = 20,000 x 0.6 x 45 / (90 x 4) = 1,500
    assert examples(view, "renewal")[1:] == [("100%", "92.00%", "1 × 1,500.00", "1,500.00"),
                                              ("120%", "110.40%", "1.4 × 1,500.00", "2,100.00")]
    assert examples(view, "upsell")[1] == ("100%", "10,000.00", "sum of the tiers", "500.00")
    assert "45 of 90 days in 2027-Q1 (50.00%)" in text
    assert "2027-Q1 (1 Jan 2027 – 31 Mar 2027)" in text


def test_curves_in_words(spec_files):
    _, text = letter(spec_files, "CSM-A")
    assert "Below 85% attainment it pays nothing." in text
    assert ("Each part of your attainment earns its own tier's rate (marginal tiers): up to 100% at 1.0×; "
            "100%–110% at 3.0×; from 110% up at 1.0×.") in text
    assert "The share is capped at 1.5× the target incentive." in text
    assert "Pays on your upsell ARR; your quota is 50,000.00." in text
    assert ("up to 100% (50,000.00) at 5%; from 100% (50,000.00) up at 8%") in text
    assert "It pays only when your gross renewal rate is at least 80.00%." in text
    assert "Gross renewal rate: multiplied by your NPS band — ×1.05 from 30, ×1.1 from 50" in text
    for expected in ("Dear Ana,", "Ana Lima", "Maya Chen", "92.00%", "50,000.00 quota (your own quota)",
                     "At 100% on every target USD 8,500.00 per quarter", "signature and date"):
        assert expected in text, expected


def test_whole_steps_and_flat_rate(edge_files):
    view, text = letter(edge_files, "E1")
    # TI = 80,000 x 0.5 / 4 = 10,000. Whole: 80% -> 0.8; 100% -> tier 2 (1.2) on all; 120% -> 1.44, cap 1.3
    assert examples(view, "adoption") == [("80%", "40.00%", "0.8 × 10,000.00", "8,000.00"),
                                          ("100%", "50.00%", "1.2 × 10,000.00", "12,000.00"),
                                          ("120%", "60.00%", "1.3 × 10,000.00 (capped)", "13,000.00")]
    # Steps on a 90% target: 80% -> 0.75; 100% and 120% -> 1.0
    assert [e[3] for e in examples(view, "onboarding")] == ["7,500.00", "10,000.00", "10,000.00"]
    # Flat 5%, capped at 1,000.00
    assert examples(view, "cross_sell") == [("—", "10,000.00", "5% × amount", "500.00"),
                                            ("—", "50,000.00", "5% × amount", "1,000.00"),
                                            ("—", "100,000.00", "5% × amount", "1,000.00")]
    assert "The tier your attainment falls in sets the rate for all of it (whole tier)" in text
    assert "pays a fixed share (steps): up to 70%: 0.0×; 70%–100%: 0.75×; from 100% up: 1.0×." in text
    assert "Pays 5% of your cross-sell ARR; there is no quota." in text
    assert "The commission is capped at 1,000.00." in text
    assert "not counting Cross-sell, which has no quota" in text


def test_chart_is_inline_svg_through_the_examples(spec_files):
    view, _ = letter(spec_files, "CSM-A")
    chart = str(view.components[0].chart)
    assert chart.startswith("<svg") and chart.endswith("</svg>")
    assert "<polyline" in chart and chart.count("<circle") == 3
    assert ">8,400.00<" in chart and ">6,000.00<" in chart
    # the line is flat at zero until the threshold, then jumps: a point just below 85% and at 85%
    points = re.search(r'<polyline points="([^"]+)"', chart)
    assert points is not None and len(points.group(1).split()) > 100


def test_letters_written_with_pdf(spec_files, tmp_path):
    plan = load_plan(spec_files["plan"])
    roster = load_roster(spec_files["roster"], plan)
    written = write_letters(plan, roster, tmp_path / "letters", issued=DAY, csm_ids=["CSM-A"], workers=1)
    assert sorted(p.name for p in written) == ["CSM-A-letter.html", "CSM-A-letter.pdf", "index.html"]
    text = " ".join(pdf_text(tmp_path / "letters" / "CSM-A-letter.pdf").split())
    for expected in ("COMPENSATION PLAN LETTER", "Ana Lima", "8,400.00", "3,300.00", "USD 8,500.00",
                     "Worked examples"):
        assert expected in text, expected
    assert debris(text) == []
    html = (tmp_path / "letters" / "CSM-A-letter.html").read_text()
    assert debris(html_text(html)) == [] and debris(html) == []


def test_letters_cli(spec_files, tmp_path, capsys):
    out = tmp_path / "letters"
    assert main(["letters", "--plan", str(spec_files["plan"]), "--roster", str(spec_files["roster"]),
                 "--period", "2027-Q1", "--out", str(out), "--no-pdf", "--date", "2027-01-04"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["CSM-A-2027-Q1-letter.html", "CSM-B-2027-Q1-letter.html",
                                                     "CSM-C-2027-Q1-letter.html", "CSM-D-2027-Q1-letter.html",
                                                     "index.html"]
    assert "4 plan letters" in capsys.readouterr().out
    assert main(["letters", "--plan", str(spec_files["plan"]), "--roster", str(spec_files["roster"]),
                 "--period", "2027-03", "--out", str(tmp_path / "x"), "--no-pdf"]) == 2
    assert not (tmp_path / "x").exists()


def test_letter_for_the_wrong_period_kind(spec_files):
    with pytest.raises(UsageError, match="pays per quarter"):
        letter(spec_files, "CSM-A", "2027")
