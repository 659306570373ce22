"""Run iocsearcher 3.1.0's `Searcher.search_data` on each file.

iocsearcher reads PDF, HTML, Word and text documents, not PE files, so
every file gets the bytes decoded by `common.read_text`, as the
`--forcetext` option treats a file as text. One `Searcher` is built, as
its README advises, and it applies all its patterns by default.
"""
from iocsearcher.searcher import Searcher

from common import read_text, run

searcher = Searcher()


def extract(path):
    found = searcher.search_data(read_text(path))
    return sorted((ioc.name, ioc.value) for ioc in found)


run(extract)
