"""Compiled Jinja templates kept in memory for the life of the process.

Jinja compiles a template once per ``Environment``; MkDocs and our site renderer
make a new Environment on every build, so a live preview recompiled ~50 templates
(the theme's and ours) on every save — most of a small rebuild. Jinja's bytecode
cache is keyed by template name *and* a checksum of its source, so an edited
template is compiled afresh and nothing stale is ever used.
"""

from __future__ import annotations

from jinja2 import BytecodeCache


class MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


#: one cache for the process: site pages, and the theme's templates while serving
SHARED = MemoryBytecodeCache()
