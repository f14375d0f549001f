"""The applicant deadline, enforced on the server in Beijing time (Asia/Shanghai)."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from declarations import services
from declarations.loading import load_guide, read_guide_data
from declarations.services import TransitionError
from tests.declarations.conftest import PDF_BYTES
from tests.declarations.test_drafts import form_data
from tests.factories import complete_declaration, make_org

UTC = dt_timezone.utc


@pytest.fixture
def real_2022(db):
    return load_guide(read_guide_data(2022), title="2022年指南（截止测试）")


def test_the_2022_deadline_is_23_59_59_beijing_time(real_2022):
    assert real_2022.applicant_deadline == datetime(2022, 5, 4, 15, 59, 59, tzinfo=UTC)
    assert timezone.localtime(real_2022.applicant_deadline).strftime("%Y-%m-%d %H:%M:%S") == "2022-05-04 23:59:59"


def test_submit_is_allowed_one_second_before_the_deadline_and_refused_at_it(real_2022, district, applicant):
    decl = complete_declaration(real_2022, applicant.organisation, district)
    with pytest.raises(TransitionError) as e:
        services.submit_declaration(decl, actor=applicant, now=datetime(2022, 5, 4, 15, 59, 59, tzinfo=UTC))
    assert e.value.message == "申报已于 2022-05-04 23:59（北京时间）截止，不能再提交"
    decl.refresh_from_db()
    assert decl.state == "draft"
    services.submit_declaration(decl, actor=applicant, now=datetime(2022, 5, 4, 15, 59, 58, tzinfo=UTC))
    assert decl.state == "submitted"


def test_the_deadline_follows_the_beijing_date_not_the_utc_date(real_2022, district, applicant):
    decl = complete_declaration(real_2022, applicant.organisation, district)
    # 4 May 16:30 UTC is still "4 May" in UTC but already 5 May 00:30 in Beijing: refused.
    # 4 May 12:00 UTC is 4 May 20:00 in Beijing: allowed.
    with pytest.raises(TransitionError):
        services.submit_declaration(decl, actor=applicant, now=datetime(2022, 5, 4, 16, 30, tzinfo=UTC))
    services.submit_declaration(decl, actor=applicant, now=datetime(2022, 5, 4, 12, 0, tzinfo=UTC))


@pytest.mark.parametrize("operation", ["save", "withdraw", "upload", "delete_attachment", "start"])
def test_every_change_is_refused_after_the_deadline_and_allowed_before(real_2022, district, applicant,
                                                                         operation):
    before = datetime(2022, 5, 4, 15, 59, 58, tzinfo=UTC)
    after = datetime(2022, 5, 4, 16, 0, 0, tzinfo=UTC)
    org = applicant.organisation
    decl = complete_declaration(real_2022, org, district)

    def run(now):
        if operation == "save":
            decl.refresh_from_db()
            services.save_draft(decl, {"summary": f"{now}"}, expected_version=decl.version, actor=applicant,
                                now=now)
        elif operation == "withdraw":
            decl.refresh_from_db()
            if decl.state == "draft":
                services.submit_declaration(decl, actor=applicant, now=before - timedelta(hours=1))
            services.withdraw_declaration(decl, actor=applicant, now=now)
        elif operation == "upload":
            services.add_attachment(decl, upload=SimpleUploadedFile("证明.pdf", PDF_BYTES), mime="application/pdf",
                                    actor=applicant, now=now)
        elif operation == "delete_attachment":
            att = services.add_attachment(decl, upload=SimpleUploadedFile("证明.pdf", PDF_BYTES),
                                          mime="application/pdf", actor=applicant, now=before - timedelta(hours=1))
            services.remove_attachment(decl, att, actor=applicant, now=now)
        else:
            real_2022.declarations.filter(organisation=org).delete()
            services.start_declaration(real_2022, organisation=org, actor=applicant, now=now)

    with pytest.raises(TransitionError) as e:
        run(after)
    assert "（北京时间）截止，不能再" in e.value.message
    run(before)


@pytest.fixture
def closed(guide):
    guide.applicant_deadline = timezone.now() - timedelta(minutes=1)
    guide.save()
    return guide


def test_after_the_deadline_the_pages_refuse_and_the_draft_stays(applicant_client, closed, org, district,
                                                                 applicant):
    decl = complete_declaration(closed, org, district, project_name="截止前的内容")
    before = decl.attachments.count()
    edit = applicant_client.get(reverse("declarations:edit", args=[decl.pk]), follow=True)
    assert "截止，不能再修改或提交" in edit.content.decode()
    save = applicant_client.post(reverse("declarations:autosave", args=[decl.pk]),
                                 form_data(decl, project_name="截止后的内容"))
    assert save.status_code == 400 and "截止，不能再修改" in save.json()["message"]
    submit = applicant_client.post(reverse("declarations:edit", args=[decl.pk]), form_data(decl, submit="1"),
                                   follow=True)
    assert "截止" in submit.content.decode()
    upload = applicant_client.post(reverse("declarations:upload_attachment", args=[decl.pk]),
                                   {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)}, follow=True)
    assert "截止，不能再上传附件" in upload.content.decode()
    decl.refresh_from_db()
    assert (decl.state, decl.project_name, decl.attachments.count()) == ("draft", "截止前的内容", before)
    detail = applicant_client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "继续填写" not in detail


def test_after_the_deadline_a_submitted_declaration_cannot_be_withdrawn(applicant_client, guide, org, district,
                                                                        applicant):
    decl = complete_declaration(guide, org, district)
    services.submit_declaration(decl, actor=applicant)
    guide.applicant_deadline = timezone.now() - timedelta(seconds=1)
    guide.save()
    page = applicant_client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "撤回申报" not in page
    response = applicant_client.post(reverse("declarations:withdraw", args=[decl.pk]), follow=True)
    assert "截止，不能再撤回" in response.content.decode()
    decl.refresh_from_db()
    assert decl.state == "submitted"


def test_a_closed_guide_cannot_be_started(applicant_client, closed):
    response = applicant_client.post(reverse("declarations:start", args=[closed.pk]), follow=True)
    assert "截止，不能再创建申报" in response.content.decode()
    assert not closed.declarations.exists()


def test_a_closed_guide_is_not_offered_on_the_dashboard(applicant_client, closed):
    page = applicant_client.get(reverse("declarations:dashboard")).content.decode()
    assert closed.title not in page


def test_other_organisations_are_unaffected(real_2022, district):
    org = make_org()
    decl = complete_declaration(real_2022, org, district)
    assert decl.guide.applicant_deadline_passed()
