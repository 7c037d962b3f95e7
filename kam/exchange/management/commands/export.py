"""kam export PATH [--format folder|zip|xlsx]: write all data as a bundle."""

import time

from django.core.management.base import BaseCommand, CommandError

from kam.exchange.exporter import FORMATS, ExportError, export_bundle


class Command(BaseCommand):
    help = "Export all data as a bundle (folder of CSV files, .zip or .xlsx); deterministic."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the folder or file to write")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="folder, zip or xlsx (default: from the path's extension, else folder)",
        )

    def handle(self, *args, path, format, **options):
        if format is None:
            lowered = path.lower()
            format = next((f for f in ("zip", "xlsx") if lowered.endswith(f".{f}")), "folder")
        started = time.monotonic()
        try:
            counts = export_bundle(path, format=format, user=None)
        except (ExportError, OSError) as exc:
            raise CommandError(str(exc), returncode=1) from exc
        seconds = time.monotonic() - started
        for name, count in counts.items():
            self.stdout.write(f"{name:<28} {count:>9} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {sum(counts.values())} rows to {path} ({format}) in {seconds:.1f} s."
            )
        )
