"""The demo shows the 2023 shape to a new user: a consortium waiting for one member, and a base's projects at
Tianjin marked outside its quota (README's demo accounts)."""

from django.core.management import call_command
from django.urls import reverse

from core.models import Notification
from declarations.consortium_demo import demo_guide_2023
from declarations.models import ConsortiumMember, Declaration, Guide
from quotas.models import RecommendationList
from tests.utils import login
from units.models import Unit


def test_the_demo_holds_a_consortium_and_a_base_and_loads_twice(db, settings, tmp_path, client,
                                                               django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # the inbox notices go out when the demo commits
        call_command("setup_demo", stdout=open("/dev/null", "w"))
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    guide = demo_guide_2023()
    assert guide.is_published and guide.consortium_allowed
    # The 2023 file itself stays unpublished: its directions are placeholders for the admin to fill in.
    assert not Guide.objects.get(title="2023年大数据产业发展示范项目申报指南").is_published

    User = get_user_model()
    lead = User.objects.get(username="consortium_lead")
    decl = Declaration.objects.get(guide=guide, organisation=lead.organisation)
    assert decl.state == "draft"
    states = dict(ConsortiumMember.objects.filter(declaration=decl).values_list("organisation__name", "state"))
    assert states == {"天津西青工业数据技术有限公司": "confirmed", "天津市智能制造数据研究院": "pending"}
    member2 = User.objects.get(username="consortium_member2")
    assert Notification.objects.filter(user=member2, kind="consortium_invite").count() == 1

    base = Unit.objects.get(kind=Unit.Kind.DEMO_BASE)
    assert base.parent.name == "天津市工业和信息化局"
    assert RecommendationList.objects.get(unit=base, guide=guide).is_confirmed
    page = login(client, User.objects.get(username="unit_tianjin")).get(
        reverse("quotas:ranking") + f"?guide={guide.pk}").content.decode()
    assert page.count("基地另行推荐，不占名额") == 2
