"""Progress on a terminal: one line per step (what it is doing, a bar, done/total when known, elapsed time).

Shown on stderr only when it is a terminal (rich decides: ``TTY_COMPATIBLE=1`` forces it), so pipes,
files and CI logs stay clean. A step whose size is unknown (reading the inputs, writing the workbook:
the writer reports no progress of its own) shows a spinner, a pulsing bar and its elapsed time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from xlcomp.cli import err_console

__all__ = ["Steps", "steps"]


class _CountColumn(ProgressColumn):
    """``12/40`` for a step of known size; nothing for a step of unknown size (never ``0/None``)."""

    def render(self, task: Task) -> Text:
        if task.total is None or task.fields.get("uncounted"):
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")


class Steps:
    """The steps of one command; a no-op when progress is not shown."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[str, object] = {}

    @property
    def shown(self) -> bool:
        """Whether the steps are drawn."""
        return self._progress is not None

    @contextlib.contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """A step; yields ``advance(n)``. It is marked done when the block ends."""
        progress = self._progress
        if progress is None:
            yield lambda n: None
            return
        task = progress.add_task(description, total=total, uncounted=total is None)

        def advance(n: int) -> None:
            progress.advance(task, n)

        yield advance
        progress.update(task, total=total or 1, completed=total or 1)

    def report(self, step: str, done: int, total: int, detail: str = "") -> None:
        """``done`` of ``total`` in ``step`` (a new step starts a new line), now doing ``detail``."""
        progress = self._progress
        if progress is None:
            return
        task = self._tasks.get(step)
        if task is None:
            task = self._tasks[step] = progress.add_task(step, total=total)
        description = f"{step}: {detail}" if detail and done < total else step
        progress.update(task, completed=done, total=total, description=description)  # type: ignore[arg-type]


@contextlib.contextmanager
def steps(enabled: bool | None = None) -> Iterator[Steps]:
    """Progress for a command: shown on a terminal (or when ``enabled`` says so)."""
    show = err_console.is_terminal if enabled is None else enabled
    if not show:
        yield Steps(None)
        return
    with Progress(SpinnerColumn(finished_text="[green]✓[/green]"), TextColumn("{task.description}"),
                  BarColumn(), _CountColumn(), TimeElapsedColumn(), console=err_console,
                  transient=True) as progress:
        yield Steps(progress)
