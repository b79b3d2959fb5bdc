"""Feedback on long CLI work: a Rich spinner with the elapsed time, on stderr so that the
command's own output (JSON, CSV) stays clean, and gone when the work is done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def working(description: str) -> Iterator[Callable[[str], None]]:
    """Show `description` while the block runs; the yielded function names the next step."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda step: bar.update(task, description=f"{description}: {step}")
