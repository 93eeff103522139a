"""The case page's word on an intervention: whether its reply is overdue today."""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..filters import is_reply_overdue
from ..models import Intervention

register = template.Library()


@register.filter
def reply_overdue(intervention: Intervention) -> bool:
    return is_reply_overdue(intervention, timezone.localdate())
