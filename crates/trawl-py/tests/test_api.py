"""The module functions and Engine: reports equal to the command line's
JSON, options, errors and the iocx-style ``extract``."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

import trawl

from conftest import REPO, SAMPLE_REPORT

TEXT = (
    "Beacon to hxxps://evil[.]com/a from 10.1.2.3, dropper md5 "
    "d41d8cd98f00b204e9800998ecf8427e (CVE-2021-44228).\n"
    "Contact admin@example.org\n"
)


def test_text_equals_cli(cli):
    assert trawl.extract_text(TEXT) == cli("--text", TEXT)


def test_text_report_values():
    report = trawl.extract_text(TEXT)
    assert report["file"] is None
    assert report["type"] == "text"
    assert report["iocs"]["urls"] == ["https://evil.com/a"]
    assert report["iocs"]["ips"] == ["10.1.2.3"]
    assert report["iocs"]["cves"] == ["CVE-2021-44228"]
    assert report["iocs"]["emails"] == ["admin@example.org"]


def test_report_keys_in_cli_order():
    report = trawl.extract_text(TEXT, detail=True)
    assert list(report) == ["file", "type", "iocs", "metadata", "detections"]


def test_sample_report_equals_cli(cli):
    path = str(SAMPLE_REPORT)
    report = trawl.extract_file(path)
    assert report == cli(path)
    assert len(report["iocs"]["hashes"]) > 10


def test_sample_report_detail_equals_cli(cli):
    path = str(SAMPLE_REPORT)
    assert trawl.Engine(detail=True).extract(path) == cli("--detail", path)


@pytest.mark.parametrize("level", [None, "basic", "deep", "full"])
def test_pe_fixture_equals_cli(cli, pe_fixture, level):
    flags = ["-a", level] if level else []
    report = trawl.extract_file(pe_fixture, analysis=level)
    assert report == cli(*flags, str(pe_fixture))
    assert report["type"] == "PE"
    assert report["metadata"]["sections"]
    assert ("analysis" in report) == (level is not None)


def test_pe_bytes_equal_file(pe_fixture):
    data = pe_fixture.read_bytes()
    name = str(pe_fixture)
    assert trawl.extract_bytes(data, name) == trawl.extract_file(name)


def test_bytes_without_name_have_no_file():
    report = trawl.extract_bytes(b"ping 10.0.0.1\n")
    assert report["file"] is None
    assert report["type"] == "text"
    assert report["iocs"]["ips"] == ["10.0.0.1"]


def test_bytearray_is_accepted():
    report = trawl.extract_bytes(bytearray(b"ping 10.0.0.1\n"))
    assert report["iocs"]["ips"] == ["10.0.0.1"]


def test_directory_is_list_like_cli(cli, tmp_path):
    (tmp_path / "b.txt").write_text("http://b.example.com/x")
    (tmp_path / "a.txt").write_text("10.0.0.1")
    reports = trawl.extract_file(tmp_path)
    assert isinstance(reports, list)
    assert reports == cli(str(tmp_path))
    names = [Path(report["file"]).name for report in reports]
    assert names == ["a.txt", "b.txt"]


def test_directory_of_one_file_is_list(tmp_path):
    (tmp_path / "a.txt").write_text("10.0.0.1")
    reports = trawl.extract_file(tmp_path)
    assert isinstance(reports, list)
    assert len(reports) == 1


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_archive_gives_member_reports(cli, tmp_path):
    path = tmp_path / "s.zip"
    path.write_bytes(zip_bytes({"in/a.txt": b"http://a.example.com/"}))
    reports = trawl.extract_file(path)
    assert reports == cli(str(path))
    assert [report["type"] for report in reports] == ["archive", "text"]
    assert reports[1]["file"] == f"{path}!in/a.txt"
    assert reports[1]["iocs"]["urls"] == ["http://a.example.com/"]


def test_archive_bytes_member_names():
    data = zip_bytes({"a.txt": b"10.0.0.1"})
    reports = trawl.extract_bytes(data, "mail.zip")
    assert [report["file"] for report in reports] == [
        "mail.zip",
        "mail.zip!a.txt",
    ]
    unnamed = trawl.extract_bytes(data)
    assert [report["file"] for report in unnamed] == [None, "-!a.txt"]


def test_no_archives_scans_zip_as_binary(cli, tmp_path):
    path = tmp_path / "s.zip"
    path.write_bytes(zip_bytes({"a.txt": b"10.0.0.1"}))
    report = trawl.extract_file(path, no_archives=True)
    assert isinstance(report, dict)
    assert report == cli("--no-archives", str(path))
    assert report["file"] == str(path)


def _crc_step(crc: int, byte: int) -> int:
    """One step of the raw CRC-32 register that ZipCrypto keys use."""
    return ~zlib.crc32(bytes([byte]), ~crc & 0xFFFFFFFF) & 0xFFFFFFFF


def zipcrypto_zip(name: str, data: bytes, password: bytes) -> bytes:
    """Return a zip with one stored member encrypted with ZipCrypto,
    which Python's zipfile reads but cannot write."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = _crc_step(keys[0], byte)
        keys[1] = (keys[1] + (keys[0] & 0xFF)) & 0xFFFFFFFF
        keys[1] = (keys[1] * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = _crc_step(keys[2], keys[1] >> 24)

    def encrypt(plain: bytes) -> bytes:
        out = bytearray()
        for byte in plain:
            temp = (keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            update(byte)
        return bytes(out)

    for byte in password:
        update(byte)
    crc = zlib.crc32(data)
    header = bytes(range(11)) + bytes([crc >> 24])
    body = encrypt(header + data)
    encoded = name.encode()
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 1, 0, 0, 0, crc, len(body),
        len(data), len(encoded), 0,
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 1, 0, 0, 0, crc,
        len(body), len(data), len(encoded), 0, 0, 0, 0, 0, 0,
    )
    directory_offset = len(local) + len(encoded) + len(body)
    directory = central + encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory),
        directory_offset, 0,
    )
    return local + encoded + body + directory + end


def test_zipcrypto_helper_matches_zipfile():
    data = zipcrypto_zip("a.txt", b"10.0.0.1", b"s3cret")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("a.txt", pwd=b"s3cret") == b"10.0.0.1"


def test_passwords_open_encrypted_member():
    data = zipcrypto_zip("a.txt", b"beacon 10.9.8.7", b"s3cret")
    locked = trawl.extract_bytes(data, "p.zip")
    assert locked[1]["iocs"]["ips"] == []
    assert "--password" in locked[1]["errors"][0]["message"]
    opened = trawl.extract_bytes(data, "p.zip", passwords=["s3cret"])
    assert opened[1]["iocs"]["ips"] == ["10.9.8.7"]
    assert "errors" not in opened[1]


def test_engine_options_equal_cli(cli):
    engine = trawl.Engine(
        types=["urls", "ips"], detail=True, defang=True, min_length=6
    )
    expected = cli(
        "--types", "urls,ips", "--detail", "--defang", "-m", "6",
        str(SAMPLE_REPORT),
    )
    assert engine.extract_from_file(SAMPLE_REPORT) == expected


def test_rules_and_lists_equal_cli(cli, tmp_path):
    rules = REPO / "examples" / "rules" / "example.toml"
    allow = tmp_path / "allow.txt"
    allow.write_text("evil.com\n")
    block = tmp_path / "block.txt"
    block.write_text("10.0.0.0/8\n")
    engine = trawl.Engine(
        rules=[rules], allow=[allow], block=[str(block)],
        exclude_benign=True, detail=True,
    )
    expected = cli(
        "--rules", str(rules), "--allow", str(allow), "--block", str(block),
        "--exclude-benign", "--detail", "--text", TEXT,
    )
    report = engine.extract_from_text(TEXT)
    assert report == expected
    assert "http://evil.com/a" not in report["iocs"]["urls"]


def test_missing_rules_file_raises_value_error(tmp_path):
    missing = tmp_path / "missing.toml"
    with pytest.raises(ValueError, match="missing.toml"):
        trawl.Engine(rules=[missing])


def test_types_accept_string_and_singular():
    report = trawl.extract_text(TEXT, types="url, cve")
    assert report["iocs"]["urls"] == ["https://evil.com/a"]
    assert report["iocs"]["cves"] == ["CVE-2021-44228"]
    assert report["iocs"]["ips"] == []


def test_defang_defangs_values():
    report = trawl.extract_text("http://evil.com/x", defang=True)
    assert report["iocs"]["urls"] == ["hxxp://evil[.]com/x"]


def test_max_values_adds_error():
    report = trawl.extract_text("10.0.0.1 10.0.0.2 10.0.0.3", max_values=2)
    assert report["iocs"]["ips"] == ["10.0.0.1", "10.0.0.2"]
    assert report["errors"][0]["stage"] == "scan"
    assert "--max-values" in report["errors"][0]["message"]


def test_max_input_size_cuts_input():
    report = trawl.extract_bytes(b"10.0.0.1 " * 10, max_input_size=9)
    assert report["iocs"]["ips"] == ["10.0.0.1"]
    assert "longer than 9 bytes" in report["errors"][0]["message"]


def test_decode_depth_zero_skips_base64():
    encoded = "aHR0cDovL2hpZGRlbi5leGFtcGxlLmNvbS9wYXlsb2Fk"
    decoded = trawl.extract_text(f"x {encoded} y")
    assert "http://hidden.example.com/payload" in decoded["iocs"]["urls"]
    plain = trawl.extract_text(f"x {encoded} y", max_decode_depth=0)
    assert plain["iocs"]["urls"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_length": 0}, "min_length"),
        ({"max_token_len": 100}, "max_token_len"),
        ({"max_token_len": 9000}, "max_token_len"),
        ({"max_values": -1}, "max_values"),
        ({"max_decode_depth": 256}, "max_decode_depth"),
        ({"max_input_size": 0}, "max_input_size"),
        ({"max_pe_entries": 0}, "max_pe_entries"),
        ({"max_ratio": 0}, "max_ratio"),
        ({"max_entries": 0}, "max_entries"),
        ({"max_archive_depth": 2**40}, "max_archive_depth"),
        ({"max_strings": 2**70}, "max_strings"),
        ({"types": "urls,nonsense"}, "unknown category 'nonsense'"),
        ({"types": []}, "no category"),
        ({"analysis": "max"}, "'basic', 'deep' or 'full'"),
    ],
)
def test_bad_option_value_raises_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        trawl.Engine(**options)


@pytest.mark.parametrize(
    "options",
    [
        {"min_length": "4"},
        {"min_length": 4.0},
        {"min_length": True},
        {"types": 3},
        {"passwords": "s3cret"},
        {"no_such_option": 1},
    ],
)
def test_bad_option_type_raises_type_error(options):
    with pytest.raises(TypeError):
        trawl.Engine(**options)


def test_engine_takes_keywords_only():
    with pytest.raises(TypeError):
        trawl.Engine("full")


def test_missing_file_raises_file_not_found(tmp_path):
    path = tmp_path / "gone.exe"
    with pytest.raises(FileNotFoundError) as raised:
        trawl.extract_file(path)
    assert raised.value.filename == str(path)
    assert str(path) in str(raised.value)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads files whatever their mode",
)
def test_unreadable_file_raises_permission_error(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("10.0.0.1")
    path.chmod(0)
    with pytest.raises(PermissionError) as raised:
        trawl.extract_file(path)
    assert raised.value.filename == str(path)


def test_extract_existing_str_path_is_file(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("ping 10.0.0.1")
    report = trawl.Engine().extract(str(path))
    assert report["file"] == str(path)
    assert report["iocs"]["ips"] == ["10.0.0.1"]


def test_extract_other_str_is_text(tmp_path):
    missing = str(tmp_path / "gone.txt")
    report = trawl.Engine().extract(missing)
    assert report["file"] is None
    assert report["type"] == "text"
    text = trawl.Engine().extract("ping 10.0.0.1")
    assert text["iocs"]["ips"] == ["10.0.0.1"]


def test_extract_pathlike_is_always_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        trawl.Engine().extract(tmp_path / "gone.txt")


def test_extract_bytes_argument_is_type_error():
    with pytest.raises(TypeError, match="extract_bytes"):
        trawl.Engine().extract(b"10.0.0.1")


def test_engine_keeps_no_text_cache():
    engine = trawl.Engine()
    first = engine.extract("ping 10.0.0.1")
    second = engine.extract("ping 10.0.0.2")
    assert first["iocs"]["ips"] == ["10.0.0.1"]
    assert second["iocs"]["ips"] == ["10.0.0.2"]


def test_engine_rereads_changed_file(tmp_path):
    path = tmp_path / "log.txt"
    engine = trawl.Engine()
    path.write_text("10.0.0.1")
    assert engine.extract(str(path))["iocs"]["ips"] == ["10.0.0.1"]
    path.write_text("10.0.0.2")
    assert engine.extract(str(path))["iocs"]["ips"] == ["10.0.0.2"]


def test_extract_from_text_never_opens_files(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("10.0.0.1")
    report = trawl.Engine().extract_from_text(str(path))
    assert report["file"] is None
    assert report["iocs"]["ips"] == []


def test_path_under_file_raises_not_a_directory(tmp_path):
    parent = tmp_path / "file.txt"
    parent.write_text("x")
    path = parent / "child"
    with pytest.raises(NotADirectoryError) as raised:
        trawl.extract_file(path)
    assert raised.value.filename == str(path)
