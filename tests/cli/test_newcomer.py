"""The newcomer's path (issue 18): what a first-time user meets, run as they run it (subprocesses, real files)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ACCOUNTS_HEADER, ROSTER_HEADER, csv_file
from tests.test_cli import rows

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "xlcomp" / "presets"
ON_A_TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}  # rich draws progress as on a terminal


def xlcomp(*args: str | Path, columns: int = 200, env: dict[str, str | None] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """Run the CLI; ``env`` adds variables (None removes one). Not a terminal unless ``env`` says so."""
    full_env: dict[str, str | None] = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_COLOR", "FORCE_TERMINAL"):
        full_env.pop(name, None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "xlcomp", *map(str, args)], capture_output=True, text=True,
                          env={k: v for k, v in full_env.items() if v is not None}, timeout=600)


def inputs(project: Path) -> list[str | Path]:
    return ["--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
            project / "accounts.csv", "--period", "2027-Q1"]


# 1. --out naming a file ------------------------------------------------------------------------------------------

def test_out_naming_a_file_is_a_usage_error_not_an_internal_error(project, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    runs = {
        "calc": xlcomp("calc", *inputs(project), "--out", afile),
        "calc under a file": xlcomp("calc", *inputs(project), "--out", afile / "sub"),
        "sample": xlcomp("sample", "--csms", "2", "--accounts", "5", "--out", afile),
        "statements": xlcomp("statements", *inputs(project), "--out", afile, "--no-pdf"),
        "roi": xlcomp("roi", *inputs(project), "--out", afile),
        "template": xlcomp("template", "--plan", project / "plan.yaml", "--roster", project / "roster.csv",
                           "--period", "2027-Q1", "-o", afile / "t.xlsx"),
        "template onto a folder": xlcomp("template", "--plan", project / "plan.yaml", "--roster",
                                         project / "roster.csv", "--period", "2027-Q1", "-o", folder),
    }
    for what, done in runs.items():
        assert done.returncode == 2, (what, done.stderr)
        assert "internal error" not in done.stderr and "Error" not in done.stderr, (what, done.stderr)
        assert str(afile) in done.stderr or str(folder) in done.stderr, (what, done.stderr)
    assert 'is a file: name a folder' in runs["calc"].stderr
    assert f'"{afile}" is a file, not a folder' in runs["calc under a file"].stderr
    assert "is a folder: name the file to write" in runs["template onto a folder"].stderr
    assert afile.read_text() == "keep me"


def test_an_out_folder_that_cannot_be_made_or_written_is_a_usage_error(project):
    # /proc refuses new entries, even to root (the tests run as root, for whom permissions never refuse)
    made = xlcomp("calc", *inputs(project), "--out", "/proc/xlcomp-out")
    written = xlcomp("calc", *inputs(project), "--out", "/proc")
    for done in (made, written):
        assert done.returncode == 2, done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert 'the folder "/proc/xlcomp-out" cannot be created' in made.stderr
    assert 'cannot write "/proc/payouts.csv": nothing can be written in "/proc"' in written.stderr


# 2. quotas -------------------------------------------------------------------------------------------------------

def test_quotas_never_writes_over_its_input_needs_a_period_and_writes_csv(project):
    roster = project / "roster.csv"
    before = roster.read_bytes()
    onto_roster = xlcomp("quotas", "--roster", roster, "--accounts", project / "accounts.csv", "--period", "2027-Q1",
                         "--out", roster)
    assert onto_roster.returncode == 2
    assert "is the --roster input: quotas never writes over its inputs" in onto_roster.stderr
    assert roster.read_bytes() == before
    no_period = xlcomp("quotas", "--roster", roster, "--accounts", project / "accounts.csv", "--out",
                       project / "q.csv")
    assert no_period.returncode == 2 and "give --period as the plan pays" in no_period.stderr
    xlsx = xlcomp("quotas", "--roster", roster, "--accounts", project / "accounts.csv", "--period", "2027-Q1",
                  "--out", project / "q.xlsx")
    assert xlsx.returncode == 2 and "name a .csv file" in xlsx.stderr
    assert not (project / "q.csv").exists() and not (project / "q.xlsx").exists()


# 3. calc shows the plan's design warnings ------------------------------------------------------------------------

def test_calc_shows_design_warnings_and_strict_fails_on_them(project, tmp_path):
    plan = project / "plan.yaml"
    plan.write_text(plan.read_text().replace("weight: 0.6", "weight: 0.7")
                    .replace("  - id: upsell\n", "  - id: nps_bonus\n    kind: bonus\n    metric: nps\n"
                             "    weight: 0.5\n    target: 40\n    curve: {mode: marginal, tiers: [{upto: 1.2, "
                             "rate: 1.0}]}\n  - id: upsell\n"))
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out", "--no-workbook")
    assert done.returncode == 0, done.stderr
    assert "bonus weights sum to 1.2, not 1" in done.stderr
    strict = xlcomp("calc", *inputs(project), "--out", tmp_path / "strict", "--no-workbook", "--strict")
    assert strict.returncode == 1
    assert "bonus weights sum to 1.2, not 1" in strict.stderr and "nothing was written" in strict.stderr
    assert not (tmp_path / "strict").exists()


# 4. an empty book ------------------------------------------------------------------------------------------------

def test_a_header_only_accounts_file_warns(project, tmp_path):
    csv_file(project / "accounts.csv", ACCOUNTS_HEADER)
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out", "--no-workbook")
    assert done.returncode == 0, done.stderr
    assert "accounts.csv has no accounts (a header and no rows)" in done.stderr


# 5. one mistake, one line; the true count --------------------------------------------------------------------------

def _big_book(project: Path, count: int, *, renewed: str = "100") -> None:
    csv_file(project / "accounts.csv", ACCOUNTS_HEADER,
             *(f"A-{i},CSM-{i % 12:04d},SMB,100,100,{renewed},0,0,0,,,,0,0,0,0," for i in range(count)))


def test_a_header_only_roster_gives_one_line_not_thousands(project, tmp_path):
    csv_file(project / "roster.csv", ROSTER_HEADER)
    _big_book(project, 1500)
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "the roster has no CSMs" in done.stderr
    assert ("accounts.csv csm_id: 1,500 accounts name at least 12 csm_ids missing from the roster: CSM-0000, "
            "CSM-0001, CSM-0002, CSM-0003, CSM-0004, …; the roster has 0 rows") in done.stderr
    assert "is not a CSM of the roster" not in done.stderr
    assert len(done.stderr.splitlines()) < 10
    assert "1,501 input problems; nothing was written." in done.stderr


def test_a_capped_problem_list_says_the_true_count(project, tmp_path):
    csv_file(project / "roster.csv", ROSTER_HEADER, *(f"CSM-{i:04d},N{i},SMB,CSM,90000,20000,2020-01-01,,M,1000"
                                                      for i in range(12)))
    _big_book(project, 1500, renewed="lots")  # 1,000 problems listed by the loader, then "... and 500 more rows"
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out")
    assert done.returncode == 1
    assert 'accounts.csv:501 renewed_arr: "lots" is not a number' in done.stderr
    assert "… and 1,000 more\n" in done.stderr
    assert "1,500 input problems; nothing was written." in done.stderr


# 6. progress -----------------------------------------------------------------------------------------------------

def test_calc_shows_progress_on_a_terminal_only(project, tmp_path):
    shown = xlcomp("calc", *inputs(project), "--out", tmp_path / "a", env=ON_A_TERMINAL)
    assert shown.returncode == 0, shown.stderr
    for step in ("reading roster and accounts", "computing 3 CSMs", "writing the workbook (3 CSMs, 4 accounts)"):
        assert step in shown.stderr, step
    assert "None" not in shown.stderr
    quiet = xlcomp("calc", *inputs(project), "--out", tmp_path / "b")
    assert quiet.returncode == 0 and "reading roster" not in quiet.stderr


def test_statements_with_pdfs_show_progress(project, tmp_path):
    done = xlcomp("statements", *inputs(project), "--out", tmp_path / "st", env=ON_A_TERMINAL)
    assert done.returncode == 0, done.stderr
    assert "statements (HTML and PDF)" in done.stderr and "3/3" in done.stderr


# 7. hints --------------------------------------------------------------------------------------------------------

def test_a_renamed_header_gets_a_hint(project, tmp_path):
    accounts = project / "accounts.csv"
    accounts.write_text(accounts.read_text().replace("renewed_arr,", '"renewed ARR ($)",', 1))
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out")
    assert done.returncode == 1
    assert ('accounts.csv:1: the required column "renewed_arr" is missing (found a column "renewed ARR ($)", '
            'which looks close: rename it "renewed_arr")') in done.stderr


def test_a_semicolon_or_tab_roster_is_read_and_the_run_says_so(project, tmp_path):
    roster = project / "roster.csv"
    text = roster.read_text()
    expected = xlcomp("calc", *inputs(project), "--out", tmp_path / "commas", "--no-workbook")
    assert expected.returncode == 0, expected.stderr
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        roster.write_text(text.replace(",", separator))
        done = xlcomp("calc", *inputs(project), "--out", tmp_path / name, "--no-workbook")
        assert done.returncode == 0, done.stderr
        assert f"roster.csv: read as CSV separated by {name}" in done.stderr
        assert (tmp_path / name / "payouts.csv").read_text() == (tmp_path / "commas" / "payouts.csv").read_text()


def test_an_excel_serial_in_a_csv_date_is_refused_with_the_date_it_would_be(project, tmp_path):
    roster = project / "roster.csv"
    roster.write_text(roster.read_text().replace("2027-02-15", "46433"))
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out")
    assert done.returncode == 1
    assert ('roster.csv:3 start_date: "46433" is not a date: a CSV date is text, YYYY-MM-DD (as an Excel serial '
            "number it would be 2027-02-15)") in done.stderr


# 8. verify and check ---------------------------------------------------------------------------------------------

def test_verify_a_folder_glob_skips_the_index_and_plan_errors_name_the_statement(project, tmp_path):
    out = tmp_path / "st"
    assert xlcomp("statements", *inputs(project), "--out", out, "--no-pdf").returncode == 0
    files = sorted(out.glob("*.html"))
    assert out / "index.html" in files
    done = xlcomp("verify", *files)
    assert done.returncode == 0, done.stderr
    assert "index.html: the index of a statements folder, not a statement: skipped" in done.stdout
    assert "3 of 3 statements hold" in done.stdout
    other = project / "other.yaml"
    other.write_text((project / "plan.yaml").read_text().replace("quota_upsell", "quota_expansion"))
    replanned = xlcomp("verify", out / "CSM-1-2027-Q1.html", "--plan", other)
    assert replanned.returncode == 1
    assert "DataFrame" not in replanned.stderr
    assert ('CSM-1-2027-Q1.html, the roster row it carries: the column "quota_expansion" is missing') in \
        replanned.stderr
    assert "add --roster and --accounts" in replanned.stderr
    assert "nothing was written" not in replanned.stderr


def test_check_does_not_say_nothing_was_written(project):
    plan = project / "plan.yaml"
    plan.write_text(plan.read_text().replace("weight: 0.6", "weight: 1.4"))
    done = xlcomp("check", plan)
    assert done.returncode == 1
    assert "1 plan problem." in done.stderr and "nothing was written" not in done.stderr


# 9. console tables -----------------------------------------------------------------------------------------------

def test_tables_keep_ids_whole_on_80_columns_and_roi_shows_status(project, tmp_path):
    done = xlcomp("quotas", "--roster", project / "roster.csv", "--accounts", project / "accounts.csv",
                  "--period", "2027-Q1", "--out", tmp_path / "q.csv", columns=80)
    assert done.returncode == 0, done.stderr
    assert all(len(line) <= 80 for line in done.stdout.splitlines())
    for csm_id in ("CSM-1", "CSM-2", "CSM-3"):
        assert re.search(rf"\b{csm_id}\s", done.stdout), csm_id
    assert "…" not in done.stdout
    roi = xlcomp("roi", *inputs(project), "--out", tmp_path / "roi")
    assert roi.returncode == 0, roi.stderr
    header = next(line for line in roi.stdout.splitlines() if "metric" in line and "benchmark" in line)
    assert "status" in header
    assert re.search(r"cs_magic_number .* (healthy|watch|act) ", roi.stdout)
    piped = xlcomp("quotas", "--roster", project / "roster.csv", "--accounts", project / "accounts.csv",
                   "--period", "2027-Q1", "--out", tmp_path / "q2.csv", env={"COLUMNS": None})
    assert "effective accts" in piped.stdout  # not cut to 80 columns when piped


# 10. printed statements ------------------------------------------------------------------------------------------

def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_full_service_statements_fit_one_page_and_emoji_have_a_font(tmp_path):
    if shutil.which("pdfinfo") is None:
        pytest.fail("pdfinfo is missing: run make system-deps (poppler-utils)")
    data = tmp_path / "data"
    assert xlcomp("sample", "--out", data).returncode == 0  # the demo's book: 40 CSMs, 2,000 accounts, seed 7
    roster = data / "roster.csv"
    roster.write_text(roster.read_text().replace("CSM-0001,", "CSM-0001,🚀 ", 1))
    out = tmp_path / "st"
    done = xlcomp("statements", "--plan", PRESETS / "full_service.yaml", "--roster", roster, "--accounts",
                  data / "accounts.csv", "--period", "2027-Q1", "--out", out, "--csm", "CSM-0001", "--csm", "CSM-0002",
                  "--csm", "CSM-0017")
    assert done.returncode == 0, done.stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 3 and [_pages(p) for p in pdfs] == [1, 1, 1]
    fonts = _fonts(out / "CSM-0001-2027-Q1.pdf")
    assert "Noto-Color-Emoji" in fonts, "the emoji font is missing: run make system-deps (fonts-noto-color-emoji)"
    assert "Noto-Color-Emoji" not in _fonts(out / "CSM-0002-2027-Q1.pdf")  # digits stay in the text font


# 11. help and version --------------------------------------------------------------------------------------------

def test_help_is_plain_and_there_is_a_version():
    version = xlcomp("--version")
    assert version.returncode == 0 and re.fullmatch(r"xlcomp \d+\.\d+\.\d+\S*\n", version.stdout)
    for command in ("calc", "check", "roi", "statements", "verify", "template", "quotas", "demo"):
        done = xlcomp(command, "--help")
        assert done.returncode == 0
        for odd in ("<bool>", "<list[", "{plan}", "{statement}"):
            assert odd not in done.stdout, (command, odd)
    assert "Usage: xlcomp check [OPTIONS] PLAN" in xlcomp("check", "--help").stdout
    template = xlcomp("template", "--help").stdout
    assert re.search(r"--accounts\s+-a\s+<path>\s+Optional: the book's accounts", template)
    check = " ".join(xlcomp("check", "--help").stdout.split())
    assert "with --accounts" in check and "(with --roster)" in check


def test_a_command_imports_only_its_module_and_every_command_is_listed():
    """``calc`` imports none of the other command modules (nor XlsxWriter without a workbook); the last module's
    command and a command group are found on their own; the help lists every command of every module."""
    probe = ("import sys; from xlcomp.cli import main; code = main(sys.argv[1:]); "
             "print(sorted(m for m in sys.modules if m.startswith('xlcomp.cli.') or m == 'xlsxwriter')); "
             "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, "calc", "--help"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "xlcomp.cli.core" in loaded
    for other in ("recalc", "workbook", "ledger", "serve", "statements", "roi", "lite", "assign", "xlsxwriter"):
        assert f"xlcomp.cli.{other}'" not in loaded and f"'{other}'" not in loaded, other
    assert xlcomp("assign", "--help").returncode == 0
    ledger = xlcomp("ledger", "show", "--help")
    assert ledger.returncode == 0 and "Usage: xlcomp ledger show" in ledger.stdout
    listed = xlcomp("--help").stdout
    for command in ("calc", "template", "recalc", "roi", "statements", "serve", "close", "ledger", "lite",
                    "assign"):
        assert re.search(rf"│ {command}\s", listed), command


# 12. README, payouts.csv, upload page ----------------------------------------------------------------------------

def test_readme_example_plan_is_clean_and_commands_name_real_plans(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    plan_yaml = re.search(r"\*\*Plan\*\* \(YAML\):\n\n```yaml\n(.*?)```", readme, re.S)
    assert plan_yaml is not None
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_yaml.group(1), encoding="utf-8")
    done = xlcomp("check", plan, "--strict")
    assert done.returncode == 0, done.stdout + done.stderr
    using = readme.split("## Using it", 1)[1].split("###", 1)[0]
    assert "xlcomp check plan.yaml" not in using
    for name in re.findall(r"workbooks/demo/plans/(\w+)\.yaml", using):
        assert (PRESETS / f"{name}.yaml").exists(), name
    assert "workbooks/demo/plans/" in using


def test_payouts_csv_writes_rate_targets_with_6_decimals(project, tmp_path):
    done = xlcomp("calc", *inputs(project), "--out", tmp_path / "out", "--no-workbook")
    assert done.returncode == 0, done.stderr
    payouts = rows(tmp_path / "out/payouts.csv")
    assert [(p["component"], p["target"]) for p in payouts[:2]] == [("renewal", "0.920000"), ("upsell", "50000.00")]


def test_upload_page_accepts_what_it_says():
    page = (ROOT / "xlcomp/templates/upload/upload.html").read_text(encoding="utf-8")
    accept = re.search(r'id="files-input"[^>]*accept="([^"]+)"', page)
    assert accept is not None and accept.group(1).split(",") == [".xlsx", ".xlsm"]
    assert ".xlsx or .xlsm" in page


# 11. serve on a busy port ---------------------------------------------------------------------------------------

def test_serve_on_a_busy_port_says_so_before_printing_an_address():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = xlcomp("serve", "--port", str(port), "--token", "a-long-enough-token")
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "choose another port with --port" in done.stderr
    assert "add-in server at" not in done.stderr and "Traceback" not in done.stderr
