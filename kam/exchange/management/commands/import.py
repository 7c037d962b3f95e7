"""kam import PATH [--dry-run]: load a data bundle (folder, .zip or .xlsx), all or nothing."""

import time

from django.core.management.base import BaseCommand, CommandError

from kam.exchange.importer import import_bundle
from kam.exchange.report import PRINT_LIMIT


class Command(BaseCommand):
    help = (
        "Import a data bundle (a folder of CSV files, a .zip of one, or an .xlsx workbook). "
        "Everything is validated first; on any error nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder, .zip or .xlsx")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--max-errors",
            type=int,
            default=PRINT_LIMIT,
            help=f"print at most this many errors (default {PRINT_LIMIT})",
        )

    def handle(self, *args, path, dry_run, max_errors, **options):
        started = time.monotonic()
        report = import_bundle(path, dry_run=dry_run, actor=None)
        seconds = time.monotonic() - started
        if not report.ok:
            for line in report.error_lines(limit=max_errors):
                self.stderr.write(line)
            count = max(report.error_count, len(report.errors))
            raise CommandError(f"{count} error(s): nothing was imported.", returncode=1)
        width = max((len(name) for name in report.summary), default=10)
        for name, counts in report.summary.items():
            self.stdout.write(
                f"{name:<{width}}  {counts['created']:>9} created  {counts['updated']:>9} "
                f"updated  {counts['unchanged']:>9} unchanged"
            )
        total = report.total
        rows = sum(total.values())
        verb = "Dry run, nothing written" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {rows} rows ({total['created']} created, {total['updated']} updated, "
                f"{total['unchanged']} unchanged) in {seconds:.1f} s."
            )
        )
