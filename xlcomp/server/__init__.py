"""The add-in server behind ``xlcomp serve`` (FastAPI): Office.js custom functions over the registry.

Needs the ``server`` extra (``pip install "xlcomp[server]"``); without it, importing this package
raises :class:`~xlcomp.errors.MissingExtraError` saying so.

>>> from xlcomp.server import create_app  # doctest: +SKIP
>>> app = create_app("https://localhost:8443")  # doctest: +SKIP
"""

from xlcomp.extras import require

require("fastapi", "server", "xlcomp serve")

from xlcomp.server.app import MAX_BATCH_CALLS, MAX_BODY_BYTES, OFFICE_ORIGINS, create_app, run_call  # noqa: E402
from xlcomp.server.officejs import ADDIN_ID, NAMESPACE, functions_metadata  # noqa: E402

__all__ = ["ADDIN_ID", "MAX_BATCH_CALLS", "MAX_BODY_BYTES", "NAMESPACE", "OFFICE_ORIGINS", "create_app",
           "functions_metadata", "run_call"]
