"""The upload side (SPEC sections 4 and 8): workbooks finance edited, read and recomputed.

The pipeline of one upload: :mod:`.intake` (safety: zip bombs, entities, macros, extents) ->
:mod:`.package` (the parts, decompressed once) -> :mod:`.read` (plan, period and inputs back from
the tables and named cells) -> the engine -> the regenerated workbook -> :mod:`.compare`
(overrides, differences) -> :mod:`.report` (report.json, report.xlsx, payouts.csv).
:mod:`.job` runs one upload, :mod:`.batch` many (processes or a Dask cluster).
"""
