import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification
from core.notify import notify
from core.tasks import pending_emails, resend_pending_emails, send_notification_email
from declarations.models import Declaration
from declarations.services import submit_declaration
from tests.factories import complete_declaration, make_user
from tests.utils import login


@pytest.fixture
def mailed_applicant(personas):
    personas.applicant_a.email = "a@example.com"
    personas.applicant_a.save()
    return personas.applicant_a


class TestNotify:
    def test_it_stores_and_mails_once(self, db, django_capture_on_commit_callbacks):
        user = make_user("applicant", email="x@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            n = notify(user, kind="test", title="标题", body="正文", url="/applicant/")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].subject == "【试点示范申报系统】标题" and "/applicant/" in mail.outbox[0].body
        n.refresh_from_db()
        assert n.emailed_at and n.email_attempts == 1
        assert send_notification_email(n.pk) is False  # a retried task does not send again
        assert len(mail.outbox) == 1

    def test_dedupe_key_stores_once(self, db):
        user = make_user("applicant")
        assert notify(user, kind="k", title="t", dedupe_key="same") is not None
        assert notify(user, kind="k", title="t", dedupe_key="same") is None
        assert Notification.objects.count() == 1

    def test_users_without_email_get_only_the_inbox_entry(self, db, django_capture_on_commit_callbacks):
        user = make_user("applicant")
        with django_capture_on_commit_callbacks(execute=True):
            n = notify(user, kind="k", title="t")
        assert not n.email_wanted and len(mail.outbox) == 0

    def test_a_failed_send_is_recorded_and_swept_later(self, db, settings, django_capture_on_commit_callbacks,
                                                       monkeypatch):
        user = make_user("applicant", email="y@example.com")
        from django.core.mail import EmailMessage

        def boom(self, *a, **k):
            raise OSError("SMTP down")

        monkeypatch.setattr(EmailMessage, "send", boom)
        with django_capture_on_commit_callbacks(execute=True):
            n = notify(user, kind="k", title="t")
        n.refresh_from_db()
        assert n.emailed_at is None and n.email_attempts == 1 and "SMTP down" in n.email_error
        monkeypatch.undo()
        Notification.objects.filter(pk=n.pk).update(created_at=n.created_at - __import__("datetime").timedelta(hours=1))
        assert list(pending_emails()) == [Notification.objects.get(pk=n.pk)]
        assert resend_pending_emails() == 1
        assert len(mail.outbox) == 1
        assert not pending_emails().exists()


class TestApplicantNotifications:
    def test_submission_sends_a_receipt(self, personas, mailed_applicant, django_capture_on_commit_callbacks):
        decl = complete_declaration(personas.guide, personas.org_a, personas.district_a)
        with django_capture_on_commit_callbacks(execute=True):
            submit_declaration(decl, actor=mailed_applicant)
        n = Notification.objects.get(user=mailed_applicant, kind="submitted")
        assert "申报已提交" in n.title and n.url == reverse("declarations:detail", args=[decl.pk])
        assert [m.to for m in mail.outbox if "申报已提交" in m.subject] == [["a@example.com"]]

    def test_return_for_revision_notifies_once_with_the_reason(self, personas, mailed_applicant,
                                                               django_capture_on_commit_callbacks):
        from quotas.formal_check import return_declaration

        decl = complete_declaration(personas.guide, personas.org_a, personas.district_a)
        with django_capture_on_commit_callbacks(execute=True):
            submit_declaration(decl, actor=mailed_applicant)
        mail.outbox.clear()
        decl.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return_declaration(declaration=decl, actor=personas.district_a_staff, reason="缺少知识产权证明，请补充后重新提交")
        assert Notification.objects.filter(user=mailed_applicant, kind="returned").count() == 1
        assert len(mail.outbox) == 1 and "缺少知识产权证明" in mail.outbox[0].body
        assert Declaration.objects.get(pk=decl.pk).state == "returned"


class TestInbox:
    def test_the_bell_shows_the_unread_count(self, client, personas):
        user = personas.applicant_a
        for i in range(3):
            notify(user, kind="k", title=f"通知{i}", email=False)
        login(client, user)
        body = client.get(reverse("core:inbox")).content.decode()
        assert 'id="unread-count">3<' in body and "通知2" in body

    def test_opening_marks_read_and_follows_the_link(self, client, personas):
        n = notify(personas.applicant_a, kind="k", title="t", url="/applicant/", email=False)
        login(client, personas.applicant_a)
        r = client.post(reverse("core:inbox_open", args=[n.pk]))
        assert r.status_code == 302 and r["Location"] == "/applicant/"
        n.refresh_from_db()
        assert n.read_at is not None

    def test_it_never_redirects_off_site(self, client, personas):
        n = notify(personas.applicant_a, kind="k", title="t", url="https://evil.example/", email=False)
        login(client, personas.applicant_a)
        assert client.post(reverse("core:inbox_open", args=[n.pk]))["Location"] == reverse("core:inbox")

    def test_it_hides_other_users_notifications(self, client, personas):
        n = notify(personas.applicant_b, kind="k", title="别人的", email=False)
        login(client, personas.applicant_a)
        assert client.post(reverse("core:inbox_open", args=[n.pk])).status_code == 404
        assert "别人的" not in client.get(reverse("core:inbox")).content.decode()

    def test_mark_all_read(self, client, personas):
        for _ in range(2):
            notify(personas.applicant_a, kind="k", title="t", email=False)
        notify(personas.applicant_b, kind="k", title="t", email=False)
        login(client, personas.applicant_a)
        assert client.get(reverse("core:inbox_read_all")).status_code == 405
        client.post(reverse("core:inbox_read_all"))
        assert not Notification.objects.filter(user=personas.applicant_a, read_at__isnull=True).exists()
        assert Notification.objects.filter(user=personas.applicant_b, read_at__isnull=True).exists()

    def test_anonymous_goes_to_login(self, client, db):
        assert client.get(reverse("core:inbox")).status_code == 302

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_is_fixed(self, client, personas, count_queries, n):
        for i in range(n):
            notify(personas.applicant_a, kind="k", title=f"t{i}", email=False)
        login(client, personas.applicant_a)
        assert count_queries(lambda: client.get(reverse("core:inbox"))) <= 8
