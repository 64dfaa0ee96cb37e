"""Which Spark master and settings win (``spark_session.plan``) — wupian's correctness settings over everything,
then ``--spark-conf``, then what spark-submit / spark-defaults.conf / PYSPARK_SUBMIT_ARGS set, then wupian's
defaults (the local-only ones on a local master only) — and how warehouse locations are written
(``spark_fs``). Pure functions: no Java, no cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from wupian.core.errors import UsageError
from wupian.engine import spark_fs
from wupian.engine.spark_session import (
    LOCAL_DEFAULTS,
    REQUIRED,
    configured_for_new_jvm,
    parse_conf_options,
    parse_properties,
    parse_submit_args,
    plan,
)


def test_plain_process_gets_local_defaults_and_required() -> None:
    p = plan(None, {}, {}, started=False)
    assert p.master == "local[2]"
    assert p.conf["spark.sql.shuffle.partitions"] == "4" and p.conf["spark.driver.memory"] == "2g"
    for key, value in REQUIRED.items():
        assert p.conf[key] == value and p.source[key] == "required"


def test_spark_submit_master_and_settings_are_kept() -> None:
    submitted = {"spark.master": "yarn", "spark.sql.shuffle.partitions": "800", "spark.executor.instances": "10",
                 "spark.driver.memory": "8g"}
    p = plan(None, {}, submitted, started=True)
    assert p.master == "yarn"
    # nothing wupian does not need is set over the cluster's configuration …
    assert "spark.sql.shuffle.partitions" not in p.conf and "spark.driver.memory" not in p.conf
    assert "spark.executor.instances" not in p.conf
    # … and the local-only defaults never apply to a cluster master, even when the cluster leaves them unset
    p = plan(None, {}, {"spark.master": "yarn"}, started=True)
    assert not set(LOCAL_DEFAULTS) & set(p.conf)
    assert {k for k, s in p.source.items() if s == "required"} == set(REQUIRED)


def test_required_settings_win_over_the_cluster() -> None:
    p = plan(None, {}, {"spark.master": "yarn", "spark.sql.ansi.enabled": "false",
                        "spark.sql.decimalOperations.allowPrecisionLoss": "true",
                        "spark.sql.session.timeZone": "Asia/Shanghai",
                        "spark.sql.catalogImplementation": "hive"}, started=True)
    assert p.conf["spark.sql.ansi.enabled"] == "true"
    assert p.conf["spark.sql.decimalOperations.allowPrecisionLoss"] == "false"
    assert p.conf["spark.sql.session.timeZone"] == "UTC"
    assert p.conf["spark.sql.catalogImplementation"] == "in-memory"


def test_spark_conf_option_wins_over_configured_but_not_over_required() -> None:
    p = plan(None, {"spark.sql.shuffle.partitions": "64", "spark.checkpoint.dir": "hdfs:///ckpt"},
             {"spark.master": "yarn", "spark.sql.shuffle.partitions": "800"}, started=True)
    assert p.conf["spark.sql.shuffle.partitions"] == "64" and p.source["spark.sql.shuffle.partitions"] == "option"
    assert p.conf["spark.checkpoint.dir"] == "hdfs:///ckpt"
    with pytest.raises(UsageError, match="spark.sql.ansi.enabled=true"):
        plan(None, {"spark.sql.ansi.enabled": "false"}, {}, started=False)
    with pytest.raises(UsageError, match="--spark-master"):
        plan(None, {"spark.master": "yarn"}, {}, started=False)
    # asking for the value wupian sets anyway is fine
    assert plan(None, {"spark.sql.session.timeZone": "UTC"}, {}, started=False).conf["spark.sql.session.timeZone"] == "UTC"


def test_master_precedence() -> None:
    # a plain process: --spark-master over spark-defaults.conf's master over local[2]
    assert plan("yarn", {}, {"spark.master": "local[4]"}, started=False).master == "yarn"
    assert plan(None, {}, {"spark.master": "spark://h:7077"}, started=False).master == "spark://h:7077"
    assert plan("k8s://https://api:6443", {}, {}, started=False).master == "k8s://https://api:6443"
    # a cluster master set in spark-defaults.conf: no local defaults
    assert "spark.sql.shuffle.partitions" not in plan(None, {}, {"spark.master": "yarn"}, started=False).conf
    # under spark-submit the master is chosen: the same one may be repeated, another is refused
    assert plan("yarn", {}, {"spark.master": "yarn"}, started=True).master == "yarn"
    with pytest.raises(UsageError, match="started with master yarn"):
        plan("local[2]", {}, {"spark.master": "yarn"}, started=True)


def test_local_master_keeps_what_spark_defaults_set() -> None:
    p = plan(None, {}, {"spark.driver.memory": "8g"}, started=False)
    assert p.master == "local[2]" and "spark.driver.memory" not in p.conf
    assert p.conf["spark.sql.shuffle.partitions"] == "4"


def test_parse_properties_file_forms() -> None:
    text = ("# cluster defaults\n! also a comment\n\nspark.master   yarn\nspark.executor.memory=16g\n"
            "spark.sql.shuffle.partitions : 400\nspark.kubernetes.container.image  reg:5000/wupian:1 \n")
    assert parse_properties(text) == {"spark.master": "yarn", "spark.executor.memory": "16g",
                                      "spark.sql.shuffle.partitions": "400",
                                      "spark.kubernetes.container.image": "reg:5000/wupian:1"}


def test_parse_submit_args(tmp_path: Path) -> None:
    props = tmp_path / "p.conf"
    props.write_text("spark.executor.cores 4\nspark.master local[3]\n", encoding="utf-8")
    got = parse_submit_args(f"--master yarn --driver-memory=4g --conf spark.a=1 --conf=spark.b=x=y "
                            f"--properties-file {props} pyspark-shell")
    assert got == {"spark.master": "yarn", "spark.driver.memory": "4g", "spark.a": "1", "spark.b": "x=y",
                   "spark.executor.cores": "4"}


def test_configured_for_new_jvm_reads_spark_conf_dir_then_submit_args(tmp_path: Path) -> None:
    (tmp_path / "spark-defaults.conf").write_text("spark.master yarn\nspark.driver.memory 6g\n", encoding="utf-8")
    env = {"SPARK_CONF_DIR": str(tmp_path), "PYSPARK_SUBMIT_ARGS": "--master local[3] pyspark-shell"}
    assert configured_for_new_jvm(env) == {"spark.master": "local[3]", "spark.driver.memory": "6g"}
    assert configured_for_new_jvm({"SPARK_HOME": str(tmp_path / "none")}) == {}
    p = plan(None, {}, configured_for_new_jvm(env), started=False)
    assert p.master == "local[3]" and "spark.driver.memory" not in p.conf


def test_spark_conf_option_items() -> None:
    assert parse_conf_options(["spark.a=1", "spark.b=2 spark.c=x=y"]) == {"spark.a": "1", "spark.b": "2",
                                                                         "spark.c": "x=y"}
    for bad in ("spark.a", "a=1", "=1"):
        with pytest.raises(UsageError, match="spark.KEY=VALUE"):
            parse_conf_options([bad])


def test_warehouse_locations(tmp_path: Path) -> None:
    odd = tmp_path / "仓库 目录"
    assert spark_fs.location(odd) == f"file://{odd}"  # not percent-encoded: Spark and Hadoop escape it
    assert spark_fs.location(f"file://{odd}/") == f"file://{odd}"
    assert spark_fs.location(f"file:{odd}") == f"file://{odd}"
    assert spark_fs.location("hdfs://nn:8020/wupian/wh/") == "hdfs://nn:8020/wupian/wh"
    assert spark_fs.location("s3a://bank-bucket/wupian") == "s3a://bank-bucket/wupian"
    assert spark_fs.local_path("s3a://bank-bucket/wupian") is None
    assert spark_fs.local_path(f"file://{odd}") == odd
    assert spark_fs.local_path("rel/wh") == Path("rel/wh").resolve()
    with pytest.raises(UsageError, match="not on host"):
        spark_fs.local_path("file://otherhost/data")
    assert spark_fs.join("hdfs://nn/wh", "loans", "as_of=2026-03-31") == "hdfs://nn/wh/loans/as_of=2026-03-31"
    assert spark_fs.sql_string("file:///tmp/it's\\x") == "'file:///tmp/it\\'s\\\\x'"
