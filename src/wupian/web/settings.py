"""Settings of one web app instance (immutable; the CLI builds them from its options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from wupian.ops import ThrottlePolicy

DEMO_USCC = "91130900MA0BANK010"


@dataclass(frozen=True, slots=True)
class WebSettings:
    db_path: Path
    ops_dsn: str
    session_ttl: timedelta = timedelta(hours=8)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    secure_cookies: bool = False  # set when served behind HTTPS
    watch_seconds: float = 2.0  # how often the server looks for a newer warehouse to publish (0: never)
    uscc: str = DEMO_USCC  # the bank's 统一社会信用代码 for the official file names of the month-end job
    data_root: Path | None = None  # the month-end desk may read folders under this root (and its own uploads)

    @property
    def reports_dir(self) -> Path:
        p = self.db_path.resolve()
        return p.with_name(p.name + ".reports")

    @property
    def uploads_dir(self) -> Path:
        p = self.db_path.resolve()
        return p.with_name(p.name + ".uploads")
