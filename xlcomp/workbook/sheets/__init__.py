"""One module per sheet of the workbook: guide, plan, tables (Roster, Accounts), summary, roi, csm."""
