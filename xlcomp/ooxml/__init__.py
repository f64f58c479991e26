"""The file format both sides share (a leaf: imports nothing of xlcomp but errors).

:mod:`.refs` (A1 references both ways, sheet names, structured references), :mod:`.parts` (the
members of a package, each decompressed once), :mod:`.index` (sheets, tables and defined names of
an .xlsx, read with defusedxml), :mod:`.scan` (formulas and error cells from a sheet's XML),
:mod:`.libreoffice` (headless recalculation).
"""
