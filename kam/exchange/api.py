"""The bundle over the API: ``POST exchange/import`` and ``GET exchange/export`` (admins only)."""

from __future__ import annotations

from pathlib import PurePath

from django.http import FileResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.exchange.exporter import ExportError
from kam.exchange.importer import import_bundle
from kam.exchange.sources import SourceRefused
from kam.exchange.views import (
    EXPORT_FORMATS,
    UploadRefused,
    check_source,
    discard_upload,
    export_file,
    export_filename,
    is_admin,
    store_upload,
)

TRUE = {"1", "true", "yes", "on"}


class IsAdmin(permissions.BasePermission):
    message = gettext_lazy("Only administrators may import or export the whole bundle.")

    def has_permission(self, request, view):
        return is_admin(request.user)


class FirstRenderer(BaseContentNegotiation):
    """JSON always: ``?format=`` names the bundle format here, not a renderer."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.startswith(parser.media_type.split(";")[0]):
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _refusal(name: str, reason: str) -> dict:
    return {"file": name, "line": None, "column": "-", "reason": reason}


class ImportView(APIView):
    """Import a bundle (multipart ``file``: one .zip or .xlsx, or several .csv files).

    ``dry_run=true`` checks and counts without writing. 200 with the counts per file when the
    bundle is valid; 400 with every error otherwise (nothing is written).
    """

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "dry_run": {"type": "boolean"},
                },
                "required": ["file"],
            }
        },
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        dry_run = str(request.data.get("dry_run", "")).lower() in TRUE
        files = request.FILES.getlist("file")
        name = ", ".join(PurePath(f.name).name for f in files) or "file"
        token = None
        try:
            token, path = store_upload(files)
            check_source(path)
        except (UploadRefused, SourceRefused) as exc:
            discard_upload(token)
            body = {
                "ok": False,
                "dry_run": dry_run,
                "summary": {},
                "errors": [_refusal(name, str(exc))],
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        try:
            report = import_bundle(path, dry_run=dry_run, actor=request.user)
        finally:
            discard_upload(token)
        body = {
            "ok": report.ok,
            "dry_run": dry_run,
            "summary": report.summary,
            "errors": [
                {"file": e.file, "line": e.line, "column": e.column, "reason": e.reason}
                for e in report.errors
            ],
        }
        return Response(body, status=status.HTTP_200_OK if report.ok else 400)


class ExportView(APIView):
    """The whole bundle, every row: ``?format=zip`` (default) or ``xlsx``."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(EXPORT_FORMATS))],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        fmt = request.query_params.get("format", "zip")
        if fmt not in EXPORT_FORMATS:
            return Response(
                {"detail": f"format must be one of {', '.join(EXPORT_FORMATS)}"}, status=400
            )
        try:
            handle = export_file(fmt)
        except ExportError as exc:
            return Response({"detail": str(exc)}, status=400)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export_filename(fmt),
            content_type=EXPORT_FORMATS[fmt],
        )


import_view = ImportView.as_view()
export_view = ExportView.as_view()
