"""Identifier codes that look and check like real ones: 统一社会信用代码 (GB 32100-2015 check character) and
居民身份证号码 (GB 11643-1999, ISO 7064 MOD 11-2 check digit). Synthetic: they match no real entity.
"""

from __future__ import annotations

import numpy as np

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check(body17: str) -> str:
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def usccs(rng: np.random.Generator, prefix: np.ndarray, region: np.ndarray) -> np.ndarray:
    """18-character codes: 2-char registration prefix ('91' enterprise, '92' 个体, '12' 事业单位, '52' 民非),
    6-digit region, 9-character organisation code, check character. Unique within one call."""
    n = prefix.size
    seen: set[str] = set()
    out = np.empty(n, dtype=object)
    digits = rng.integers(0, 10, size=(n, 8))
    tail = rng.integers(0, 31, size=n)
    for i in range(n):
        org = "".join(map(str, digits[i])) + _USCC_CHARS[tail[i]]
        body = f"{prefix[i]}{region[i]}{org}"
        code = body + uscc_check(body)
        while code in seen:  # vanishingly rare; keep codes unique
            org = f"{(int(org[:8]) + 7919) % 10**8:08d}{org[8]}"
            body = f"{prefix[i]}{region[i]}{org}"
            code = body + uscc_check(body)
        seen.add(code)
        out[i] = code
    return out


def id_cards(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """18-digit resident id numbers with a valid MOD 11-2 check digit."""
    seq = rng.integers(0, 1000, size=region.size)
    out = np.empty(region.size, dtype=object)
    births = np.datetime_as_string(birth.astype("datetime64[D]"))
    seen: set[str] = set()
    for i in range(region.size):
        s = int(seq[i])
        while True:
            body = f"{region[i]}{births[i].replace('-', '')}{s:03d}"
            if body not in seen:
                break
            s = (s + 1) % 1000
        seen.add(body)
        total = sum(int(ch) * w for ch, w in zip(body, _ID_WEIGHTS, strict=True))
        out[i] = body + _ID_CHECK[total % 11]
    return out
