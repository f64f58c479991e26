"""Every preset plan on a sampled book: statements name each CSM, show every component and the engine's
total, and carry no debris; every letter too (HTML only, so this stays fast)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.money import fmt_amount
from xlcomp.statements import build_statements
from xlcomp.statements.letters import letter_view
from xlcomp.statements.render import debris, html_fields, html_text, render_template

PERIOD = parse_period("2027-Q1")


@pytest.fixture(scope="module")
def book():
    return sample_book(16, 400, 11, PERIOD)


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_statements_and_letters(preset, book):
    text = preset_text(preset)
    plan = parse_plan(text)
    roster, accounts = load_inputs(plan, *book)
    result = run(plan, roster, accounts, PERIOD)
    statements = build_statements(result, text, issued=date(2027, 4, 5))
    assert len(statements) == 16
    for statement, csm_result in zip(statements, result.csms, strict=True):
        page = html_text(statement.html)
        fields, duplicates = html_fields(statement.html)
        assert duplicates == []
        assert csm_result.csm.name in page
        assert fields["total"] == fmt_amount(csm_result.total)
        assert f"{plan.currency} {fmt_amount(csm_result.total)}" in page
        assert csm_result.total == sum((c.payout for c in csm_result.components), Decimal(0))
        for component in plan.components:
            assert f"{component.label}" in page
            assert fields[f"{component.id}.payout"] == fmt_amount(csm_result.component(component.id).payout)
        assert debris(page) == [], (preset, csm_result.csm.csm_id, debris(page))
        assert debris(statement.html.split('<script type="application/json"')[0]) == []
    for csm in roster.csms[:4]:
        letter = render_template("letters/letter.html.j2", l=letter_view(plan, csm, PERIOD, date(2027, 1, 4)))
        assert debris(html_text(letter)) == [] and debris(letter) == []
        assert csm.name in html_text(letter)
