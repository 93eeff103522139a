import pytest
from tests.cases.test_leaks import secret, staff_monitor, assert_no_leak  # noqa
pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("path", ["/admin/cases/person/", "/admin/cases/source/", "/admin/cases/personname/",
    "/admin/cases/person/{p}/change/", "/admin/cases/source/{s}/change/",
    "/admin/autocomplete/?app_label=cases&model_name=detention&field_name=person&term=RESTRICTED"])
def test_admin(client, secret, staff_monitor, path):
    client.force_login(staff_monitor)
    r = client.get(path.format(p=secret["person"].pk, s=secret["source"].pk))
    body = r.content.decode()
    print(path, r.status_code, [m for m in ("RESTRICTED-MARKER-PERSON","RESTRICTED-MARKER-SOURCE", secret["case"].reference) if m in body])
