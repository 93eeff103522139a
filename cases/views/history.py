"""Version histories: every version of a case (and its detentions) or of a person (and their
name variants), who made it, when, and what it changed; and restoring one, after a preview.

Versions come from django-simple-history; each is compared with the one before it
(`diff_against`). A page costs a fixed number of queries however many versions there are: the
authors come with the versions, the many-to-many snapshots are prefetched, and related records
(places, people, terms) are labelled in one query per model.

What a reader may not read stays out: the sensitive fields (contact, family, internal notes,
originator, how obtained) are never printed — a change to one shows as changed, nothing more —
and people whose identity is withheld appear under the placeholder to readers who may not see
identities, who also read every value through the mask of the case's withheld names
(cases.redaction). Versions that changed nothing shown here (bookkeeping saves) are not listed.

Readers who may not see drafts (advocates, `Reader.sees_drafts`) read verified content only:

- of a case, the versions recorded in the verified state. A change of facts moves a verified
  case back to review in the same write, so such a version holds only what a reviewer verified;
  drafts between verifications, and text written and removed before one, are never listed. Each
  shown version is compared with the previous shown one, so a diff cannot reveal a draft either.
  A case never verified has no version to show (and advocates cannot open it anyway);
- of its detentions, the version current at each of those case versions;
- of a person and their names, the version current at each verification of a case the reader
  may see, recorded while the person was detained in it: a change to a person sends every
  case they are in back to review, so what stood at a verification is what was verified there,
  and nothing a monitor wrote on a person since is shown before a reviewer verified it.

A restore is two steps, without JavaScript: the history links to a preview (GET) listing
exactly what would change, field by field; its form POSTs the confirmation with the version
previewed. A POST without it writes nothing, and a record changed since the preview is
refused rather than restored over.
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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from encrypted_fields.fields import EncryptedFieldMixin

from ..dates import describe
from ..exports.profiles import PLACEHOLDER
from ..fields import UncertainDateField
from ..models import Case, CaseState, Detention, Person, PersonName, Place
from ..permissions import may
from ..queries import Reader, visible_cases, visible_people
from ..redaction import NO_MASK, NameMask
from ..services.common import EditConflict
from ..services.history import (
    RestorePlan,
    record_restore,
    restore_plan,
    snapshot_accessors,
)
from .cases import place_hierarchy_labels
from .common import visible_case_or_404
from .masks import joined, page_masks

__all__ = ["snapshot_accessors"]

# The record a page is about: not a change a reader needs to see on its own versions.
_NOT_SHOWN = frozenset({"case", "person"})
# The case's verification state is shown, though no form edits it.
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
    restore_href: str = ""
    subject_href: str = ""


@dataclass
class _RawChange:
    field: models.Field
    old: Any
    new: Any


class _Labeller:
    """Labels for related records, fetched once per model for a whole page. People whose
    identity is withheld are labelled with the placeholder unless the reader sees identities."""

    def __init__(self, *, full_identity: bool) -> None:
        self.full_identity = full_identity
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.labels: dict[tuple[type[models.Model], Any], str] = {}
        self.public_ids: dict[tuple[type[models.Model], Any], Any] = {}

    def want(self, model: type[models.Model], pk: Any) -> None:
        if pk is not None:
            self.wanted[model].add(pk)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            pks = pks - {pk for (known, pk) in self.labels if known is model}
            if not pks:
                continue
            # Labels only: encrypted fields (contact details, originators…) are never loaded.
            encrypted = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)
            ]
            records = list(model._base_manager.filter(pk__in=pks).defer(*encrypted))
            if model is Place:
                by_pk = place_hierarchy_labels(records)
            elif model is Person and not self.full_identity:
                by_pk = {r.pk: PLACEHOLDER if r.identity_withheld else str(r) for r in records}
            else:
                by_pk = {record.pk: str(record) for record in records}
            for record in records:
                if hasattr(record, "public_id"):
                    self.public_ids[(model, record.pk)] = record.public_id
            for pk in pks:
                self.labels[(model, pk)] = by_pk.get(
                    pk, _("a record since deleted (#%(pk)s)") % {"pk": pk}
                )

    def label(self, model: type[models.Model], pk: Any) -> str:
        return self.labels.get((model, pk), "")


def _fact_fields(model: type[models.Model]) -> list[models.Field]:
    """Fields a version's changes are shown for (encrypted ones masked: see _shown)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in _NOT_SHOWN
    ]


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


def _shown(
    model_field: models.Field, value: Any, labeller: _Labeller, masked: frozenset[str] = frozenset()
) -> str:
    """A stored value as a reader sees it; "" for nothing."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(model_field, EncryptedFieldMixin):
        # Sensitive: that it changed may be known, never what it says.
        return _("(sensitive: not shown)")
    if model_field.name in masked:
        return PLACEHOLDER
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
    """Each version with its raw changes against the previous version of the same record.

    A version that changed nothing shown (a bookkeeping save: the time of the last change, who
    last changed the facts) is left out: it would only bury the changes that matter.
    """
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
            if old is not None and not raw:
                continue
            row = VersionRow(version, "created" if old is None else "changed")
        for change in raw:
            if change.field.is_relation and not change.field.many_to_many:
                labeller.want(change.field.related_model, change.old)
                labeller.want(change.field.related_model, change.new)
        found.append((row, raw))
    return found


def _change(
    model_field: models.Field, old: Any, new: Any, labeller: _Labeller, masked: frozenset[str]
) -> Change:
    return Change(
        label=capfirst(str(model_field.verbose_name)),
        old=_shown(model_field, old, labeller, masked),
        new=_shown(model_field, new, labeller, masked),
        long=isinstance(model_field, models.TextField),
    )


def _finish(
    rows: list[tuple[VersionRow, list[_RawChange]]],
    labeller: _Labeller,
    masked: frozenset[str] = frozenset(),
    mask: NameMask = NO_MASK,
) -> list[VersionRow]:
    for row, raw in rows:
        changes = [_change(c.field, c.old, c.new, labeller, masked) for c in raw]
        if mask:
            changes = [
                Change(change.label, mask.apply(change.old), mask.apply(change.new), change.long)
                for change in changes
            ]
        row.changes = changes
    return [row for row, _raw in rows]


def _current_at(versions: list[Any], times: Iterable[Any], pk_name: str = "id") -> list[Any]:
    """Of `versions` (newest first, several records), the one of each record current at each
    of `times`, newest first: what a reader of verified content may compare.

    A deletion is kept only for a record shown before it, so a record created and deleted
    between two verifications never appears at all.
    """
    moments = sorted(times)
    if not moments:
        return []
    latest: dict[Any, Any] = {}
    picked: set[int] = set()
    shown_records: set[Any] = set()
    pending = iter(reversed(versions))  # oldest first
    version = next(pending, None)
    for moment in moments:
        while version is not None and version.history_date <= moment:
            latest[getattr(version, pk_name)] = version
            version = next(pending, None)
        for key, current in latest.items():
            if current.history_type == "-" and key not in shown_records:
                continue
            picked.add(current.history_id)
            shown_records.add(key)
    return [version for version in versions if version.history_id in picked]


def _m2m_from_versions(versions: list[Any], model: type[models.Model]) -> dict[Any, tuple]:
    """Per record, from versions already loaded (newest first): when each many-to-many set was
    first recorded (services.history.m2m_first_recorded), and the sets as they are now (those
    of the newest version). No query: the snapshots are prefetched."""
    pk_name = model._meta.pk.attname
    accessors = snapshot_accessors(model)
    first: dict[Any, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(accessors))
    current: dict[Any, dict[str, set[Any]]] = {}
    for version in versions:
        key = getattr(version, pk_name)
        sets = {
            name: {getattr(row, f"{target}_id") for row in getattr(version, accessor).all()}
            for name, (accessor, target) in accessors.items()
        }
        current.setdefault(key, sets)
        for name, ids in sets.items():
            if ids:  # newest first: the last one seen is the oldest
                first[key][name] = version.history_date
    return {key: (first[key], current[key]) for key in current}


def _mark_restorable(
    rows: list[tuple[VersionRow, list[_RawChange]]],
    instance: Any,
    versions: list[Any],
    href: str,
) -> None:
    """The newest row is the record as it is; older ones offer a restore if it would change
    something."""
    first, current = _m2m_from_versions(versions, type(instance)).get(instance.pk, ({}, {}))
    for index, (row, _raw) in enumerate(rows):
        row.is_current = index == 0
        if row.is_current or row.kind == "deleted":
            continue
        row.restorable = bool(restore_plan(instance, row.record, first, current))
        if row.restorable and href:
            row.restore_href = f"{href}?history_id={row.record.history_id}"


def _mark_restorable_parts(
    rows: list[tuple[VersionRow, list[_RawChange]]],
    parts: Iterable[Any],
    versions: list[Any],
    href: str,
) -> None:
    """Versions of several records of one kind (a case's detentions, a person's names), newest
    first: each record's newest row is current; older rows of a record that still exists offer
    a restore if it would change something. `href` ends ready for "history_id=…"."""
    existing = {part.pk: part for part in parts}
    if not rows or not existing:
        return
    m2m = _m2m_from_versions(versions, type(next(iter(existing.values()))))
    seen: set[Any] = set()
    for row, _raw in rows:
        record = row.record
        part = existing.get(record.id)
        row.is_current = part is not None and record.id not in seen
        seen.add(record.id)
        if part is None or row.is_current or row.kind == "deleted":
            continue
        first, current = m2m.get(record.id, ({}, {}))
        row.restorable = bool(restore_plan(part, record, first, current))
        if row.restorable and href:
            row.restore_href = f"{href}history_id={record.history_id}"


def case_versions(
    case: Case,
    *,
    full_identity: bool = True,
    restore_href: str = "",
    verified_only: bool = False,
    mask: NameMask = NO_MASK,
) -> tuple[list[VersionRow], list[VersionRow]]:
    """The versions of `case` and of its detentions, newest first, with what each changed.

    With `verified_only`, only the versions recorded in the verified state and the detentions
    as they stood then, each compared with the previous one shown (see the module docstring).
    """
    labeller = _Labeller(full_identity=full_identity)
    versions = _versions(case.history.all(), Case)
    # Versions recorded while a detention belonged to this case, deleted detentions included;
    # never those of a detention's time in another (perhaps restricted) case.
    detention_versions = _versions(Detention.history.filter(case_id=case.pk), Detention)
    if verified_only:
        versions = [version for version in versions if version.state == CaseState.VERIFIED]
        detention_versions = _current_at(
            detention_versions, [version.history_date for version in versions]
        )
    case_rows = _rows(versions, Case, labeller, extra=_CASE_EXTRA)
    if verified_only:
        for row, _raw in case_rows:
            row.kind = "verified"
    detention_rows = _rows(detention_versions, Detention, labeller)
    for version in detention_versions:
        labeller.want(Person, version.person_id)
    labeller.fetch()

    _mark_restorable(case_rows, case, versions, restore_href)
    _mark_restorable_parts(
        detention_rows,
        case.detentions.all(),
        detention_versions,
        f"{restore_href}?record=detention&" if restore_href else "",
    )
    for row, _raw in detention_rows:
        row.subject = labeller.label(Person, row.record.person_id)
        public_id = labeller.public_ids.get((Person, row.record.person_id))
        if public_id is not None:
            row.subject_href = reverse("cases:person-history", args=[public_id])
    return _finish(case_rows, labeller, mask=mask), _finish(detention_rows, labeller, mask=mask)


@require_safe
@login_required
def case_history(request: HttpRequest, reference: str) -> HttpResponse:
    reader = Reader.of(request.user)
    case = visible_case_or_404(reader, reference)
    may_restore = may(request.user, "edit", case)
    href = reverse("cases:case-restore", args=[case.reference]) if may_restore else ""
    mask = page_masks(reader, [case.pk]).get(case.pk, NO_MASK)
    versions, detention_versions = case_versions(
        case,
        full_identity=reader.sees_identities,
        restore_href=href,
        verified_only=not reader.sees_drafts,
        mask=mask,
    )
    context = {
        "case": case,
        "mask": mask,
        "verified_only": not reader.sees_drafts,
        "versions": versions,
        "detention_versions": detention_versions,
        "may_restore": may_restore,
    }
    return render(request, "cases/case_history.html", context)


# --- Restoring, after a preview ------------------------------------------------------------------

CONFIRM_VALUE = "restore"


@dataclass
class Preview:
    changes: list[Change]
    notes: list[str]


def restore_preview(
    instance: Any, plan: RestorePlan, *, full_identity: bool, masked: frozenset[str] = frozenset()
) -> Preview:
    """Exactly what the restore would write: each field as it is now → as it will be."""
    model = type(instance)
    labeller = _Labeller(full_identity=full_identity)
    for name, value in plan.changes.items():
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            labeller.want(model_field.related_model, getattr(instance, model_field.attname))
            labeller.want(model_field.related_model, value)
    labeller.fetch()
    changes = [
        _change(
            model._meta.get_field(name),
            getattr(instance, model._meta.get_field(name).attname),
            value,
            labeller,
            masked,
        )
        for name, value in plan.changes.items()
    ]
    for name, restored in plan.m2m.items():
        m2m = model._meta.get_field(name)
        now = sorted(str(related) for related in getattr(instance, name).all())
        then = sorted(str(related) for related in m2m.related_model.objects.filter(pk__in=restored))
        changes.append(_change(m2m, now, then, labeller, masked))
    notes = [
        _("%(field)s: that version did not record it, so it stays as it is now.")
        % {"field": capfirst(str(model._meta.get_field(name).verbose_name))}
        for name in plan.m2m_unknown
    ]
    if "confidentiality" in plan.not_restored:
        notes.append(
            _(
                "Confidentiality is not restored: it is a decision of its own, changed on the "
                "edit page (lowering it needs a reviewer and a reason)."
            )
        )
    return Preview(changes, notes)


def _latest_history_id(instance: models.Model) -> int | None:
    return (
        instance.history.order_by("-history_date", "-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def _restore_page(
    request: HttpRequest,
    *,
    instance: Any,
    version: Any,
    heading: str,
    back_url: str,
    masked: frozenset[str] = frozenset(),
) -> HttpResponse:
    """GET: the preview and its confirm form. POST: the restore, if confirmed against the
    record as previewed; without the confirmation nothing is written."""
    record = _record_kind(request)
    preview_url = f"{request.path}?history_id={version.history_id}"
    if record:
        preview_url += f"&record={record}"
    if request.method == "POST":
        return _confirmed_restore(request, instance, version, back_url, preview_url)
    plan = restore_plan(instance, version)
    context = {
        "heading": heading,
        "back_url": back_url,
        "version": version,
        "preview": restore_preview(
            instance, plan, full_identity=Reader.of(request.user).sees_identities, masked=masked
        ),
        "nothing_to_restore": not plan,
        "latest": _latest_history_id(instance),
        "record_version": getattr(instance, "version", ""),
        "confirm_value": CONFIRM_VALUE,
        "record": record,
    }
    return render(request, "cases/restore_preview.html", context)


def _confirmed_restore(
    request: HttpRequest, instance: Any, version: Any, back_url: str, preview_url: str
) -> HttpResponse:
    if request.POST.get("confirm") != CONFIRM_VALUE:
        messages.warning(
            request, _("Nothing was restored. Check what the restore will change, then confirm.")
        )
        return redirect(preview_url)
    if request.POST.get("latest") != str(_latest_history_id(instance)):
        messages.error(
            request,
            _("The record changed after you looked at what the restore would do. Look again."),
        )
        return redirect(preview_url)
    version_before = getattr(instance, "version", None)
    if version_before is not None:
        try:
            instance.version = int(request.POST.get("version", ""))
        except ValueError:
            return redirect(preview_url)
    latest_before = _latest_history_id(instance)
    try:
        record_restore(acting_user=request.user, instance=instance, history_id=version.history_id)
    except EditConflict:
        messages.error(
            request,
            _("Someone saved the record just now. Look at what the restore would do again."),
        )
        return redirect(preview_url)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect(back_url)
    if _latest_history_id(instance) == latest_before:
        messages.info(request, _("That version is the same as the record now: nothing to restore."))
    else:
        messages.success(
            request,
            _("Restored. The earlier version is now the current one; every version is still kept."),
        )
    return redirect(back_url)


def _record_kind(request: HttpRequest) -> str:
    """Which record of the page a restore is about: "" (the case or person itself),
    "detention" or "name"."""
    kind = request.GET.get("record") or request.POST.get("record", "")
    return kind if kind in {"detention", "name"} else ""


def _version_or_none(request: HttpRequest, history: models.QuerySet) -> Any:
    """The version asked for, from `history`; None (with a message) if it is not there."""
    # A restore restores the version its confirming form names, never one from the address
    # alone: a link or a replayed URL cannot choose what is written.
    source = request.POST if request.method == "POST" else request.GET
    try:
        history_id = int(source.get("history_id", ""))
    except ValueError:
        history_id = None
    version = history.filter(history_id=history_id).first() if history_id else None
    if version is None or version.history_type == "-":
        messages.error(request, _("That version does not belong to this record."))
    return version


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_restore(request: HttpRequest, reference: str) -> HttpResponse:
    """Bring back an earlier version's facts as a new version (nothing is overwritten)."""
    case = visible_case_or_404(request.user, reference)
    if not may(request.user, "edit", case):
        raise PermissionDenied(_("Your account may not change this case."))
    back_url = reverse("cases:case-history", args=[case.reference])
    detention = _record_kind(request) == "detention"
    # A detention's versions while it belonged to this case; never another case's.
    history = Detention.history.filter(case_id=case.pk) if detention else case.history.all()
    version = _version_or_none(request, history)
    if version is None or version.history_type == "-":
        return redirect(back_url)
    instance: Any = case
    heading = _("Restore a version of %(reference)s") % {"reference": case.reference}
    if detention:
        instance = case.detentions.filter(pk=version.id).first()
        if instance is None:
            messages.error(request, _("That detention was removed; it cannot be restored here."))
            return redirect(back_url)
        heading = _("Restore a version of a detention in %(reference)s") % {
            "reference": case.reference
        }
    return _restore_page(
        request,
        instance=instance,
        version=version,
        heading=heading,
        back_url=back_url,
    )


# --- People ---------------------------------------------------------------------------------------


def _person_or_404(user: Any, public_id: Any) -> Person:
    """A person detained in a case the user may see (or, for those working inside, not yet in
    any case); anyone else answers 404 like a missing person."""
    person = visible_people(user).filter(public_id=public_id).first()
    if person is None:
        raise Http404(_("No person found."))
    return person


# What the API leaves out of a withheld person (cases.api.serializers): the name, and what
# tells them apart — their description and birth date.
_IDENTIFYING = frozenset({"name", "description", "birth_date"})


def _identity_masked(user: Any, person: Person) -> frozenset[str]:
    """Identifying fields shown as the placeholder: to readers who may not see identities, for
    a person whose identity is withheld now or was in any version."""
    if Reader.of(user).sees_identities:
        return frozenset()
    if person.identity_withheld or person.history.filter(identity_withheld=True).exists():
        return _IDENTIFYING
    return frozenset()


def _verifications_of_person(reader: Reader, person: Person) -> list[Any]:
    """When a case the reader may see was verified with the person detained in it: the times of
    its versions recorded in the verified state, from the person's first detention in it on."""
    detained_since = dict(
        Detention.history.filter(
            person_id=person.pk, case_id__in=visible_cases(reader).values("pk")
        )
        .order_by()
        .values("case_id")
        .annotate(first=models.Min("history_date"))
        .values_list("case_id", "first")
    )
    verified = Case.history.filter(id__in=list(detained_since), state=CaseState.VERIFIED)
    return [
        moment
        for case_id, moment in verified.values_list("id", "history_date")
        if moment >= detained_since[case_id]
    ]


def person_versions(
    person: Person,
    *,
    full_identity: bool,
    masked: frozenset[str],
    restore_href: str = "",
    verified_at: list[Any] | None = None,
    mask: NameMask = NO_MASK,
) -> tuple[list[VersionRow], list[VersionRow]]:
    """The versions of `person` and of their name variants, newest first; with `verified_at`,
    only those current at these times (see the module docstring)."""
    labeller = _Labeller(full_identity=full_identity)
    versions = _versions(Person.history.filter(id=person.pk), Person)
    name_versions = _versions(PersonName.history.filter(person_id=person.pk), PersonName)
    if verified_at is not None:
        versions = _current_at(versions, verified_at)
        name_versions = _current_at(name_versions, verified_at)
    person_rows = _rows(versions, Person, labeller)
    name_rows = _rows(name_versions, PersonName, labeller)
    labeller.fetch()
    _mark_restorable(person_rows, person, versions, restore_href)
    _mark_restorable_parts(
        name_rows,
        person.names.all(),
        name_versions,
        f"{restore_href}?record=name&" if restore_href else "",
    )
    for row, _raw in name_rows:
        row.subject = f"{row.record.get_kind_display()} ({row.record.language})"
    return (
        _finish(person_rows, labeller, masked, mask),
        _finish(name_rows, labeller, masked, mask),
    )


def _mask_of_person(reader: Reader, person: Person) -> NameMask:
    """The withheld names of every case the reader may see the person in: a description may
    name someone detained with them."""
    if reader.sees_identities:
        return NO_MASK
    case_ids = visible_cases(reader).filter(detentions__person=person).values_list("pk", flat=True)
    return joined(page_masks(reader, list(case_ids)).values())


@require_safe
@login_required
def person_history(request: HttpRequest, public_id: Any) -> HttpResponse:
    reader = Reader.of(request.user)
    person = _person_or_404(reader, public_id)
    masked = _identity_masked(reader, person)
    may_restore = reader.is_editor
    href = reverse("cases:person-restore", args=[person.public_id]) if may_restore else ""
    mask = _mask_of_person(reader, person)
    versions, name_versions = person_versions(
        person,
        full_identity=reader.sees_identities,
        masked=masked,
        restore_href=href,
        verified_at=None if reader.sees_drafts else _verifications_of_person(reader, person),
        mask=mask,
    )
    context = {
        "person": person,
        "person_label": PLACEHOLDER if masked else mask.apply(str(person)),
        "verified_only": not reader.sees_drafts,
        "versions": versions,
        "name_versions": name_versions,
        "may_restore": may_restore,
    }
    return render(request, "cases/person_history.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_restore(request: HttpRequest, public_id: Any) -> HttpResponse:
    person = _person_or_404(request.user, public_id)
    if not Reader.of(request.user).is_editor:
        raise PermissionDenied(_("Your role does not let you change people."))
    back_url = reverse("cases:person-history", args=[person.public_id])
    record = _record_kind(request)
    if record == "name":
        history = PersonName.history.filter(person_id=person.pk)
    else:
        history = person.history.all()
    version = _version_or_none(request, history)
    if version is None or version.history_type == "-":
        return redirect(back_url)
    instance: Any = person
    if record == "name":
        instance = person.names.filter(pk=version.id).first()
        if instance is None:
            messages.error(request, _("That name variant was removed; it cannot be restored here."))
            return redirect(back_url)
    return _restore_page(
        request,
        instance=instance,
        version=version,
        heading=_("Restore a version of a person"),
        back_url=back_url,
        masked=_identity_masked(request.user, person),
    )
