"""Business operations on bank statements: import of a file, its summary, CSV profiles."""

from pointage.statement.service.importer import import_statement_file
from pointage.statement.service.profiles import get_profile, list_profiles, save_profile
from pointage.statement.service.report import ImportReport, StatementReport
from pointage.statement.service.summary import file_summary

__all__ = [
    "ImportReport",
    "StatementReport",
    "file_summary",
    "get_profile",
    "import_statement_file",
    "list_profiles",
    "save_profile",
]
