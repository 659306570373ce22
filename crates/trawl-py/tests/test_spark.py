"""The PySpark example job in local[2]: its Parquet rows equal the
command line's detections on the same files.

Skipped when Java or PySpark is missing, unless TRAWL_REQUIRE_SPARK=1,
which turns the skip into a failure.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import REPO, SAMPLE_REPORT

JOB = REPO / "examples" / "spark" / "extract_iocs.py"
LOG_LINES = [
    "2024-05-01 beacon to hxxp://c2[.]example[.]net/gate from 10.20.30.40",
    "",
    "2024-05-01 dropped C:\\Users\\Public\\svc.exe md5 "
    "d41d8cd98f00b204e9800998ecf8427e",
    "2024-05-02 mail from ops@example.org about CVE-2024-3094",
]


def require_spark() -> None:
    """Skip, or fail under TRAWL_REQUIRE_SPARK=1, unless Java and
    PySpark are installed."""
    missing = []
    if shutil.which("java") is None:
        missing.append("java (install a JDK 17 or later)")
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark (pip install 'pyspark==4.3.*')")
    if not missing:
        return
    message = "Spark test needs " + " and ".join(missing)
    if os.environ.get("TRAWL_REQUIRE_SPARK") == "1":
        pytest.fail(message + "; TRAWL_REQUIRE_SPARK=1 is set")
    pytest.skip(message)


@pytest.fixture(scope="module")
def job():
    require_spark()
    spec = importlib.util.spec_from_file_location("extract_iocs", JOB)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    # The workers cannot import the job from its folder, so its
    # functions travel by value.
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(module)
    return module


@pytest.fixture(scope="module")
def spark(job):
    session = job.build_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, pe_fixture) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    shutil.copy(SAMPLE_REPORT, root / SAMPLE_REPORT.name)
    (root / "logs").mkdir()
    (root / "logs" / "app.log").write_text("\n".join(LOG_LINES) + "\n")
    (root / "bin").mkdir()
    shutil.copy(pe_fixture, root / "bin" / pe_fixture.name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner/note.txt", "exfil to 198.51.100.23\n")
    (root / "mail.zip").write_bytes(buffer.getvalue())
    (root / "huge.bin").write_bytes(b"10.9.9.9 " * 20_000)
    return root


def parquet_rows(folder: Path) -> list[tuple]:
    table = pq.read_table(folder)
    columns = table.to_pydict()
    assert table.column_names == [
        "path",
        "category",
        "value",
        "offset",
        "source",
    ]
    return list(zip(*(columns[name] for name in table.column_names)))


def cli_rows(reports: list[dict], path_prefix: str = "file:") -> list[tuple]:
    return [
        (
            path_prefix + report["file"],
            entry["category"],
            entry["value"],
            entry["offset"],
            entry["source"],
        )
        for report in reports
        for entry in report["detections"]
    ]


def test_binary_files_equal_cli(job, spark, corpus, cli, tmp_path):
    output = tmp_path / "iocs"
    skipped_dir = tmp_path / "skipped"
    skipped = job.extract(
        spark,
        str(corpus),
        str(output),
        max_file_size=100_000,
        skipped_dir=str(skipped_dir),
    )
    assert skipped == 1
    skipped_rows = pq.read_table(skipped_dir).to_pydict()
    assert skipped_rows["path"] == [f"file:{corpus / 'huge.bin'}"]
    assert skipped_rows["length"] == [180_000]

    rows = parquet_rows(output)
    reports = cli("--detail", str(corpus))
    expected = [
        row
        for row in cli_rows(reports)
        if not row[0].endswith("/huge.bin")
    ]
    assert sorted(rows) == sorted(expected)
    # The job writes its rows sorted by path, then offset.
    assert rows == sorted(rows, key=lambda row: (row[0], row[3], *row[1:]))
    paths = {row[0] for row in rows}
    assert f"file:{corpus / 'mail.zip'}!inner/note.txt" in paths
    assert f"file:{corpus / 'bin' / 'clean_iocx_demo.core.exe'}" in paths


def test_text_lines_equal_cli(job, spark, corpus, cli, tmp_path):
    logs = corpus / "logs"
    output = tmp_path / "lines"
    job.extract(spark, str(logs), str(output), text=True)
    rows = parquet_rows(output)

    flags = []
    for line in LOG_LINES:
        flags += ["--text", line]
    reports = cli("--detail", *flags)
    log_path = f"file:{logs / 'app.log'}"
    expected = [
        (log_path, *row[1:])
        for row in cli_rows(
            [dict(report, file="") for report in reports], path_prefix=""
        )
    ]
    categories = {row[1] for row in expected}
    assert categories >= {"urls", "ips", "filepaths", "hashes", "emails"}
    assert sorted(rows) == sorted(expected)


def test_types_option_reaches_executors(job, spark, corpus, tmp_path):
    output = tmp_path / "ips"
    job.extract(
        spark,
        str(corpus / "logs"),
        str(output),
        options={"types": "ips"},
    )
    rows = parquet_rows(output)
    assert [row[1:3] for row in rows] == [("ips", "10.20.30.40")]
