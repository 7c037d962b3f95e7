"""kam bench exchange|import|export|metrics: benchmarks on a throw-away database."""

import json as jsonlib

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Benchmarks on generated data (100k customers, 1M opportunities) in a throw-away copy "
        "of the configured database: bundle import/export rows/s, or the metrics scorecard "
        "against DuckDB."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "what",
            choices=("exchange", "import", "export", "metrics"),
            help="exchange/import/export: the bundle cycle (they differ in what is printed); "
            "metrics: full scorecard and a breakdown, compared with DuckDB (pip install "
            "'kam[bench]')",
        )
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--opportunities", type=int, default=1_000_000)
        parser.add_argument("--period", default="2025", help="metrics: the scorecard period")
        parser.add_argument("--format", choices=("folder", "zip", "xlsx"), default="folder")
        parser.add_argument(
            "--reimport", action="store_true", help="also time a second, all-unchanged import"
        )
        parser.add_argument(
            "--tracemalloc",
            action="store_true",
            help="also report Python-heap peaks (tracemalloc; slows everything down)",
        )
        parser.add_argument("--workdir", help="where to put the temporary files (default: /tmp)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, what, customers, opportunities, json, **options):
        log = (lambda message: None) if json else self.stdout.write
        if what == "metrics":
            from kam.metrics import bench as metrics_bench

            result = metrics_bench.run(
                customers=customers, opportunities=opportunities, period=options["period"], log=log
            )
        else:
            from kam.exchange import bench

            result = bench.run(
                customers=customers,
                opportunities=opportunities,
                export_format=options["format"],
                reimport=options["reimport"],
                trace=options["tracemalloc"],
                workdir=options["workdir"],
                log=log,
            )
        if json:
            self.stdout.write(jsonlib.dumps(result, sort_keys=True, default=str))
            return
        self.stdout.write(self.style.SUCCESS(_summary(what, result)))


def _summary(what: str, result: dict) -> str:
    lines = []
    if what == "metrics":
        lines.append(f"scorecard {result['scorecard_s']} s ({result['database']})")
        lines.append(f"breakdown by owner {result['breakdown_s']} s")
        lines.append(f"DuckDB {result['duckdb_s']} s (×{result['ratio_to_duckdb']})")
    if what in ("exchange", "import"):
        lines.append(f"import: {result['import_rows_per_s']:,} rows/s")
    if what in ("exchange", "export"):
        lines.append(f"export: {result['export_rows_per_s']:,} rows/s")
    lines.append(f"peak memory: {result['peak_mb']:,} MB (ru_maxrss)")
    return " · ".join(lines)
