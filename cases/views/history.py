"""The version history of a case: every version, who made it, when, and what it changed.

Versions come from django-simple-history (`case.history`, `Detention.history`); each is compared
with the one before it (`diff_against`). The page costs a fixed number of queries however many
versions there are: the authors come with the versions, the many-to-many snapshots are
prefetched, and related records (places, people, terms) are labelled in one query per model.

Only facts are shown: the case and its detentions hold no encrypted field, and the sensitive
fields of people and sources (contact, family, internal notes, originator, how obtained) are
never read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from encrypted_fields.fields import EncryptedFieldMixin

from ..dates import describe
from ..fields import UncertainDateField
from ..models import Case, Detention, Person, Place
from ..permissions import may
from ..services.common import EditConflict
from ..services.history import record_restore, restorable_changes
from .cases import place_hierarchy_labels
from .common import visible_case_or_404

# Bookkeeping that every save touches, or that is derived from another field: not a change a
# reader needs to see. (The case's verification state is shown; see _CASE_EXTRA.)
_NOT_SHOWN = frozenset({"case"})
_CASE_EXTRA = ("state",)


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    long: bool = False


@dataclass
class VersionRow:
    record: Any
    kind: str  # "created", "changed" or "deleted"
    changes: list[Change] = field(default_factory=list)
    subject: str = ""
    is_current: bool = False
    restorable: bool = False


@dataclass
class _RawChange:
    field: models.Field
    old: Any
    new: Any


class _Labeller:
    """Labels for related records, fetched once per model for a whole page."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.labels: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, model: type[models.Model], pk: Any) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            # Labels only: encrypted fields (contact details, originators…) are never loaded.
            encrypted = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)
            ]
            records = list(model._base_manager.filter(pk__in=pks).defer(*encrypted))
            if model is Place:
                by_pk = place_hierarchy_labels(records)
            else:
                by_pk = {record.pk: str(record) for record in records}
            for pk in pks:
                self.labels[(model, pk)] = by_pk.get(
                    pk, _("a record since deleted (#%(pk)s)") % {"pk": pk}
                )

    def label(self, model: type[models.Model], pk: Any) -> str:
        return self.labels.get((model, pk), "")


def _fact_fields(model: type[models.Model]) -> list[models.Field]:
    """Fields a version's changes are shown for. Encrypted fields never are, should one be
    added to a model shown here."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and f.name not in _NOT_SHOWN
        and not isinstance(f, EncryptedFieldMixin)
    ]


def snapshot_accessors(model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """For each many-to-many field kept with the versions: (reverse accessor on the version,
    name of the snapshot's foreign key to the related record)."""
    history_model = model.history.model
    kept = {f.name for f in history_model._history_m2m_fields}
    by_model_name = {
        relation.related_model._meta.model_name: relation.get_accessor_name()
        for relation in history_model._meta.related_objects
    }
    found = {}
    for m2m in model._meta.many_to_many:
        if m2m.name not in kept:
            continue
        snapshot_name = f"historical{m2m.remote_field.through._meta.object_name}".lower()
        if snapshot_name in by_model_name:
            found[m2m.name] = (by_model_name[snapshot_name], m2m.m2m_reverse_field_name())
    return found


def _versions(queryset: models.QuerySet, model: type[models.Model]) -> list[Any]:
    prefetches = [
        Prefetch(accessor, queryset=_snapshot_model(model, accessor).objects.select_related(target))
        for accessor, target in snapshot_accessors(model).values()
    ]
    return list(
        queryset.select_related("history_user")
        .prefetch_related(*prefetches)
        .order_by("-history_date", "-history_id")
    )


def _snapshot_model(model: type[models.Model], accessor: str) -> type[models.Model]:
    history_model = model.history.model
    for relation in history_model._meta.related_objects:
        if relation.get_accessor_name() == accessor:
            return relation.related_model
    raise LookupError(accessor)


def _m2m_labels(version: Any, model: type[models.Model]) -> dict[str, list[str]]:
    return {
        name: sorted(str(getattr(row, target)) for row in getattr(version, accessor).all())
        for name, (accessor, target) in snapshot_accessors(model).items()
    }


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _raw_changes(
    new: Any, old: Any | None, model: type[models.Model], extra: Iterable[str]
) -> list[_RawChange]:
    """What `new` changed against `old` (None: what `new` was created with)."""
    facts = _fact_fields(model)
    meta = model._meta
    if old is None:
        changes = [
            _RawChange(f, None, getattr(new, f.attname))
            for f in facts
            if not _is_blank(getattr(new, f.attname))
        ]
        changes += [_RawChange(meta.get_field(name), None, getattr(new, name)) for name in extra]
    else:
        delta = new.diff_against(old, included_fields=[f.name for f in facts])
        changes = [_RawChange(meta.get_field(c.field), c.old, c.new) for c in delta.changes]
        changes += [
            _RawChange(meta.get_field(name), getattr(old, name), getattr(new, name))
            for name in extra
            if getattr(old, name) != getattr(new, name)
        ]
    new_m2m = _m2m_labels(new, model)
    old_m2m = _m2m_labels(old, model) if old is not None else {}
    for name, labels in new_m2m.items():
        before = old_m2m.get(name, [])
        if labels != before and not (old is None and not labels):
            changes.append(_RawChange(meta.get_field(name), before, labels))
    order = {f.name: i for i, f in enumerate([*meta.concrete_fields, *meta.many_to_many])}
    return sorted(changes, key=lambda change: order.get(change.field.name, 0))


def _shown(model_field: models.Field, value: Any, labeller: _Labeller) -> str:
    """A stored value as a reader sees it; "" for nothing."""
    if value is None or value == "" or value == []:
        return ""
    if model_field.many_to_many:
        return "; ".join(value)
    if model_field.is_relation:
        return labeller.label(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(model_field, UncertainDateField):
        shown = describe(value)
        return shown if shown == value else f"{shown} ({value})"
    if isinstance(model_field, models.DateField):
        return formats.date_format(value, "j F Y")
    return str(value)


def _rows(
    versions: list[Any], model: type[models.Model], labeller: _Labeller, extra: Iterable[str] = ()
) -> list[tuple[VersionRow, list[_RawChange]]]:
    """Each version with its raw changes against the previous version of the same record."""
    pk_name = model._meta.pk.attname
    older_of: dict[int, Any] = {}
    previous: dict[Any, Any] = {}
    for version in reversed(versions):  # oldest first
        key = getattr(version, pk_name)
        older_of[version.history_id] = previous.get(key)
        previous[key] = version
    found = []
    for version in versions:
        old = older_of[version.history_id]
        if version.history_type == "-":
            row, raw = VersionRow(version, "deleted"), []
        else:
            raw = _raw_changes(version, old, model, extra)
            row = VersionRow(version, "created" if old is None else "changed")
        for change in raw:
            if change.field.is_relation and not change.field.many_to_many:
                labeller.want(change.field.related_model, change.old)
                labeller.want(change.field.related_model, change.new)
        found.append((row, raw))
    return found


def _finish(
    rows: list[tuple[VersionRow, list[_RawChange]]], labeller: _Labeller
) -> list[VersionRow]:
    for row, raw in rows:
        row.changes = [
            Change(
                label=capfirst(str(change.field.verbose_name)),
                old=_shown(change.field, change.old, labeller),
                new=_shown(change.field, change.new, labeller),
                long=isinstance(change.field, models.TextField),
            )
            for change in raw
        ]
    return [row for row, _raw in rows]


def case_versions(case: Case) -> tuple[list[VersionRow], list[VersionRow]]:
    """The versions of `case` and of its detentions, newest first, with what each changed."""
    labeller = _Labeller()
    case_rows = _rows(_versions(case.history.all(), Case), Case, labeller, extra=_CASE_EXTRA)
    # Versions recorded while a detention belonged to this case, deleted detentions included;
    # never those of a detention's time in another (perhaps restricted) case.
    detention_versions = _versions(Detention.history.filter(case_id=case.pk), Detention)
    detention_rows = _rows(detention_versions, Detention, labeller)
    for version in detention_versions:
        labeller.want(Person, version.person_id)
    labeller.fetch()

    for index, (row, _raw) in enumerate(case_rows):
        row.is_current = index == 0
        row.restorable = not row.is_current and bool(restorable_changes(case, row.record))
    for row, _raw in detention_rows:
        row.subject = labeller.label(Person, row.record.person_id)
    return _finish(case_rows, labeller), _finish(detention_rows, labeller)


@require_safe
@login_required
def case_history(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case_or_404(request.user, reference)
    versions, detention_versions = case_versions(case)
    context = {
        "case": case,
        "versions": versions,
        "detention_versions": detention_versions,
        "may_restore": may(request.user, "edit", case),
    }
    return render(request, "cases/case_history.html", context)


@require_POST
@login_required
def case_restore(request: HttpRequest, reference: str) -> HttpResponse:
    """Bring back an earlier version's facts as a new version (nothing is overwritten)."""
    case = visible_case_or_404(request.user, reference)
    if not may(request.user, "edit", case):
        raise PermissionDenied(_("Your account may not change this case."))
    try:
        history_id = int(request.POST.get("history_id", ""))
    except ValueError:
        messages.error(request, _("Choose a version to restore."))
        return redirect("cases:case-history", reference=case.reference)
    version_before = case.version
    try:
        restored = record_restore(acting_user=request.user, instance=case, history_id=history_id)
    except EditConflict:
        messages.error(
            request,
            _("Someone saved the case just now. Look at the history again before restoring."),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if restored.version == version_before:
            messages.info(
                request, _("That version has the same facts as the case now: nothing to restore.")
            )
        else:
            messages.success(
                request,
                _(
                    "Restored. The earlier facts are now the current version; "
                    "every version is still kept."
                ),
            )
    return redirect("cases:case-history", reference=case.reference)
