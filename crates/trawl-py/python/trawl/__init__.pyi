"""Type stubs of the trawl package."""

import os
import sys
from typing import Any, Optional, Sequence, Union, final

if sys.version_info >= (3, 11):
    from typing import TypedDict, Unpack
else:
    from typing_extensions import TypedDict, Unpack

# pyarrow ships no type information; pyarrow-stubs adds it.
import pyarrow  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "Engine",
    "extract_arrow",
    "extract_bytes",
    "extract_file",
    "extract_text",
]

_Report = dict[str, Any]
"""One report: ``file``, ``type``, ``iocs``, ``metadata`` and, when
present, ``analysis``, ``detections`` and ``errors``."""

_Document = Union[_Report, list[_Report]]
"""One report, or a list for a directory or an archive."""

_StrPath = Union[str, os.PathLike[str]]

class _ScanOptions(TypedDict, total=False):
    """The keyword arguments of ``Engine`` but ``analysis``."""

    types: Union[str, Sequence[str], None]
    min_length: Optional[int]
    detail: bool
    defang: bool
    max_token_len: Optional[int]
    max_values: Optional[int]
    max_decode_depth: Optional[int]
    max_strings: Optional[int]
    max_input_size: Optional[int]
    max_pe_entries: Optional[int]
    passwords: Optional[Sequence[str]]
    no_archives: bool
    max_extracted_size: Optional[int]
    max_member_size: Optional[int]
    max_ratio: Optional[int]
    max_entries: Optional[int]
    max_archive_depth: Optional[int]
    follow_symlinks: bool
    rules: Optional[Sequence[_StrPath]]
    allow: Optional[Sequence[_StrPath]]
    block: Optional[Sequence[_StrPath]]
    exclude_benign: bool

class _Options(_ScanOptions, total=False):
    """The keyword arguments of ``Engine``, named as the command line's
    flags with ``_`` for ``-``."""

    analysis: Optional[str]

@final
class Engine:
    """Engine that scans inputs with fixed options and keeps no cache.

    Raises ``ValueError`` for an option value out of range and
    ``TypeError`` for a value of the wrong type.
    """

    def __new__(cls, **options: Unpack[_Options]) -> Engine: ...
    def extract(self, path_or_text: Union[str, os.PathLike[str]]) -> _Document:
        """Scan a path or text, as iocx's ``Engine.extract`` does.

        A ``str`` that names an existing file or directory is scanned
        as a path, and any other ``str`` as text. An ``os.PathLike`` is
        always a path.
        """
    def extract_from_file(self, path: _StrPath) -> _Document:
        """Scan a file, or every file under a directory in path order.

        Raises ``FileNotFoundError``, ``PermissionError`` or another
        ``OSError`` naming the path when it cannot be read.
        """
    def extract_from_text(self, text: str) -> _Report:
        """Scan a string as UTF-8 text. The report's ``file`` is None."""
    def extract_bytes(
        self, data: Union[bytes, bytearray], name: Optional[str] = None
    ) -> _Document:
        """Scan bytes as the contents of a file named ``name``."""
    def extract_arrow(
        self,
        column: Any,
        names: Union[Any, Sequence[Optional[str]], None] = None,
    ) -> pyarrow.RecordBatch:
        """Scan each row of an Arrow binary or string array.

        ``column`` is any object with ``__arrow_c_array__`` or
        ``__arrow_c_stream__`` of type binary, large_binary,
        binary_view, string, large_string or string_view, and is read
        without a copy. Returns one row per detection with the columns
        ``row`` (int64), ``file``, ``category``, ``value`` (utf8),
        ``offset`` (int64) and ``source`` (utf8), in row order.
        """

def extract_text(text: str, **options: Unpack[_Options]) -> _Report:
    """Scan a string as text."""

def extract_bytes(
    data: Union[bytes, bytearray],
    name: Optional[str] = None,
    **options: Unpack[_Options],
) -> _Document:
    """Scan bytes as the contents of a file named ``name``."""

def extract_file(
    path: _StrPath,
    analysis: Optional[str] = None,
    **options: Unpack[_ScanOptions],
) -> _Document:
    """Scan a file, or every file under a directory."""

def extract_arrow(
    column: Any,
    names: Union[Any, Sequence[Optional[str]], None] = None,
    **options: Unpack[_Options],
) -> pyarrow.RecordBatch:
    """Scan each row of an Arrow binary or string array."""
