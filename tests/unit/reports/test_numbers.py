"""Chinese number formatting as the seed articles print it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from wupian.reports import numbers as n


def test_amounts_pick_yi_wan_yuan_and_drop_trailing_zeros() -> None:
    assert n.amount(D("16272000000.00")) == "162.72亿元"
    assert n.amount(D("320000000.00")) == "3.2亿元"
    assert n.amount(D("262000.00")) == "26.2万元"
    assert n.amount(D("850.00")) == "850元"
    assert n.delta(D("2853000000")) == "增加28.53亿元"
    assert n.delta(D("-30000000")) == "减少3000万元"


def test_counts_percents_points_ranks() -> None:
    assert n.count(938) == "938户"
    assert n.count(474200, "户") == "47.42万户"
    assert n.count(742200, "张") == "74.22万张"
    assert n.count_delta(31900, "张") == "增加3.19万张"
    assert n.percent(D("75.1500")) == "75.15%"
    assert n.percent(D("96.0000")) == "96%"
    assert n.points(D("1.2034"), "提高", "下降") == "提高1.2个百分点"
    assert n.chinese_ordinal(1) == "第一" and n.chinese_ordinal(12) == "第十二" and n.chinese_ordinal(20) == "第二十"
    assert n.working_days(D("3.00")) == "3个工作日"
    assert n.working_days_within(D("2.98")) == "3个工作日内" and n.working_days_within(D("2.00")) == "2个工作日内"
    assert n.working_days_within(D("2.01")) == "3个工作日内"
    assert n.minutes(D("20")) == "20分钟" and n.minutes(D("60")) == "1小时"
    assert n.long_date(date(2026, 3, 31)) == "2026年3月末"
