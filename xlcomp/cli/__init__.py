"""The ``xlcomp`` command line (typer + rich). Thin: every command calls the library.

Exit codes: 0 ok; 1 the inputs have problems (reported, nothing half-written); 2 usage.
No traceback reaches the user unless ``--debug`` is given (anywhere on the line).
"""

from __future__ import annotations

import os
import re
import sys
import typing
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from xlcomp.errors import ProblemsError, XlcompError
from xlcomp.money import exact

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
if not console.is_terminal and "COLUMNS" not in os.environ:
    console.width = 160  # a table piped to a file or a log is not cut to rich's 80-column default
DEBUG = False
# Commands that only read: a problem report from them does not say "nothing was written".
READ_ONLY_COMMANDS = frozenset({"check", "verify"})
SHOWN_PROBLEMS = 500
COMMAND = ""


def _show_version(value: bool) -> None:
    if value:
        from xlcomp._version import __version__

        console.print(f"xlcomp {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """CSM compensation, right to the cent, in Excel workbooks finance can recompute."""


_MODULES = ("workbook", "recalc", "roi", "statements", "serve", "ledger", "lite", "assign")


def _registered() -> set[str]:
    """The names of the commands and command groups on ``app`` so far."""
    names = {info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
             for info in app.registered_commands}
    return names | {info.name or "" for info in app.registered_groups}


def _register(command: str = "") -> None:
    """Add the commands to ``app``: each command module adds its own when imported. With ``command`` (the
    first word of the line) the modules are imported until one has added it, so ``calc`` does not import the
    recalculation, the server or the ledger (0.1 s); without it (help, or a word that is no command) all."""
    from xlcomp.cli import core  # noqa: F401

    for name in _MODULES:
        if command and command in _registered():
            return
        try:
            __import__(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


def report_problems(error: ProblemsError, *, wrote: bool = True) -> None:
    """Print the problems, one per line (the first 500), to stderr, and their true count."""
    from xlcomp.cli.problems import MORE_ROWS, problem_count

    shown = 0
    for problem in error.problems[:SHOWN_PROBLEMS]:
        err_console.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False, markup=True, soft_wrap=True)
        more = MORE_ROWS.match(problem.message)
        shown += int(more.group(1)) if more else 1
    count = problem_count(error)
    if count > shown:
        err_console.print(f"… and {count - shown:,} more", highlight=False)
    tail = "; nothing was written." if wrote else "."
    err_console.print(f"[bold red]{count:,} {error.kind} problem{'s' if count != 1 else ''}[/bold red]{tail}",
                      highlight=False)


def _plain_help(command: Any) -> None:
    """Help without typer's type labels for flags (``<bool>``) and lists (``<list[Path]>``), and arguments
    in the usage line as ``PLAN`` rather than ``{plan}``."""
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = (param.name or "").upper()
            element = typing.get_args(param.type_descriptor.annotation)
            if param.type_descriptor.is_list and element:
                param.display_type_rich = lambda ctx, shown=f"<{element[0].__name__.lower()}>": shown
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.metavar is None and getattr(param, "multiple", False):
            element = typing.get_args(param.type_descriptor.annotation)
            param.metavar = f"<{element[0].__name__.lower() if element else 'text'}>"
    pieces = getattr(command, "collect_usage_pieces", None)
    if pieces is not None and not getattr(command, "plain_usage", False):
        # typer writes a required argument as {PLAN} in the usage line; click's PLAN is what users know
        def usage_pieces(ctx: Any, original: Any = pieces) -> list[str]:
            return [re.sub(r"\{([A-Z0-9_.]+)\}", r"\1", piece) for piece in original(ctx)]

        command.collect_usage_pieces = usage_pieces
        command.plain_usage = True
    get_help_option = getattr(command, "get_help_option", None)
    if get_help_option is not None and not getattr(command, "plain_help", False):
        def help_option(ctx: Any, original: Any = get_help_option) -> Any:
            option = original(ctx)
            if option is not None:
                option.metavar = ""
            return option

        command.get_help_option = help_option
        command.plain_help = True
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) the exit code."""
    global DEBUG
    args = list(sys.argv[1:] if argv is None else argv)
    DEBUG = "--debug" in args
    args = [a for a in args if a != "--debug"]
    global COMMAND
    COMMAND = next((a for a in args if not a.startswith("-")), "")
    _register(COMMAND)
    code = 0
    try:
        command = typer.main.get_command(app)
        _plain_help(command)
        with exact():  # every command computes in xlcomp's context
            result = command.main(args=args, prog_name="xlcomp", standalone_mode=False)
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
        report_problems(exc, wrote=COMMAND not in READ_ONLY_COMMANDS)
        code = exc.exit_code
    except XlcompError as exc:
        if DEBUG:
            raise
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
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
