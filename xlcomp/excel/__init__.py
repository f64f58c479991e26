"""The Excel side: the workbook contract (:mod:`.layout`), the writer (:mod:`.workbook`), LibreOffice
recalculation (:mod:`.libreoffice`) and reading uploads."""
