"""Derived data kept current by the write path.

Some data is derived from the records to make reads fast (the evaluation system's pre-aggregated
facts). Every write path tells this module which rows it is about to change and which it changed
— the generic services (``kam.core.services``), the bundle importer, bulk domain services — and
the registered maintainers recompute what depends on those rows, in the same transaction. So
derived data is never stale: it commits or rolls back with the write that caused it.

A maintainer has three methods:

- ``empty()``: an empty key set;
- ``affected(model, pks, fields)``: the keys whose derived rows depend on these rows of ``model``
  (``fields``: the fields that changed, or ``None`` when unknown) — called before a change (old
  values) and after it (new values);
- ``refresh(keys)``: recompute the derived rows of ``keys``.
"""

from __future__ import annotations

from collections.abc import Iterable

_maintainers: list = []


def register(maintainer) -> None:
    if maintainer not in _maintainers:
        _maintainers.append(maintainer)


class Pending:
    """Keys collected around one write (or one import), refreshed together by ``apply``."""

    def __init__(self):
        self.keys = [m.empty() for m in _maintainers]

    def add(self, model, pks: Iterable, fields: Iterable[str] | None = None) -> Pending:
        pks = [pk for pk in pks if pk is not None]
        if pks:
            fields = None if fields is None else frozenset(fields)
            for i, maintainer in enumerate(_maintainers):
                self.keys[i] |= maintainer.affected(model, pks, fields)
        return self

    def apply(self) -> None:
        for maintainer, keys in zip(_maintainers, self.keys, strict=True):
            if keys:
                maintainer.refresh(keys)
