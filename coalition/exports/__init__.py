"""Exports of the recommendation tracker: CSV, XLSX, JSON Lines, Frictionless data packages."""
