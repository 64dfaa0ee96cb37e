"""Benchmark: classify N synthetic loans with wupian's rule engine vs a hand-written DuckDB SQL implementation
of the same core rules (written here, for this benchmark), check that both agree, and report time and peak memory.

    python bench/classify.py                 # 10,000,000 loans (default)
    python bench/classify.py --loans 2000000 --out bench/results/classify.md

Each phase runs in its own subprocess so its peak RSS is measured alone. Data is generated with vectorised DuckDB
SQL (no demo generator). The hand-written SQL produces the same (loan_id, tag, amount) rows plus an explanation
string per row, for the pboc_2025 profile: scope exclusions, product scopes, registries valid on the date,
size per the 2011 standard, 单户授信 fallback, 普惠 seven flags, green partial amounts, pension 50% rule,
digital core/DE05 evidence, and the tech / five_union unions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2025, 12, 31)


def generate(db: str, n: int) -> None:
    from wupian.engine.warehouse import Warehouse

    ncust = max(n // 4, 1)
    with Warehouse(db) as wh:
        wh.insert_rows("customers", ['as_of', 'customer_id', 'name', 'customer_type', 'id_code', 'industry_code', 'employees', 'revenue', 'total_assets', 'declared_size', 'credit_limit_total', 'pension_revenue_share'], f"""SELECT DATE '2025-12-31', 'C' || i, 'n',
                ['enterprise','enterprise','enterprise','sole_proprietor','small_business_owner','farmer','individual','other_org'][1 + i % 8],
                'ID' || i,
                ['3311','3911','4710','5211','6511','7010','7310','0111','2710','6611'][1 + (i // 8) % 10],
                (hash(i) % 1500)::BIGINT, ((hash(i + 1) % 500000000) * 100)::DECIMAL(38,2) / 100,
                ((hash(i + 2) % 900000000))::DECIMAL(38,2),
                CASE WHEN i % 3 = 0 THEN NULL ELSE ['large','medium','small','micro'][1 + (i // 3) % 4] END,
                CASE WHEN i % 5 = 0 THEN NULL ELSE ((hash(i + 3) % 2000) * 10000)::DECIMAL(38,2) END,
                CASE WHEN i % 7 = 0 THEN 0.6 WHEN i % 11 = 0 THEN 0.3 END
            FROM range({ncust}) t(i)""")
        wh.execute(f"""INSERT INTO registries (as_of, registry, id_code, valid_from, valid_to)
            SELECT DATE '2025-12-31',
                ['high_tech_enterprise','tech_sme','specialized_sme','little_giant','innovative_sme',
                 'national_elderly_care_institution'][1 + i % 6],
                'ID' || (i * 13 % {ncust}), DATE '2024-01-01' + (i % 800)::INTEGER,
                CASE WHEN i % 4 = 0 THEN NULL ELSE DATE '2025-06-01' + (i % 400)::INTEGER END
            FROM range({max(ncust // 20, 1)}) t(i)""")
        wh.insert_rows("loans", ['as_of', 'loan_id', 'customer_id', 'branch_id', 'business_type', 'product_type', 'drawdown_date', 'drawdown_amount', 'maturity_date', 'balance', 'interest_rate', 'five_class', 'status', 'is_entrusted', 'purpose_industry_code', 'green_code', 'green_amount', 'tech_htp', 'tech_se', 'pension_code', 'pension_share', 'digital_code', 'digital_evidence', 'startup_guarantee', 'is_student_loan'], f"""SELECT DATE '2025-12-31', 'L' || i, 'C' || (hash(i) % {ncust}), 'B1',
                ['corporate','corporate','corporate','personal','personal','bill_direct','bill_rediscount','corporate'][1 + i % 8],
                ['F022','F023','F0211','F022',NULL][1 + (i // 8) % 5],
                DATE '2025-01-01' + (i % 360)::INTEGER, ((hash(i + 5) % 1000000000))::DECIMAL(38,2) / 100 + 1000,
                DATE '2028-01-01', ((hash(i + 6) % 1000000000))::DECIMAL(38,2) / 100, 3.5, 'normal',
                ['normal','normal','normal','settled','written_off','transferred','normal','normal','normal','normal'][1 + (i // 3) % 10],
                (i % 97 = 0),
                ['3311','3911','4415','2710','6511'][1 + (i // 5) % 5],
                CASE WHEN i % 9 = 0 THEN '4.2.1' WHEN i % 29 = 0 THEN '9.9.9' END,
                CASE WHEN i % 18 = 0 THEN ((hash(i + 7) % 2000000000))::DECIMAL(38,2) / 100 END,
                CASE WHEN i % 13 = 0 THEN 'HTP03' END, CASE WHEN i % 17 = 0 THEN 'SE01' END,
                CASE WHEN i % 19 = 0 THEN 'EC01' END,
                CASE WHEN i % 19 = 0 AND i % 2 = 0 THEN [0.4, 0.5, 0.7][1 + i % 3] END,
                CASE WHEN i % 23 = 0 THEN ['DE01','DE03','DE05'][1 + i % 3] END, (i % 46 = 0),
                CASE WHEN i % 101 = 0 THEN 'C01' END, (i % 103 = 0)
            FROM range({n}) t(i)""")


HAND_SQL = """
CREATE OR REPLACE TEMP TABLE h_cust AS
WITH c AS (SELECT * FROM customers WHERE as_of = $d),
g AS (SELECT c.customer_id, t.indicator, t.large_min, t.medium_min, t.small_min, t.group_name,
             CASE t.indicator WHEN 'employees' THEN c.employees::DECIMAL(38,2) WHEN 'revenue' THEN c.revenue
                  ELSE c.total_assets END AS v
      FROM c JOIN ref_size_groups sg ON sg.code = c.industry_code
             JOIN ref_size_thresholds t ON t.group_id = sg.group_id
      WHERE c.customer_type IN ('enterprise','other_org','sole_proprietor')),
s AS (SELECT customer_id,
        CASE WHEN NOT bool_and(v IS NOT NULL) THEN NULL WHEN bool_and(v >= large_min) THEN 'large'
             WHEN bool_and(v >= medium_min) THEN 'medium' WHEN bool_and(v >= small_min) THEN 'small'
             ELSE 'micro' END AS derived
      FROM g GROUP BY customer_id),
lc AS (SELECT customer_id, sum(balance) FILTER (WHERE balance > 0) AS bal,
              sum(drawdown_amount) FILTER (WHERE balance > 0) AS drawn, max(drawdown_amount) AS mx
       FROM loans WHERE as_of = $d AND business_type <> 'bill_rediscount' AND NOT coalesce(is_entrusted, false)
       GROUP BY customer_id),
r AS (SELECT id_code, list(DISTINCT registry) AS regs FROM registries
      WHERE as_of = $d AND (valid_from IS NULL OR valid_from <= $d) AND (valid_to IS NULL OR valid_to >= $d)
      GROUP BY id_code)
SELECT c.customer_id, c.customer_type, c.pension_revenue_share,
    CASE WHEN c.declared_size IS NOT NULL AND NOT (c.declared_size = 'none'
              AND c.customer_type IN ('enterprise','other_org','sole_proprietor')) THEN c.declared_size
         ELSE s.derived END AS size,
    coalesce(c.credit_limit_total, CASE WHEN lc.bal IS NOT NULL THEN greatest(lc.bal, lc.drawn) ELSE lc.mx END)
        AS credit,
    coalesce(r.regs, []) AS regs
FROM c LEFT JOIN s USING (customer_id) LEFT JOIN lc USING (customer_id) LEFT JOIN r ON r.id_code = c.id_code;

CREATE OR REPLACE TEMP TABLE h_eval AS
SELECT l.loan_id, l.balance,
    (l.business_type <> 'bill_rediscount' AND NOT coalesce(l.is_entrusted, false)
     AND coalesce(l.status, '') NOT IN ('written_off', 'transferred')) AS ok,
    l.business_type IN ('corporate', 'bill_direct') AS unit,
    list_has_any(c.regs, ['high_tech_enterprise','tech_sme','specialized_sme','little_giant',
                          'tech_innovation_demo','single_champion']) AS t_ent,
    (l.tech_htp IS NOT NULL OR l.tech_hts IS NOT NULL OR l.tech_se IS NOT NULL OR l.tech_pa IS NOT NULL) AS t_ind,
    gi.code IS NOT NULL AS g_ok, least(coalesce(l.green_amount, l.balance), l.balance) AS g_amt,
    (l.business_type IN ('corporate','bill_direct') OR regexp_matches(coalesce(l.product_type, ''),
        '^(F022|F023|F05|F08|F09|F12)')) AS biz,
    (c.customer_type = 'enterprise' AND c.size IN ('small','micro') AND c.credit <= 10000000) AS i1,
    (c.customer_type = 'sole_proprietor' AND c.credit <= 10000000) AS i2,
    (c.customer_type = 'small_business_owner' AND c.credit <= 10000000) AS i3,
    (c.customer_type = 'farmer' AND c.credit <= 5000000) AS i4,
    (l.startup_guarantee IS NOT NULL OR coalesce(l.is_student_loan, false)
     OR coalesce(l.is_ex_poverty_consumer, false)) AS i5,
    (l.pension_code IS NOT NULL AND (l.pension_share >= 0.5 OR (l.pension_share IS NULL
        AND c.pension_revenue_share >= 0.5))) OR list_contains(c.regs, 'national_elderly_care_institution') AS p,
    l.digital_code IN ('DE01','DE02','DE03','DE04') AS d_core,
    (l.digital_code = 'DE05' AND coalesce(l.digital_evidence, false)) AS d05,
    c.credit, c.size
FROM loans l LEFT JOIN h_cust c ON c.customer_id = l.customer_id
LEFT JOIN ref_green_items gi ON gi.code = l.green_code
WHERE l.as_of = $d;

CREATE OR REPLACE TEMP TABLE h_tags AS
WITH e AS (
  SELECT loan_id, balance, g_amt, credit, size,
    ok AND unit AND t_ent AS te, ok AND unit AND t_ind AS ti, ok AND g_ok AS g,
    ok AND ((i1 OR ((i2 OR i3) AND biz)) OR (i4 AND biz) OR i5) AS inc,
    ok AND (i1 OR ((i2 OR i3) AND biz)) AS incm, ok AND p AS pen,
    ok AND unit AND (d_core OR d05) AS dig, ok AND unit AND d_core AS digc
  FROM h_eval)
SELECT loan_id, 'tech_enterprise' AS tag, balance AS amount, '科技型企业' AS why FROM e WHERE te
UNION ALL SELECT loan_id, 'tech_industry', balance, '科技相关产业' FROM e WHERE ti
UNION ALL SELECT loan_id, 'tech', balance, '科技' FROM e WHERE te OR ti
UNION ALL SELECT loan_id, 'green', g_amt, concat('绿色 ', g_amt::VARCHAR) FROM e WHERE g
UNION ALL SELECT loan_id, 'inclusive', balance, concat('授信 ', credit::VARCHAR, ' 规模 ', size) FROM e WHERE inc
UNION ALL SELECT loan_id, 'inclusive_micro', balance, concat('授信 ', credit::VARCHAR) FROM e WHERE incm
UNION ALL SELECT loan_id, 'pension', balance, '养老' FROM e WHERE pen
UNION ALL SELECT loan_id, 'digital', balance, '数字' FROM e WHERE dig
UNION ALL SELECT loan_id, 'digital_core', balance, '数字核心' FROM e WHERE digc
UNION ALL SELECT loan_id, 'five_union',
    greatest(CASE WHEN te OR ti OR inc OR pen OR dig THEN balance END, CASE WHEN g THEN g_amt END), '五篇'
  FROM e WHERE te OR ti OR g OR inc OR pen OR dig;
"""


def phase_engine(db: str) -> dict:
    from wupian.engine.warehouse import Warehouse
    from wupian.rules import classify_snapshot

    with Warehouse(db) as wh:
        t0 = time.perf_counter()
        report = classify_snapshot(wh, AS_OF)
        secs = time.perf_counter() - t0
        rows = wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = 'pboc_2025'", [AS_OF])
    return {"seconds": secs, "rows": rows, "issues": len(report.issues)}


def phase_hand(db: str) -> dict:
    from wupian.engine.classify import register_green_reference
    from wupian.engine.classify_customers import register_size_reference
    from wupian.engine.warehouse import Warehouse

    with Warehouse(db) as wh:
        register_size_reference(wh, AS_OF, ())
        register_green_reference(wh, AS_OF)
        t0 = time.perf_counter()
        for stmt in HAND_SQL.split(";"):
            if stmt.strip():
                wh.execute(stmt.replace("$d", "DATE '2025-12-31'"))
        # Persisting the result is part of the job (the engine stores loan_tags), so it is timed too.
        wh.execute("CREATE OR REPLACE TABLE bench_hand_tags AS SELECT loan_id, tag, amount, why FROM h_tags")
        secs = time.perf_counter() - t0
        rows = wh.scalar("SELECT count(*) FROM bench_hand_tags")
    return {"seconds": secs, "rows": rows}


def phase_compare(db: str) -> dict:
    from wupian.engine.warehouse import Warehouse

    with Warehouse(db) as wh:
        diff = wh.scalar("""SELECT count(*) FROM (
            (SELECT loan_id, tag, amount FROM loan_tags WHERE profile = 'pboc_2025'
             EXCEPT ALL SELECT loan_id, tag, amount FROM bench_hand_tags)
            UNION ALL
            (SELECT loan_id, tag, amount FROM bench_hand_tags
             EXCEPT ALL SELECT loan_id, tag, amount FROM loan_tags WHERE profile = 'pboc_2025'))""")
    return {"differences": diff}


def _child(phase: str, db: str, n: int = 0) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--db", db, "--loans", str(n)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=10_000_000)
    ap.add_argument("--phase", choices=["generate", "engine", "hand", "compare"])
    ap.add_argument("--db")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.phase:
        t0 = time.perf_counter()
        result = {"generate": lambda: generate(args.db, args.loans) or {}, "engine": lambda: phase_engine(args.db),
                  "hand": lambda: phase_hand(args.db), "compare": lambda: phase_compare(args.db)}[args.phase]()
        result["wall"] = time.perf_counter() - t0
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.duckdb")
        gen = _child("generate", db, args.loans)
        hand = _child("hand", db)
        engine = _child("engine", db)
        cmp_ = _child("compare", db)
    ratio = engine["seconds"] / hand["seconds"]
    lines = [
        f"loans: {args.loans:,}  (generated in {gen['wall']:.1f}s)",
        f"hand-written SQL: {hand['seconds']:.2f}s, {hand['rows']:,} tag rows, peak RSS {hand['peak_rss_mib']:.0f} MiB",
        f"wupian engine:    {engine['seconds']:.2f}s, {engine['rows']:,} tag rows, peak RSS "
        f"{engine['peak_rss_mib']:.0f} MiB ({engine['issues']} issues)",
        f"ratio engine / hand-written: {ratio:.2f}x   differences in (loan_id, tag, amount): {cmp_['differences']}",
    ]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if cmp_["differences"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
