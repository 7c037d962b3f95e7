import csv
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kam.core.errors import DomainError
from kam.metrics import facts, registry
from kam.metrics.runner import FIELDS, breakdown, scorecard, trend
from kam.org.models import User


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    return str(value)


class Command(BaseCommand):
    help = "The value evaluation system: scorecard, breakdown, trend and definitions of metrics."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        def common(p):
            p.add_argument("--period", required=True, help="2025, 2025Q3, 2025-07 or a..b")
            p.add_argument("--compare", default="yoy", choices=["yoy", "prev"])
            p.add_argument("--scope", help="org | region:CODE | team:CODE | user:USERNAME")
            p.add_argument("--as-user", help="answer as this user (their visibility applies)")
            p.add_argument("--format", default="table", choices=["table", "json", "csv"])
            p.add_argument("--lang", default="zh-hans", help="zh-hans or en (metric names)")

        common(sub.add_parser("scorecard", help="every metric for a period and its comparison"))
        bd = sub.add_parser("breakdown", help="one metric per member of a dimension")
        bd.add_argument("key")
        bd.add_argument("--by", required=True, choices=registry.DIMENSIONS)
        common(bd)
        tr = sub.add_parser("trend", help="one metric over the last periods")
        tr.add_argument("key")
        tr.add_argument("--count", type=int, default=8)
        common(tr)
        fa = sub.add_parser(
            "facts", help="the pre-aggregated facts: prove them current, or recompute them"
        )
        fa.add_argument("--rebuild", action="store_true", help="recompute every fact")
        ex = sub.add_parser("explain", help="a metric's definition")
        ex.add_argument("key")
        ex.add_argument("--lang", default="zh-hans")
        sub.add_parser("list", help="every metric key")

    def handle(self, *args, action, **opts):
        if action == "list":
            for m in registry.METRICS:
                self.stdout.write(f"{m.key:<36} {m.dimension:<5} {m.name_zh} / {m.name_en}")
            return
        if action == "facts":
            return self._facts(rebuild=opts["rebuild"])
        translation.activate(opts.get("lang") or "zh-hans")
        if action == "explain":
            return self._explain(opts["key"], opts.get("lang"))
        user = None
        if opts.get("as_user"):
            user = User.objects.filter(username=opts["as_user"]).first()
            if user is None:
                raise CommandError(f"--as-user: unknown user {opts['as_user']!r}")
        params = {"period": opts["period"], "compare": opts["compare"], "scope": opts["scope"]}
        try:
            if action == "scorecard":
                rows = scorecard(user, **params, language=opts["lang"])
                columns = list(FIELDS)
            elif action == "breakdown":
                self._known(opts["key"])
                rows = breakdown(user, opts["key"], by=opts["by"], **params, language=opts["lang"])
                columns = ["member", "label", *FIELDS]
            else:
                self._known(opts["key"])
                rows = trend(user, opts["key"], count=opts["count"], **params)
                columns = ["period", "start", "end", "value"]
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self._print(rows, columns, opts["format"])

    def _facts(self, *, rebuild: bool):
        if rebuild:
            started = time.perf_counter()
            facts.rebuild()
            self.stdout.write(f"facts recomputed in {time.perf_counter() - started:.1f} s")
            return
        differences = facts.check()
        for table, count in differences.items():
            self.stdout.write(f"{table:<40} {'current' if not count else f'{count} rows differ'}")
        if any(differences.values()):
            raise CommandError(
                "the facts differ from the records: a write bypassed the write path; "
                "`kam metrics facts --rebuild` recomputes them"
            )

    def _known(self, key):
        if key not in registry.BY_KEY:
            raise CommandError(f"unknown metric {key!r}; `kam metrics list` shows them all")

    def _explain(self, key, lang):
        self._known(key)
        m = registry.get(key)
        self.stdout.write(f"{m.key} — {m.name(lang)}")
        self.stdout.write(f"  dimension {m.dimension}, stage {m.stage}, better {m.direction}")
        self.stdout.write(f"  unit {m.unit}; breakdowns: {', '.join(m.breakdowns)}")
        self.stdout.write(f"  {m.definition(lang)}")

    def _print(self, rows, columns, fmt):
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        if fmt == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            return
        table = [[_cell(r.get(c)) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in table)) for i, c in enumerate(columns)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for row in table:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
