"""Applicants hear of every stage their declaration passes, exactly once each (issue 16, section 3)."""

from core.models import Notification
from quotas.administration import reopen_list, set_unit_setting
from quotas.formal_check import pass_check
from quotas.lists import get_list

from tests.factories import make_user

from .conftest import confirm, recommend, submitted


def _kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_each_stage_is_told_once_from_the_district_to_the_city(personas, django_capture_on_commit_callbacks):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=3, deadline=None, reason="天津市名额", actor=p.admin)
    with django_capture_on_commit_callbacks(execute=True):
        mine = submitted(p.guide, p.district_a)  # organisations of Binhai (the unit follows from the place)
        theirs = submitted(p.guide, p.district_a)
    applicant_a = make_user("applicant", organisation=mine.organisation, email="a@example.com")
    applicant_b = make_user("applicant", organisation=theirs.organisation, email="b@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for decl in (mine, theirs):
            pass_check(declaration=decl, actor=p.district_a_staff)
    assert _kinds(applicant_a) == ["stage_passed"]
    passed = Notification.objects.get(user=applicant_a, kind="stage_passed")
    assert "形式审查通过" in passed.title and p.district_a.name in passed.body

    with django_capture_on_commit_callbacks(execute=True):
        recommend(mine, p.district_a_staff)
        confirm(p.district_a_staff, p.guide)
    sent = Notification.objects.get(user=applicant_a, kind="stage_sent_up")
    assert p.city.name in sent.body and str(mine) in sent.body
    assert Notification.objects.filter(user=applicant_b, kind="stage_not_recommended").count() == 1
    assert not Notification.objects.filter(user=applicant_b, kind="stage_sent_up").exists()

    # The city confirms, is reopened and confirms again: the applicant still hears once.
    with django_capture_on_commit_callbacks(execute=True):
        confirm(p.district_b_staff, p.guide)  # a city confirms after all its districts
        recommend(mine, p.city_staff)
        confirm(p.city_staff, p.guide)
        reopen_list(rec_list=get_list(unit=p.city, guide=p.guide), actor=p.admin, reason="更正")
        confirm(p.city_staff, p.guide)
    mine.refresh_from_db()
    assert mine.state == "recommended"
    assert _kinds(applicant_a) == ["stage_passed", "stage_recommended", "stage_sent_up"]


def test_a_confirmed_list_tells_its_applicants_in_a_fixed_number_of_queries(personas,
                                                                           django_capture_on_commit_callbacks,
                                                                           django_assert_max_num_queries):
    from declarations.stage_notices import notify_stage
    from declarations.models import Declaration
    from tests.factories import make_org

    p = personas
    decls = []
    for i in range(12):
        org = make_org()
        make_user("applicant", organisation=org, email=f"a{i}@example.com")
        decls.append(submitted(p.guide, p.city, org=org))
    decls = list(Declaration.objects.filter(pk__in=[d.pk for d in decls]))
    # users, used keys, one insert (plus its savepoint): not one round trip per declaration
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_stage(decls, "recommended", unit=p.city.name, guide=p.guide.title)
    with django_assert_max_num_queries(5):
        for callback in callbacks:
            callback()
    assert Notification.objects.filter(kind="stage_recommended").count() == 12
