"""Imports started from the web run in the background and report as they go.

The job keeps two small files beside the stored upload (dot-files, so they are never taken
for the bundle): ``.progress.json`` (steps done of total: each validation phase, then each
written file) and, at the end, ``.result.json`` (the report). Files rather than memory, so any
web process on the machine can answer the polling page.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from kam.exchange.importer import import_bundle
from kam.exchange.report import PRINT_LIMIT, BundleError, Report
from kam.org.models import User

PROGRESS = ".progress.json"
RESULT = ".result.json"
logger = logging.getLogger(__name__)


def _write(path: Path, data: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half a file


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def run(folder: Path, source: Path, *, dry_run: bool, actor_id: int | None) -> None:
    def progress(done: int, total: int, step: str) -> None:
        _write(folder / PROGRESS, {"done": done, "total": total, "step": step})

    try:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        report = import_bundle(source, dry_run=dry_run, actor=actor, progress=progress)
        result = {
            "dry_run": report.dry_run,
            "summary": report.summary,
            "error_count": report.error_count,
            "errors": [[e.file, e.line, e.column, e.reason] for e in report.errors[:PRINT_LIMIT]],
        }
    except Exception:  # the page must learn that the job ended, whatever happened
        logger.exception("import of %s failed", source)
        result = {
            "dry_run": dry_run,
            "summary": {},
            "error_count": 1,
            "errors": [[source.name, None, "-", _("The import stopped on an internal error.")]],
        }
    _write(folder / RESULT, result)


def _run_in_thread(folder: Path, source: Path, *, dry_run: bool, actor_id: int | None) -> None:
    try:
        run(folder, source, dry_run=dry_run, actor_id=actor_id)
    finally:
        connection.close()  # this thread's own connection


def start(folder: Path, source: Path, *, dry_run: bool, actor_id: int | None) -> None:
    (folder / RESULT).unlink(missing_ok=True)
    _write(folder / PROGRESS, {"done": 0, "total": 1, "step": "queued"})
    if getattr(settings, "KAM_IMPORT_IN_BACKGROUND", True):
        threading.Thread(
            target=_run_in_thread,
            args=(folder, source),
            kwargs={"dry_run": dry_run, "actor_id": actor_id},
            daemon=True,
        ).start()
    else:
        run(folder, source, dry_run=dry_run, actor_id=actor_id)


def progress_of(folder: Path) -> dict:
    """``{"done", "total", "step", "percent"}`` of the job in ``folder``."""
    state = _read(folder / PROGRESS) or {"done": 0, "total": 1, "step": "queued"}
    state["percent"] = int(100 * state["done"] / max(1, state["total"]))
    return state


def result_of(folder: Path) -> Report | None:
    """The finished job's report, or None while it runs."""
    data = _read(folder / RESULT)
    if data is None:
        return None
    return Report(
        errors=[BundleError(*error) for error in data["errors"]],
        summary=data["summary"],
        dry_run=data["dry_run"],
        error_count=data["error_count"],
    )
