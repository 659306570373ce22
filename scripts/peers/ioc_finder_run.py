"""Run ioc-finder 9.4.1's `find_iocs` on each file.

ioc-finder parses text only, so it gets the bytes decoded by
`common.read_text`. Every type in `SUPPORTED_IOC_TYPES` is requested,
not only the default subset, so it looks for all it can find.
"""
from ioc_finder import find_iocs
from ioc_finder.ioc_finder import SUPPORTED_IOC_TYPES

from common import read_text, run


def extract(path):
    return find_iocs(read_text(path), included_ioc_types=SUPPORTED_IOC_TYPES)


run(extract)
