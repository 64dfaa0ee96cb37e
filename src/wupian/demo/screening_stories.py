"""The stories behind the demo's screening requests: planted frauds of each typology and ordinary large requests.

Each planter writes the account's own history (strictly before the request), the request, the teller's ticks
(each sign ticked with a probability below 1 — tellers miss things) and, for frauds, the label. Signs follow the
counter cases of spec/screening.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wupian.demo.screening import Gen

INVEST_FIRMS = ("汇鑫财富管理有限公司", "鼎盛国际投资咨询有限公司", "金瑞数字科技有限公司", "华投资产管理有限公司")
SHOPS = ("二维码收款", "微信收款", "支付宝收款")


def _label(g: Gen, rid: str, at: datetime, label: str, typology: str, lost: float) -> None:
    confirmed = (at + timedelta(days=int(g.rng.integers(2, 40)))).date()
    source = str(g.rng.choice(["police_feedback", "case_outcome", "customer_report"]))
    g.o.labels.append(("request", rid, label, typology, f"{lost:.2f}" if lost else "", confirmed.isoformat(),
                       source))


def _outcome(g: Gen) -> str:
    return "abandoned" if g.rng.random() < 0.7 else "executed"


def _strangers(g: Gen, acct: str, at: datetime, total: float, n: int, minutes: int) -> None:
    """``n`` credits from never-seen payers in the last ``minutes`` before ``at``, summing to about ``total``."""
    for _k in range(n):
        back = int(g.rng.integers(1, max(minutes, 2)))
        prov = str(g.rng.choice(["35", "44", "33", "51", "45", "36", "46", "53"]))
        g.o.txn(acct, at - timedelta(minutes=back), total / n, "transfer_in", f"陌生付款人{g.o.n}", g.card(),
                prov + "0100", "转账")


def plant_frauds(g: Gen, per_typology: int) -> None:
    for _ in range(per_typology):
        _fake_investment(g)
        _impersonation(g)
        _task_scam(g)
        _romance(g)
        _mule(g)
        _cash_handover(g)


def _fake_investment(g: Gen) -> None:
    a = g.pick(45, 78)
    at = g.when(a)
    acct = str(g.acc.account_id[a])
    g.history(a, at, income=g.yuan(3000, 9000), payer="武汉市社保中心")
    firm = str(g.rng.choice(INVEST_FIRMS))
    firm_acct = g.card("91")
    if g.rng.random() < 0.4:  # small "returns" from the platform in the days before (the hook)
        for k in range(int(g.rng.integers(1, 4))):
            g.o.txn(acct, at - timedelta(days=int(g.rng.integers(1, 6)), hours=k), g.yuan(200, 2000, 1),
                    "transfer_in", firm, firm_acct, "44", "收益")
    kind = str(g.rng.choice(["transfer_out", "early_redemption", "cash_withdrawal", "remittance"]))
    amount = g.yuan(50_000, 500_000, 1000)
    extra: dict[str, object] = {}
    if kind in ("transfer_out", "remittance"):
        extra = {"payee_name": firm, "payee_account": firm_acct, "payee_type": "corporate",
                 "stated_purpose": str(g.rng.choice(["给儿子生活费", "投资理财", "家用", "买理财"]))}
        if g.rng.random() < 0.15 or not g.o.watch:  # the police already listed the platform's account
            g.o.watch.append(("police_case_account", firm_acct, "", firm, (at - timedelta(days=20)).date().isoformat(),
                              "", "公安反诈中心"))
    else:
        extra = {"stated_purpose": str(g.rng.choice(["家里装修", "投资", "借给亲戚", ""])) or None}
    if g.rng.random() < 0.3:
        extra["appointment_purpose"] = "看病住院"
    rid = g.request(a, at, kind, amount, "fake_investment", "victim", outcome=_outcome(g), **extra)
    g.tick(rid, {"high_yield_story": 0.65, "anxious": 0.5, "on_call": 0.4, "evasive": 0.35, "hurried": 0.3,
                 "note_with_account": 0.2, "refuses_family_contact": 0.2})
    _label(g, rid, at, "victim", "fake_investment", 0.0)


def _impersonation(g: Gen) -> None:
    a = g.pick(55, 88)
    at = g.when(a)
    acct = str(g.acc.account_id[a])
    g.history(a, at, income=g.yuan(3000, 8000), payer="武汉市社保中心")
    if g.rng.random() < 0.35:  # told to raise the limit / reset the password that morning
        g.o.txn(acct, at.replace(hour=8, minute=40), 0.0, "other", summary="密码重置")
    kind = str(g.rng.choice(["cash_withdrawal", "gold_purchase", "transfer_out", "early_redemption"]))
    amount = g.yuan(50_000, 400_000, 1000)
    extra: dict[str, object] = {"accompanied_by": "none"}
    if kind == "transfer_out":
        extra |= {"payee_name": "安全账户" if g.rng.random() < 0.3 else f"李{g.o.n % 97}", "payee_account": g.card(),
                  "payee_type": "individual", "stated_purpose": "转给亲戚"}
    rid = g.request(a, at, kind, amount, "impersonate_authority", "victim", outcome=_outcome(g), **extra)
    g.tick(rid, {"authority_story": 0.55, "refuses_family_contact": 0.45, "on_call": 0.45, "anxious": 0.5,
                 "evasive": 0.4, "cash_handover": 0.4 if kind in ("cash_withdrawal", "gold_purchase") else 0.0,
                 "note_with_account": 0.2})
    _label(g, rid, at, "victim", "impersonate_authority", 0.0)


def _task_scam(g: Gen) -> None:
    a = g.pick(19, 42)
    at = g.when(a)
    acct = str(g.acc.account_id[a])
    g.history(a, at, income=g.yuan(4000, 12000), payer="武汉某某科技有限公司")
    platform = g.card("91")
    for k in range(int(g.rng.integers(2, 6))):  # small commissions for "likes" and "orders" in the last days
        g.o.txn(acct, at - timedelta(hours=int(g.rng.integers(2, 60)), minutes=k), g.yuan(20, 600, 1),
                "transfer_in", "某某电商平台", platform, "44", "佣金返利")
    if g.rng.random() < 0.4:
        g.o.txn(acct, at.replace(hour=8, minute=50), 0.0, "other", summary="提高限额")
    amount = g.yuan(20_000, 150_000, 100)
    rid = g.request(a, at, "transfer_out", amount, "task_scam", "victim", outcome=_outcome(g),
                    payee_name=f"王{g.o.n % 89}", payee_account=g.card(), payee_type="individual",
                    stated_purpose=str(g.rng.choice(["还朋友钱", "做任务", "网购", "借钱给同学"])))
    g.tick(rid, {"note_with_account": 0.5, "unknown_counterparty": 0.55, "on_call": 0.45, "hurried": 0.45,
                 "high_yield_story": 0.3, "evasive": 0.3, "online_friend": 0.2})
    _label(g, rid, at, "victim", "task_scam", 0.0)


def _romance(g: Gen) -> None:
    a = g.pick(28, 66)
    at = g.when(a)
    g.history(a, at, income=g.yuan(4000, 15000), payer="武汉某某商贸有限公司")
    kind = str(g.rng.choice(["transfer_out", "remittance", "early_redemption", "transfer_out"]))
    extra: dict[str, object] = {}
    if kind != "early_redemption":
        extra = {"payee_name": f"陈{g.o.n % 83}", "payee_account": g.card(), "payee_type": "individual",
                 "stated_purpose": str(g.rng.choice(["借给朋友周转", "朋友看病", "一起投资"])),
                 "appointment_purpose": "家用" if g.rng.random() < 0.4 else None}
    rid = g.request(a, at, kind, g.yuan(30_000, 300_000, 1000), "romance", "victim", outcome=_outcome(g), **extra)
    g.tick(rid, {"online_friend": 0.6, "evasive": 0.45, "refuses_family_contact": 0.35, "anxious": 0.3,
                 "on_call": 0.3, "high_yield_story": 0.15, "purpose_inconsistent": 0.3})
    _label(g, rid, at, "victim", "romance", 0.0)


def _mule(g: Gen) -> None:
    a = g.pick(18, 32, young=True)
    at = g.when(a, days_after_open=8, latest=90)
    acct = str(g.acc.account_id[a])
    payers = int(g.rng.integers(5, 25))
    total = 0.0
    for _k in range(payers):  # night credits from many provinces over the last days
        night = at - timedelta(days=int(g.rng.integers(0, 6)) + 1)
        night = night.replace(hour=int(g.rng.choice([22, 23, 0, 1, 2, 3])), minute=int(g.rng.integers(0, 60)))
        if g.rng.random() < 0.2:
            night = night.replace(hour=int(g.rng.integers(9, 20)))
        amt = g.yuan(800, 9800, 1)
        total += amt
        g.o.txn(acct, night, amt, "transfer_in", f"付款人{g.o.n}", g.card(),
                str(g.rng.choice(["11", "13", "32", "33", "35", "36", "44", "45", "50", "51", "53"])) + "0100",
                "转账")
        if g.rng.random() < 0.6:
            g.o.txn(acct, night + timedelta(minutes=int(g.rng.integers(3, 40))), -amt * 0.98, "transfer_out",
                    "某某", g.card(), "53", "转账")
    fresh = g.yuan(20_000, 50_000, 1)
    _strangers(g, acct, at, fresh, int(g.rng.integers(1, 4)), int(g.rng.integers(8, 90)))
    amount = round((fresh + total * 0.1) / 100) * 100
    outcome = "refused" if g.rng.random() < 0.6 else "executed"
    rid = g.request(a, at, "cash_withdrawal", amount, "mule", "mule", outcome=outcome,
                    accompanied_by="stranger" if g.rng.random() < 0.25 else None)
    g.tick(rid, {"hurried": 0.45, "evasive": 0.4, "unknown_counterparty": 0.45, "accompanied_stranger": 0.3,
                 "on_call": 0.2})
    _label(g, rid, at, "mule", "mule", 0.0)
    if g.rng.random() < 0.5:
        g.o.labels.append(("account", acct, "mule", "mule", "", (at + timedelta(days=9)).date().isoformat(),
                           "police_feedback"))


def _cash_handover(g: Gen) -> None:
    a = g.pick(65, 95)
    at = g.when(a)
    g.history(a, at, income=g.yuan(2500, 7000), payer="武汉市社保中心")
    stranger = g.rng.random() < 0.55
    rid = g.request(a, at, str(g.rng.choice(["cash_withdrawal", "cash_withdrawal", "gold_purchase"])),
                    g.yuan(50_000, 300_000, 1000), "cash_handover", "victim", outcome=_outcome(g),
                    accompanied_by="stranger" if stranger else "none",
                    stated_purpose=str(g.rng.choice(["家用", "给孙子交学费", "存到别的银行", ""])) or None)
    g.tick(rid, {"cash_handover": 0.5, "accompanied_stranger": 0.5 if stranger else 0.1, "anxious": 0.4,
                 "refuses_family_contact": 0.35, "on_call": 0.3, "evasive": 0.3})
    _label(g, rid, at, "victim", "cash_handover", 0.0)


def plant_ordinary(g: Gen, n: int) -> None:
    kinds = ("payroll_cash", "house_down_payment", "new_year_cash", "qr_shop", "car_purchase", "family_transfer",
             "term_redemption", "payroll_cash", "family_transfer", "new_year_cash")
    for i in range(n):
        story = kinds[i % len(kinds)]
        a = g.pick(*{"new_year_cash": (62, 95), "qr_shop": (28, 65)}.get(story, (24, 75)), fresh=False)
        at = g.when(a, days_after_open=200)
        if story == "new_year_cash":  # the weeks before the Spring Festival
            d = date(at.year, 1, 10) + timedelta(days=int(g.rng.integers(0, 40)))
            at = datetime(d.year, d.month, d.day, at.hour, at.minute)
            if at.date() > g.end or at.date() <= g.opened(a) + timedelta(days=30):
                at = g.when(a, days_after_open=200)
        _ordinary(g, a, at, story)


def _ordinary(g: Gen, a: int, at: datetime, story: str) -> None:
    acct = str(g.acc.account_id[a])
    extra: dict[str, object] = {}
    if story == "payroll_cash":
        amount = g.yuan(50_000, 150_000, 1000)
        g.history(a, at, income=g.yuan(30_000, 90_000), payer="武汉某某建材商行", cash_habit=amount)
        kind, extra = "cash_withdrawal", {"stated_purpose": "发工资"}
    elif story == "house_down_payment":
        g.history(a, at, income=g.yuan(8000, 30000), payer="武汉某某科技有限公司")
        kind, amount = "transfer_out", g.yuan(200_000, 900_000, 1000)
        extra = {"payee_name": "武汉某某置业有限公司", "payee_account": "4200" + g.card("0")[:12],
                 "payee_type": "corporate", "stated_purpose": "购房首付", "appointment_purpose": "买房首付款"}
    elif story == "new_year_cash":
        amount = g.yuan(50_000, 200_000, 1000)
        habit = amount if g.rng.random() < 0.4 else 0.0
        g.history(a, at, income=g.yuan(3000, 9000), payer="武汉市社保中心", cash_habit=habit * 0.2)
        kind = "cash_withdrawal"
        extra = {"stated_purpose": str(g.rng.choice(["过年给孩子们红包", "过年用", "春节家用"])),
                 "accompanied_by": "family" if g.rng.random() < 0.6 else "none"}
    elif story == "qr_shop":
        g.history(a, at, income=g.yuan(5000, 20000), payer="武汉某某餐饮店", cash_habit=30_000)
        for k in range(int(g.rng.integers(30, 120))):  # many small receipts from many local payers
            g.o.txn(acct, at - timedelta(hours=int(g.rng.integers(1, 160)), minutes=k), g.yuan(5, 300, 1),
                    "transfer_in", f"顾客{g.o.n}", g.card(), "420100", str(g.rng.choice(SHOPS)))
        kind, amount, extra = "cash_withdrawal", g.yuan(50_000, 100_000, 1000), {"stated_purpose": "进货"}
        if g.rng.random() < 0.2:  # a stall the branch has verified: on the allow list
            g.o.watch.append(("allow", "", str(g.cus.id_code[g.acc.cust[a]]), str(g.cus.name[g.acc.cust[a]]),
                              (at - timedelta(days=60)).date().isoformat(), "", "网点核实"))
    elif story == "car_purchase":
        g.history(a, at, income=g.yuan(8000, 30000), payer="武汉某某科技有限公司")
        kind, amount = "transfer_out", g.yuan(100_000, 400_000, 1000)
        extra = {"payee_name": "武汉某某汽车销售服务有限公司", "payee_account": "4200" + g.card("0")[:12],
                 "payee_type": "corporate", "stated_purpose": "买车"}
    elif story == "family_transfer":
        g.history(a, at, income=g.yuan(6000, 25000), payer="武汉某某科技有限公司")
        son = g.card()
        for m in range(1, 5):  # paid the same family member before
            g.o.txn(acct, at - timedelta(days=30 * m), -g.yuan(2000, 8000), "transfer_out", "家人", son, "42", "转账")
        kind, amount = "transfer_out", g.yuan(50_000, 200_000, 1000)
        extra = {"payee_name": "家人", "payee_account": son, "payee_type": "individual", "stated_purpose": "给儿子买房"}
    else:  # term_redemption: a matured-ish deposit for a house or a hospital bill
        g.history(a, at, income=g.yuan(5000, 20000), payer="武汉某某科技有限公司")
        kind, amount = "early_redemption", g.yuan(50_000, 300_000, 1000)
        extra = {"stated_purpose": str(g.rng.choice(["买房", "住院手术"]))}
    rid = g.request(a, at, kind, amount, story, "not_fraud", outcome="executed", **extra)
    g.noise(rid)
