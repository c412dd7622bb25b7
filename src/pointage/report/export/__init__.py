"""The reconciliation state as an Excel workbook, one line per transaction, with a summary
sheet (docs/exports.md); streamed, for the API, the command line and the back office."""

from pointage.report.export.filters import ExportFilters, validated
from pointage.report.export.service import (
    ExportResult,
    export_reconciliation,
    reconciliation_lines,
)

__all__ = [
    "ExportFilters",
    "ExportResult",
    "export_reconciliation",
    "reconciliation_lines",
    "validated",
]
