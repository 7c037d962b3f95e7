"""The metric registry (METRICS.md §3): every metric declared once.

A metric names the families it reads (engine.py) and computes its value from their aggregates
for one group. Names and definitions are given in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Breakdown dimensions each family supports.
FAMILY_DIMENSIONS = {
    "key_accounts": {"org", "region", "team", "owner", "tier", "class", "industry"},
    "potential": {"org", "region", "team", "owner", "tier", "class", "industry"},
    "key_account_deals": {"org", "region", "team", "owner", "tier", "class", "industry"},
    "reps": {"org", "region", "team", "owner"},
    "deals": {"org", "region", "team", "owner", "origin", "industry"},
    "leads": {"org", "region", "team", "owner"},
    "presales_cost": {"org", "region", "team", "owner"},
    "presales_hours": {"org", "region", "team"},
    "statutory_hours": {"org", "region", "team"},
    "solution_acceptance": {"org", "region", "team", "owner", "origin"},
    "ratings": {"org", "region", "team", "owner"},
    "deliveries": {"org", "region", "team", "owner", "industry"},
}
DIMENSIONS = ("region", "team", "owner", "tier", "class", "industry", "origin")

Aggregates = dict[str, dict[str, float | None]]


def ratio(numerator, denominator) -> float | None:
    if numerator is None or denominator in (None, 0):
        return None
    return numerator / denominator


def _get(family: str, name: str, default=None):
    return lambda a: (a.get(family) or {}).get(name, default)


def _sum(family: str, name: str) -> Callable[[Aggregates], float]:
    return lambda a: (a.get(family) or {}).get(name) or 0.0


def _ratio(family: str, numerator: str, denominator: str) -> Callable[[Aggregates], float | None]:
    return lambda a: ratio(
        (a.get(family) or {}).get(numerator) or 0.0, (a.get(family) or {}).get(denominator)
    )


@dataclass(frozen=True)
class Metric:
    key: str
    name_zh: str
    name_en: str
    dimension: str  # ESP+ | TAS+ | MCI
    stage: str
    direction: str  # up | down | stable
    unit: str  # amount | ratio | days | score
    definition_zh: str
    definition_en: str
    families: tuple[str, ...]
    compute: Callable[[Aggregates], float | None]

    @property
    def breakdowns(self) -> tuple[str, ...]:
        allowed = set.intersection(*(FAMILY_DIMENSIONS[f] for f in self.families))
        return tuple(d for d in DIMENSIONS if d in allowed)

    def name(self, language: str | None) -> str:
        return self.name_zh if (language or "zh").startswith("zh") else self.name_en

    def definition(self, language: str | None) -> str:
        return self.definition_zh if (language or "zh").startswith("zh") else self.definition_en


METRICS: list[Metric] = [
    # ESP+ stage 1 — choosing key accounts
    Metric(
        "esp.ka_avg_output",
        "大客户平均产出",
        "Key-account average output",
        "ESP+",
        "1",
        "up",
        "amount",
        "Σ 大客户产出 / 大客户数 K(P)",
        "Σ output(c,P) over key accounts K(P) / |K(P)|",
        ("key_accounts",),
        _ratio("key_accounts", "total", "n"),
    ),
    Metric(
        "esp.ka_output_growth_share",
        "大客户产出增长家数占比",
        "Share of key accounts with output growth",
        "ESP+",
        "1",
        "up",
        "ratio",
        "K(P) 中 产出(P) > 产出(P') 的客户占比",
        "share of c ∈ K(P) with output(c,P) > output(c,P')",
        ("key_accounts",),
        _ratio("key_accounts", "grew", "n"),
    ),
    Metric(
        "esp.ka_avg_roi",
        "大客户平均ROI",
        "Key-account average ROI",
        "ESP+",
        "1",
        "up",
        "ratio",
        "K(P) 中 ROI 非空客户的 ROI 均值 (ROI = 产出 / 投入)",
        "mean of roi(c,P) = output / input over c ∈ K(P) with non-null roi",
        ("key_accounts",),
        _get("key_accounts", "avg_roi"),
    ),
    Metric(
        "esp.ka_roi_growth_share",
        "大客户ROI增长家数占比",
        "Share of key accounts with ROI growth",
        "ESP+",
        "1",
        "up",
        "ratio",
        "K(P) 中 P 与 P' 的 ROI 均非空的客户里, ROI 增长的占比",
        "among c ∈ K(P) with non-null roi in P and P', the share whose roi grew",
        ("key_accounts",),
        _ratio("key_accounts", "roi_grew", "roi_both"),
    ),
    Metric(
        "esp.ka_total_output",
        "大客户总产出",
        "Key-account total output",
        "ESP+",
        "1",
        "up",
        "amount",
        "Σ 大客户产出",
        "Σ output(c,P) over c ∈ K(P)",
        ("key_accounts",),
        _sum("key_accounts", "total"),
    ),
    # ESP+ stage 2 — who owns them
    Metric(
        "esp.rep_avg_output",
        "销售平均产出",
        "Average output per sales rep",
        "ESP+",
        "2",
        "up",
        "amount",
        "Σ 销售产出 / 期间在职销售人数 R(P)",
        "Σ output(r,P) over reps employed during P / |R(P)|",
        ("reps",),
        _ratio("reps", "total", "n"),
    ),
    Metric(
        "esp.rep_output_growth_share",
        "销售产出增长人数占比",
        "Share of reps with output growth",
        "ESP+",
        "2",
        "up",
        "ratio",
        "R(P) 中 产出(P) > 产出(P') 的销售占比",
        "share of r ∈ R(P) with output(r,P) > output(r,P')",
        ("reps",),
        _ratio("reps", "grew", "n"),
    ),
    Metric(
        "esp.rep_avg_roi",
        "销售平均ROI",
        "Average ROI per sales rep",
        "ESP+",
        "2",
        "up",
        "ratio",
        "R(P) 中 ROI 非空销售的 ROI 均值",
        "mean of roi(r,P) over r ∈ R(P) with non-null roi",
        ("reps",),
        _get("reps", "avg_roi"),
    ),
    Metric(
        "esp.rep_roi_growth_share",
        "销售ROI增长人数占比",
        "Share of reps with ROI growth",
        "ESP+",
        "2",
        "up",
        "ratio",
        "R(P) 中两期 ROI 均非空的销售里, ROI 增长的占比",
        "among r ∈ R(P) with non-null roi in both periods, the share whose roi grew",
        ("reps",),
        _ratio("reps", "roi_grew", "roi_both"),
    ),
    Metric(
        "esp.rep_total_output",
        "销售总产出",
        "Sales reps' total output",
        "ESP+",
        "2",
        "up",
        "amount",
        "Σ 销售产出",
        "Σ output(r,P) over r ∈ R(P)",
        ("reps",),
        _sum("reps", "total"),
    ),
    # ESP+ stage 3 — strategy by resource class
    Metric(
        "esp.c_avg_output",
        "C类客户平均产出",
        "C-class average output",
        "ESP+",
        "3",
        "up",
        "amount",
        "同大客户平均产出, 限 C 类大客户 KC(P)",
        "as ka_avg_output over KC(P)",
        ("key_accounts",),
        _ratio("key_accounts", "c_total", "c_n"),
    ),
    Metric(
        "esp.c_output_growth_share",
        "C类客户产出增长家数占比",
        "Share of C-class accounts with output growth",
        "ESP+",
        "3",
        "up",
        "ratio",
        "同大客户产出增长家数占比, 限 KC(P)",
        "as ka_output_growth_share over KC(P)",
        ("key_accounts",),
        _ratio("key_accounts", "c_grew", "c_n"),
    ),
    Metric(
        "esp.c_avg_roi",
        "C类客户平均ROI",
        "C-class average ROI",
        "ESP+",
        "3",
        "up",
        "ratio",
        "同大客户平均ROI, 限 KC(P)",
        "as ka_avg_roi over KC(P)",
        ("key_accounts",),
        _get("key_accounts", "c_avg_roi"),
    ),
    Metric(
        "esp.c_total_output",
        "C类客户总产出",
        "C-class total output",
        "ESP+",
        "3",
        "up",
        "amount",
        "同大客户总产出, 限 KC(P)",
        "as ka_total_output over KC(P)",
        ("key_accounts",),
        _sum("key_accounts", "c_total"),
    ),
    Metric(
        "esp.ab_avg_output",
        "AB类客户平均产出",
        "A/B-class average output",
        "ESP+",
        "3",
        "stable",
        "amount",
        "同大客户平均产出, 限 A、B 类大客户 KAB(P)",
        "as ka_avg_output over KAB(P)",
        ("key_accounts",),
        _ratio("key_accounts", "ab_total", "ab_n"),
    ),
    Metric(
        "esp.ab_avg_roi",
        "AB类客户平均ROI",
        "A/B-class average ROI",
        "ESP+",
        "3",
        "stable",
        "ratio",
        "同大客户平均ROI, 限 KAB(P)",
        "as ka_avg_roi over KAB(P)",
        ("key_accounts",),
        _get("key_accounts", "ab_avg_roi"),
    ),
    # ESP+ stage 4 — account operations
    Metric(
        "esp.potential_output_total",
        "总产出潜力",
        "Total potential output",
        "ESP+",
        "4",
        "up",
        "amount",
        "Σ 大客户潜力产出 = 预期年采购额 × (关系紧密度、方案认可度、价格接受度加权) / 100",
        "Σ over K(P) of expected_annual_spend × (weighted closeness, solution and price "
        "acceptance at P's last day) / 100",
        ("potential",),
        _sum("potential", "potential"),
    ),
    Metric(
        "esp.captured_conversion_amount",
        "捕捉商机转化金额",
        "Captured opportunities converted",
        "ESP+",
        "4",
        "up",
        "amount",
        "大客户的捕捉类商机在 P 内立项的金额之和",
        "Σ amount of key accounts' opportunities with origin captured established in P",
        ("key_account_deals",),
        _sum("key_account_deals", "captured"),
    ),
    Metric(
        "esp.incubated_conversion_amount",
        "孵化商机转化金额",
        "Incubated opportunities converted",
        "ESP+",
        "4",
        "up",
        "amount",
        "大客户的孵化类商机在 P 内立项的金额之和",
        "Σ amount of key accounts' opportunities with origin incubated established in P",
        ("key_account_deals",),
        _sum("key_account_deals", "incubated"),
    ),
    Metric(
        "esp.ka_win_rate_count",
        "大客户赢单率(数量)",
        "Key-account win rate (count)",
        "ESP+",
        "4",
        "up",
        "ratio",
        "大客户在 P 内关闭的商机中赢单的数量占比",
        "won / closed among key accounts' opportunities closed in P",
        ("key_account_deals",),
        _ratio("key_account_deals", "won_n", "closed_n"),
    ),
    Metric(
        "esp.ka_win_rate_amount",
        "大客户赢单率(金额)",
        "Key-account win rate (amount)",
        "ESP+",
        "4",
        "up",
        "ratio",
        "大客户在 P 内关闭的商机中赢单的金额占比",
        "won amount / closed amount among key accounts' opportunities closed in P",
        ("key_account_deals",),
        _ratio("key_account_deals", "won_amount", "closed_amount"),
    ),
    # TAS+ deal line
    Metric(
        "tas.presales_cost_avoided",
        "售前成本减少",
        "Presales cost avoided",
        "TAS+",
        "deal",
        "up",
        "amount",
        "P 内被判定无效的线索与立项被否的商机的预估售前成本之和",
        "Σ estimated presales cost of leads disqualified in P and of opportunities rejected "
        "at establishment review in P",
        ("leads", "deals"),
        lambda a: (
            ((a.get("leads") or {}).get("disqualified_cost") or 0.0)
            + ((a.get("deals") or {}).get("rejected_cost") or 0.0)
        ),
    ),
    Metric(
        "tas.win_rate_count",
        "商机赢单率(数量)",
        "Win rate (count)",
        "TAS+",
        "deal",
        "up",
        "ratio",
        "P 内关闭的商机中赢单的数量占比",
        "won / closed among opportunities closed in P",
        ("deals",),
        _ratio("deals", "won_n", "closed_n"),
    ),
    Metric(
        "tas.win_rate_amount",
        "商机赢单率(金额)",
        "Win rate (amount)",
        "TAS+",
        "deal",
        "up",
        "ratio",
        "P 内关闭的商机中赢单的金额占比",
        "won amount / closed amount among opportunities closed in P",
        ("deals",),
        _ratio("deals", "won_amount", "closed_amount"),
    ),
    Metric(
        "tas.avg_cycle_days_won",
        "赢单平均关闭周期(天)",
        "Average won cycle (days)",
        "TAS+",
        "deal",
        "down",
        "days",
        "P 内赢单商机 (关闭日 − 立项日) 的平均天数",
        "mean of closed_on − established_on over opportunities won in P",
        ("deals",),
        _get("deals", "cycle_won"),
    ),
    Metric(
        "tas.avg_cycle_days_lost",
        "输单平均关闭周期(天)",
        "Average lost cycle (days)",
        "TAS+",
        "deal",
        "down",
        "days",
        "P 内输单商机 (关闭日 − 立项日) 的平均天数",
        "mean of closed_on − established_on over opportunities lost in P",
        ("deals",),
        _get("deals", "cycle_lost"),
    ),
    Metric(
        "tas.avg_won_amount",
        "平均赢单金额",
        "Average won amount",
        "TAS+",
        "deal",
        "up",
        "amount",
        "P 内赢单商机的平均金额",
        "mean amount of opportunities won in P",
        ("deals",),
        _ratio("deals", "won_amount", "won_n"),
    ),
    Metric(
        "tas.won_amount_total",
        "赢单总金额",
        "Total won amount",
        "TAS+",
        "deal",
        "up",
        "amount",
        "P 内赢单商机的金额之和",
        "Σ amount of opportunities won in P",
        ("deals",),
        _sum("deals", "won_amount"),
    ),
    # MCI support line
    Metric(
        "mci.presales_roi",
        "售前ROI",
        "Presales ROI",
        "MCI",
        "support",
        "up",
        "ratio",
        "赢单总金额 / 售前成本 (售前费用 + 全部工时成本)",
        "won_amount_total(P) / presales_cost(P) (presales expenses + cost of all time entries)",
        ("deals", "presales_cost"),
        lambda a: ratio(
            (a.get("deals") or {}).get("won_amount") or 0.0,
            (a.get("presales_cost") or {}).get("cost"),
        ),
    ),
    Metric(
        "mci.presales_ut",
        "售前人员UT",
        "Presales utilisation (UT)",
        "MCI",
        "support",
        "up",
        "ratio",
        "在职售前人员已确认工时 / 法定工时 (每日工时 × 在职工作日)",
        "confirmed hours of presales staff employed in P / (hours per day × their working days "
        "of employment in P)",
        ("presales_hours", "statutory_hours"),
        lambda a: ratio(
            (a.get("presales_hours") or {}).get("hours") or 0.0,
            (a.get("statutory_hours") or {}).get("hours"),
        ),
    ),
    Metric(
        "mci.avg_solution_acceptance",
        "项目平均方案认可度",
        "Average solution acceptance",
        "MCI",
        "support",
        "up",
        "score",
        "P 内活跃商机在期末的决策链方案认可度 (按影响力加权) 的平均值",
        "mean over opportunities active in P of their decision-chain solution acceptance at "
        "P's last day (influence-weighted)",
        ("solution_acceptance",),
        _get("solution_acceptance", "avg_sa"),
    ),
    Metric(
        "mci.presales_avg_rating",
        "售前人员平均评分",
        "Presales average rating",
        "MCI",
        "support",
        "up",
        "score",
        "P 内售前评分的平均值",
        "mean score of ratings given in P",
        ("ratings",),
        _get("ratings", "avg_rating"),
    ),
    Metric(
        "mci.supported_win_rate_count",
        "售前支持商机赢单率(数量)",
        "Presales-supported win rate (count)",
        "MCI",
        "support",
        "up",
        "ratio",
        "P 内关闭且有售前支持的商机中赢单的数量占比",
        "won / closed among opportunities closed in P with a presales assignment",
        ("deals",),
        _ratio("deals", "sup_won_n", "sup_closed_n"),
    ),
    Metric(
        "mci.supported_win_rate_amount",
        "售前支持商机赢单率(金额)",
        "Presales-supported win rate (amount)",
        "MCI",
        "support",
        "up",
        "ratio",
        "P 内关闭且有售前支持的商机中赢单的金额占比",
        "won amount / closed amount among opportunities closed in P with presales support",
        ("deals",),
        _ratio("deals", "sup_won_amount", "sup_closed_amount"),
    ),
    Metric(
        "mci.delivery_success_rate_count",
        "项目交付成功率(数量)",
        "Delivery success rate (count)",
        "MCI",
        "support",
        "up",
        "ratio",
        "P 内完成的交付中成功的数量占比",
        "successful / all deliveries completed in P",
        ("deliveries",),
        _ratio("deliveries", "ok", "n"),
    ),
    Metric(
        "mci.delivery_success_rate_amount",
        "项目交付成功率(金额)",
        "Delivery success rate (amount)",
        "MCI",
        "support",
        "up",
        "ratio",
        "P 内完成的交付中成功的占比, 按合同金额加权",
        "successful / all deliveries completed in P, weighted by contract amount",
        ("deliveries",),
        _ratio("deliveries", "ok_amount", "amount"),
    ),
]

BY_KEY = {m.key: m for m in METRICS}


def get(key: str) -> Metric:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}") from None
