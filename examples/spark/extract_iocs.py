"""Extract indicators of compromise from a folder of files with PySpark.

Each file is read with Spark's ``binaryFile`` source (or, with
``--text``, each line with ``spark.read.text``) and scanned by trawl
inside ``mapInArrow``, with the GIL released. The indicators are
written as Parquet with the columns path, category, value, offset and
source, sorted, so a rerun on the same files writes the same rows.

    python extract_iocs.py --master 'local[2]' INPUT_DIR OUTPUT_DIR
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterator, Optional

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

# binaryFile puts a whole file in one row, and one Arrow batch contains
# BATCH_FILES rows, so a Python worker may keep BATCH_FILES times this
# many bytes in memory at once. Larger files are skipped and listed
# instead, to be scanned with the trawl command line from shared storage.
DEFAULT_MAX_FILE_SIZE = 64 << 20
BATCH_FILES = 8

# Lines are short, so text batches can be Spark's default size.
BATCH_LINES = 10_000

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("path", pa.string()),
        pa.field("category", pa.string()),
        pa.field("value", pa.string()),
        pa.field("offset", pa.int64()),
        pa.field("source", pa.string()),
    ]
)
OUTPUT_DDL = (
    "path string, category string, value string, offset long, source string"
)
SORT_COLUMNS = ["path", "offset", "category", "value", "source"]


def build_session(master: Optional[str]) -> SparkSession:
    """Create the Spark session. A ``local`` master binds to loopback
    only and runs the Python workers on this interpreter."""
    builder = SparkSession.builder.appName("trawl-extract-iocs")
    if master is not None:
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    return builder.getOrCreate()


def scan_batches(
    batches: Iterator[pa.RecordBatch], options: dict
) -> Iterator[pa.RecordBatch]:
    """Scan the ``content`` column of each batch on an executor, naming
    each row by its ``path``."""
    import trawl

    engine = trawl.Engine(**options)
    for batch in batches:
        found = engine.extract_arrow(
            batch.column("content"), batch.column("path")
        )
        yield pa.RecordBatch.from_arrays(
            [
                found.column("file"),
                found.column("category"),
                found.column("value"),
                found.column("offset"),
                found.column("source"),
            ],
            schema=OUTPUT_SCHEMA,
        )


def read_files(
    spark: SparkSession, input_dir: str, max_file_size: int
) -> tuple[DataFrame, DataFrame]:
    """Return the (path, content) rows of files up to ``max_file_size``
    bytes, and the (path, length) rows of larger ones.

    Spark applies the ``length`` filter while listing the files, so a
    skipped file's content is never read.
    """
    spark.conf.set(
        "spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_FILES)
    )
    files = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(input_dir)
    )
    small = files.filter(F.col("length") <= max_file_size)
    large = files.filter(F.col("length") > max_file_size)
    return small.select("path", "content"), large.select("path", "length")


def read_lines(spark: SparkSession, input_dir: str) -> DataFrame:
    """Return one (path, content) row per line of every file."""
    spark.conf.set(
        "spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_LINES)
    )
    lines = spark.read.text(input_dir, recursiveFileLookup=True)
    return lines.select(
        F.col("_metadata.file_path").alias("path"),
        F.col("value").alias("content"),
    )


def extract(
    spark: SparkSession,
    input_dir: str,
    output_dir: str,
    *,
    text: bool = False,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    skipped_dir: Optional[str] = None,
    options: Optional[dict] = None,
) -> int:
    """Write the indicators of every file under ``input_dir`` to
    ``output_dir`` as Parquet and return the number of files skipped
    for their size."""
    options = dict(options or {})
    skipped = 0
    if text:
        rows = read_lines(spark, input_dir)
    else:
        rows, large = read_files(spark, input_dir, max_file_size)
        skipped = large.count()
        if skipped_dir is not None:
            large.sort("path").write.mode("overwrite").parquet(skipped_dir)

    found = rows.mapInArrow(
        lambda batches: scan_batches(batches, options), OUTPUT_DDL
    )
    found.sort(*SORT_COLUMNS).write.mode("overwrite").parquet(output_dir)
    return skipped


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input_dir", help="folder of files, read recursively")
    parser.add_argument("output_dir", help="Parquet output folder")
    parser.add_argument(
        "--master",
        help="Spark master URL such as local[2]; by default the one "
        "spark-submit sets",
    )
    parser.add_argument(
        "--text",
        action="store_true",
        help="read the files as UTF-8 text, one row per line, with "
        "spark.read.text; offsets are then byte offsets in the line",
    )
    parser.add_argument(
        "--max-file-size",
        type=int,
        default=DEFAULT_MAX_FILE_SIZE,
        metavar="BYTES",
        help="skip files larger than this in binaryFile mode "
        f"(default {DEFAULT_MAX_FILE_SIZE})",
    )
    parser.add_argument(
        "--skipped",
        metavar="DIR",
        help="write the path and length of each skipped file to DIR as "
        "Parquet",
    )
    parser.add_argument(
        "--types",
        help="report only these categories, as trawl --types takes them",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    options = {"types": args.types} if args.types else {}
    spark = build_session(args.master)
    try:
        skipped = extract(
            spark,
            args.input_dir,
            args.output_dir,
            text=args.text,
            max_file_size=args.max_file_size,
            skipped_dir=args.skipped,
            options=options,
        )
    finally:
        spark.stop()
    if skipped:
        print(
            f"extract_iocs: skipped {skipped} files larger than "
            f"{args.max_file_size} bytes; scan them with the trawl command "
            "line",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
