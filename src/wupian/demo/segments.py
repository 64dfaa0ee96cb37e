"""The loan book's business lines (segments): who borrows, how much, for how long, at what rate.

Each segment is data. ``target`` is the number of loans outstanding at 2025-12-31 at scale 1.0; the book is
drawn from a longer history (``window_years``) with growth ``growth`` per year and a 开门红 first-quarter bump,
then calibrated to the target. ``growth`` is on top of the growth of the customer base itself (customers who
joined recently borrow only from then on), which adds about 8% a year: the whole book grows about 10% a year. Amounts are in 万元: either a fixed log-uniform range or a share of the
customer's 单户授信总额 (``credit_share``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    key: str
    types: tuple[str, ...]
    target: int
    business_type: str
    products: tuple[tuple[str, str, float], ...]  # (product_type, product_name, weight)
    term_months: tuple[int, int]
    amortising: float  # share of loans repaid in equal monthly principal (rest bullet)
    rate: tuple[float, float]  # annual %, for loans drawn from 2024 on
    guarantees: tuple[tuple[str, float], ...]
    amount_wan: tuple[float, float] | None = None
    credit_share: tuple[float, float] | None = None
    cap_wan: float = 100_000.0
    online: float = 0.0
    growth: float = 0.08
    window_years: float = 4.0
    prepay: float = 0.15
    default: float = 0.01
    extend: float = 0.0
    kinds: tuple[str, ...] = ()  # restrict to customers of these kinds ('' = ordinary)
    sizes: tuple[str, ...] = ()  # restrict enterprises to these true sizes
    q1_boost: float = 1.0  # extra weight on Jan–Mar 2026 drawdowns


SEGMENTS: tuple[Segment, ...] = (
    Segment("mortgage", ("individual", "small_business_owner", "farmer"), 44_000, "personal",
            (("F0211", "个人住房贷款", 1.0),), (120, 360), 1.0, (3.05, 3.9),
            (("mortgage", 0.97), ("combined", 0.03)), amount_wan=(25, 280), growth=-0.06, window_years=16,
            prepay=0.35, default=0.004),
    Segment("car", ("individual",), 4_000, "personal", (("F0212", "个人汽车消费贷款", 1.0),), (24, 60), 1.0,
            (3.2, 6.0), (("mortgage", 0.6), ("credit", 0.4)), amount_wan=(5, 40), growth=-0.03, window_years=5,
            prepay=0.3, default=0.01),
    Segment("consumer", ("individual", "farmer"), 22_000, "personal",
            (("F0219", "融e借", 0.7), ("F0219", "个人消费贷款", 0.3)), (12, 36), 0.6, (3.0, 8.5),
            (("credit", 0.9), ("guarantee", 0.1)), amount_wan=(1, 30), online=0.85, growth=0.0,
            window_years=3, prepay=0.3, default=0.02),
    Segment("student", ("individual",), 1_500, "personal",
            (("F02131", "国家助学贷款", 0.85), ("F02132", "商业性助学贷款", 0.15)), (72, 240), 0.0, (2.3, 3.0),
            (("credit", 1.0),), amount_wan=(0.8, 1.6), growth=0.02, window_years=16, prepay=0.05, default=0.01),
    Segment("personal_business", ("sole_proprietor", "small_business_owner", "farmer"), 48_000, "personal",
            (("F022", "经营快贷", 0.45), ("F022", "个人经营贷款", 0.35), ("F022", "农户小额贷款", 0.2)), (6, 36),
            0.2, (3.2, 5.5), (("credit", 0.45), ("mortgage", 0.3), ("guarantee", 0.2), ("pledge", 0.05)),
            credit_share=(0.3, 1.0), online=0.5, growth=0.08, window_years=3, prepay=0.2, default=0.015,
            extend=0.01),
    Segment("working_capital", ("enterprise", "other_org"), 16_000, "corporate",
            (("F022", "流动资金贷款", 0.55), ("F022", "经营快贷", 0.2), ("F022", "科创e担保", 0.1),
             ("F022", "产业集群贷", 0.1), ("F022", "专精特新贷", 0.05)), (6, 36), 0.0, (2.9, 5.0),
            (("credit", 0.35), ("guarantee", 0.3), ("mortgage", 0.25), ("pledge", 0.05), ("combined", 0.05)),
            credit_share=(0.1, 0.5), cap_wan=20_000, growth=0.02, window_years=3, prepay=0.15, default=0.015,
            extend=0.015),
    Segment("fixed_asset", ("enterprise", "other_org"), 4_500, "corporate",
            (("F023", "固定资产贷款", 0.8), ("F023", "技术改造贷款", 0.2)), (36, 180), 1.0, (2.8, 4.5),
            (("mortgage", 0.45), ("guarantee", 0.3), ("pledge", 0.15), ("combined", 0.1)),
            credit_share=(0.1, 0.5), cap_wan=30_000, growth=0.02, window_years=12, prepay=0.1, default=0.008,
            sizes=("medium", "large", "small")),
    Segment("trade_finance", ("enterprise",), 2_500, "corporate",
            (("F082", "国内信用证融资", 0.5), ("F082", "订单融资", 0.5)), (3, 12), 0.0, (2.6, 4.2),
            (("pledge", 0.5), ("guarantee", 0.5)), credit_share=(0.05, 0.3), cap_wan=5_000, growth=0.0,
            window_years=1.5, prepay=0.05, default=0.003),
    Segment("bill_direct", ("enterprise",), 4_000, "bill_direct", (("", "票据贴现", 1.0),), (1, 12), 0.0,
            (1.2, 2.2), (("other", 1.0),), credit_share=(0.05, 0.4), cap_wan=5_000, growth=0.0,
            window_years=1.2, prepay=0.0, default=0.0),
    Segment("bill_rediscount", ("enterprise",), 800, "bill_rediscount", (("", "转贴现", 1.0),), (1, 12), 0.0,
            (1.1, 1.9), (("other", 1.0),), credit_share=(0.05, 0.4), cap_wan=5_000, growth=0.0,
            window_years=1.2, prepay=0.0, default=0.0, sizes=("medium", "large")),
    Segment("entrusted", ("enterprise",), 300, "corporate", (("F022", "委托贷款", 1.0),), (12, 60), 0.0,
            (4.0, 7.0), (("guarantee", 0.6), ("mortgage", 0.4)), amount_wan=(100, 5000), growth=0.0,
            window_years=5, prepay=0.1, default=0.0),
    Segment("green_project", ("enterprise",), 800, "corporate",
            (("F023", "绿色项目贷款", 0.8), ("F023", "固定资产贷款", 0.2)), (60, 240), 1.0, (2.7, 3.9),
            (("pledge", 0.5), ("mortgage", 0.3), ("guarantee", 0.2)), amount_wan=(800, 15_000), growth=0.12,
            window_years=12, prepay=0.05, default=0.003, kinds=("power",), q1_boost=1.5),
)
