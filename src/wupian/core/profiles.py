"""The classification profiles (which regulator's definitions), named once for every layer and both shells.

``pboc_2025``: 中国人民银行 2025 五篇大文章 statistics; ``nfra_1104_2025``: 国家金融监督管理总局 1104 tables.
The rulebook's ``manifest.yaml`` describes each profile; rules list the profiles they apply to.
"""

from __future__ import annotations

PROFILES: tuple[str, ...] = ("pboc_2025", "nfra_1104_2025")
DEFAULT_PROFILE = "pboc_2025"
