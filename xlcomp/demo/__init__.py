"""The demo project and synthetic books: ``xlcomp demo`` and ``xlcomp sample``.

:func:`sample_book` draws a realistic roster and book of business (segments, ARR, renewals,
expansion, scores) from a seed; :func:`write_demo` writes a plan for every archetype, a sample book
and each plan's payouts, workbook and statements.
"""

from xlcomp.demo.project import PRESETS, DemoRun, preset_text, write_demo
from xlcomp.demo.sample import sample_book, with_assignment_columns

__all__ = ["PRESETS", "DemoRun", "preset_text", "sample_book", "with_assignment_columns", "write_demo"]
