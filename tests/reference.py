"""An independent implementation of SPEC sections 2-3, written plainly from the text with exact
fractions, to check the engine against on random plans and books. It shares no code with xlcomp."""

from __future__ import annotations

import csv
import datetime as dt
from fractions import Fraction as F
from typing import Any

import yaml

PER_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1}


def excel_round(x: F, digits: int) -> F:
    scaled = abs(x) * 10**digits
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= F(1, 2):
        whole += 1
    return F(whole if x >= 0 else -whole, 10**digits)


def period_bounds(label: str) -> tuple[dt.date, dt.date, int]:
    year = int(label[:4])
    if "-Q" in label:
        q = int(label[-1])
        start = dt.date(year, 3 * q - 2, 1)
        end = (dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1))
    elif "-H" in label:
        h = int(label[-1])
        start = dt.date(year, 1 if h == 1 else 7, 1)
        end = dt.date(year, 6, 30) if h == 1 else dt.date(year, 12, 31)
    elif "-" in label:
        month = int(label[5:7])
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1) - dt.timedelta(days=1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return start, end, (end - start).days + 1


def num(text: str) -> F | None:
    return None if text.strip() == "" else F(text.strip())


def read_csv(path: Any) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def metrics(rows: list[dict[str, str]], csm: dict[str, str], inputs: dict[str, F]) -> dict[str, F | None]:
    def total(col: str) -> F:
        return sum((num(r.get(col, "")) or F(0) for r in rows), F(0))

    def ratio(a: F, b: F) -> F | None:
        return None if b == 0 else a / b

    def weighted(col: str) -> F | None:
        have = [r for r in rows if num(r.get(col, "")) is not None]
        return ratio(sum((num(r["arr_start"]) * num(r[col]) for r in have), F(0)),
                     sum((num(r["arr_start"]) for r in have), F(0)))

    out: dict[str, F | None] = {}
    for col in ("arr_start", "renewable_arr", "renewed_arr", "upsell_arr", "cross_sell_arr", "contraction_arr",
                "value_identified_arr", "referrals", "onboarding_planned", "onboarding_done"):
        out[col] = total(col)
    out["expansion_arr"] = out["upsell_arr"] + out["cross_sell_arr"]
    out["churned_arr"] = out["renewable_arr"] - out["renewed_arr"]
    out["gross_renewal_rate"] = ratio(out["renewed_arr"], out["renewable_arr"])
    out["net_revenue_retention"] = ratio(out["arr_start"] + out["expansion_arr"] - out["contraction_arr"]
                                         - out["churned_arr"], out["arr_start"])
    lost = sum(1 for r in rows if num(r["renewable_arr"]) > 0 and num(r["renewed_arr"]) == 0)
    out["logo_churn_rate"] = ratio(F(lost), F(len(rows)))
    out["health_score"] = weighted("health_score")
    out["adoption_rate"] = weighted("adoption_rate")
    out["risk_score"] = weighted("risk_score")
    nps = [num(r["nps"]) for r in rows if num(r.get("nps", "")) is not None]
    out["nps"] = ratio(sum(nps, F(0)), F(len(nps)))
    out["onboarding_rate"] = ratio(out["onboarding_done"], out["onboarding_planned"])
    out["mbo_score"] = num(csm.get("mbo_score", ""))
    out["utilization"] = ratio(num(csm.get("billable_hours", "")) or F(0),
                               num(csm.get("available_hours", "")) or F(0))
    out.update(inputs)
    return out


def tiers_of(curve: dict[str, Any]) -> list[tuple[F, F | None, F]]:
    lower = F(0)
    out = []
    for tier in curve["tiers"]:
        upper = F(str(tier["upto"])) if tier.get("upto") is not None else None
        out.append((lower, upper, F(str(tier["rate"]))))
        if upper is not None:
            lower = upper
    return out


def holding(tiers: list[tuple[F, F | None, F]], x: F) -> F:
    rate = tiers[0][2]
    for lower, _, r in tiers:
        if lower <= x:
            rate = r
    return rate


def payouts(plan_text: str, roster_path: Any, accounts_path: Any, period: str) -> dict[tuple[str, str], F]:
    plan = yaml.safe_load(plan_text)
    inputs = {k: F(str(v)) for k, v in (plan.get("inputs") or {}).items()}
    start, end, days = period_bounds(period)
    per_year = PER_YEAR[plan["period"]]
    accounts = read_csv(accounts_path)
    result = {}
    for csm in read_csv(roster_path):
        rows = [a for a in accounts if a["csm_id"] == csm["csm_id"]]
        m = metrics(rows, csm, inputs)
        s = dt.date.fromisoformat(csm["start_date"]) if csm["start_date"] else start
        e = dt.date.fromisoformat(csm["end_date"]) if csm["end_date"] else end
        employed = max(0, (min(e, end) - max(s, start)).days + 1)
        for comp in plan["components"]:
            mult = F(1)
            for multiplier in plan.get("multipliers") or []:
                if "applies_to" in multiplier and comp["id"] not in multiplier["applies_to"]:
                    continue
                value = m[multiplier["metric"]]
                best = None
                for band in multiplier["bands"]:
                    if value is not None and F(str(band["min"])) <= value and (
                            best is None or F(str(band["min"])) > F(str(best["min"]))):
                        best = band
                mult *= F(str(best["factor"])) if best else F(1)
            gate_ok = True
            if "gate" in comp:
                value = m[comp["gate"]["metric"]]
                gate_ok = value is not None and value >= F(str(comp["gate"]["min"]))
            actual = m[comp["metric"]]
            if comp["kind"] == "bonus":
                target_spec = comp["target"]
                if isinstance(target_spec, dict) and "column" in target_spec:
                    target = F(csm[target_spec["column"]])
                elif isinstance(target_spec, dict):
                    target = F(str(target_spec["base"]))
                    ra = target_spec.get("risk_adjust")
                    if ra and m["risk_score"] is not None:
                        moved = target - F(str(ra["per_point"])) * (m["risk_score"] - F(str(ra["reference"])))
                        target = excel_round(min(F(str(ra["ceiling"])), max(F(str(ra["floor"])), moved)), 6)
                else:
                    target = F(str(target_spec))
                ti = F(csm["target_variable"]) * F(str(comp["weight"])) * employed / (days * per_year)
                share = F(0)
                if actual is not None and gate_ok:
                    a = max(F(0), excel_round(actual / target, 6))
                    if "threshold" not in comp or a >= F(str(comp["threshold"])):
                        tiers = tiers_of(comp["curve"])
                        mode = comp["curve"]["mode"]
                        if mode == "marginal":
                            share = sum((r * max(F(0), (a if u is None else min(a, u)) - lo) for lo, u, r in tiers),
                                        F(0))
                        elif mode == "whole":
                            share = a * holding(tiers, a)
                        else:
                            share = holding(tiers, a)
                        if "cap" in comp:
                            share = min(share, F(str(comp["cap"])))
                result[(csm["csm_id"], comp["id"])] = excel_round(ti * share * mult, 2)
            else:
                amount = actual or F(0)
                if "quota" in comp:
                    q = comp["quota"]
                    quota = F(csm[q["column"]]) if isinstance(q, dict) else F(str(q))
                    tiers = tiers_of(comp["curve"])
                    a = max(F(0), excel_round(amount / quota, 6))
                    if comp["curve"]["mode"] == "marginal":
                        value = sum((r * max(F(0), (amount if u is None else min(amount, u * quota)) - lo * quota)
                                     for lo, u, r in tiers), F(0))
                    else:
                        value = max(amount, F(0)) * holding(tiers, a)
                    if "threshold" in comp and a < F(str(comp["threshold"])):
                        value = F(0)
                else:
                    value = max(amount, F(0)) * F(str(comp["rate"]))
                value = max(value, F(0))
                if "cap_amount" in comp:
                    value = min(value, F(str(comp["cap_amount"])))
                if not gate_ok:
                    value = F(0)
                result[(csm["csm_id"], comp["id"])] = excel_round(value * mult, 2)
    return result
