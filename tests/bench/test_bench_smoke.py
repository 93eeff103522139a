"""The benchmark harness runs end to end on a handful of rows (PostgreSQL only).

Not a benchmark: the figures of a tiny database mean nothing. It proves that every section —
the floor COPY, the exports through the endpoint, the ModelSerializer baseline and the memory
subprocesses, the latency scenarios and their hand-written SQL, EXPLAIN and the report — still
runs against the current code and models.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from cases.bench.common import Out
from cases.bench.context import Options
from cases.bench.report import BEGIN, END
from cases.bench.run import run
from cases.models import Case, CaseState, Confidentiality, LanguageTag, PlaceKind, VocabularyKey

from ..factories import (
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    cite,
    term,
)

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the benchmarks need PostgreSQL (COPY, EXPLAIN)",
    ),
    # COPY, EXPLAIN and the memory subprocesses read on connections of their own, so the rows
    # are committed; serialized_rollback restores the vocabularies and roles the flush drops.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tiny_database():
    country = PlaceFactory(name="China", kind=PlaceKind.COUNTRY)
    region = PlaceFactory(
        name="Tibet Autonomous Region",
        kind=PlaceKind.REGION,
        parent=country,
        traditional_region=term(VocabularyKey.TRADITIONAL_REGION, "kham"),
    )
    county = PlaceFactory(
        name="Sog County", parent=region, latitude="31.883333", longitude="93.783333"
    )
    names = [
        ("བཀྲ་ཤིས་རྡོ་རྗེ", LanguageTag.TIBETAN),
        ("bkra shis rdo rje", LanguageTag.TIBETAN_LATIN),
        ("扎西多吉", LanguageTag.CHINESE_SIMPLIFIED),
        ("Zhāxī Duōjí", LanguageTag.PINYIN),
        ("Tashi Dorje", LanguageTag.ENGLISH),
    ]
    for number, (place, level, year) in enumerate(
        [
            (county, Confidentiality.PUBLIC, 2014),
            (region, Confidentiality.INTERNAL, 2016),
            (county, Confidentiality.RESTRICTED, 2018),
        ]
    ):
        case = CaseFactory(
            title=f"Arrests {number}", occurred=str(year), place=place, confidentiality=level
        )
        for person_number in range(2):
            person = PersonFactory(
                name=f"Tashi Dorje {number}-{person_number}",
                names=[(f"{name} {number}{person_number}", language) for name, language in names],
            )
            DetentionFactory(
                case=case,
                person=person,
                detained_on=f"{year}-03",
                charges=[term(VocabularyKey.CHARGE, "inciting-separatism")],
            )
        cite(SourceFactory(), case=case)
    Case.objects.update(state=CaseState.VERIFIED)


def test_every_section_runs_and_the_report_keeps_hand_written_text(tiny_database, tmp_path):
    output = tmp_path / "benchmarks.md"
    output.write_text(
        f"# Benchmarks\n\nWritten by hand.\n\n{BEGIN}\nold figures\n{END}\n\nAfter.\n"
    )
    options = Options(
        scale=0.0001,
        seed=1,
        export_budget=0,
        floor_budget=0,
        requests=2,
        warmups=1,
        memory_sizes=(2,),
    )

    info, sections = run(options, out=Out(quiet=True), output=output, command="make bench")

    assert [section.key for section in sections] == [
        "exports",
        "memory",
        "latency",
        "html",
        "explain",
    ]
    assert info.rows[1] == ("detentions", 6)
    text = output.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    assert text.rstrip().endswith("After.")
    assert "old figures" not in text
    assert "### Targets not met" in text
    assert str(settings.BASE_DIR) not in text
    checks = {check.name for section in sections for check in section.checks}
    assert "floor SQL matches the internal CSV export cell by cell" in checks
    assert "Casebook CSV faster than the careful first version" in checks
