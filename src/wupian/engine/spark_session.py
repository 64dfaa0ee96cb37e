"""The one SparkSession of a process: started by wupian (``wupian --engine spark``) or by ``spark-submit``, and
configured so that the conformance suite's proof of equality with DuckDB holds.

Which settings win (:func:`plan`, a pure function tested without a cluster), highest first:

1. :data:`REQUIRED` — what equal results need, set on every session whoever started it: ANSI mode on (overflow and
   bad casts raise instead of giving NULL), ``allowPrecisionLoss=false`` (DECIMAL × DECIMAL keeps every digit
   instead of rounding to 6 places), UTC session time zone, ``TIMESTAMP_NTZ`` as the default timestamp type
   (DuckDB's ``TIMESTAMP`` has no zone) and the in-memory catalog (a warehouse registers and drops its tables in
   the session catalog; it must never touch a shared Hive metastore). Asking for another value of one of these is
   a usage error, not silently ignored.
2. ``--spark-conf KEY=VALUE`` (env ``WUPIAN_SPARK_CONF``) and the ``conf`` of :func:`session`.
3. What the cluster's configuration already sets: the running session (a ``pyspark`` shell, a notebook), the
   ``spark-submit`` that started this process (its ``--master`` and ``--conf``, read from the JVM it launched),
   or for a plain process ``PYSPARK_SUBMIT_ARGS`` and ``spark-defaults.conf`` (``$SPARK_CONF_DIR``, else
   ``$SPARK_HOME/conf``).
4. :data:`DEFAULTS` and, on a ``local`` master only, :data:`LOCAL_DEFAULTS` (4 shuffle partitions, a 2g driver:
   right for ``local[2]``, wrong for a cluster, where Spark's own defaults and the cluster's settings apply).

The master: ``--spark-master`` (env ``WUPIAN_SPARK_MASTER``), else the configured ``spark.master``, else
``local[2]``. Under ``spark-submit`` or inside a running session the master is already chosen: a different
``--spark-master`` is a usage error (spark-submit's deploy settings belong to its master).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wupian.core.errors import UsageError

DEFAULT_MASTER = "local[2]"
MASTER_ENV = "WUPIAN_SPARK_MASTER"
CONF_ENV = "WUPIAN_SPARK_CONF"

REQUIRED: dict[str, str] = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.catalogImplementation": "in-memory",
}
# Fixed when the session starts: a running session with another value cannot be used.
STATIC = frozenset({"spark.sql.catalogImplementation"})
DEFAULTS: dict[str, str] = {
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.legacy.allowNonEmptyLocationInCTAS": "true",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # a reliable checkpoint directory (spark.checkpoint.dir), when set, is cleaned with its temp tables
    "spark.cleaner.referenceTracking.cleanCheckpoints": "true",
    "spark.ui.showConsoleProgress": "false",
}
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.memory": "2g",
    "spark.ui.enabled": "false",
}
CONF = {**REQUIRED, **DEFAULTS, **LOCAL_DEFAULTS}  # what a plain local session gets


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """The master and the settings to apply, and where each came from (for ``--spark-conf`` error messages and
    the docs' precedence table)."""

    master: str
    conf: dict[str, str]
    source: dict[str, str] = field(default_factory=dict)  # key -> required|option|configured|default


def parse_conf_options(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` items of ``--spark-conf`` (each item may hold several, whitespace-separated, as the env
    variable does)."""
    out: dict[str, str] = {}
    for item in items:
        for kv in item.split():
            key, sep, value = kv.partition("=")
            if not sep or not key.startswith("spark."):
                raise UsageError(f"--spark-conf takes spark.KEY=VALUE, got {kv!r}")
            out[key] = value
    check_options(out)
    return out


def check_options(options: Mapping[str, str]) -> None:
    """Settings given to wupian may not change what equal results need, nor the master (``--spark-master``)."""
    for key, value in options.items():
        if key in REQUIRED and value != REQUIRED[key]:
            raise UsageError(f"--spark-conf {key}={value}: wupian needs {key}={REQUIRED[key]} for results equal to "
                             "DuckDB's (docs/spark.md)")
    if "spark.master" in options:
        raise UsageError("--spark-conf spark.master: use --spark-master")


def parse_properties(text: str) -> dict[str, str]:
    """A ``spark-defaults.conf`` (Java properties: ``key value``, ``key=value`` or ``key: value``; ``#``/``!``
    comments)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        cut = min((i for i in (line.find("="), line.find(":"), *(line.find(c) for c in " \t")) if i > 0),
                  default=len(line))
        key, value = line[:cut].strip(), line[cut:].lstrip(" \t")
        if value[:1] in ("=", ":"):
            value = value[1:]
        out[key] = value.strip()
    return out


def parse_submit_args(args: str) -> dict[str, str]:
    """The settings in ``PYSPARK_SUBMIT_ARGS`` (``--master``, ``--driver-memory``, ``--conf k=v``)."""
    out: dict[str, str] = {}
    words = shlex.split(args)
    flags = {"--master": "spark.master", "--driver-memory": "spark.driver.memory",
             "--properties-file": "", "--name": "spark.app.name"}
    i = 0
    while i < len(words):
        w = words[i]
        name, eq, inline = w.partition("=")
        if name == "--conf" or name in flags:
            value = inline if eq else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if eq else 2
            if name == "--conf":
                k, _, v = value.partition("=")
                out[k] = v
            elif name == "--properties-file":
                path = Path(value)
                if path.is_file():
                    out = {**parse_properties(path.read_text(encoding="utf-8")), **out}
            else:
                out[flags[name]] = value
            continue
        i += 1
    return out


def configured_for_new_jvm(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What spark-submit would take from ``spark-defaults.conf`` and ``PYSPARK_SUBMIT_ARGS`` when wupian starts
    the JVM itself (read before it starts: the driver's memory cannot change afterwards)."""
    env = os.environ if env is None else env
    conf_dir = env.get("SPARK_CONF_DIR") or (str(Path(env["SPARK_HOME"]) / "conf") if env.get("SPARK_HOME") else "")
    out: dict[str, str] = {}
    defaults = Path(conf_dir) / "spark-defaults.conf" if conf_dir else None
    if defaults is not None and defaults.is_file():
        out.update(parse_properties(defaults.read_text(encoding="utf-8")))
    out.update(parse_submit_args(env.get("PYSPARK_SUBMIT_ARGS", "")))
    return out


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[") or master.startswith("local-cluster[")


def plan(option_master: str | None, options: Mapping[str, str], configured: Mapping[str, str], *,
         started: bool) -> SessionPlan:
    """The master and settings of the session. ``option_master``/``options``: what the user gave wupian
    (``--spark-master``, ``--spark-conf``); ``configured``: what the running session or spark-submit or
    spark-defaults set; ``started``: the master is already chosen (spark-submit, a running session)."""
    check_options(options)
    running = configured.get("spark.master")
    if started and running and option_master and option_master != running:
        raise UsageError(f"Spark was started with master {running} (spark-submit or a running session); "
                         f"--spark-master {option_master} cannot change it: drop the option or give the same")
    master = (running if started and running else None) or option_master or running or DEFAULT_MASTER
    conf: dict[str, str] = {}
    source: dict[str, str] = {}
    layers: list[tuple[str, Mapping[str, str]]] = [("default", DEFAULTS)]
    if is_local(master):
        layers.append(("default", LOCAL_DEFAULTS))
    for name, layer in layers:
        for key, value in layer.items():
            if key not in configured:
                conf[key], source[key] = value, name
    for key, value in options.items():
        conf[key], source[key] = value, "option"
    for key, value in REQUIRED.items():
        conf[key], source[key] = value, "required"
    return SessionPlan(master, conf, source)


def default_master() -> str | None:
    return os.environ.get(MASTER_ENV) or None


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The process's SparkSession: the running one (spark-submit, a shell, an earlier call) with wupian's required
    settings applied, or a new one built by :func:`plan`."""
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError("--engine spark needs pyspark: pip install 'wupian[spark]' (and Java 17, "
                         "e.g. Debian's openjdk-17-jre-headless)") from exc
    master = master or default_master()
    options = {**parse_conf_options(tuple(os.environ.get(CONF_ENV, "").split())), **(conf or {})}
    active = SparkSession.getActiveSession()
    if active is not None:
        return _adopt(active, master, options)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM, with its settings
    if submitted:
        try:
            SparkContext._ensure_initialized()
            configured = dict(SparkConf().getAll())
        except Exception as exc:
            raise UsageError(f"cannot reach the JVM spark-submit started: {exc}") from exc
    else:
        configured = configured_for_new_jvm()
    p = plan(master, options, configured, started=submitted and "spark.master" in configured)
    builder = SparkSession.builder.master(p.master).appName(configured.get("spark.app.name", "wupian"))
    for k, v in p.conf.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, bad master URL …
        raise UsageError(f"cannot start Spark ({p.master}): {exc}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _adopt(spark: Any, master: str | None, options: Mapping[str, str]) -> Any:
    """A session someone else started: check what cannot change, set the runtime settings wupian needs."""
    sc = spark.sparkContext
    configured = dict(sc.getConf().getAll())
    configured["spark.master"] = sc.master
    static = {k: spark.conf.get(k, None) for k in STATIC}
    p = plan(master, options, {**configured, **{k: v for k, v in static.items() if v is not None}}, started=True)
    for key in STATIC:
        if static[key] != REQUIRED[key]:
            raise UsageError(f"the running Spark session has {key}={static[key]}; wupian needs {REQUIRED[key]} "
                             "(its warehouse registers and drops tables in the session catalog): start the session "
                             f"with --conf {key}={REQUIRED[key]}")
    for key, value in p.conf.items():
        if key not in STATIC and p.source[key] in ("required", "option"):
            try:
                spark.conf.set(key, value)
            except Exception as exc:  # a static setting given to a running session
                raise UsageError(f"--spark-conf {key}: cannot change it on a running session ({exc})") from exc
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
