"""Every write to the domain goes through these functions (see docs/architecture.md).

Each takes `acting_user=`, runs in one transaction, validates before writing and leaves a
version record saying who changed what. Views, the admin, the API, commands and tasks call them;
nothing else calls .save() on a domain model.
"""
