"""The Django admin for every domain model (registered on import by admin autodiscovery).

Writes go through `cases.services`; reads of cases and what hangs off them through
`cases.queries.visible_cases`. See `base.py` for what all the admins share.
"""

from . import case, detention, organization, person, place, source, vocabulary, workflow

__all__ = [
    "case",
    "detention",
    "organization",
    "person",
    "place",
    "source",
    "vocabulary",
    "workflow",
]
