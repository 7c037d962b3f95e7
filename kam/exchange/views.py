"""Import and export of the whole data bundle from the web UI (admins only; others get a 404).

Import is two steps: the upload is kept in a private folder under ``KAM_HOME/uploads``, named by a
random token held in the session (the client never names a path), and dry-run; the preview shows
the counts per file or every error. "Import" then writes the same upload and removes it.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path, PurePath

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from kam.core.views import KamLoginRequiredMixin, is_htmx_fragment_request
from kam.exchange import jobs
from kam.exchange.exporter import ExportError, export_bundle
from kam.exchange.sources import SourceRefused, open_bundle

SESSION_KEY = "exchange_upload"  # an upload whose dry run passed, ready to import
SESSION_JOB = "exchange_job"  # the import (dry run or real) running for this session
_TOKEN = re.compile(r"[0-9a-f]{32}")
UPLOAD_MAX_AGE = 24 * 3600  # seconds; older abandoned uploads are removed
EXPORT_FORMATS = {
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == "admin"))


class AdminOnlyMixin(KamLoginRequiredMixin):
    """Signed out: to the sign-in page. Signed in but not an admin: 404 (the page "is not
    there")."""

    admin_only = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_admin(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# --- uploads ---------------------------------------------------------------------------------


class UploadRefused(Exception):
    pass


def uploads_root() -> Path:
    root = Path(settings.KAM_HOME) / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sweep(root: Path) -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE
    for entry in root.iterdir():
        try:
            if entry.is_dir() and _TOKEN.fullmatch(entry.name) and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _safe_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name
    if not base or base.startswith(".") or "\x00" in base:
        raise UploadRefused(_("%(name)s is not an acceptable file name") % {"name": name})
    return base


def store_upload(files) -> tuple[str, Path]:
    """Keep the uploaded file(s) under a fresh token; the bundle's path inside it.

    One .zip or .xlsx is kept as it is; one or several .csv files go into a folder (a bundle
    folder). The content is checked later by ``open_bundle`` (type by content, limits).
    """
    if not files:
        raise UploadRefused(_("Choose a .zip, an .xlsx, or one or more .csv files."))
    names = [_safe_name(f.name) for f in files]
    csvs = [n.lower().endswith(".csv") for n in names]
    if len(files) > 1 and not all(csvs):
        raise UploadRefused(
            _("Several files can only be .csv files; put other bundles in one .zip or .xlsx.")
        )
    if len(set(names)) != len(names):
        raise UploadRefused(_("Two of the files have the same name."))
    root = uploads_root()
    _sweep(root)
    token = secrets.token_hex(16)
    folder = root / token
    folder.mkdir(mode=0o700)
    if all(csvs):
        target = folder / "bundle"
        target.mkdir()
        for upload, name in zip(files, names, strict=True):
            _write(upload, target / name)
        return token, target
    target = folder / names[0]
    _write(files[0], target)
    return token, target


def _write(upload, path: Path) -> None:
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)


def upload_path(token: str | None) -> Path | None:
    """The stored bundle of ``token`` (from the session), or None."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    folder = uploads_root() / token
    if not folder.is_dir():
        return None
    entries = [e for e in folder.iterdir() if not e.name.startswith(".")]
    return entries[0] if len(entries) == 1 else None


def discard_upload(token: str | None) -> None:
    if token and _TOKEN.fullmatch(token):
        shutil.rmtree(uploads_root() / token, ignore_errors=True)


def check_source(path: Path) -> None:
    """Raise ``SourceRefused`` when the bundle cannot even be opened (type, limits, names)."""
    with open_bundle(path):
        pass


# --- pages -----------------------------------------------------------------------------------


class JobResponseMixin:
    """Start an import job for this session and answer with its progress or its result."""

    template_name = "exchange/exchange.html"
    partial_template_name = "exchange/partials/result.html"

    def get_template_names(self):
        if is_htmx_fragment_request(self.request):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_formats"] = list(EXPORT_FORMATS)
        return context

    def start_job(self, token: str, path: Path, *, dry_run: bool, source_name: str):
        self.request.session[SESSION_JOB] = {
            "token": token, "dry_run": dry_run, "source": source_name,
        }  # fmt: skip
        jobs.start(path.parent, path, dry_run=dry_run, actor_id=self.request.user.pk)
        return self.job_response()

    def job_response(self):
        job = self.request.session.get(SESSION_JOB)
        path = upload_path(job and job["token"])
        if path is None:
            self.request.session.pop(SESSION_JOB, None)
            context = self.get_context_data(
                refused=_("There is no import running; upload the file again.")
            )
            return self.render_to_response(context, status=400)
        report = jobs.result_of(path.parent)
        if report is None:
            context = self.get_context_data(
                progress=jobs.progress_of(path.parent), job=job,
            )  # fmt: skip
            return self.render_to_response(context, status=202)
        del self.request.session[SESSION_JOB]
        if job["dry_run"] and report.ok:
            self.request.session[SESSION_KEY] = job["token"]  # checked: may be imported
        else:
            discard_upload(job["token"])
        context = self.get_context_data(
            report=report, source_name=job["source"],
            committed=report.ok and not job["dry_run"],
        )  # fmt: skip
        return self.render_to_response(context, status=200 if report.ok else 400)


class ExchangeView(AdminOnlyMixin, JobResponseMixin, TemplateView):
    """The import / export page: upload → dry-run preview → import, each with progress."""

    def post(self, request, *args, **kwargs):
        discard_upload(request.session.pop(SESSION_KEY, None))
        files = request.FILES.getlist("file")
        try:
            token, path = store_upload(files)
        except UploadRefused as exc:
            return self.render_to_response(self.get_context_data(refused=str(exc)), status=400)
        try:
            check_source(path)
        except SourceRefused as exc:
            discard_upload(token)
            return self.render_to_response(self.get_context_data(refused=str(exc)), status=400)
        source_name = ", ".join(PurePath(f.name).name for f in files)
        return self.start_job(token, path, dry_run=True, source_name=source_name)


class ProgressView(AdminOnlyMixin, JobResponseMixin, TemplateView):
    """Polled while a job runs: its progress, then its result."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        if SESSION_JOB not in request.session:  # nothing running: back to the page
            return HttpResponseRedirect(reverse("web:exchange"))
        return self.job_response()


class CommitView(AdminOnlyMixin, JobResponseMixin, TemplateView):
    """Import the upload the preview checked (the one named in the session)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = request.session.pop(SESSION_KEY, None)
        path = upload_path(token)
        if path is None:
            context = self.get_context_data(
                refused=_("There is no checked upload to import; upload the file again.")
            )
            return self.render_to_response(context, status=400)
        return self.start_job(token, path, dry_run=False, source_name=path.name)


def export_file(fmt: str):
    """The whole raw bundle as a temporary file, rewound (ExportError when it cannot be made)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the FileResponse
    try:
        export_bundle(handle, format=fmt, user=None)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_filename(fmt: str) -> str:
    return f"kam-bundle-{timezone.localdate():%Y%m%d}.{fmt}"


class ExportView(AdminOnlyMixin, View):
    """The full bundle (every row, ``user=None``) as a .zip or .xlsx download."""

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format", "zip")
        if fmt not in EXPORT_FORMATS:
            raise Http404
        try:
            handle = export_file(fmt)
        except ExportError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("web:exchange"))
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export_filename(fmt),
            content_type=EXPORT_FORMATS[fmt],
        )
