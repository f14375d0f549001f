from django.core.management import call_command
from django.urls import reverse

from declarations.models import Declaration
from review.models import Assignment, Review
from tests.utils import login


def test_demo_shows_a_review_in_progress_and_loads_twice(db, client):
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    recommended = Declaration.objects.filter(guide__year=2021, state="recommended")
    assert recommended.count() == 8
    assert Assignment.objects.filter(declaration__in=recommended, state="active").count() == 24
    assert Review.objects.filter(state="submitted").exists()
    # 陈思 works for 杭州云数科技有限公司 and is never assigned its project.
    assert not Assignment.objects.filter(reviewer__username="reviewer4",
                                         declaration__organisation__name="杭州云数科技有限公司").exists()
    from django.contrib.auth import get_user_model

    reviewer1 = get_user_model().objects.get(username="reviewer1")
    login(client, reviewer1)
    page = client.get(reverse("review:queue")).content.decode()
    assert "未开始" in page
    admin = get_user_model().objects.get(username="admin")
    login(client, admin)
    guide = recommended.first().guide
    assert client.get(reverse("review:ranking", args=[guide.pk])).status_code == 200
    # The live demo guide stays clean for the applicant journey: the review demo works in the 2021 guide.
    assert not Assignment.objects.filter(declaration__guide__title__contains="演示").exists()
