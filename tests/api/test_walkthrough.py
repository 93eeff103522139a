"""Every fact of a case can be recorded through the API alone, by a monitor's token, from an
empty database (docs/api.md, "Recording a case from scratch"): the Drilda case of
cases/demo/wechat-crackdown-article.txt, then a trial, a three-year sentence and a release for
one of its monks, and a UN urgent appeal; then a reviewer's verification from another token."""

from __future__ import annotations

import datetime

import pytest

from cases.history import verify
from cases.models import Case, Detention, DetentionEvent, Person, Place, Source

pytestmark = pytest.mark.django_db


class Api:
    """A token client that fails loudly, showing the answer, on any unexpected status."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, url: str, data: dict, status: int = 201) -> dict:
        response = self.client.post(f"/api/v1/{url}", data, format="json")
        assert response.status_code == status, (url, response.content)
        return response.json()

    def patch(self, url: str, data: dict) -> dict:
        response = self.client.patch(f"/api/v1/{url}", data, format="json")
        assert response.status_code == 200, (url, response.content)
        return response.json()

    def get(self, url: str) -> dict:
        response = self.client.get(f"/api/v1/{url}")
        assert response.status_code == 200, (url, response.content)
        return response.json()


def test_a_monitor_records_the_drilda_case_and_a_sentence_through_the_api_alone(
    token_client, monitor, reviewer
):
    assert not Case.objects.exists() and not Place.objects.exists()
    api = Api(token_client(monitor))

    # The gazetteer, from the country down to the monastery.
    china = api.post("places/", {"name": "China", "kind": "country"})
    tar = api.post(
        "places/",
        {
            "name": "Tibet Autonomous Region",
            "kind": "region",
            "parent": china["id"],
            "names": [{"name": "西藏自治区", "language": "zh-Hans"}],
        },
    )
    nagchu = api.post(
        "places/",
        {
            "name": "Nagchu",
            "kind": "prefecture",
            "parent": tar["id"],
            "names": [{"name": "那曲", "language": "zh-Hans"}],
        },
    )
    sog = api.post(
        "places/",
        {
            "name": "Sog County",
            "kind": "county",
            "parent": nagchu["id"],
            "traditional_region": "kham",
            "names": [{"name": "索县", "language": "zh-Hans"}, {"name": "སོག་རྫོང", "language": "bo"}],
        },
    )
    monastery_place = api.post(
        "places/", {"name": "Drilda monastery", "kind": "monastery", "parent": sog["id"]}
    )
    drilda = api.post(
        "organizations/",
        {"name": "Drilda monastery", "kind": "monastery", "place": monastery_place["id"]},
    )

    # The case: the year is inferred from the article's date.
    case = api.post(
        "cases/",
        {
            "title": "Arrest of five Tibetans over WeChat messages, Sog County",
            "summary": "Five Tibetans, two of them monks of Drilda monastery, were arrested.",
            "occurred": "2014-03-06",
            "occurred_inferred": True,
            "place": monastery_place["id"],
            "violation_types": ["arbitrary-detention", "freedom-of-expression"],
        },
    )
    reference = case["reference"]

    # Two named monks, with their names in three scripts; three Tibetans whose names are unknown.
    monks = [
        api.post(
            "people/",
            {
                "name": "Tashi Dondrub",
                "sex": "male",
                "names": [
                    {"name": "བཀྲ་ཤིས་དོན་གྲུབ", "language": "bo"},
                    {"name": "扎西顿珠", "language": "zh-Hans"},
                    {"name": "Zhaxi Dunzhu", "language": "zh-Latn-pinyin"},
                ],
            },
        ),
        api.post(
            "people/",
            {
                "name": "Lobsang Tsering",
                "sex": "male",
                "names": [
                    {"name": "བློ་བཟང་ཚེ་རིང", "language": "bo"},
                    {"name": "洛桑次仁", "language": "zh-Hans"},
                    {"name": "Luosang Ciren", "language": "zh-Latn-pinyin"},
                ],
            },
        ),
    ]
    for monk in monks:
        api.post(
            "affiliations/",
            {"person": monk["public_id"], "organization": drilda["public_id"], "role": "monk"},
        )
    unnamed = [
        api.post("people/", {"description": f"Tibetan arrested with the monks ({n} of 3)"})
        for n in (1, 2, 3)
    ]

    # Five detentions on 6 March 2014 by an unidentified authority, whereabouts unknown.
    detentions = [
        api.post(
            "detentions/",
            {
                "case": reference,
                "person": person["public_id"],
                "detained_on": "2014-03-06",
                "authority_description": "Chinese authorities",
                "alleged_reason": "Sharing pictures and messages on WeChat",
                "whereabouts": "unknown",
            },
        )
        for person in [*monks, *unnamed]
    ]

    # The article, cited by the case and by each detention.
    article = api.post(
        "sources/",
        {
            "kind": "news-report",
            "title": "Five Tibetans arrested over WeChat messages",
            "outlet": "Tibet Post",
            "published_on": "2014-05-30",
            "language": "en",
            "reliability": "C",
            "hand": "second",
        },
    )
    api.post("citations/", {"source": article["public_id"], "case": reference, "credibility": 3})
    for detention in detentions:
        api.post(
            "citations/",
            {"source": article["public_id"], "detention": detention["public_id"], "credibility": 3},
        )

    # Later news: the first monk is tried, sentenced to three years, and released.
    first = detentions[0]["public_id"]
    api.post("events/", {"detention": first, "event_type": "trial", "occurred": "2014-09-02"})
    api.post("events/", {"detention": first, "event_type": "sentencing", "occurred": "2014-09-03"})
    current = api.get(f"detentions/{first}/")
    sentenced = api.patch(
        f"detentions/{first}/",
        {"sentence_kind": "term", "sentence_years": 3, "version": current["version"]},
    )
    assert sentenced["status"] == "sentenced"
    assert sentenced["expected_release"] == "2017-03-06"  # counted from the day of detention
    api.post(
        "events/",
        {"detention": first, "event_type": "release-after-sentence", "occurred": "2017-03-06"},
    )
    assert api.get(f"detentions/{first}/")["status"] == "released"

    # A UN urgent appeal: its reply deadline follows from the kind and the day it was sent.
    appeal = api.post(
        "interventions/",
        {"case": reference, "kind": "un-urgent-appeal", "sent_on": "2014-06-10"},
    )
    assert (
        appeal["reply_due"]
        == (datetime.date(2014, 6, 10) + datetime.timedelta(days=60)).isoformat()
    )

    # Submitted by the monitor; verified by a reviewer who did not write it.
    version = api.get(f"cases/{reference}/")["version"]
    api.post(f"cases/{reference}/transitions/", {"action": "submit", "version": version})
    reviewer_api = Api(token_client(reviewer))
    version = reviewer_api.get(f"cases/{reference}/")["version"]
    refused = reviewer_api.post(
        f"cases/{reference}/transitions/",
        {"action": "verify", "version": version},
        status=409,
    )
    assert refused["rule"] == "corroboration"  # one second-hand source graded C is not enough

    # Everything said is there, read back from the database.
    stored = Case.objects.get(reference=reference)
    assert stored.occurred_inferred and stored.place.path.startswith(
        Place.objects.get(name="China").path
    )
    assert {t.code for t in stored.violation_types.all()} == {
        "arbitrary-detention",
        "freedom-of-expression",
    }
    assert Detention.objects.filter(case=stored).count() == 5
    assert Person.objects.get(name="Tashi Dondrub").names.count() == 3
    assert Person.objects.filter(name="", detentions__case=stored).count() == 3
    released = Detention.objects.get(public_id=first)
    assert (released.status, released.expected_release) == ("released", datetime.date(2017, 3, 6))
    assert DetentionEvent.objects.filter(detention=released).count() == 3
    assert Source.objects.get().citations.count() == 6
    assert stored.state == "submitted"
    # Every one of these writes left a version in an intact chain, each naming the monitor.
    assert verify().ok
    assert {v.history_user for v in stored.history.all()} == {monitor}
