import pytest

from cases.models import Detention, DetentionStatus

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]


def test_demo_case_loads_five_detentions(demo_case):
    assert demo_case.reference.startswith("CB-2014-")
    detentions = Detention.objects.filter(case=demo_case)
    assert detentions.count() == 5
    assert {d.status for d in detentions} == {DetentionStatus.DETAINED}
