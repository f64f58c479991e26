"""``--changes`` on calc and template (SPEC section 10), run as a user runs them.

The project's CSM-1 (tests/conftest.py) has target variable 40,000; the renewal bonus weighs 0.6, pays
share 1.097827 and the nps multiplier 1.05. A raise to 52,000 on 2027-02-15 (45 + 45 days of 90):
TI = (40,000 x 45 + 52,000 x 45) x 0.6 / 360 = 6,900; payout ROUND(6,900 x 1.097827 x 1.05, 2) = 7,953.76.
"""

from __future__ import annotations

import openpyxl

from tests.test_cli import rows, xlcomp


def test_calc_with_changes_pays_the_stretches_and_says_what_it_did_with_dates_outside(project, tmp_path):
    changes = tmp_path / "changes.csv"
    changes.write_text("csm_id,field,value,effective\n"
                       "CSM-1,target_variable,52000,2027-02-15\n"
                       "CSM-2,manager,Grace,2026-11-01\n"
                       "CSM-2,target_variable,90000,2027-04-01\n")
    out = tmp_path / "out"
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, "--changes", changes)
    assert done.returncode == 0, done.stderr
    renewal = rows(out / "payouts.csv")[0]
    assert renewal["target_incentive"] == "6900.00" and renewal["payout"] == "7953.76"
    assert "changes.csv:3: CSM-2 manager effective 2026-11-01, before 2027-Q1: applied from 2027-01-01" in done.stderr
    assert "changes.csv:4: CSM-2 target_variable effective 2027-04-01, after 2027-Q1: ignored" in done.stderr
    workbook = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert "Changes" in workbook.sheetnames


def test_bad_changes_exit_1_name_the_place_and_write_nothing(project, tmp_path):
    changes = tmp_path / "changes.csv"
    changes.write_text("csm_id,field,value,effective\nCSM-9,target_variable,52000,2027-02-15\n"
                       "CSM-1,target_variable,52000,2027-02-15\nCSM-1,target_variable,53000,2027-02-15\n")
    out = tmp_path / "out"
    for command in (("calc", "--accounts", project / "accounts.csv"), ("template",)):
        target = out / "t.xlsx" if command[0] == "template" else out
        done = xlcomp(*command, "--plan", project / "plan.yaml", "--roster", project / "roster.csv",
                      "--period", "2027-Q1", "--out", target, "--changes", changes)
        assert done.returncode == 1
        assert 'changes.csv:2 csm_id: "CSM-9" is not a CSM of the roster' in done.stderr
        assert "changes.csv:4 effective: CSM-1 already has a target_variable change effective 2027-02-15" in done.stderr
        assert not out.exists()


def test_template_with_changes_has_the_changes_table(project, tmp_path):
    changes = tmp_path / "changes.csv"
    changes.write_text("csm_id,field,value,effective\nCSM-1,target_variable,52000,2027-02-15\n")
    target = tmp_path / "t.xlsx"
    done = xlcomp("template", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--period",
                  "2027-Q1", "--out", target, "--changes", changes)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(target)["Changes"]
    assert [c.value for c in sheet[2]][:3] == ["CSM-1", "target_variable", 52000]


def test_statements_with_changes_show_each_stretch_of_the_target_incentive(project, tmp_path):
    changes = tmp_path / "changes.csv"
    changes.write_text("csm_id,field,value,effective\nCSM-1,target_variable,52000,2027-02-15\n")
    out = tmp_path / "statements"
    done = xlcomp("statements", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, "--no-pdf", "--changes", changes)
    assert done.returncode == 0, done.stderr
    [page] = [p for p in out.glob("*.html") if "CSM-1" in p.name]
    text = page.read_text(encoding="utf-8")
    assert ("(40,000.00 a year × 45 days + 52,000.00 a year × 45 days) / 90 days × 60% × ¼ = 6,900.00"
            in text)
    # the statement carries the changes it was issued with: it verifies
    checked = xlcomp("verify", page)
    assert checked.returncode == 0, checked.stdout + checked.stderr
