"""extract_arrow: input types, row order, names and equality with the
command line's detections."""

from __future__ import annotations

import io
import zipfile

import pyarrow as pa
import pytest

import trawl

from conftest import SAMPLE_REPORT

SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64(), nullable=False),
        pa.field("file", pa.string()),
        pa.field("category", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
    ]
)

ROWS = [b"x 10.0.0.1 y", None, b"see http://a.example.com/ now", b""]


def detections(document) -> list[tuple]:
    """Return (file, category, value, offset, source) for every detection
    of a report or list of reports."""
    reports = document if isinstance(document, list) else [document]
    return [
        (
            report["file"],
            entry["category"],
            entry["value"],
            entry["offset"],
            entry["source"],
        )
        for report in reports
        for entry in report["detections"]
    ]


def batch_rows(batch: pa.RecordBatch) -> list[tuple]:
    table = batch.to_pydict()
    return list(
        zip(
            table["file"],
            table["category"],
            table["value"],
            table["offset"],
            table["source"],
        )
    )


def test_schema_is_fixed():
    batch = trawl.extract_arrow(pa.array(ROWS, pa.binary()))
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema == SCHEMA


def test_empty_column_gives_empty_batch():
    batch = trawl.extract_arrow(pa.array([], pa.binary()))
    assert batch.num_rows == 0
    assert batch.schema == SCHEMA


TEXT_ROWS = [None if row is None else row.decode() for row in ROWS]


@pytest.mark.parametrize(
    ("arrow_type", "values"),
    [
        (pa.binary(), ROWS),
        (pa.large_binary(), ROWS),
        (pa.binary_view(), ROWS),
        (pa.string(), TEXT_ROWS),
        (pa.large_string(), TEXT_ROWS),
        (pa.string_view(), TEXT_ROWS),
    ],
)
def test_each_input_type_gives_same_rows(arrow_type, values):
    batch = trawl.extract_arrow(pa.array(values, arrow_type))
    table = batch.to_pydict()
    assert table["row"] == [0, 2, 2]
    assert table["category"] == ["ips", "urls", "domains"]
    assert table["value"] == [
        "10.0.0.1",
        "http://a.example.com/",
        "a.example.com",
    ]
    assert table["offset"] == [2, 4, 11]
    assert table["source"] == ["text", "text", "text"]
    assert table["file"] == [None, None, None]


def test_rows_equal_extract_bytes():
    column = pa.array(ROWS, pa.binary())
    names = [f"r{n}" for n in range(len(ROWS))]
    batch = trawl.extract_arrow(column, names)
    engine = trawl.Engine(detail=True)
    expected = []
    for row, name in zip(ROWS, names):
        if row is not None:
            expected += detections(engine.extract_bytes(row, name))
    assert batch_rows(batch) == expected


def test_chunked_array_numbers_rows_across_chunks():
    chunked = pa.chunked_array(
        [pa.array([b"10.0.0.1"]), pa.array([b"x", b"10.0.0.3"])]
    )
    table = trawl.extract_arrow(chunked).to_pydict()
    assert table["row"] == [0, 2]
    assert table["value"] == ["10.0.0.1", "10.0.0.3"]


def test_sliced_array_starts_at_row_zero():
    column = pa.array([b"10.0.0.1", b"10.0.0.2", b"10.0.0.3"]).slice(1)
    table = trawl.extract_arrow(column).to_pydict()
    assert table["row"] == [0, 1]
    assert table["value"] == ["10.0.0.2", "10.0.0.3"]


def test_names_as_arrow_array():
    column = pa.array([b"10.0.0.1", b"10.0.0.2"])
    names = pa.array(["a.log", None])
    table = trawl.extract_arrow(column, names).to_pydict()
    assert table["file"] == ["a.log", None]


def test_names_length_mismatch_raises():
    with pytest.raises(ValueError, match="names has 1 entries"):
        trawl.extract_arrow(pa.array([b"a", b"b"]), ["only"])


def test_non_string_names_raise():
    with pytest.raises(TypeError, match="names must be strings"):
        trawl.extract_arrow(pa.array([b"a"]), pa.array([1]))


def test_unsupported_column_type_raises():
    with pytest.raises(TypeError, match="got Int64"):
        trawl.extract_arrow(pa.array([1, 2]))


def test_archive_member_rows_carry_member_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("in/a.txt", "ping 10.0.0.9")
    column = pa.array([buffer.getvalue()], pa.binary())
    table = trawl.extract_arrow(column, ["s.zip"]).to_pydict()
    assert table["file"] == ["s.zip!in/a.txt"]
    assert table["value"] == ["10.0.0.9"]
    assert table["offset"] == [5]


def test_options_apply_to_rows():
    column = pa.array(["http://evil.com/x 10.0.0.1"])
    table = trawl.Engine(types="ips", defang=True).extract_arrow(column)
    values = table.to_pydict()["value"]
    assert values == ["10.0.0[.]1"]


def test_sample_and_pe_rows_equal_cli(cli, pe_fixture):
    paths = [SAMPLE_REPORT, pe_fixture]
    column = pa.array([path.read_bytes() for path in paths], pa.binary())
    names = [str(path) for path in paths]
    batch = trawl.extract_arrow(column, names)
    expected = []
    for name in names:
        expected += detections(cli("--detail", name))
    assert len(expected) > 100
    assert batch_rows(batch) == expected


def test_output_is_deterministic():
    column = pa.array([SAMPLE_REPORT.read_bytes()] * 8, pa.binary())
    first = trawl.extract_arrow(column)
    for _ in range(3):
        assert trawl.extract_arrow(column).equals(first)
