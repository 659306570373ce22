"""Run iocextract 1.16.1's `extract_iocs` on each file.

`extract_iocs` chains every extractor the library has (URLs, IPs,
e-mails, hashes, YARA rules, telephone numbers). It takes text only, so
it gets the bytes decoded by `common.read_text`, and refangs its output
as the other tools do.
"""
import iocextract

from common import read_text, run


def extract(path):
    return list(iocextract.extract_iocs(read_text(path), refang=True))


run(extract)
