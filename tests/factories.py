"""Test data built through the same services the application uses."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from casebook.accounts.models import User
from casebook.accounts.roles import Role
from casebook.accounts.system import system_user
from cases.models import Case, Detention, Person, Place, PlaceKind, Source, Term, VocabularyKey
from cases.services.cases import case_create
from cases.services.detentions import detention_create
from cases.services.people import person_create
from cases.services.places import place_create
from cases.services.sources import citation_create, source_create

PASSWORD = "correct-horse-battery-staple"


def term(vocabulary: VocabularyKey, code: str) -> Term:
    return Term.objects.get(vocabulary__key=vocabulary.value, code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role.value))
        if extracted and Role.ADMINISTRATOR in extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff"])


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Place {n}")
    kind = PlaceKind.COUNTY
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return place_create(acting_user=system_user(), **kwargs)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"Detention of protesters {n}")
    occurred = "2014-03-06"

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, state=None, **kwargs):
        case = case_create(acting_user=acting_user or system_user(), **kwargs)
        if state is not None:
            # Tests that need a case in a given state start there; the workflow is tested alone.
            Case.objects.filter(pk=case.pk).update(state=state)
            case.state = state
        return case


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Tashi Dorje {n}")

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        return person_create(acting_user=acting_user or system_user(), **kwargs)


class DetentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Detention

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    detained_on = "2014-03-06"

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        return detention_create(acting_user=acting_user or system_user(), **kwargs)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    outlet = factory.Sequence(lambda n: f"Outlet {n}")
    kind = factory.LazyFunction(lambda: term(VocabularyKey.SOURCE_KIND, "news-report"))

    @classmethod
    def _create(cls, model_class, *args, acting_user=None, **kwargs):
        return source_create(acting_user=acting_user or system_user(), **kwargs)


def cite(source: Source, **target) -> object:
    return citation_create(acting_user=system_user(), source=source, **target)
