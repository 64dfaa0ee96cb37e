"""README.txt of a generated demo folder (Chinese and English), rendered from the manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wupian.demo.build import DemoManifest


def render(m: DemoManifest) -> str:
    months = ", ".join(f"{d.isoformat()} ({n:,} 笔)" for d, n in zip(m.month_ends, m.loans, strict=True))
    planted = "\n".join(f"  - {p.as_of} {p.table}.csv [{p.key}]: {p.problem}" for p in m.planted)
    events = ("events/ — transactions.csv, mandates.csv, merchants.csv and recurring_truth.csv "
              f"(13 个月流水, {m.event_accounts:,} 个个人借记账户; recurring_truth.csv 为预埋的周期性扣款真值)")
    return f"""五篇示范银行 — wupian 演示数据 (synthetic demo bank)
==================================================

本目录由 `wupian demo` 生成 (seed={m.seed}, scale={m.scale})，全部为虚构数据，仅用于演示和测试。
Everything here is synthetic and generated deterministically from the seed: same seed and scale, same bytes.

机构: {m.branches} 个 (总行 → 3 个省分行 → 20 个二级分行 → 网点)
客户: {m.customers:,} 户 (截至最后一个月末)
贷款借据 (每个月末文件的行数): {months}

Layout
------
snapshots/<YYYY-MM-DD>/  one folder per month-end, loadable with
                         `wupian load --as-of <YYYY-MM-DD> snapshots/<YYYY-MM-DD>`
  branches.csv            机构树 (GB/T 2260 地区代码; 统一社会信用代码 per branch — a city's 营业部 leaves it
                          blank and inherits the city branch's; the head office carries the legal entity's)
  customers.csv           客户 — the first month-end's customers.csv is an older branch export:
                          GBK encoding, Chinese headers and labels, YYYYMMDD dates, 是/否 (the loader accepts it)
  loans.csv               贷款借据: outstanding at the date, or drawn/ended in the current calendar year
                          (票据编号 of bills and 放款交易流水号 as the core system keeps them)
  code_acceptances.csv    代码核定: a few HTP03 codes that contradict the purpose industry, accepted with a reason
  registries.csv          名录: 高新技术企业, 科技型中小企业, 专精特新, 小巨人, 规上企业 (incl. non-customers),
                          公立医院 / 医保定点医疗机构 (attribute = 等级), 产业集群 (attribute = 集群), 加油站 …
  accounts.csv            账户: 对公结算, 个人借记, 数字人民币钱包, 社保卡, 第三方存管, 个人养老金, 企业年金
  service_activations.csv 医保码一码付 (medical_insurance_code), 支付即开票 (pay_and_invoice)
  processes.csv           普惠贷款办理 (inclusive_loan), 对公开户 (corporate_account_opening): this year to date
  activities.csv          上门服务 (home_visit), 外出金融服务 (outreach_event): this year to date
  targets.csv             任务目标 for the as-of year; peers.csv 同业数据 (fictitious peer banks)
{events}

Deliberate data problems
------------------------
Rows the loader must reject (quarantine) at ERROR level:
{planted}
Problems the classification and checks should find (kept in the data, not ERROR rows): green codes not in the
2025 catalogue (4.2.15, 3.3.1, 10.1.1, 6.7.2, 4.2), HTP03 on industries outside 高技术制造业 (one in five accepted
in code_acceptances.csv; the others are not counted and are month-end ERRORs WP-RECON-007), tech codes on a
few personal loans, green/tech codes left blank although the purpose says otherwise (可能漏标), declared
enterprise sizes that disagree with employees/revenue/assets, 单户授信总额 exactly 1000万元 / 500万元 and just
above, pension shares of exactly 0.5 and 0.4999, DE05 loans with and without 数字化佐证.
"""
