"""The one SparkSession of a process, configured the way the conformance suite proves equal to DuckDB.

ANSI mode on (overflow and bad casts raise instead of giving NULL), ``allowPrecisionLoss=false`` (DECIMAL ×
DECIMAL keeps every digit instead of rounding to 6 places), UTC session time zone and ``TIMESTAMP_NTZ`` as the
default timestamp type (DuckDB's ``TIMESTAMP`` has no zone). The master defaults to ``local[2]``; any master URL
(``yarn``, ``k8s://…``, ``spark://…``) works, see docs/spark.md.
"""

from __future__ import annotations

import os
from typing import Any

from wupian.core.errors import UsageError

DEFAULT_MASTER = "local[2]"
MASTER_ENV = "WUPIAN_SPARK_MASTER"

CONF: dict[str, str] = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.legacy.allowNonEmptyLocationInCTAS": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
}


def default_master() -> str:
    return os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def session(master: str | None = None) -> Any:
    """The process's SparkSession (created on first use with :data:`CONF`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError("--engine spark needs pyspark: pip install 'wupian[spark]' (and Java 17, "
                         "e.g. Debian's openjdk-17-jre-headless)") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(master or default_master()).appName("wupian")
    for k, v in CONF.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, bad master URL …
        raise UsageError(f"cannot start Spark ({master or default_master()}): {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stop() -> None:
    """Stop the process's session, if any."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
