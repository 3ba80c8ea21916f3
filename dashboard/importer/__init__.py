"""Importing real data: areas, cases (CSV / Excel / Open311), branches and coverage.

Each import reads and checks its file first, then writes in one transaction (all or nothing),
upserting by key so that a second import of the same file changes nothing. Every rejected row
goes to a rejects file with its row number and reason; a summary says what was added, updated,
repaired and rejected.
"""
