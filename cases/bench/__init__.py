"""`make bench`: measure Casebook against hand-written SQL on a generated database.

Everything goes through the real code paths (the API endpoints and pages, in-process, with
Django's test client); the hand-written SQL beside each figure is the floor it is judged
against. Modules: `sql` (the hand-written SQL), `baseline` (the ModelSerializer version of
the export), `exports`, `memory`, `latency` (API and pages), `explain`, `report`, `prepare`
(the database), `run` (the sections in order), `context` and `common` (what they share).

Not a test: it reads whatever data the database holds and writes docs/benchmarks.md.
"""
