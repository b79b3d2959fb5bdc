"""The reliability table: one row a check, and the one JSON line that ends the run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """What one check tried and what went wrong; a check passes when every count is zero and
    it found no other problem."""

    name: str
    tried: str
    operations: int = 0
    lost: int = 0
    duplicated: int = 0
    leaked: int = 0
    server_errors: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.leaked or self.server_errors
                    or self.problems)


def table(results: list[CheckResult]) -> str:
    """A plain-text table: check, what was tried, operations, lost, duplicated, leaked, 5xx."""
    header = ("check", "tried", "ops", "lost", "dup", "leaked", "5xx", "s", "ok")
    rows = [header] + [
        (r.name, r.tried, str(r.operations), str(r.lost), str(r.duplicated), str(r.leaked),
         str(r.server_errors), f"{r.seconds:.1f}", "yes" if r.ok else "NO")
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for result in results:
        lines.extend(f"problem in {result.name}: {problem}" for problem in result.problems[:20])
    return "\n".join(lines)


def summary(results: list[CheckResult]) -> dict[str, int]:
    """The totals of the run, printed as its last line."""
    return {
        "checks": len(results),
        "operations": sum(r.operations for r in results),
        "lost": sum(r.lost for r in results),
        "duplicated": sum(r.duplicated for r in results),
        "leaked": sum(r.leaked for r in results),
        "server_errors": sum(r.server_errors for r in results),
    }


def summary_line(results: list[CheckResult]) -> str:
    return json.dumps(summary(results))
