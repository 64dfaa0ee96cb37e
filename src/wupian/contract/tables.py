"""Every input table and column of the data contract (shared/spec/data-contract.md), defined once.

Column order here is the canonical order of the warehouse tables. Enum values list the PBOC codes the
loader accepts as well as the English value and the Chinese label.
"""

from __future__ import annotations

from wupian.contract.schema import Column, ColumnType, EnumValue, Reference, Table

S, N, M, R, SH, D, DT, B, E = (
    ColumnType.STR,
    ColumnType.INT,
    ColumnType.MONEY,
    ColumnType.RATE,
    ColumnType.SHARE,
    ColumnType.DATE,
    ColumnType.DATETIME,
    ColumnType.BOOL,
    ColumnType.ENUM,
)


def ev(value: str, zh: str, *codes: str) -> EnumValue:
    return EnumValue(value, zh, tuple(codes))


BRANCH_LEVELS = (
    ev("head", "总行"),
    ev("province", "省分行"),
    ev("city", "二级分行"),
    ev("county", "支行"),
    ev("outlet", "网点"),
)
CUSTOMER_TYPES = (
    ev("enterprise", "企业法人"),
    ev("other_org", "其他组织"),
    ev("sole_proprietor", "个体工商户"),
    ev("small_business_owner", "小微企业主"),
    ev("farmer", "农户"),
    ev("individual", "其他个人"),
)
ID_TYPES = (
    ev("uscc", "统一社会信用代码", "A01"),
    ev("org_code", "组织机构代码", "A02"),
    ev("id_card", "居民身份证", "B01"),
    ev("other", "其他", "A03", "Z"),
)
SIZES = (
    ev("large", "大型", "CS01"),
    ev("medium", "中型", "CS02"),
    ev("small", "小型", "CS03"),
    ev("micro", "微型", "CS04"),
    ev("none", "其他(非企业)", "CS05"),
)
BUSINESS_TYPES = (
    ev("corporate", "单位贷款", "C01"),
    ev("personal", "个人贷款", "C02"),
    ev("bill_direct", "票据直贴", "C03"),
    ev("bill_rediscount", "转贴现"),
)
GUARANTEES = (
    ev("pledge", "质押", "A"),
    ev("mortgage", "抵押", "B", "B01", "B99"),
    ev("guarantee", "保证", "C"),
    ev("credit", "信用", "D"),
    ev("combined", "组合", "E"),
    ev("other", "其他", "Z"),
)
FIVE_CLASSES = (
    ev("normal", "正常", "FQ01"),
    ev("special_mention", "关注", "FQ02"),
    ev("substandard", "次级", "FQ03"),
    ev("doubtful", "可疑", "FQ04"),
    ev("loss", "损失", "FQ05"),
)
LOAN_STATUSES = (
    ev("normal", "正常", "LS01"),
    ev("extended", "展期", "LS02"),
    ev("overdue", "逾期", "LS03"),
    ev("settled", "结清"),
    ev("written_off", "已核销"),
    ev("transferred", "已转让"),
)
CHANNELS = (ev("online", "线上"), ev("offline", "线下"))
ACCOUNT_TYPES = (
    ev("corporate_settlement", "对公结算账户"),
    ev("personal_debit", "个人借记账户"),
    ev("ecny_wallet_personal", "个人数字人民币钱包"),
    ev("ecny_wallet_corporate", "对公数字人民币钱包"),
    ev("social_security_card", "社保卡"),
    ev("third_party_custody", "第三方存管"),
    ev("personal_pension", "个人养老金账户"),
    ev("enterprise_annuity", "企业年金"),
    ev("other", "其他"),
)
STARTUP_GUARANTEE = (ev("C01", "担保基金担保"), ev("C02", "其他形式"))
PENSION_CODES = tuple(ev(f"EC{n:02d}", f"养老产业类型EC{n:02d}") for n in range(1, 13))
DIGITAL_CODES = tuple(ev(f"DE{n:02d}", f"数字经济产业类型DE{n:02d}") for n in range(1, 6))
HTP = tuple(ev(f"HTP{n:02d}", f"高技术制造业HTP{n:02d}") for n in range(1, 7))
HTS = tuple(ev(f"HTS{n:02d}", f"高技术服务业HTS{n:02d}") for n in range(1, 10))
SE = tuple(ev(f"SE{n:02d}", f"战略性新兴产业SE{n:02d}") for n in range(1, 10))
PA = tuple(ev(f"PA{n:02d}", f"知识产权密集型产业PA{n:02d}") for n in range(1, 8))

TXN_KINDS = (
    ev("cash_withdrawal", "取现"),
    ev("cash_deposit", "存现"),
    ev("transfer_in", "转入"),
    ev("transfer_out", "转出"),
    ev("fee", "手续费"),
    ev("interest", "利息"),
    ev("other", "其他"),
)
REQUEST_TYPES = (
    ev("cash_withdrawal", "取现"),
    ev("transfer_out", "转账"),
    ev("remittance", "汇款"),
    ev("early_redemption", "提前支取"),
    ev("gold_purchase", "购买实物黄金"),
    ev("limit_raise", "提高限额"),
    ev("other", "其他"),
)
REQUEST_CHANNELS = (ev("counter", "柜面"), ev("atm", "自助设备"), ev("mobile", "手机银行"), ev("online", "网上银行"))
PAYEE_TYPES = (ev("individual", "个人"), ev("corporate", "单位"))
ACCOMPANIED = (
    ev("none", "无"),
    ev("family", "家属"),
    ev("stranger", "陌生人"),
    ev("sales_staff", "销售人员"),
    ev("group", "多人"),
)
REQUEST_OUTCOMES = (ev("executed", "已办理"), ev("abandoned", "客户放弃"), ev("deferred", "暂缓"), ev("refused", "拒绝办理"))
WATCH_LISTS = (
    ev("police_case_account", "涉案账户"),
    ev("bank_high_risk", "行内高风险"),
    ev("allow", "白名单"),
)
LABEL_KEYS = (ev("request", "申请"), ev("account", "账户"))
FRAUD_LABELS = (ev("victim", "受害人"), ev("mule", "涉诈账户"), ev("not_fraud", "非诈骗"))
LABEL_SOURCES = (
    ev("police_feedback", "公安反馈"),
    ev("customer_report", "客户报案"),
    ev("case_outcome", "案件结论"),
)

INDUSTRY_PATTERN = r"[A-T]|[A-T]?\d{2,4}"
RATE_BAND = ("-5", "36")  # annual percent; outside is almost certainly a unit error

BRANCHES = Table(
    name="branches",
    zh="机构",
    required=True,
    key=("branch_id",),
    references=(Reference(("parent_id",), "branches", ("branch_id",)),),
    columns=(
        Column("branch_id", S, "内部机构号", True, "unique branch id"),
        Column("name", S, "机构名称", True),
        Column("parent_id", S, "上级机构号", False, "blank for the single root"),
        Column("level", E, "机构层级", False, enum=BRANCH_LEVELS),
        Column("region_code", S, "地区代码", False, "GB/T 2260 行政区划代码", pattern=r"\d{6}"),
        Column("uscc", S, "统一社会信用代码", False,
               "the branch's own 统一社会信用代码 (PBOC 金融机构代码 of the 经办机构); blank = inherit the parent's. "
               "Checked when the PBOC files are written (a malformed code is an ERROR there, not a rejected branch)"),
    ),
)

CUSTOMERS = Table(
    name="customers",
    zh="客户",
    required=True,
    key=("customer_id",),
    references=(Reference(("branch_id",), "branches", ("branch_id",)),),
    columns=(
        Column("customer_id", S, "客户号", True),
        Column("name", S, "客户名称", True),
        Column("customer_type", E, "客户类型", True, enum=CUSTOMER_TYPES),
        Column("id_type", E, "证件类型", False, enum=ID_TYPES),
        Column("id_code", S, "证件代码", False, "统一社会信用代码 for organisations; registry matching key"),
        Column("industry_code", S, "所属行业", False, "GB/T 4754-2017 code", pattern=INDUSTRY_PATTERN),
        Column("employees", N, "从业人员数", False, min_value="0"),
        Column("revenue", M, "营业收入", False, "last fiscal year, yuan"),
        Column("total_assets", M, "资产总额", False, min_value="0"),
        Column("declared_size", E, "企业规模", False, enum=SIZES),
        Column("birth_date", D, "出生日期", False),
        Column("credit_limit_total", M, "单户授信总额", False, "bank-wide total credit (A3302)", min_value="0"),
        Column("first_credit_date", D, "首次建立信贷关系日期", False),
        Column("branch_id", S, "管户机构", False, "managing branch"),
        Column("owned_enterprise_id", S, "所属小微企业证件代码", False),
        Column("is_rural", B, "是否涉农", False),
        Column("pension_revenue_share", SH, "养老产业收入占比", False, min_value="0", max_value="1"),
    ),
)

LOANS = Table(
    name="loans",
    zh="贷款借据",
    required=True,
    key=("loan_id",),
    references=(
        Reference(("customer_id",), "customers", ("customer_id",), nullable=False),
        Reference(("branch_id",), "branches", ("branch_id",), nullable=False),
    ),
    columns=(
        Column("loan_id", S, "贷款借据编码", True),
        Column("contract_id", S, "贷款合同编码", False),
        Column("customer_id", S, "客户号", True),
        Column("branch_id", S, "内部机构号", True, "booking branch"),
        Column("business_type", E, "业务类别", True, enum=BUSINESS_TYPES),
        Column("product_type", S, "贷款产品类别", False, "PBOC code, e.g. F022"),
        Column("product_name", S, "产品名称", False),
        Column("currency", S, "币种", False, "ISO 4217; amounts already CNY", pattern=r"[A-Z]{3}"),
        Column("drawdown_date", D, "贷款发放日期", True),
        Column("drawdown_amount", M, "发放金额", True, min_value="0"),
        Column("maturity_date", D, "贷款到期日期", True),
        Column("extended_maturity_date", D, "展期到期日期", False),
        Column("balance", M, "贷款余额", True, min_value="0"),
        Column("interest_rate", R, "利率水平", True, min_value=RATE_BAND[0], max_value=RATE_BAND[1]),
        Column("guarantee_type", E, "担保方式", False, enum=GUARANTEES),
        Column("five_class", E, "贷款质量", True, enum=FIVE_CLASSES),
        Column("status", E, "贷款状态", False, enum=LOAN_STATUSES),
        Column("is_entrusted", B, "是否委托贷款", False),
        Column("is_restructured", B, "是否重组", False),
        Column("is_first_loan", B, "是否首次贷款", False),
        Column("channel", E, "渠道", False, enum=CHANNELS),
        Column("purpose_text", S, "贷款用途", False),
        Column("purpose_industry_code", S, "贷款实际投向", False, pattern=INDUSTRY_PATTERN),
        Column("green_code", S, "绿色项目分类", False, "绿色金融支持项目目录(2025) 三级 code, e.g. 4.2.1"),
        Column("green_amount", M, "绿色部分金额", False, min_value="0"),
        Column("tech_htp", E, "高技术制造业类型", False, enum=HTP),
        Column("tech_hts", E, "高技术服务业类型", False, enum=HTS),
        Column("tech_se", E, "战略性新兴产业类型", False, enum=SE),
        Column("tech_pa", E, "知识产权密集型产业类型", False, enum=PA),
        Column("pension_code", E, "养老产业类型", False, enum=PENSION_CODES),
        Column("pension_share", SH, "养老投向占比", False, min_value="0", max_value="1"),
        Column("digital_code", E, "数字经济产业类型", False, enum=DIGITAL_CODES),
        Column("digital_evidence", B, "数字化佐证", False),
        Column("startup_guarantee", E, "创业担保贷款类型", False, enum=STARTUP_GUARANTEE),
        Column("is_student_loan", B, "是否助学贷款", False),
        Column("is_ex_poverty_consumer", B, "是否原建档立卡贫困人口消费贷款", False),
        Column("applied_at", DT, "申请时间", False),
        Column("approved_at", DT, "审批时间", False),
        Column("industrial_cluster", S, "产业集群", False),
        Column("core_enterprise_id", S, "核心企业证件代码", False),
        Column("bill_no", S, "票据编号", False, "票据直贴: the 票据编号 (incl. 子票区间) as in 票据融资信息"),
        Column("drawdown_serial", S, "交易流水号", False, "the disbursement's 交易流水号 as in 贷款发生额信息"),
    ),
)

REGISTRIES = Table(
    name="registries",
    zh="名录",
    key=("registry", "id_code", "valid_from"),
    references=(Reference(("branch_id",), "branches", ("branch_id",)),),
    columns=(
        Column("registry", S, "名录", True, "e.g. high_tech_enterprise, specialized_sme, above_scale_enterprise"),
        Column("id_code", S, "证件代码", True),
        Column("name", S, "名称", False),
        Column("attribute", S, "属性", False, "e.g. hospital grade"),
        Column("valid_from", D, "有效期起", False, "inclusive"),
        Column("valid_to", D, "有效期止", False, "inclusive; blank = still valid"),
        Column("branch_id", S, "责任机构", False),
    ),
)

ACCOUNTS = Table(
    name="accounts",
    zh="账户",
    key=("account_id",),
    references=(
        Reference(("customer_id",), "customers", ("customer_id",), nullable=False),
        Reference(("branch_id",), "branches", ("branch_id",)),
    ),
    columns=(
        Column("account_id", S, "账号", True),
        Column("customer_id", S, "客户号", True),
        Column("account_type", E, "账户类型", True, enum=ACCOUNT_TYPES),
        Column("opened_at", D, "开户日期", True),
        Column("closed_at", D, "销户日期", False),
        Column("branch_id", S, "开户机构", False),
        Column("channel", E, "渠道", False, enum=CHANNELS),
    ),
)

SERVICE_ACTIVATIONS = Table(
    name="service_activations",
    zh="服务开通",
    key=("service", "id_code", "customer_id", "activated_at"),
    one_of=(("id_code", "customer_id"),),
    columns=(
        Column("service", S, "服务", True, "e.g. medical_insurance_code, pay_and_invoice"),
        Column("id_code", S, "证件代码", False),
        Column("customer_id", S, "客户号", False),
        Column("activated_at", D, "开通日期", True),
        Column("deactivated_at", D, "关闭日期", False),
        Column("usage_count", N, "使用次数", False, min_value="0"),
    ),
)

PROCESSES = Table(
    name="processes",
    zh="业务办理",
    key=("case_id",),
    references=(Reference(("branch_id",), "branches", ("branch_id",)),),
    columns=(
        Column("case_id", S, "业务编号", True),
        Column("process", S, "业务类型", True, "e.g. inclusive_loan, corporate_account_opening"),
        Column("started_at", DT, "开始时间", True),
        Column("finished_at", DT, "完成时间", True),
        Column("branch_id", S, "办理机构", False),
        Column("customer_id", S, "客户号", False),
        Column("channel", E, "渠道", False, enum=CHANNELS),
    ),
)

ACTIVITIES = Table(
    name="activities",
    zh="服务活动",
    key=("branch_id", "activity", "date"),
    references=(Reference(("branch_id",), "branches", ("branch_id",), nullable=False),),
    columns=(
        Column("branch_id", S, "机构号", True),
        Column("activity", S, "活动", True, "e.g. home_visit, outreach_event"),
        Column("date", D, "日期", True),
        Column("count", N, "次数", False, min_value="0"),
        Column("people", N, "人数", False, min_value="0"),
    ),
)

TARGETS = Table(
    name="targets",
    zh="任务目标",
    kind="keyed",
    key=("branch_id", "indicator_id", "year"),
    references=(Reference(("branch_id",), "branches", ("branch_id",), nullable=False),),
    columns=(
        Column("branch_id", S, "机构号", True),
        Column("indicator_id", S, "指标", True),
        Column("year", N, "年度", True, min_value="2000", max_value="2100"),
        Column("target", R, "目标值", True),
    ),
)

PEERS = Table(
    name="peers",
    zh="同业数据",
    kind="keyed",
    key=("peer", "indicator_id", "as_of"),
    columns=(
        Column("peer", S, "同业机构", True),
        Column("indicator_id", S, "指标", True),
        Column("as_of", D, "数据日期", True),
        Column("value", ColumnType.MONEY, "数值", True),
        Column("region_code", S, "地区代码", False),
    ),
)

TRANSACTIONS = Table(
    name="transactions",
    zh="交易流水",
    kind="event",
    key=("txn_id",),
    references=(Reference(("account_id",), "accounts", ("account_id",), nullable=False),),
    columns=(
        Column("txn_id", S, "交易流水号", True),
        Column("account_id", S, "账号", True),
        Column("booked_at", DT, "交易时间", True),
        Column("amount", M, "交易金额", True, "signed, debit < 0"),
        Column("balance_after", M, "交易后余额", False),
        Column("channel", S, "交易渠道", False),
        Column("counterparty_name", S, "对方户名", False),
        Column("counterparty_account", S, "对方账号", False),
        Column("counterparty_bank", S, "对方行名", False),
        Column("merchant_id", S, "商户号", False),
        Column("summary", S, "摘要", False),
        Column("mandate_id", S, "代扣协议号", False),
        Column("kind", E, "交易类型", False, "screening features read it when given", enum=TXN_KINDS),
        Column("counterparty_region", S, "对方地区", False, "GB/T 2260 行政区划代码", pattern=r"\d{2}(\d{4})?"),
    ),
)

MANDATES = Table(
    name="mandates",
    zh="代扣协议",
    kind="event",
    key=("mandate_id",),
    references=(Reference(("account_id",), "accounts", ("account_id",), nullable=False),),
    columns=(
        Column("mandate_id", S, "协议号", True),
        Column("account_id", S, "账号", True),
        Column("payee_name", S, "收款方", False),
        Column("merchant_id", S, "商户号", False),
        Column("purpose", S, "用途", False),
        Column("signed_at", D, "签约日期", True),
        Column("revoked_at", D, "解约日期", False),
        Column("channel", S, "签约渠道", False),
        Column("amount_limit", M, "单笔限额", False, min_value="0"),
    ),
)

MERCHANTS = Table(
    name="merchants",
    zh="商户登记",
    kind="event",
    key=("merchant_id",),
    columns=(
        Column("merchant_id", S, "商户号", True),
        Column("name", S, "商户名称", True),
        Column("payment_institution", S, "支付机构", False),
        Column("category", S, "商户类别", False),
        Column("cancel_hint", S, "取消方式", False),
    ),
)

WATCHLIST = Table(
    name="watchlist",
    zh="风险名单",
    kind="event",
    key=("list", "account_no", "id_code", "valid_from"),
    one_of=(("account_no", "id_code"),),
    description="police case accounts block a payment to them; `allow` exempts a customer from history rules",
    columns=(
        Column("list", E, "名单", True, enum=WATCH_LISTS),
        Column("account_no", S, "账号", False, "an account number, own or another bank's"),
        Column("id_code", S, "证件号码", False),
        Column("name", S, "户名", False),
        Column("valid_from", D, "生效日期", False, "inclusive; blank = always"),
        Column("valid_to", D, "失效日期", False, "inclusive; blank = still valid"),
        Column("source", S, "来源", False),
    ),
)

SCREENING_REQUESTS = Table(
    name="screening_requests",
    zh="柜面交易申请",
    kind="event",
    key=("request_id",),
    references=(
        Reference(("branch_id",), "branches", ("branch_id",), nullable=False),
        Reference(("customer_id",), "customers", ("customer_id",), nullable=False),
        Reference(("account_id",), "accounts", ("account_id",), nullable=False),
    ),
    description="large payout requests screened before the money leaves (spec/screening.md)",
    columns=(
        Column("request_id", S, "申请编号", True),
        Column("requested_at", DT, "申请时间", True, "features use only data strictly before this instant"),
        Column("branch_id", S, "受理机构", True),
        Column("customer_id", S, "客户号", True),
        Column("account_id", S, "账号", True),
        Column("request_type", E, "业务类型", True, enum=REQUEST_TYPES),
        Column("amount", M, "金额", True, "yuan", min_value="0.01"),
        Column("channel", E, "渠道", False, "default counter", enum=REQUEST_CHANNELS),
        Column("teller_id", S, "柜员号", False),
        Column("payee_name", S, "收款人户名", False),
        Column("payee_account", S, "收款人账号", False),
        Column("payee_bank", S, "收款人行名", False),
        Column("payee_type", E, "收款人类型", False, enum=PAYEE_TYPES),
        Column("stated_purpose", S, "客户所述用途", False, "free text as the customer says it"),
        Column("appointment_purpose", S, "预约用途", False),
        Column("accompanied_by", E, "陪同人员", False, enum=ACCOMPANIED),
        Column("outcome", E, "办理结果", False, "filled afterwards", enum=REQUEST_OUTCOMES),
    ),
)

TELLER_OBSERVATIONS = Table(
    name="teller_observations",
    zh="柜员观察",
    kind="event",
    key=("request_id", "code"),
    references=(Reference(("request_id",), "screening_requests", ("request_id",), nullable=False),),
    description="one row per ticked checklist item; codes are the screening rulebook's checklist",
    columns=(
        Column("request_id", S, "申请编号", True),
        Column("code", S, "观察项", True, "a checklist code of the screening rulebook, e.g. anxious"),
        Column("note", S, "备注", False),
        Column("observed_at", DT, "观察时间", False),
        Column("teller_id", S, "柜员号", False),
    ),
)

FRAUD_LABELS_TABLE = Table(
    name="fraud_labels",
    zh="欺诈标注",
    kind="event",
    key=("key_type", "key"),
    description="ground truth for the screening backtest",
    columns=(
        Column("key_type", E, "标注对象", True, enum=LABEL_KEYS),
        Column("key", S, "申请编号或账号", True),
        Column("label", E, "标注", True, enum=FRAUD_LABELS),
        Column("typology", S, "诈骗类型", False, "e.g. fake_investment, impersonate_authority"),
        Column("amount_lost", M, "损失金额", False, min_value="0"),
        Column("confirmed_at", D, "确认日期", False),
        Column("source", E, "来源", False, enum=LABEL_SOURCES),
    ),
)

CODE_ACCEPTANCES = Table(
    name="code_acceptances",
    zh="代码核定",
    key=("loan_id", "field"),
    references=(Reference(("loan_id",), "loans", ("loan_id",), nullable=False),),
    columns=(
        Column("loan_id", S, "贷款借据编码", True),
        Column("field", E, "字段", True, enum=(
            ev("tech_htp", "高技术制造业类型"), ev("tech_hts", "高技术服务业类型"), ev("tech_se", "战略性新兴产业类型"),
            ev("tech_pa", "知识产权密集型产业类型"), ev("pension_code", "养老产业类型"),
            ev("digital_code", "数字经济产业类型"))),
        Column("code", S, "代码", True, "the code accepted although the purpose industry is not mapped to it"),
        Column("reason", S, "核定理由", True),
        Column("accepted_by", S, "核定人", True),
        Column("accepted_at", D, "核定日期", True),
    ),
)

SNAPSHOT_TABLES: tuple[Table, ...] = (
    BRANCHES,
    CUSTOMERS,
    LOANS,
    REGISTRIES,
    ACCOUNTS,
    SERVICE_ACTIVATIONS,
    PROCESSES,
    ACTIVITIES,
    TARGETS,
    PEERS,
    CODE_ACCEPTANCES,
)
EVENT_TABLES: tuple[Table, ...] = (
    MERCHANTS, TRANSACTIONS, MANDATES, WATCHLIST, SCREENING_REQUESTS, TELLER_OBSERVATIONS, FRAUD_LABELS_TABLE,
)
ALL_TABLES: tuple[Table, ...] = SNAPSHOT_TABLES + EVENT_TABLES


def table(name: str) -> Table:
    """The table called ``name``; KeyError if the contract has none."""
    for t in ALL_TABLES:
        if t.name == name:
            return t
    raise KeyError(f"no table {name!r} in the data contract")
