"""`kam demo`: load the demo company into the configured database and start the server."""

from __future__ import annotations

import tempfile
import time
import unicodedata
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from kam.demo.accounts import enable_demo_logins
from kam.demo.generator import DEFAULT_SEED, DEMO_PASSWORD, DEMO_TODAY, generate, write_bundle
from kam.exchange.importer import import_bundle

# Configuration a reset keeps: it may have been set up by migrations or an administrator.
KEEP_ON_RESET = frozenset(
    {
        "pipeline.stage",
        "pipeline.tasktemplateset",
        "pipeline.tasktemplate",
        "customers.tierstrategy",
        "scoring.scoringmodel",
    }
)

# One login per kind of user shown after loading: label, how to find them.
LOGIN_PROFILES = (
    ("executive 高管", lambda u: u["role"] == "executive"),
    ("admin 管理员", lambda u: u["role"] == "admin"),
    ("manager 区域总经理", lambda u: u["role"] == "manager" and "-" not in u["team_code"]),
    ("manager 团队经理", lambda u: u["role"] == "manager" and "-" in u["team_code"]),
    ("kam 大客户经理", lambda u: u["role"] == "kam"),
    ("sales 销售", lambda u: u["role"] == "sales"),
    ("presales 售前", lambda u: u["role"] == "presales"),
    ("delivery 交付", lambda u: u["role"] == "delivery"),
    ("service 服务", lambda u: u["role"] == "service"),
)


def domain_models() -> list[type[models.Model]]:
    """Models of the KAM apps holding data (not configuration), in a safe deletion order:
    a model comes before every model it refers to."""
    candidates = sorted(
        (
            model
            for config in apps.get_app_configs()
            if config.name.startswith("kam.")
            for model in config.get_models()
            if model._meta.label_lower not in KEEP_ON_RESET
        ),
        key=lambda m: m._meta.label_lower,
    )
    referrers: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in candidates}
    for model in candidates:
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target in referrers and target is not model:
                referrers[target].add(model)
    order: list[type[models.Model]] = []
    remaining = list(candidates)
    while remaining:
        ready = [m for m in remaining if not (referrers[m] - set(order))]
        if not ready:  # a cycle between models: fall back to name order
            ready = remaining[:1]
        for model in ready:
            order.append(model)
            remaining.remove(model)
    return order


def delete_domain_data(keep_superusers_except: set[str]) -> None:
    """Delete every record of the KAM apps (users too, except superusers who are not demo
    users), referrers first. Call inside a transaction."""
    user_model = apps.get_model("org", "User")
    for model in domain_models():
        queryset = model._default_manager.all()
        if model is user_model:
            queryset = queryset.filter(
                models.Q(is_superuser=False) | models.Q(username__in=keep_superusers_except)
            )
        self_links = {
            field.name: None
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is model and field.null
        }
        if self_links:
            queryset.update(**self_links)
        queryset.delete()
        if model is user_model:
            # Superusers who stay must not hold on to teams about to go.
            user_model._default_manager.update(team=None)


class Command(BaseCommand):
    help = "Load the demo company (a rail-equipment vendor, three years of history) and serve it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the data, then exit (no web server)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all existing data first (keeps configuration and other superusers).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (default %(default)s)."
        )
        parser.add_argument(
            "--bundle-out",
            metavar="DIR",
            help="Write the demo data bundle as CSV files into DIR and exit; the database is "
            "not touched.",
        )
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Address to serve on (default %(default)s)."
        )

    def handle(self, *args, **options):
        seed = options["seed"]
        started = time.monotonic()
        bundle = generate(seed)
        if options["bundle_out"]:
            paths = write_bundle(bundle, options["bundle_out"])
            rows = sum(len(bundle[p.stem]) for p in paths)
            self.stdout.write(
                f"Wrote {len(paths)} files ({rows} rows) to {options['bundle_out']} "
                f"(seed {seed}, today {DEMO_TODAY})."
            )
            return

        call_command("migrate", interactive=False, verbosity=0)
        demo_usernames = {row["username"] for row in bundle["users"]}
        existing = self.existing_data(demo_usernames)
        if existing and not options["reset"]:
            raise CommandError(
                f"The database already holds data ({existing}). Run `kam demo --reset` to "
                "replace it with the demo company (this deletes it), or point KAM_HOME or "
                "DATABASE_URL at another database.",
                returncode=1,
            )
        # One way into the database: the demo is a bundle, loaded by the bundle importer.
        with tempfile.TemporaryDirectory(prefix="kam-demo-") as folder, transaction.atomic():
            if options["reset"]:
                delete_domain_data(demo_usernames)
            write_bundle(bundle, folder)
            report = import_bundle(Path(folder), dry_run=False)
            if report.errors:
                raise CommandError(
                    "The demo bundle was refused:\n" + "\n".join(report.error_lines(20))
                )
            enable_demo_logins(sorted(demo_usernames), DEMO_TODAY)
        counts = {name: sum(kinds.values()) for name, kinds in report.summary.items()}
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo company: {sum(counts.values())} rows in {len(counts)} files "
                f"in {elapsed:.1f} s (seed {seed}, today {DEMO_TODAY})."
            )
        )
        self.print_logins(bundle)
        if not options["no_serve"]:
            call_command("runserver", options["addr"], use_reloader=False)

    @staticmethod
    def existing_data(demo_usernames: set[str]) -> str:
        """A short description of the data already present, or '' for an empty database."""
        customer = apps.get_model("customers", "Customer")
        opportunity = apps.get_model("pipeline", "Opportunity")
        user = apps.get_model("org", "User")
        found = []
        if n := customer.objects.count():
            found.append(f"{n} customers")
        if n := opportunity.objects.count():
            found.append(f"{n} opportunities")
        if n := user.objects.filter(is_superuser=False).count():
            found.append(f"{n} users")
        clashes = sorted(
            user.objects.filter(is_superuser=True, username__in=demo_usernames).values_list(
                "username", flat=True
            )
        )
        if clashes:
            found.append(f"superusers named like demo users: {', '.join(clashes)}")
        return ", ".join(found)

    def print_logins(self, bundle) -> None:
        teams = {row["code"]: row["name"] for row in bundle["teams"]}
        rows = [("username", "password", "role", "team", "name")]
        for label, matches in LOGIN_PROFILES:
            user = next((u for u in bundle["users"] if matches(u) and not u["left_on"]), None)
            if user:
                team = teams.get(user["team_code"], "—")
                rows.append((user["username"], DEMO_PASSWORD, label, team, user["name"]))
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.stdout.write("\nDemo logins (every demo user has the same password):")
        for row in rows:
            cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
            self.stdout.write("  " + "  ".join(cells).rstrip())
        self.stdout.write("")


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
