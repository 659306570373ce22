"""Find indicators of compromise in text, bytes, files and directories.

Every function returns the report the ``trawl`` command line writes as
JSON, as Python objects: a dict for one input, or a list of dicts for a
directory or an archive (the archive's own report, then one per member).
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from ._trawl import Engine

__all__ = [
    "Engine",
    "extract_arrow",
    "extract_bytes",
    "extract_file",
    "extract_text",
]


def extract_text(text: str, **options: Any) -> dict[str, Any]:
    """Scan a string as text; ``options`` are ``Engine``'s keywords."""
    return Engine(**options).extract_from_text(text)


def extract_bytes(
    data: bytes, name: Optional[str] = None, **options: Any
) -> Any:
    """Scan bytes as the contents of a file named ``name``."""
    return Engine(**options).extract_bytes(data, name)


def extract_file(
    path: Union[str, os.PathLike[str]],
    analysis: Optional[str] = None,
    **options: Any,
) -> Any:
    """Scan a file, or every file under a directory.

    ``analysis`` is the PE analysis level: ``"basic"``, ``"deep"`` or
    ``"full"``.
    """
    return Engine(analysis=analysis, **options).extract_from_file(path)


def extract_arrow(column: Any, names: Any = None, **options: Any) -> Any:
    """Scan each row of an Arrow binary or string array.

    Returns a ``pyarrow.RecordBatch`` with one row per detection.
    """
    return Engine(**options).extract_arrow(column, names)
