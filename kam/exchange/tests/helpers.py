"""A small valid bundle touching every file and rule, and helpers to break it one cell at a time."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

from django.db import connection

from kam.exchange.exporter import export_bundle
from kam.exchange.schema import FILES

EXAMPLE = Path(__file__).resolve().parent.parent / "testdata" / "bundle"

BASE: dict[str, list[list[str]]] = {
    "regions": [
        ["code", "name", "parent_code"],
        ["R1", "华东", ""],
        ["R2", "华东北", "R1"],
    ],
    "teams": [["code", "name", "region_code", "parent_code"], ["T1", "一组", "R1", ""]],
    "users": [
        ["username", "name", "role", "team_code", "email", "hourly_cost", "joined_on", "left_on"],
        ["u1", "张三", "sales", "T1", "u1@example.com", "300", "2020-01-01", ""],
        ["u2", "李四", "presales", "T1", "", "250.5", "2020-01-01", "2030-12-31"],
        ["mgr", "王五", "manager", "T1", "", "", "", ""],
    ],
    "products": [
        ["code", "name", "category", "list_price", "unit_cost"],
        ["P1", "检测系统", "检测", "1000", "600"],
    ],
    "customers": [
        [
            "code",
            "name",
            "industry",
            "region_code",
            "owner_username",
            "parent_code",
            "expected_annual_spend",
            "annual_category_spend",
            "strategic_importance",
            "created_on",
        ],
        ["C1", "客户一", "能源", "R1", "u1", "", "1000000", "5000000", "80", "2021-01-01"],
        ["C2", "客户二", "能源", "R2", "u1", "C1", "", "", "", "2021-02-01"],
    ],
    "account_team": [["customer_code", "username", "role"], ["C1", "u2", "presales"]],
    "tier_history": [
        ["customer_code", "effective_on", "tier", "class", "reason"],
        ["C1", "2022-01-01", "A", "B", "评审"],
        ["C1", "2099-01-01", "S", "A", "未来"],
    ],
    "contacts": [
        [
            "code",
            "customer_code",
            "name",
            "title",
            "department",
            "reports_to_code",
            "decision_role",
            "influence",
            "attitude",
            "phone",
            "email",
        ],
        ["K1", "C1", "陈总", "总经理", "", "", "decision_maker", "5", "supporter", "", ""],
        ["K2", "C1", "高工", "", "技术部", "K1", "evaluator", "3", "neutral", "", ""],
        ["K3", "C2", "杨经理", "", "", "", "user", "", "", "", ""],
    ],
    "relationship_assessments": [
        [
            "contact_code",
            "assessed_on",
            "closeness",
            "solution_acceptance",
            "price_acceptance",
            "assessed_by",
        ],
        ["K1", "2024-01-10", "80", "70", "60", "u1"],
    ],
    "competitors": [
        ["code", "name", "strengths", "weaknesses"],
        ["CP1", "对手一", "价格低", "交付慢"],
        ["CP2", "对手二", "", ""],
    ],
    "opportunities": [
        [
            "code",
            "customer_code",
            "name",
            "owner_username",
            "origin",
            "amount",
            "created_on",
            "review_status",
            "established_on",
            "rejected_on",
            "stage",
            "status",
            "closed_on",
            "estimated_presales_cost",
            "lost_reason",
            "competitor_codes",
        ],
        [
            "O1",
            "C1",
            "商机一",
            "u1",
            "captured",
            "500000.50",
            "2024-01-01",
            "established",
            "2024-01-10",
            "",
            "",
            "won",
            "2024-03-01",
            "20000",
            "",
            "CP2;CP1",
        ],
        ["O2", "C2", "商机二", "u1", "", "100000", "2024-02-01", "pending"]
        + ["", "", "", "open", "", "", "", ""],
        ["O3", "C1", "商机三", "u1", "other", "200000", "2024-02-01", "rejected"]
        + ["", "2024-02-05", "", "open", "", "", "", ""],
    ],
    "leads": [
        [
            "code",
            "title",
            "customer_code",
            "owner_username",
            "source",
            "created_on",
            "status",
            "disqualified_on",
            "disqualify_reason",
            "estimated_presales_cost",
            "opportunity_code",
        ],
        ["L1", "线索一", "C1", "u1", "展会", "2023-12-01", "qualified", "", "", "1000", "O1"],
        ["L2", "线索二", "", "u1", "", "2024-01-05", "disqualified", "2024-01-20", "预算不足"]
        + ["", ""],
    ],
    "decision_chain": [
        ["opportunity_code", "contact_code", "role", "influence"],
        ["O1", "K1", "decision_maker", "5"],
        ["O1", "K2", "evaluator", ""],
    ],
    "presales_assignments": [
        ["opportunity_code", "username", "role", "assigned_on"],
        ["O1", "u2", "方案", "2024-01-10"],
    ],
    "time_entries": [
        ["username", "opportunity_code", "worked_on", "hours", "confirmed", "confirmed_by"],
        ["u2", "O1", "2024-01-15", "4.5", "true", "u1"],
        ["u2", "O1", "2024-01-16", "8", "false", ""],
    ],
    "ratings": [
        ["opportunity_code", "rated_username", "rater_username", "rated_on", "score"],
        ["O1", "u2", "u1", "2024-03-05", "90"],
    ],
    "contracts": [
        [
            "code",
            "customer_code",
            "opportunity_code",
            "owner_username",
            "signed_on",
            "amount",
            "cost",
            "status",
        ],
        ["K-1", "C1", "O1", "u1", "2024-03-10", "500000.50", "300000", ""],
    ],
    "contract_lines": [
        ["contract_code", "product_code", "quantity", "unit_price", "unit_cost"],
        ["K-1", "P1", "2.5", "1000", "600"],
    ],
    "payments": [
        ["code", "contract_code", "amount", "due_on", "paid_on"],
        ["PM1", "K-1", "250000", "2024-04-01", "2024-04-03"],
    ],
    "expenses": [
        [
            "code",
            "owner_username",
            "category",
            "incurred_on",
            "amount",
            "customer_code",
            "opportunity_code",
            "note",
        ],
        ["E1", "u1", "sales", "2024-01-20", "1200.8", "C1", "O1", "差旅, 北京"],
    ],
    "deliveries": [
        ["code", "contract_code", "started_on", "completed_on", "result"],
        ["D1", "K-1", "2024-04-01", "2024-06-01", "success"],
    ],
    "activities": [
        [
            "code",
            "type",
            "occurred_on",
            "owner_username",
            "customer_code",
            "opportunity_code",
            "contact_codes",
            "summary",
            "attitude",
        ],
        [
            "A1",
            "visit",
            "2024-01-12",
            "u1",
            "C1",
            "O1",
            "K2;K1",
            '第一行\n第二行 "引号"',
            "positive",
        ],
    ],
    "service_requests": [
        [
            "code",
            "customer_code",
            "opened_on",
            "title",
            "priority",
            "category",
            "assignee_username",
            "first_response_on",
            "resolved_on",
            "status",
        ],
        ["R-1", "C1", "2024-05-01", "设备故障", "", "", "u2", "2024-05-02", "", "in_progress"],
    ],
    "surveys": [
        ["customer_code", "surveyed_on", "contact_code", "csat", "nps"],
        ["C1", "2024-06-01", "K1", "5", "9"],
        ["C1", "2024-06-01", "", "4", ""],
    ],
    "targets": [
        ["scope", "scope_code", "period", "measure", "value"],
        ["org", "", "2024", "contract_amount", "10000000"],
        ["region", "R1", "2024Q1", "won_amount", "500000"],
        ["team", "T1", "2024-03", "visits", "20"],
        ["user", "u1", "2024", "new_opportunities", "12"],
    ],
    "working_calendar": [["date", "kind"], ["2024-10-01", "holiday"]],
}


def base() -> dict[str, list[list[str]]]:
    return copy.deepcopy(BASE)


def set_cell(bundle, name: str, line: int, column: str, value: str) -> None:
    """Set a cell by file line (line 1 = header) and column name."""
    header = bundle[name][0]
    bundle[name][line - 1][header.index(column)] = value


def write_bundle(bundle: dict, folder: Path, *, files=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in bundle.items():
        if files is not None and name not in files:
            continue
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


def read_folder(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def export_text(tmp_path: Path, label: str = "snapshot") -> dict[str, bytes]:
    """Everything in the database, as the exporter writes it."""
    target = tmp_path / label
    export_bundle(target, format="folder")
    return read_folder(target)


def wipe() -> None:
    """Empty every table a bundle fills (a fresh database, inside the test's transaction)."""
    tables = []
    for spec in reversed(FILES):
        meta = spec.model._meta
        tables.extend(field.remote_field.through._meta.db_table for field in meta.many_to_many)
        tables.append(meta.db_table)
    tables.append("core_auditentry")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
