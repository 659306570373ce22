"""Shared input and output handling for the peer benchmark drivers.

Each driver is run as `python3 DRIVER FILE...`. It reads every FILE
whole, passes it to one library call that finds all the indicator types
the library supports, and writes the results as JSON lines to standard
output, which the benchmark discards.
"""
import json
import sys


def read_text(path):
    """Return the file's bytes as a str for the libraries that take text.

    UTF-8 is tried first. Any other input, a PE file for instance, is
    decoded as Latin-1, which maps each byte to one character, so no
    byte is dropped and decoding cannot fail.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def run(extract):
    """Call extract(path) for each path in argv and print its result.

    A file on which the library raises an exception is counted and
    reported on standard error, so one bad input does not end the run.
    """
    paths = sys.argv[1:]
    if not paths:
        sys.exit(f"usage: {sys.argv[0]} FILE...")
    failed = 0
    out = sys.stdout
    for path in paths:
        try:
            result = extract(path)
        except Exception as error:  # noqa: BLE001, the peer's own bug
            failed += 1
            print(f"{path}: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        json.dump({"path": path, "iocs": result}, out, default=str)
        out.write("\n")
    if failed:
        print(f"failed on {failed} of {len(paths)} files", file=sys.stderr)
