"""The ``xlcomp`` command line (typer + rich). Thin: every command calls the library.

Exit codes: 0 ok; 1 the inputs have problems (reported, nothing half-written); 2 usage.
No traceback reaches the user unless ``--debug`` is given (anywhere on the line).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from rich.markup import escape

from xlcomp.errors import ProblemsError, XlcompError

# typer's public API exposes BadParameter, a subclass of its click's UsageError; the click it uses
# is private (vendored in newer typers), so the base is reached through the public class.
ClickUsageError: type[Exception] = next(base for base in typer.BadParameter.__mro__ if base.__name__ == "UsageError")

__all__ = ["app", "console", "err_console", "main"]

app = typer.Typer(
    name="xlcomp",
    help="CSM compensation, right to the cent, in Excel workbooks finance can recompute.\n\n"
         "Add --debug anywhere to see a traceback when something fails.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)
DEBUG = False


@app.callback()
def _root() -> None:
    """CSM compensation, right to the cent, in Excel workbooks finance can recompute."""


def _register() -> None:
    # Each command module adds its commands to ``app`` when imported.
    from xlcomp.cli import core  # noqa: F401

    for name in ("workbook", "recalc", "roi", "statements", "serve", "ledger", "assign"):
        try:
            __import__(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


def report_problems(error: ProblemsError) -> None:
    """Print every problem, one per line, to stderr."""
    for problem in error.problems[:500]:
        err_console.print(f"[red]✗[/red] {problem}", highlight=False, markup=True, soft_wrap=True)
    more = len(error.problems) - 500
    if more > 0:
        err_console.print(f"… and {more} more")
    count = len(error.problems)
    err_console.print(f"[bold red]{count} {error.kind} problem{'s' if count != 1 else ''}[/bold red]; "
                      "nothing was written.", highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) the exit code."""
    global DEBUG
    args = list(sys.argv[1:] if argv is None else argv)
    DEBUG = "--debug" in args
    args = [a for a in args if a != "--debug"]
    _register()
    code = 0
    try:
        result = app(args=args, prog_name="xlcomp", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except ClickUsageError as exc:
        exc.show()  # type: ignore[attr-defined]
        code = 2
    except typer.Abort:
        err_console.print("aborted")
        code = 130
    except typer.Exit as exc:
        code = exc.exit_code
    except ProblemsError as exc:
        if DEBUG:
            raise
        report_problems(exc)
        code = exc.exit_code
    except XlcompError as exc:
        if DEBUG:
            raise
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        code = exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-written was left behind")
        code = 130
    except Exception as exc:  # a bug: say so plainly, with a way to see more
        if DEBUG:
            raise
        err_console.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
                          "run again with --debug to see the traceback, and please report it", highlight=False)
        code = 1
    if argv is None:
        sys.exit(code)
    return code
