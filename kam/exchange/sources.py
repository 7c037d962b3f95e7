"""Opening a bundle safely: a folder of CSVs, a .zip of one, or an .xlsx workbook.

The real type is read from the content, never from the name. Before anything is parsed, a source
is checked against the limits: file size, number of zip entries, total uncompressed size and
compression ratio (zip bombs), entry names (no absolute paths, no ``..``, no links), macro
workbooks. Each refusal raises ``SourceRefused`` with a message a user can act on.

A bundle yields its files as ``(file name, display name, rows)``; ``rows`` yields
``(line, cells)`` with the header on line 1. CSV text must be UTF-8 (a BOM is accepted).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

csv.field_size_limit(16 * 1024 * 1024)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")


class SourceRefused(Exception):
    """The upload or path was refused before parsing."""


class CellError(Exception):
    """A file cannot be read further (encoding, CSV syntax); carries the line."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 2 * 1024**3
    max_entries: int = 1000
    max_uncompressed_bytes: int = 8 * 1024**3
    max_ratio: int = 200  # uncompressed / compressed, for entries over 1 MiB

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_file_bytes=getattr(settings, "KAM_IMPORT_MAX_FILE_BYTES", cls.max_file_bytes),
            max_entries=getattr(settings, "KAM_IMPORT_MAX_ENTRIES", cls.max_entries),
            max_uncompressed_bytes=getattr(
                settings, "KAM_IMPORT_MAX_UNCOMPRESSED_BYTES", cls.max_uncompressed_bytes
            ),
            max_ratio=getattr(settings, "KAM_IMPORT_MAX_RATIO", cls.max_ratio),
        )


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


# --- reading CSV text --------------------------------------------------------------------------


def _first_bad_line(opener) -> tuple[int, str]:
    """Where a stream stops being UTF-8 (read again line by line, only after a failure)."""
    with opener() as binary:
        for number, raw in enumerate(binary, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, _(
                    "not UTF-8 text (byte 0x%(byte)02x at position %(pos)s of the line); "
                    "save the file as UTF-8"
                ) % {"byte": raw[exc.start], "pos": exc.start + 1}
    return 1, _("not UTF-8 text; save the file as UTF-8")


def csv_rows(opener) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of the CSV stream ``opener()`` gives; ``line`` is where the record
    starts. UTF-8, with or without a BOM."""
    with opener() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        line = 1
        try:
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1
        except UnicodeDecodeError:
            bad_line, reason = _first_bad_line(opener)
            raise CellError(bad_line, reason) from None
        except csv.Error as exc:
            raise CellError(
                reader.line_num, _("not valid CSV: %(error)s") % {"error": exc}
            ) from None


# --- the bundle kinds ----------------------------------------------------------------------------


class Bundle:
    name: str
    _handle = None  # a file this bundle opened and must close

    def files(self) -> list[tuple[str, str]]:
        """``(file name as in DATASET.md e.g. customers.csv, display name)``."""
        raise NotImplementedError

    def rows(self, file_name: str) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FolderBundle(Bundle):
    def __init__(self, path: Path, limits: Limits):
        self.name = path.name or str(path)
        self.path = path
        self._files: dict[str, Path] = {}
        for entry in sorted(path.iterdir()):
            if entry.name.startswith("."):
                continue
            info = entry.lstat()
            if stat.S_ISLNK(info.st_mode):
                raise SourceRefused(
                    _("%(name)s is a symbolic link; links are not followed") % {"name": entry.name}
                )
            if stat.S_ISDIR(info.st_mode):
                raise SourceRefused(
                    _("%(name)s is a folder; a bundle folder holds only the CSV files")
                    % {"name": entry.name}
                )
            if info.st_size > limits.max_file_bytes:
                raise SourceRefused(
                    _("%(name)s is too large (%(size)s, at most %(max)s)")
                    % {
                        "name": entry.name,
                        "size": _size(info.st_size),
                        "max": _size(limits.max_file_bytes),
                    }
                )
            self._files[entry.name] = entry

    def files(self):
        return [(name, name) for name in self._files]

    def rows(self, file_name):
        path = self._files[file_name]
        return csv_rows(lambda: path.open("rb", buffering=1024 * 1024))


def _check_zip(archive: zipfile.ZipFile, limits: Limits, label: str) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise SourceRefused(
            _("%(label)s has %(n)s entries, at most %(max)s are accepted")
            % {"label": label, "n": len(infos), "max": limits.max_entries}
        )
    total = 0
    seen = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in name
            or ".." in parts
            or (parts and ":" in parts[0])
        ):
            raise SourceRefused(
                _("%(label)s holds an unsafe entry name %(name)r (absolute path or '..')")
                % {"label": label, "name": name}
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SourceRefused(
                _("%(label)s holds a symbolic link %(name)r") % {"label": label, "name": name}
            )
        if info.flag_bits & 0x1:
            raise SourceRefused(
                _("%(label)s holds an encrypted entry %(name)r") % {"label": label, "name": name}
            )
        if name in seen:
            raise SourceRefused(
                _("%(label)s holds %(name)r twice") % {"label": label, "name": name}
            )
        seen.add(name)
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise SourceRefused(
                _(
                    "%(label)s looks like a zip bomb: %(name)r expands %(ratio)s times "
                    "(at most %(max)s)"
                )
                % {
                    "label": label,
                    "name": name,
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "max": limits.max_ratio,
                }
            )
    if total > limits.max_uncompressed_bytes:
        raise SourceRefused(
            _("%(label)s expands to %(size)s, at most %(max)s are accepted (zip bomb?)")
            % {
                "label": label,
                "size": _size(total),
                "max": _size(limits.max_uncompressed_bytes),
            }
        )
    return infos


class ZipBundle(Bundle):
    def __init__(self, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str):
        self.name = name
        self.archive = archive
        entries = [
            info
            for info in infos
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename).name.startswith(".")
        ]
        folders = {PurePosixPath(info.filename).parent for info in entries}
        if len(folders) > 1:
            raise SourceRefused(
                _("%(name)s: the CSV files must sit together, at the top or in one folder")
                % {"name": name}
            )
        self._files = {PurePosixPath(info.filename).name: info for info in entries}

    def files(self):
        return [(name, name) for name in sorted(self._files)]

    def rows(self, file_name):
        info = self._files[file_name]
        try:
            yield from csv_rows(lambda: io.BufferedReader(self.archive.open(info), 1024 * 1024))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise CellError(1, _("the zip entry is damaged: %(error)s") % {"error": exc}) from None

    def close(self):
        self.archive.close()
        super().close()


_XLSX_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _xlsx_unescape(text: str) -> str:
    """OOXML's escaping of characters XML cannot carry (``_x000D_`` = carriage return)."""
    return _XLSX_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _xlsx_unescape(value) if "_x" in value else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class XlsxBundle(Bundle):
    def __init__(self, handle, name: str):
        import openpyxl

        self.name = name
        try:
            self.workbook = openpyxl.load_workbook(
                handle, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many kinds on a broken workbook
            raise SourceRefused(
                _("%(name)s is not a readable .xlsx workbook: %(error)s")
                % {"name": name, "error": exc}
            ) from None

    def files(self):
        return [(f"{title}.csv", title) for title in self.workbook.sheetnames]

    def rows(self, file_name):
        sheet = self.workbook[file_name[: -len(".csv")]]
        width = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            if number == 1:
                width = len(cells)
            elif len(cells) < width:  # a sheet stores no trailing empty cells
                cells.extend([""] * (width - len(cells)))
            yield number, cells

    def close(self):
        self.workbook.close()
        super().close()


def _refuse_macros(archive: zipfile.ZipFile, infos, name: str) -> None:
    for info in infos:
        if PurePosixPath(info.filename).name.lower() == "vbaproject.bin":
            raise SourceRefused(
                _("%(name)s contains macros (vbaProject.bin); macro workbooks are refused")
                % {"name": name}
            )
    types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in types:
        raise SourceRefused(
            _("%(name)s is a macro-enabled workbook; macro workbooks are refused") % {"name": name}
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise SourceRefused(
                    _("%(name)s: %(part)s declares a DTD; refused")
                    % {
                        "name": name,
                        "part": info.filename,
                    }
                )


def open_bundle(source, limits: Limits | None = None) -> Bundle:
    """Open ``source`` (a path, or a seekable binary file with a ``name``) as a bundle."""
    limits = limits or Limits.from_settings()
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise SourceRefused(_("%(path)s does not exist") % {"path": path})
        if path.is_dir():
            return FolderBundle(path, limits)
        name = path.name
        size = path.stat().st_size
        handle = path.open("rb")
    else:
        handle = source
        name = Path(getattr(source, "name", "") or "upload").name
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(0)
    try:
        bundle = _open_file(handle, name, size, limits)
    except BaseException:
        if handle is not source:
            handle.close()
        raise
    if handle is not source:
        bundle._handle = handle
    return bundle


def _open_file(handle, name: str, size: int, limits: Limits) -> Bundle:
    if size > limits.max_file_bytes:
        raise SourceRefused(
            _("%(name)s is too large (%(size)s, at most %(max)s)")
            % {"name": name, "size": _size(size), "max": _size(limits.max_file_bytes)}
        )
    if name.lower().endswith(MACRO_SUFFIXES):
        raise SourceRefused(
            _("%(name)s: macro-enabled or binary workbooks are refused; save it as .xlsx")
            % {"name": name}
        )
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(OLE_MAGIC):
        raise SourceRefused(
            _("%(name)s is a legacy Excel (.xls) or Office file; save it as .xlsx") % {"name": name}
        )
    if not head.startswith(ZIP_MAGIC):
        raise SourceRefused(
            _(
                "%(name)s is neither a .zip nor an .xlsx file (by its content); give a folder "
                "of CSV files, a .zip of one, or an .xlsx workbook"
            )
            % {"name": name}
        )
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceRefused(
            _("%(name)s is not a readable zip file: %(error)s") % {"name": name, "error": exc}
        ) from None
    infos = _check_zip(archive, limits, name)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        if "xl/workbook.xml" not in names:
            raise SourceRefused(
                _("%(name)s is an Office document but not an Excel workbook") % {"name": name}
            )
        _refuse_macros(archive, infos, name)
        archive.close()
        handle.seek(0)
        return XlsxBundle(handle, name)
    return ZipBundle(archive, infos, name)
