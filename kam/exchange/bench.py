"""The exchange benchmark: generate a large valid bundle, import it, export it, measure.

Runs on a throw-away database created next to the configured one (Django's test-database
machinery: a temporary SQLite file, or a ``kam_bench_<pid>`` PostgreSQL database), so the
configured database is never touched; the database and the files are removed afterwards.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import resource
import shutil
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

from kam.exchange.exporter import export_bundle
from kam.exchange.importer import import_bundle
from kam.exchange.schema import BY_NAME

START = dt.date(2021, 1, 1)
SPAN_DAYS = 1600
INDUSTRIES = ("能源", "轨道交通", "制造", "电力", "化工", "冶金")
ORIGINS = ("captured", "incubated", "other", "")


def _writer(folder: Path, name: str):
    """A CSV writer for one bundle file, its header the schema's columns (rows follow them)."""
    handle = (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(BY_NAME[name].column_names)
    return handle, writer


def generate(folder: Path, *, customers: int, opportunities: int, seed: int = 7) -> dict[str, int]:
    """Write a valid bundle: regions, teams, users, competitors, customers, opportunities and a
    contract for each won opportunity. Returns rows per file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    days = [(START + dt.timedelta(days=n)).isoformat() for n in range(SPAN_DAYS + 400)]

    regions = [f"R{n:02d}" for n in range(1, 11)]
    handle, w = _writer(folder, "regions")
    for code in regions:
        w.writerow([code, f"区域{code}", ""])
    handle.close()
    counts["regions"] = len(regions)

    teams = [(f"T{n:03d}", regions[(n - 1) // 5]) for n in range(1, 51)]
    handle, w = _writer(folder, "teams")
    for code, region in teams:
        w.writerow([code, f"团队{code}", region, ""])
    handle.close()
    counts["teams"] = len(teams)

    handle, w = _writer(folder, "users")
    reps = []
    w.writerow(["admin", "管理员", "admin", "", "", "", "", ""])
    for n, (team, _region) in enumerate(teams, start=1):
        w.writerow([f"mgr{n:03d}", f"经理{n}", "manager", team, "", "500", "2020-01-01", ""])
        for m in range(9):
            username = f"rep{n:03d}{m}"
            reps.append((username, team))
            w.writerow([username, f"销售{n}-{m}", "sales", team, "", "300.5", "2020-06-01", ""])
    handle.close()
    counts["users"] = 1 + len(teams) + len(reps)

    competitors = [f"CP{n:02d}" for n in range(1, 11)]
    handle, w = _writer(folder, "competitors")
    for code in competitors:
        w.writerow([code, f"竞争对手{code}", "价格低", "交付慢"])
    handle.close()
    counts["competitors"] = len(competitors)

    handle, w = _writer(folder, "customers")
    owners = []
    for n in range(customers):
        owner = reps[rng.randrange(len(reps))][0]
        owners.append(owner)
        parent = f"C{rng.randrange(n):07d}" if n > 10 and rng.random() < 0.05 else ""
        w.writerow(
            [
                f"C{n:07d}",
                f"客户{n}",
                INDUSTRIES[n % len(INDUSTRIES)],
                regions[n % len(regions)],
                owner,
                parent,
                f"{rng.randrange(100_000, 90_000_000)}.{rng.randrange(100):02d}",
                str(rng.randrange(1_000_000, 200_000_000)),
                str(rng.randrange(101)),
                days[rng.randrange(SPAN_DAYS)],
            ]
        )
    handle.close()
    counts["customers"] = customers

    handle, w = _writer(folder, "opportunities")
    contracts_handle, cw = _writer(folder, "contracts")
    contracts = 0
    for n in range(opportunities):
        c = rng.randrange(customers)
        customer, owner = f"C{c:07d}", owners[c]
        created = rng.randrange(SPAN_DAYS)
        amount = f"{rng.randrange(10_000, 20_000_000)}.{rng.randrange(100):02d}"
        roll = rng.random()
        established = rejected = closed = ""
        review, status = "pending", "open"
        if roll < 0.3 or roll < 0.5:
            review, status = "established", "won" if roll < 0.3 else "lost"
            established_day = created + rng.randrange(1, 30)
            established = days[established_day]
            closed = days[established_day + rng.randrange(0, 200)]
        elif roll < 0.6:
            review, rejected = "rejected", days[created + rng.randrange(0, 20)]
        elif roll < 0.8:
            review, established = "established", days[created + rng.randrange(0, 30)]
        listed = ";".join(sorted(rng.sample(competitors, rng.randrange(3))))
        code = f"O{n:08d}"
        w.writerow(
            [
                code,
                customer,
                f"商机{n}",
                owner,
                ORIGINS[n % 4],
                amount,
                days[created],
                review,
                established,
                rejected,
                "",
                status,
                closed,
                str(rng.randrange(0, 200_000)) if n % 3 else "",
                "价格" if status == "lost" else "",
                listed,
            ]
        )
        if status == "won":
            contracts += 1
            cw.writerow(
                [
                    f"K{n:08d}",
                    customer,
                    code,
                    owner,
                    closed,
                    amount,
                    f"{rng.randrange(5_000, 10_000_000)}.5",
                    "completed" if n % 2 else "active",
                ]
            )
    handle.close()
    contracts_handle.close()
    counts["opportunities"] = opportunities
    counts["contracts"] = contracts
    return counts


@contextmanager
def throwaway_database(folder: Path):
    """A fresh, migrated database beside the configured one, destroyed on exit."""
    conn = connections["default"]
    original_name = conn.settings_dict["NAME"]
    test_settings = conn.settings_dict.setdefault("TEST", {})
    saved = dict(test_settings)
    if conn.vendor == "sqlite":
        test_settings["NAME"] = str(folder / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"kam_bench_{os.getpid()}"
    conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield conn.settings_dict["NAME"]
    finally:
        conn.creation.destroy_test_db(original_name, verbosity=0)
        test_settings.clear()
        test_settings.update(saved)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(
    *,
    customers: int,
    opportunities: int,
    export_format: str = "folder",
    reimport: bool = False,
    trace: bool = False,
    workdir: str | None = None,
    log=print,
) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="kam-bench-", dir=workdir))
    result: dict = {"database": connections["default"].vendor}
    try:
        started = time.monotonic()
        counts = generate(folder / "bundle", customers=customers, opportunities=opportunities)
        rows = sum(counts.values())
        result.update(
            customers=customers,
            opportunities=opportunities,
            contracts=counts["contracts"],
            rows=rows,
            generate_s=round(time.monotonic() - started, 2),
        )
        log(f"generated {rows} rows in {result['generate_s']} s: {counts}")
        with throwaway_database(folder) as name:
            log(f"throw-away database: {name}")
            if trace:
                tracemalloc.start()
            started = time.monotonic()
            report = import_bundle(folder / "bundle", dry_run=False, actor=None)
            seconds = time.monotonic() - started
            if not report.ok:
                raise RuntimeError(
                    "benchmark bundle refused:\n" + "\n".join(report.error_lines(20))
                )
            imported = sum(report.total.values())
            result.update(
                import_rows=imported,
                import_s=round(seconds, 2),
                import_rows_per_s=round(imported / seconds),
                import_peak_mb=round(peak_mb()),
            )
            if trace:
                result["import_traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20)
                tracemalloc.reset_peak()
            log(f"import: {imported} rows in {seconds:.1f} s = {imported / seconds:,.0f} rows/s")
            if reimport:
                started = time.monotonic()
                again = import_bundle(folder / "bundle", dry_run=False, actor=None)
                seconds = time.monotonic() - started
                unchanged = again.total["unchanged"]
                result.update(
                    reimport_s=round(seconds, 2),
                    reimport_rows_per_s=round(sum(again.total.values()) / seconds),
                    reimport_unchanged=unchanged,
                )
                log(f"re-import (all unchanged): {seconds:.1f} s, {unchanged} unchanged")
            target = folder / ("export" if export_format == "folder" else f"export.{export_format}")
            started = time.monotonic()
            exported = sum(export_bundle(target, format=export_format).values())
            seconds = time.monotonic() - started
            result.update(
                export_format=export_format,
                export_rows=exported,
                export_s=round(seconds, 2),
                export_rows_per_s=round(exported / seconds),
            )
            if trace:
                result["export_traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20)
                tracemalloc.stop()
            log(f"export: {exported} rows in {seconds:.1f} s = {exported / seconds:,.0f} rows/s")
        result["peak_mb"] = round(peak_mb())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result
