"""Optional parts: import them through :func:`require` for a friendly "install xlcomp[NAME]"."""

from __future__ import annotations

import importlib
from types import ModuleType

from xlcomp.errors import MissingExtraError

__all__ = ["require"]


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(extra, feature, module.split(".", maxsplit=1)[0]) from exc
