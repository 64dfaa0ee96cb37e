"""Official reference data packaged with wupian, with typed loaders (see each dataset's PROVENANCE.md).

* ``datasets`` — registry of dataset versions by effective date (``dataset_for(kind, date)``), CSV reader;
* ``industry`` — GB/T 4754-2017 (all levels), 2011 and ISIC Rev.4 crosswalks, code normalisation;
* ``green`` — 绿色金融支持项目目录（2025年版）: categories, industries per item, code suggestions;
* ``classifications`` — NBS classifications behind HTP/HTS/SE/PA/EC/DE with ``*`` marks, combined reference;
* ``pboc_codes`` — PBOC 2025 五篇大文章 code lists, report-file field dictionary, summary-row codes;
* ``size_standard`` — 中小企业划型标准 (2011) thresholds, industry groups, the decision rule.

The Chinese working-day calendar lives in ``calendar`` (maintained separately).
"""
