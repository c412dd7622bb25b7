"""Pointage: payment reconciliation and reporting back office."""

__version__ = "0.1.0"
