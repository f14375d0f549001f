"""An applicant whose district sent the project up to the city sees that, not "formal check passed"."""

from django.test import Client
from django.urls import reverse

from quotas.administration import reopen_list
from tests.factories import make_user
from tests.quotas.conftest import confirm, passed, rec_list, recommend
from tests.utils import login

SENT_UP = "推荐单位已报送上级推荐单位，待上级审核推荐"


def test_the_applicant_and_the_unit_see_that_the_district_sent_the_project_up(client, personas):
    p = personas
    decl = passed(p.guide, p.district_a, p.district_a_staff)
    applicant = login(client, make_user("applicant", organisation=decl.organisation))
    detail = reverse("declarations:detail", args=[decl.pk])
    for _ in range(3):  # the last view is a cached copy of the page
        page = applicant.get(detail).content.decode()
    assert "形式审查通过" in page and SENT_UP not in page

    recommend(decl, p.district_a_staff)
    confirm(p.district_a_staff, p.guide)
    decl.refresh_from_db()
    assert decl.state == "passed"  # waits for the city's decision
    assert SENT_UP in applicant.get(detail).content.decode()
    assert SENT_UP in applicant.get(reverse("declarations:dashboard")).content.decode()
    city = login(Client(), p.city_staff)
    assert SENT_UP in city.get(reverse("quotas:declaration", args=[decl.pk])).content.decode()
    district = login(Client(), p.district_a_staff)
    assert SENT_UP in district.get(reverse("quotas:workspace") + f"?guide={p.guide.pk}").content.decode()

    # The admin reopens Binhai's list: the project is back with the district.
    reopen_list(rec_list=rec_list(p.district_a, p.guide), actor=p.admin, reason="区名单需调整")
    page = applicant.get(detail).content.decode()
    assert SENT_UP not in page and "形式审查通过" in page


def test_a_project_the_district_did_not_recommend_is_not_sent_up(client, personas):
    p = personas
    kept, other = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    recommend(kept, p.district_a_staff)
    confirm(p.district_a_staff, p.guide)
    applicant = login(client, make_user("applicant", organisation=other.organisation))
    page = applicant.get(reverse("declarations:detail", args=[other.pk])).content.decode()
    assert SENT_UP not in page and "未获推荐" in page
