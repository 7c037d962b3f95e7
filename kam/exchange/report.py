"""What an import tells its caller: every error found, or the rows created / updated / unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

PRINT_LIMIT = 1000
STORE_LIMIT = 100_000  # errors kept in memory; the rest are counted


@dataclass(frozen=True)
class BundleError:
    """One problem: ``file:line: column: reason`` (line 1 is the header; None = the whole file)."""

    file: str
    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.reason}"
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class Report:
    errors: list[BundleError] = field(default_factory=list)
    # {file name: {"created": n, "updated": n, "unchanged": n}} in bundle order
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    dry_run: bool = False
    error_count: int = 0  # all errors found, including any not kept in ``errors``

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.errors

    @property
    def total(self) -> dict[str, int]:
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for counts in self.summary.values():
            for name in totals:
                totals[name] += counts[name]
        return totals

    def error_lines(self, limit: int = PRINT_LIMIT) -> list[str]:
        """The errors as text, at most ``limit`` of them and a line counting the rest."""
        count = max(self.error_count, len(self.errors))
        lines = [str(error) for error in self.errors[:limit]]
        if count > len(lines):
            lines.append(f"… and {count - len(lines)} more errors")
        return lines
