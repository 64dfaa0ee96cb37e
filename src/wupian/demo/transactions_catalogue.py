"""Payees of the demo bank's transactions: recurring billers, everyday merchants, and the stream kinds planted.

Pure data for ``wupian.demo.transactions``: who gets paid, through which payment institution, with which
statement summaries, and how each kind of recurring debit behaves (cadences, amount pattern, how often it
has a mandate, whether the biller shifts a debit that falls on a weekend or holiday to the next working day).
"""

from __future__ import annotations

from dataclasses import dataclass

# Payment institutions as they appear as counterparty on a statement, and how to cancel through them.
PI_ZH = {"tenpay": "财付通", "alipay": "支付宝", "unionpay": "银联", "bank": ""}
PI_COMPANY = {
    "tenpay": "财付通支付科技有限公司",
    "alipay": "支付宝（中国）网络技术有限公司",
    "unionpay": "中国银联股份有限公司",
    "bank": "",
}
PI_CANCEL = {
    "tenpay": "微信“我-服务-钱包-支付设置-自动续费”中关闭，或致电95017",
    "alipay": "支付宝“我的-设置-支付设置-免密支付/自动扣款”中关闭，或致电95188",
    "unionpay": "云闪付App“我的-设置-支付设置-自动扣款”中关闭，或致电95516",
    "bank": "",
}
# Summary prefixes per institution (the "opaque" statement text the customer sees).
PI_SUMMARY = {
    "tenpay": ("财付通-{name}", "微信支付 {short}", "快捷支付 {mask}"),
    "alipay": ("支付宝-{name}", "支付宝 {short}", "快捷支付 {mask}"),
    "unionpay": ("银联代扣 {short}", "银联无卡 {name}", "快捷支付 {mask}"),
    "bank": ("代扣{short}", "批量代扣 {short}"),
}

BANKS = (
    "中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行",
)


@dataclass(frozen=True, slots=True)
class Biller:
    """A recurring payee: display name, short statement word, category and cancellation advice."""

    code: str
    name: str
    short: str
    category: str
    cancel: str


@dataclass(frozen=True, slots=True)
class StreamKind:
    """How one kind of recurring debit is planted."""

    kind: str
    billers: tuple[Biller, ...]
    share: float  # share of accounts with such a stream
    cadences: tuple[tuple[str, float], ...]  # (cadence, probability)
    pattern: str  # fixed | near_fixed | variable
    amounts: tuple[int, ...]  # typical amounts (yuan) to choose from …
    amount_range: tuple[int, int] = (0, 0)  # … or a uniform range (yuan) when amounts is empty
    institutions: tuple[tuple[str, float], ...] = (("bank", 1.0),)
    mandate_share: float = 0.5
    workday_bound: bool = False  # a debit due on a weekend/holiday is taken on the next working day
    jitter: int = 0  # ± days of manual variation
    price_change_share: float = 0.0
    hours: tuple[int, int] = (0, 6)
    month_end_share: float = 0.0


def _b(code: str, name: str, short: str, category: str, cancel: str = "") -> Biller:
    return Biller(code, name, short, category, cancel)


CARRIERS = (
    _b("cmcc", "中国移动", "移动话费", "通信缴费", "发送短信“QXDK”至10086或在中国移动App取消自动充值"),
    _b("cucc", "中国联通", "联通话费", "通信缴费", "致电10010或在中国联通App取消自动充值"),
    _b("ctcc", "中国电信", "电信话费", "通信缴费", "致电10000或在中国电信App取消自动充值"),
)
INSURERS = (
    _b("chinalife", "中国人寿保险股份有限公司", "保险费", "保险", "致电95519或到柜面办理保单缴费方式变更"),
    _b("pingan", "中国平安人寿保险股份有限公司", "保费", "保险", "致电95511或在平安金管家App变更缴费账户"),
    _b("cpic", "中国太平洋人寿保险股份有限公司", "保险费", "保险", "致电95500办理"),
    _b("taikang", "泰康人寿保险有限责任公司", "续期保费", "保险", "致电95522办理"),
    _b("nci", "新华人寿保险股份有限公司", "保险费", "保险", "致电95567办理"),
)
POWER = (_b("sgcc", "国网北京市电力公司", "电费", "公用事业", "在网上国网App解除代扣或到营业厅办理"),)
WATER = (_b("bjwater", "北京市自来水集团有限责任公司", "水费", "公用事业", "致电96116或到营业厅办理"),)
GAS = (_b("bjgas", "北京市燃气集团有限责任公司", "燃气费", "公用事业", "致电96777或到营业厅办理"),)
LENDERS = (
    _b("cmbloan", "招商银行个人贷款", "贷款还款", "贷款", "贷款结清后代扣自动终止；提前还款请联系贷款行"),
    _b("zhaolian", "招联消费金融股份有限公司", "还款", "消费金融", "致电95786办理"),
    _b("housing", "住房公积金管理中心委托贷款", "公积金贷款还款", "贷款", "到公积金中心办理"),
)
SUBSCRIPTIONS = (
    _b("iqiyi", "爱奇艺VIP会员", "爱奇艺", "数字内容", "爱奇艺App“我的-VIP会员-管理自动续费”中关闭"),
    _b("tencentvideo", "腾讯视频VIP", "腾讯视频", "数字内容", "腾讯视频App“个人中心-VIP会员-自动续费管理”中关闭"),
    _b("youku", "优酷VIP会员", "优酷", "数字内容", "优酷App“我的-会员中心-自动续费”中关闭"),
    _b("netease", "网易云音乐黑胶VIP", "网易云音乐", "数字内容", "网易云音乐App“账号-会员中心-自动续费”中关闭"),
    _b("qqmusic", "QQ音乐绿钻", "QQ音乐", "数字内容", "QQ音乐App“我的-会员中心-自动续费管理”中关闭"),
    _b("mango", "芒果TV会员", "芒果TV", "数字内容", "芒果TV App“我的-会员-自动续费”中关闭"),
    _b("baidupan", "百度网盘超级会员", "百度网盘", "数字内容", "百度网盘App“我的-会员中心-自动续费”中关闭"),
)
ANNUAL_SUBSCRIPTIONS = (
    _b("jdplus", "京东PLUS会员", "京东PLUS", "会员服务", "京东App“我的-PLUS会员-自动续费”中关闭"),
    _b("88vip", "淘宝88VIP", "88VIP", "会员服务", "淘宝App“我的淘宝-88VIP-自动续费”中关闭"),
    _b("wps", "WPS超级会员", "WPS会员", "软件服务", "WPS App“我-会员中心-自动续费”中关闭"),
    _b("keep", "Keep年度会员", "Keep会员", "会员服务", "Keep App“我的-会员-自动续费”中关闭"),
)
GYMS = (
    _b("supermonkey", "超级猩猩健身", "健身课程", "健身", "超级猩猩小程序“我的-自动扣费”中关闭"),
    _b("lefit", "乐刻运动", "乐刻健身", "健身", "乐刻App“我的-月付管理”中关闭"),
)
PROPERTY = (_b("property", "北京万科物业服务有限公司", "物业费", "物业", "联系物业服务中心办理"),)

KINDS: tuple[StreamKind, ...] = (
    StreamKind("phone", CARRIERS, 0.65, (("monthly", 1.0),), "fixed", (30, 50, 100, 200),
               institutions=(("tenpay", 0.4), ("alipay", 0.35), ("unionpay", 0.25)), mandate_share=0.3,
               price_change_share=0.04),
    StreamKind("insurance", INSURERS, 0.35, (("monthly", 0.5), ("quarterly", 0.3), ("annual", 0.2)), "fixed",
               (), (150, 1200), institutions=(("bank", 0.75), ("alipay", 0.25)), mandate_share=0.85,
               workday_bound=True, hours=(1, 5)),
    StreamKind("electricity", POWER, 0.55, (("monthly", 1.0),), "variable", (), (60, 260), jitter=2,
               institutions=(("bank", 0.5), ("alipay", 0.3), ("tenpay", 0.2)), mandate_share=0.5),
    StreamKind("water", WATER, 0.35, (("bimonthly", 0.6), ("monthly", 0.4)), "variable", (), (30, 120), jitter=2,
               institutions=(("bank", 0.6), ("alipay", 0.4)), mandate_share=0.55, workday_bound=True),
    StreamKind("gas", GAS, 0.3, (("monthly", 0.6), ("bimonthly", 0.4)), "variable", (), (40, 200), jitter=2,
               institutions=(("bank", 0.6), ("tenpay", 0.4)), mandate_share=0.5),
    StreamKind("loan", LENDERS, 0.2, (("monthly", 1.0),), "fixed", (), (1500, 9000), mandate_share=0.9,
               month_end_share=0.1, hours=(0, 3)),
    StreamKind("subscription", SUBSCRIPTIONS, 0.5, (("monthly", 1.0),), "fixed", (12, 15, 19, 20, 25, 30),
               institutions=(("alipay", 0.45), ("tenpay", 0.45), ("unionpay", 0.1)), mandate_share=0.1,
               price_change_share=0.15),
    StreamKind("annual_membership", ANNUAL_SUBSCRIPTIONS, 0.12, (("annual", 1.0),), "fixed",
               (88, 99, 148, 198, 258, 298), institutions=(("alipay", 0.5), ("tenpay", 0.5)),
               mandate_share=0.05),
    StreamKind("rent", (), 0.15, (("monthly", 1.0),), "fixed", (), (1500, 6000), mandate_share=0.0,
               jitter=3, hours=(8, 22), month_end_share=0.2),
    StreamKind("gym", GYMS, 0.08, (("weekly", 0.5), ("biweekly", 0.5)), "fixed", (59, 79, 99, 129, 169),
               institutions=(("tenpay", 0.6), ("unionpay", 0.4)), mandate_share=0.1, jitter=1,
               hours=(7, 21)),
    StreamKind("housekeeping", (), 0.04, (("semimonthly", 1.0),), "fixed", (), (300, 900), mandate_share=0.0,
               jitter=1, hours=(9, 20)),
    StreamKind("property_fee", PROPERTY, 0.06, (("semiannual", 1.0),), "fixed", (), (600, 2400),
               mandate_share=0.3, workday_bound=True, hours=(1, 5)),
)

# Variable utilities follow the season (index 0 = January).
SEASON = {
    "electricity": (1.5, 1.4, 1.1, 0.9, 0.9, 1.2, 1.8, 1.9, 1.2, 0.9, 1.0, 1.3),
    "gas": (1.8, 1.7, 1.3, 0.9, 0.7, 0.6, 0.6, 0.6, 0.7, 0.9, 1.3, 1.7),
    "water": (1.0, 0.9, 0.9, 1.0, 1.1, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9, 1.0),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏辉红燕建国建华志强文"

EVERYDAY_CATEGORIES: tuple[tuple[str, tuple[str, ...], float, float], ...] = (
    # (category, name stems, lognormal mu of yuan, sigma)
    ("餐饮", ("老北京炸酱面", "海底捞火锅", "西贝莜面村", "麦当劳", "肯德基", "沙县小吃", "兰州拉面", "必胜客"),
     3.8, 0.6),
    ("超市", ("物美超市", "永辉超市", "盒马鲜生", "华联超市", "家乐福", "沃尔玛"), 4.3, 0.7),
    ("便利店", ("7-Eleven便利店", "全家便利店", "便利蜂", "罗森便利店"), 3.0, 0.5),
    ("网购", ("京东商城", "淘宝", "拼多多", "唯品会", "天猫超市"), 4.6, 0.9),
    ("出行", ("滴滴出行", "北京公交", "北京地铁", "中国石化加油站", "中国石油加油站", "高德打车"), 3.4, 0.8),
    ("外卖", ("美团外卖", "饿了么"), 3.5, 0.4),
    ("咖啡", ("瑞幸咖啡", "星巴克", "库迪咖啡"), 3.1, 0.3),
    ("医药", ("同仁堂药店", "老百姓大药房", "海王星辰药房"), 4.0, 0.7),
    ("服饰", ("优衣库", "安踏", "李宁", "海澜之家"), 5.3, 0.6),
)
HABIT_CATEGORIES = ("外卖", "咖啡", "出行", "便利店")
