"""`{{ text|masked:mask }}`: free text with the names of withheld people replaced.

The page's view builds the mask (cases.views.masks), empty for a reader who sees identities, so
the template only says where free text stands. Apply it before any filter that marks text safe
(`{{ case.summary|masked:mask|linebreaks }}`): the result is plain text, escaped as usual.
"""

from __future__ import annotations

from django import template

from ..redaction import NameMask

register = template.Library()


@register.filter
def masked(text: object, mask: NameMask | None) -> object:
    if not mask or not isinstance(text, str):
        return text
    return mask.apply(text)
