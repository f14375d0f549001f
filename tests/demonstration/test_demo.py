from django.core.management import call_command

from core.models import User
from demonstration.models import Report, Round
from tests.utils import login


def test_demo_shows_an_open_round_with_one_submitted_report_and_loads_twice(db, client):
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    call_command("setup_demo", stdout=open("/dev/null", "w"))
    rnd = Round.objects.get()
    assert rnd.guide.year == 2020 and rnd.guide.review_settings.is_published and rnd.closed_at is None
    assert list(rnd.reports.values_list("state", flat=True).order_by("state")) == ["draft", "draft", "draft",
                                                                                  "submitted"]
    submitted = rnd.reports.get(state=Report.State.SUBMITTED)
    login(client, User.objects.get(username="applicant1"))
    assert submitted.declaration.project_name in client.get("/demonstration/").content.decode()
    login(client, User.objects.get(username="unit_binhai"))
    assert "审核通过" in client.get("/demonstration/unit/").content.decode()
    login(client, User.objects.get(username="admin"))
    assert "round-progress" in client.get(f"/demonstration/manage/rounds/{rnd.pk}/").content.decode()
