"""The plan linter: design warnings, each explained and citing its benchmark.

Warnings never stop a run (``xlcomp check --strict`` turns them into exit code 1). Each has a
stable ``code`` so teams can discuss or silence a specific one:

=======================  ==============================================================  ==========
code                     warns when                                                      needs
=======================  ==============================================================  ==========
weights                  bonus weights do not sum to 1                                   plan
too-many-components      more than four components                                       plan
metric-paid-twice        two components pay on the same metric (or upsell inside         plan
                         expansion)
step-cliff               a bonus's steps or whole-tier curve jumps by more than 0.25 of  plan
                         target pay at one point (a first step below target that pays
                         no more than the attainment it starts at counts as a
                         threshold)
accelerator-uncapped     a rate above target is more than twice the rate at target,      plan
                         with no cap and an open-ended curve
threshold-above-target   a threshold above 1.0 (the target)                              plan
archetype-mismatch       components that do not fit the plan's archetype                 plan
variable-share           a CSM's target variable outside 10-30% of on-target earnings     roster
pay-mix                  an at-risk plan's team pay mix outside 70/30 to 80/20           roster
mbo-share                an MBO plan's team bonus outside 10-20% of base salary          roster
book-size                books above about $2M of ARR per CSM                            accounts
magic-number             CS magic number under 5 on the given period                     a run
=======================  ==============================================================  ==========
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.run import RunResult
from xlcomp.model.people import Book, Csm, Roster
from xlcomp.model.plan import Component, Curve, CurveMode, Kind, Plan
from xlcomp.money import exactly, excel_round

__all__ = [
    "ARR_PER_CSM_BENCHMARK",
    "CLIFF_JUMP",
    "MAGIC_NUMBER_BENCHMARK",
    "MAX_COMPONENTS",
    "Finding",
    "lint_inputs",
    "lint_plan",
    "lint_run",
]

ZERO, ONE = Decimal(0), Decimal(1)
MAX_COMPONENTS = 4
CLIFF_JUMP = Decimal("0.25")
ACCELERATOR_RATIO = Decimal(2)
VARIABLE_SHARE = (Decimal("0.10"), Decimal("0.30"))     # of on-target earnings
PAY_MIX_VARIABLE = (Decimal("0.20"), Decimal("0.30"))   # 80/20 .. 70/30 base/variable
MBO_SHARE = (Decimal("0.10"), Decimal("0.20"))          # of base salary
ARR_PER_CSM_BENCHMARK = Decimal(2_000_000)
MAGIC_NUMBER_BENCHMARK = Decimal(5)

# Metric families, for archetype fit and double pay.
RETENTION_METRICS = frozenset({"gross_renewal_rate", "net_revenue_retention", "renewed_arr", "renewable_arr",
                               "churned_arr", "logo_churn_rate"})
EXPANSION_METRICS = frozenset({"upsell_arr", "cross_sell_arr", "expansion_arr"})
MBO_METRICS = frozenset({"mbo_score", "company_attainment", "team_attainment"})
_OVERLAPS = {"expansion_arr": frozenset({"upsell_arr", "cross_sell_arr"})}
_SHOWN = 3  # CSMs named in a data warning


@dataclass(frozen=True)
class Finding:
    """One design warning: a code, the place in the plan, what is wrong and the benchmark."""

    code: str
    where: str
    message: str
    benchmark: str = ""

    def __str__(self) -> str:
        tail = f" (benchmark: {self.benchmark})" if self.benchmark else ""
        return f"{self.where}: {self.message}{tail}"


def _where(plan: Plan, line: int, path: str) -> str:
    name = plan.source.replace("\\", "/").rsplit("/", 1)[-1] if plan.source else "plan.yaml"
    return f"{name}:{line} {path}" if line else f"{name} {path}"


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _pct(value: Decimal) -> str:
    return f"{value * 100:.1f}%"


def _inside(value: Decimal, bounds: tuple[Decimal, Decimal]) -> bool:
    """Within a benchmark range given in whole percents, compared at that precision."""
    rounded = excel_round(value, 2)
    return bounds[0] <= rounded <= bounds[1]


# ---------------------------------------------------------------------------------------------
# the plan alone


@exactly
def lint_plan(plan: Plan) -> list[Finding]:
    """Warnings from the plan alone: weights, component count, double pay, curves, archetype."""
    findings: list[Finding] = []
    bonuses = [c for c in plan.components if c.kind is Kind.BONUS]
    if bonuses:
        total = sum((c.weight or ZERO for c in bonuses), ZERO)
        if total != 1:
            findings.append(Finding(
                "weights", _where(plan, bonuses[0].line, "components[*].weight"),
                f"bonus weights sum to {_num(total)}, not 1: at 100% attainment the plan pays "
                f"{total * 100:.0f}% of target variable pay",
                "weights of the bonus components sum to 1"))
    if len(plan.components) > MAX_COMPONENTS:
        findings.append(Finding(
            "too-many-components", _where(plan, plan.components[MAX_COMPONENTS].line, "components"),
            f"{len(plan.components)} components: each one's share of pay gets too small to steer behaviour, and "
            "CSMs cannot keep them all in mind", f"at most {MAX_COMPONENTS} components"))
    findings += _double_pay(plan)
    for index, component in enumerate(plan.components):
        path = f"components[{index}]"
        if component.threshold is not None and component.threshold > 1:
            findings.append(Finding(
                "threshold-above-target", _where(plan, component.line, f"{path}.threshold"),
                f"threshold {_num(component.threshold)} is above target (1.0): the CSM must beat the target "
                "before earning anything", "thresholds sit below target, typically 0.5-0.9"))
        if component.curve is None:
            continue
        findings += _cliffs(plan, component, path, component.curve)
        findings += _accelerator(plan, component, path, component.curve)
    findings += _archetype(plan)
    return findings


def _double_pay(plan: Plan) -> list[Finding]:
    findings = []
    seen: dict[str, Component] = {}
    for index, component in enumerate(plan.components):
        if component.window is not None:
            continue   # a SPIF pays on top of the plan, for what is booked in its window, by design
        covered = {component.metric} | _OVERLAPS.get(component.metric, frozenset())
        for metric, earlier in seen.items():
            if metric in covered or component.metric in _OVERLAPS.get(metric, frozenset()):
                same = metric == component.metric
                what = f"the same metric, {metric}," if same else \
                    f"{component.metric}, which overlaps {earlier.id}'s {metric},"
                findings.append(Finding(
                    "metric-paid-twice", _where(plan, component.line, f"components[{index}].metric"),
                    f"{component.id} pays on {what} as {earlier.id} does: one result is paid twice, so it "
                    "weighs more than the weights say", "each result is paid by one component"))
                break
        seen.setdefault(component.metric, component)
    return findings


def _cliffs(plan: Plan, component: Component, path: str, curve: Curve) -> list[Finding]:
    """Jumps of a bonus's share at a tier boundary: a steps curve's share is the tier's rate; a
    whole-tier curve's jumps by boundary x (rate - previous rate)."""
    if component.kind is not Kind.BONUS or curve.mode is CurveMode.MARGINAL:
        return []
    cliffs = []
    previous_rate = ZERO
    paying = False
    for lower, _upper, rate in curve.bounds():
        if lower == 0:  # attainment starts here: no jump
            previous_rate, paying = rate, rate > 0
            continue
        scale = ONE if curve.mode is CurveMode.STEPS else lower
        before, after = previous_rate * scale, rate * scale
        # The first paying step works like a threshold: fine below target while it pays no more
        # than a straight line (share = attainment) would there. All-or-nothing at target is a cliff.
        entry_ok = not paying and lower < 1 and after <= lower
        if after - before > CLIFF_JUMP and not entry_ok:
            cliffs.append(f"{_num(before)} to {_num(after)} at {_num(lower)}")
        paying = paying or rate > 0
        previous_rate = rate
    if not cliffs:
        return []
    kind = "steps curve" if curve.mode is CurveMode.STEPS else "whole-tier curve"
    return [Finding(
        "step-cliff", _where(plan, component.line, f"{path}.curve"),
        f"the {kind}'s share jumps from {'; from '.join(cliffs)} attainment: a point of attainment there "
        f"moves more than {CLIFF_JUMP * 100:.0f}% of target pay, inviting deals timed around the edge; use "
        "smaller steps or a marginal curve", f"no single step above {_num(CLIFF_JUMP)} of target pay")]


def _accelerator(plan: Plan, component: Component, path: str, curve: Curve) -> list[Finding]:
    if curve.mode is CurveMode.STEPS:
        return []  # a steps curve never pays more than its top step
    bounds = curve.bounds()
    at_target = next((rate for lower, upper, rate in bounds if upper is None or upper >= 1), bounds[-1][2])
    if at_target <= 0:
        at_target = next((rate for _, _, rate in bounds if rate > 0), ZERO)
    above = [rate for lower, _, rate in bounds if lower >= 1]
    if not at_target or not above or max(above) <= ACCELERATOR_RATIO * at_target:
        return []
    capped = component.cap is not None if component.kind is Kind.BONUS else component.cap_amount is not None
    bounded = curve.mode is CurveMode.MARGINAL and curve.tiers[-1].upto is not None
    if capped or bounded:
        return []
    top = max(above)
    ratio = f"{_num(top / at_target)}x the rate at target, {_num(at_target)}"
    if component.kind is Kind.BONUS:
        message = (f"a tier pays {_num(top)}x with no cap ({ratio}): over-attainment costs more than twice "
                   "target pay per point, without limit")
    else:
        message = (f"the top rate {_num(top)} is {ratio}, with no cap_amount: a windfall deal or a data error "
                   "costs without limit")
    return [Finding("accelerator-uncapped", _where(plan, component.line, f"{path}.curve"), message,
                    "accelerators above 2x need a cap")]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _archetype(plan: Plan) -> list[Finding]:
    archetype = plan.archetype
    if archetype is None:
        return []
    findings = []
    where = _where(plan, 0, "archetype")
    expansion = [c for c in plan.components if c.metric in EXPANSION_METRICS]
    retention = [c for c in plan.components if c.metric in RETENTION_METRICS]
    benchmark = ("adoption: adoption, health, onboarding; adoption_renewal: + gross renewal; full_service: "
                 "renewal + expansion; retention_referral: retention + referrals")
    # Most CSMs may carry an expansion quota (adoption_renewal included); an adoption CSM does not
    # sell, and a retention_referral CSM is pure retention.
    if archetype in ("adoption", "retention_referral") and expansion:
        suggestion = "full_service"
        for component in expansion:
            paid = "commission" if component.kind is Kind.COMMISSION else "a bonus"
            findings.append(Finding(
                "archetype-mismatch", _where(plan, component.line, f"{component.id}.metric"),
                f"{_article(archetype)} {archetype} CSM is paid {paid} on {component.metric}: expansion is not this "
                f"role's job, so the plan pulls them toward selling (use archetype {suggestion} if they own "
                "expansion)", benchmark))
    if archetype == "adoption" and retention:
        for component in retention:
            findings.append(Finding(
                "archetype-mismatch", _where(plan, component.line, f"{component.id}.metric"),
                f"an adoption CSM is paid on {component.metric}, but does not own the renewal (use archetype "
                "adoption_renewal if they do)", benchmark))
    if archetype in ("adoption_renewal", "full_service", "retention_referral") and not retention:
        findings.append(Finding(
            "archetype-mismatch", where,
            f"{_article(archetype)} {archetype} CSM owns the renewal, but no component pays on retention "
            "(gross_renewal_rate, net_revenue_retention, renewed_arr …)", benchmark))
    if archetype == "full_service" and not expansion:
        findings.append(Finding(
            "archetype-mismatch", where,
            "a full_service CSM owns upsell and cross-sell, but no component pays on expansion (upsell_arr, "
            "cross_sell_arr, expansion_arr)", benchmark))
    return findings


# ---------------------------------------------------------------------------------------------
# with the roster and the book


def _is_mbo_plan(plan: Plan) -> bool:
    """A corporate MBO plan: every component a bonus on MBOs or company/team results (plan inputs)."""
    return all(c.kind is Kind.BONUS and (c.metric in MBO_METRICS or c.metric in plan.inputs)
               for c in plan.components)


def _names(roster: Roster, csms: Iterable[tuple[Csm, str]], column: str) -> str:
    listed = list(csms)
    shown = [f"{csm.csm_id} {text} ({roster.locator.where(csm.row, column)})" for csm, text in listed[:_SHOWN]]
    more = f" and {len(listed) - _SHOWN} more" if len(listed) > _SHOWN else ""
    return ", ".join(shown) + more


@exactly
def lint_inputs(plan: Plan, roster: Roster, book: Book) -> list[Finding]:
    """Warnings from the roster and book against the plan: pay mix, MBO size, book sizes."""
    findings: list[Finding] = []
    csms = [c for c in roster.csms if c.base_salary + c.target_variable > 0]
    where = roster.locator.name
    outside = [(c, _pct(c.target_variable / (c.base_salary + c.target_variable))) for c in csms
               if not _inside(c.target_variable / (c.base_salary + c.target_variable), VARIABLE_SHARE)]
    if outside:
        findings.append(Finding(
            "variable-share", f"{where} target_variable",
            f"{len(outside)} of {len(csms)} CSMs have target variable pay outside 10-30% of on-target earnings: "
            f"{_names(roster, outside, 'target_variable')}; below it pay does not steer, above it CSMs carry "
            "sales-like risk", "variable pay is 10-30% of OTE"))
    base = sum((c.base_salary for c in csms), ZERO)
    variable = sum((c.target_variable for c in csms), ZERO)
    if _is_mbo_plan(plan):
        if base > 0 and not _inside(variable / base, MBO_SHARE):
            findings.append(Finding(
                "mbo-share", f"{where} target_variable",
                f"the team's bonus is {_pct(variable / base)} of base salary in this MBO plan (company goals and "
                "MBOs), outside 10-20%", "a corporate MBO bonus is about 10-20% of base"))
    elif base + variable > 0:
        share = variable / (base + variable)
        if not _inside(share, PAY_MIX_VARIABLE):
            mix = f"{(1 - share) * 100:.1f}/{share * 100:.1f}"
            individually = sum(1 for c in csms if not _inside(c.target_variable / (c.base_salary + c.target_variable),
                                                              PAY_MIX_VARIABLE))
            verdict = ("too little at risk to steer an at-risk plan" if share < PAY_MIX_VARIABLE[0]
                       else "more at risk than CS roles carry")
            findings.append(Finding(
                "pay-mix", f"{where} target_variable",
                f"the team's pay mix is {mix} (base/variable, {individually} of {len(csms)} CSMs individually "
                f"outside the range): {verdict}",
                "at-risk pay mix 70/30 to 80/20"))
    findings += _book_sizes(roster, book)
    return findings


def _book_sizes(roster: Roster, book: Book) -> list[Finding]:
    import pyarrow as pa

    table = book.table
    if table.num_rows == 0:
        return []
    grouped = pa.table({"csm_id": table["csm_id"], "arr": table["arr_start"]}).group_by("csm_id").aggregate(
        [("arr", "sum")]).to_pydict()
    books = dict(zip(grouped["csm_id"], grouped["arr_sum"], strict=True))
    by_id = roster.by_id()
    # "about $2M": compared in millions with one decimal, as shown
    big = sorted(((by_id[csm_id], arr) for csm_id, arr in books.items()
                  if csm_id in by_id and excel_round(arr / 1_000_000, 1) * 1_000_000 > ARR_PER_CSM_BENCHMARK),
                 key=lambda item: -item[1])
    if not big:
        return []
    listed = [(csm, f"${arr / 1_000_000:,.1f}M") for csm, arr in big]
    return [Finding(
        "book-size", f"{book.locator.name} arr_start",
        f"{len(big)} of {len(books)} CSMs carry books above $2M of ARR: {_names(roster, listed, 'csm_id')}; "
        "a CSM this stretched covers accounts reactively and churn rises",
        "about one CSM per $2M of ARR")]


@exactly
def lint_run(result: RunResult) -> list[Finding]:
    """Every data warning of a run: :func:`lint_inputs` plus the CS magic number of the period."""
    from xlcomp.roi.metrics import roi_metrics

    findings = lint_inputs(result.plan, result.roster, result.book)
    roi = roi_metrics(result)
    magic = roi["cs_magic_number"]
    if magic is not None and magic < MAGIC_NUMBER_BENCHMARK:
        findings.append(Finding(
            "magic-number", f"{result.book.locator.name} {result.period.label}",
            f"the CS magic number is {magic:.2f} for {result.period.label}: (renewed + expansion ARR) covers the "
            "CS and support teams' cost fewer than 5 times: the team is expensive for the ARR it keeps and grows",
            "CS magic number healthy above 5"))
    return findings
