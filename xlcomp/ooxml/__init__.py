"""The file format both sides share (a leaf: imports nothing of xlcomp but errors).

:mod:`.refs` (A1 references, sheet names, structured references), :mod:`.index` (sheets, tables
and defined names of an .xlsx, read with defusedxml), :mod:`.libreoffice` (headless recalculation).
"""
