"""Run iocx 0.7.6.2 on each file through its Python API.

`Engine.extract(path)` sniffs the file itself and parses PE files, so it
is given the path. The analysis level is `full`, as in `trawl -a full`,
and the cache is off so each file is analysed once from scratch.
"""
from iocx.engine import Engine, EngineConfig

from common import run

engine = Engine(EngineConfig(analysis_level="full", enable_cache=False))
run(engine.extract)
