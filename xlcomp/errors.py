"""The one exception tree of xlcomp, and the Problem record.

Every failure a user can cause is an :class:`XlcompError`:

- :class:`ProblemsError` carries one or more :class:`Problem` records, each naming its place
  (``plan.yaml:14 components[1].weight``, ``roster.csv:7 base_salary``, ``Accounts!F231``).

  - :class:`PlanError`: the plan file is invalid.
  - :class:`InputError`: the roster, the accounts, or how they fit the plan.
  - :class:`UploadError`: an uploaded workbook is unsafe or unreadable.

- :class:`UsageError`: the command was called wrongly (exit code 2).
- :class:`MissingExtraError`: an optional part is not installed ("install xlcomp[NAME]").

Problems are data: loaders collect all of them before raising, so a user sees every problem of
a file at once, not just the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "InputError",
    "MissingExtraError",
    "PlanError",
    "Problem",
    "ProblemsError",
    "UploadError",
    "UsageError",
    "XlcompError",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, and where it is.

    ``where`` is a place a person can find: ``plan.yaml:14``, ``roster.csv:7`` or
    ``Accounts!F231``; ``field`` names the field or column (``components[1].weight``,
    ``base_salary``) when the place alone does not.
    """

    where: str
    message: str
    field: str = ""

    def __str__(self) -> str:
        place = " ".join(part for part in (self.where, self.field) if part)
        return f"{place}: {self.message}" if place else self.message

    def as_dict(self) -> dict[str, str]:
        """The problem as ``{"where", "message"}``, the field folded into the message."""
        message = f"{self.field}: {self.message}" if self.field else self.message
        return {"where": self.where, "message": message}


class XlcompError(Exception):
    """Base of every error xlcomp raises on purpose."""

    exit_code = 1


class UsageError(XlcompError):
    """The command line or API was called wrongly."""

    exit_code = 2


class MissingExtraError(XlcompError, ImportError):
    """An optional dependency group is needed: ``pip install "xlcomp[NAME]"``."""

    def __init__(self, extra: str, feature: str, module: str = "") -> None:
        self.extra = extra
        what = f" ({module} is not installed)" if module else ""
        super().__init__(f'{feature} needs an optional part{what}: install xlcomp[{extra}], '
                         f'for example pip install "xlcomp[{extra}]"')


class ProblemsError(XlcompError):
    """One or more problems, all found before giving up."""

    kind = "input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        lines = [str(problem) for problem in self.problems[:200]]
        if count > 200:
            lines.append(f"... and {count - 200} more")
        noun = "problem" if count == 1 else "problems"
        return "\n".join(lines) + f"\n{count} {self.kind} {noun}"

    def __str__(self) -> str:
        return self._summary()


class PlanError(ProblemsError):
    """The plan file is invalid."""

    kind = "plan"


class InputError(ProblemsError):
    """The roster or accounts are invalid, or do not fit the plan."""

    kind = "input"


class UploadError(ProblemsError):
    """An uploaded workbook is unsafe or cannot be read."""

    kind = "upload"
