"""Every URL × every role × GET and POST, generated from the URL configuration.

Each request runs in a savepoint that is rolled back, so one world serves all URLs
of a role. A URL without an entry in SPEC fails test_every_url_is_in_the_matrix.
Outcomes: "ok" (served: 2xx, a redirect that is not to the login page, or a 400/409
validation answer), "login" (sent to the login page), "otp" (sent to the second-factor
step), "deny" (403/404), "method" (405). A server error fails every cell.

The "_half" personas signed in with the password of an enrolled admin, unit or reviewer
account and have not given the second factor (2FA enforced): they reach the
second-factor step, logout and the pages anybody may open, and nothing else.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix.world import HALF_ROLES, ROLES, World

ALL = frozenset(ROLES)
AUTH = ALL - {"anon"}
ADMIN = frozenset({"admin"})
OWNER = frozenset({"applicant_a"})
APPLICANTS = frozenset({"applicant_a", "applicant_b"})
UNITS = frozenset({"district_a", "district_b", "city"})
REVIEWERS = frozenset({"reviewer_assigned", "reviewer_conflicted", "reviewer_unassigned"})
# Who may see applicant_a's declaration: the owner, its unit, the unit's parent, its reviewer, the ministry.
SEES_DECL_A = frozenset({"applicant_a", "district_a", "city", "admin"})


@dataclass(frozen=True)
class Spec:
    allowed: frozenset
    kwargs: object = None  # callable(world) -> dict
    post_only: bool = False

    def expected(self, role, method):
        allowed = role in self.allowed
        # A 405 never reveals anything: a page that refuses the other method is fine for anyone.
        if method == "GET" and self.post_only:
            return {"method"} if allowed else {"method", "deny"} | ({"login"} if role == "anon" else set())
        if allowed:
            return {"ok"} if method == "GET" else {"ok", "method"}
        denied = {"login", "deny"} if role == "anon" else {"deny"}
        return denied | ({"method"} if method == "POST" else set())


def S(allowed, kwargs=None, **kw):
    return Spec(frozenset(allowed), kwargs, **kw)


decl_a = lambda w: {"pk": w.decl_a.pk}  # noqa: E731
guide = lambda w: {"pk": w.guide.pk}  # noqa: E731
guide_pk = lambda w: {"guide_pk": w.guide.pk}  # noqa: E731
ev_report = lambda w: {"pk": w.evaluation_report.pk}  # noqa: E731
ev_round = lambda w: {"pk": w.open_evaluation_round.pk}  # noqa: E731

SPEC = {
    # public and account pages
    "home": S(ALL), "ping": S(ALL), "yardstick": S(AUTH), "register": S(ALL), "login": S(ALL),
    "logout": S(ALL, post_only=True),
    "password_change": S(AUTH), "password_change_done": S(AUTH),
    "password_reset": S(ALL), "password_reset_done": S(ALL), "password_reset_complete": S(ALL),
    "password_reset_confirm": S(ALL, lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    "security:otp_setup": S(AUTH), "security:otp_verify": S(AUTH),
    "security:otp_reset": S(ADMIN, lambda w: {"pk": w.p.city_staff.pk}, post_only=True),
    "core:health": S(ALL),
    "documents:verify": S(ALL, lambda w: {"short_code": w.form_doc.short_code}),
    "review:results": S(ALL), "review:results_guide": S(ALL, lambda w: {"guide_pk": w.old_guide.pk}),
    # applicant
    "declarations:dashboard": S(APPLICANTS),
    "declarations:organisation": S(APPLICANTS), "declarations:dcmm_certificate": S(OWNER),
    "declarations:guide": S(APPLICANTS, guide),
    "declarations:guide_notice": S(ALL, guide), "declarations:guide_template": S(ALL, guide),
    "declarations:start": S(APPLICANTS, lambda w: {"guide_pk": w.guide.pk}, post_only=True),
    "declarations:detail": S(OWNER, decl_a),
    "declarations:edit": S(OWNER, decl_a),
    "declarations:autosave": S(OWNER, decl_a, post_only=True),
    "declarations:withdraw": S(OWNER, decl_a),  # GET asks for confirmation
    "declarations:upload_attachment": S(OWNER, decl_a, post_only=True),
    "declarations:add_member": S(OWNER, decl_a, post_only=True),
    "declarations:remove_member": S(OWNER, lambda w: {"pk": w.decl_a.pk, "member_pk": w.consortium_member.pk},
                                    post_only=True),
    "declarations:consortium_invitations": S(APPLICANTS),
    # Only the member organisation answers (applicant_b here); the lead's own users get 404.
    "declarations:consortium_answer": S({"applicant_b"}, lambda w: {"member_pk": w.consortium_member.pk},
                                        post_only=True),
    "declarations:delete_attachment": S(OWNER, lambda w: {"pk": w.decl_a.pk, "att_pk": w.attachment.pk},
                                        post_only=True),
    "declarations:download_attachment": S(SEES_DECL_A,  # reviewers use review:attachment (blind names)
                                          lambda w: {"att_pk": w.attachment.pk}),
    # documents
    "documents:download": S(SEES_DECL_A, lambda w: {"pk": w.form_doc.pk}),
    "documents:retry": S(SEES_DECL_A, lambda w: {"pk": w.form_doc.pk}, post_only=True),
    "documents:declaration_status": S(SEES_DECL_A, decl_a),
    "documents:regenerate_form": S(SEES_DECL_A, decl_a, post_only=True),
    "documents:request_dossier": S({"district_a", "city", "admin"}, decl_a, post_only=True),
    "documents:dossier_status": S({"district_a", "city", "admin"}, decl_a),
    "documents:list_status": S({"district_a", "city", "admin"}, lambda w: {"pk": w.list_a.pk}),
    "documents:regenerate_letter": S({"district_a", "admin"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "documents:request_zip": S({"district_a", "admin"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "documents:declaration_scans": S(SEES_DECL_A, decl_a),
    "documents:upload_declaration_scan": S(SEES_DECL_A, decl_a, post_only=True),
    "documents:list_scans": S({"district_a", "city", "admin"}, lambda w: {"pk": w.list_a.pk}),
    "documents:upload_list_scan": S({"district_a", "admin"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "documents:download_scan": S(SEES_DECL_A, lambda w: {"pk": w.scan.pk}),
    "documents:link_scan": S(SEES_DECL_A, lambda w: {"pk": w.scan.pk}, post_only=True),
    # recommending units
    "quotas:workspace": S(UNITS), "quotas:ranking": S(UNITS),
    "quotas:declaration": S({"district_a", "city"}, decl_a),
    "quotas:pass": S({"district_a"}, decl_a, post_only=True),
    "quotas:return": S({"district_a"}, decl_a, post_only=True),
    "quotas:list": S({"district_a", "city", "admin"}, lambda w: {"pk": w.list_a.pk}),
    "quotas:move": S({"district_a"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "quotas:recommend": S({"district_a"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "quotas:confirm": S({"district_a"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "quotas:export": S({"district_a", "city", "admin"}, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "quotas:seal": S({"district_a", "admin"}, lambda w: {"pk": w.p.district_a.pk}),
    "memberships:apply": S(APPLICANTS),
    "quotas:memberships": S(UNITS),
    # Only the group's own staff decide; none of the roles works for the world's group.
    "quotas:membership_decide": S(frozenset(), lambda w: {"pk": w.membership.pk}, post_only=True),
    "quotas:overview": S(ADMIN),
    "quotas:setting": S(ADMIN, lambda w: {"guide_pk": w.guide.pk, "unit_pk": w.p.district_a.pk}),
    "quotas:reopen": S(ADMIN, lambda w: {"pk": w.list_a.pk}, post_only=True),
    "quotas:units": S(ADMIN), "quotas:unit_create": S(ADMIN),
    "quotas:unit_edit": S(ADMIN, lambda w: {"pk": w.p.district_a.pk}),
    "quotas:staff_create": S(ADMIN, lambda w: {"pk": w.p.district_a.pk}, post_only=True),
    # reviewers
    "review:queue": S(REVIEWERS), "review:profile": S(REVIEWERS),
    "review:score": S({"reviewer_assigned"}, lambda w: {"pk": w.assignment.pk}),
    "review:application_form": S({"reviewer_assigned"}, lambda w: {"pk": w.assignment.pk}),
    "review:request_pdf": S({"reviewer_assigned"}, lambda w: {"pk": w.assignment.pk}, post_only=True),
    "review:attachment": S({"reviewer_assigned"}, lambda w: {"pk": w.assignment.pk, "n": 1}),
    "review:decline": S({"reviewer_assigned"}, lambda w: {"pk": w.assignment.pk}, post_only=True),
    # ministry: review
    "review:manage": S(ADMIN), "review:manage_guide": S(ADMIN, guide_pk),
    "review:reviewers": S(ADMIN), "review:reviewer_new": S(ADMIN),
    "review:reviewer_edit": S(ADMIN, lambda w: {"pk": w.reviewer_assigned.reviewer_profile.pk}),
    "review:handle_conflict": S(ADMIN, lambda w: {"pk": w.conflict_declaration.pk}, post_only=True),
    "review:panel_new": S(ADMIN, guide_pk),
    "review:panels": S(ADMIN), "review:sheets": S(ADMIN), "review:sheet_new": S(ADMIN, guide_pk),
    "review:sheet_edit": S(ADMIN, lambda w: {"guide_pk": w.guide.pk, "pk": w.guide.scoring_sheets.get().pk}),
    "review:panel_edit": S(ADMIN, lambda w: {"guide_pk": w.guide.pk, "pk": w.panel.pk}),
    "review:settings": S(ADMIN, guide_pk, post_only=True), "review:assign": S(ADMIN, guide_pk, post_only=True),
    "review:assign_run": S(ADMIN, lambda w: {"guide_pk": w.guide.pk, "pk": w.assignment_run.pk}),
    "review:assignments": S(ADMIN, guide_pk), "review:assignment_reviewers": S(ADMIN, guide_pk),
    "review:add_assignment": S(ADMIN, guide_pk, post_only=True),
    "review:remove_assignment": S(ADMIN, lambda w: {"pk": w.assignment.pk}, post_only=True),
    "review:swap_assignment": S(ADMIN, lambda w: {"pk": w.assignment.pk}, post_only=True),
    "review:ranking": S(ADMIN, guide_pk), "review:ranking_export": S(ADMIN, guide_pk, post_only=True),
    "review:select": S(ADMIN, guide_pk, post_only=True),
    "review:declaration_reviews": S(ADMIN, lambda w: {"guide_pk": w.guide.pk, "pk": w.decl_a.pk}),
    "review:reopen": S(ADMIN, lambda w: {"pk": w.review.pk}, post_only=True),
    "review:notice": S(ADMIN, guide_pk, post_only=True),
    "review:publish": S(ADMIN, guide_pk, post_only=True),
    # demonstration period (tests/demonstration/matrix_world.py): applicant_b's project, district B's unit
    "demonstration:mine": S(APPLICANTS), "demonstration:unit": S(UNITS), "demonstration:expert": S(REVIEWERS),
    "demonstration:report": S({"applicant_b", "district_b", "admin"}, ev_report),
    "demonstration:report_edit": S({"applicant_b"}, ev_report),
    "demonstration:upload": S({"applicant_b"}, ev_report, post_only=True),
    "demonstration:delete_attachment": S({"applicant_b"}, lambda w: {
        "pk": w.evaluation_report.pk, "att_pk": w.evaluation_attachment.pk}, post_only=True),
    "demonstration:attachment": S({"applicant_b", "district_b", "admin"},
                                  lambda w: {"att_pk": w.evaluation_attachment.pk}),
    "demonstration:pass": S({"district_b"}, ev_report, post_only=True),
    "demonstration:return": S({"district_b"}, ev_report, post_only=True),
    "demonstration:send_up": S({"district_b"}, lambda w: {"pk": w.open_evaluation_round.pk}, post_only=True),
    "demonstration:rate": S({"reviewer_assigned"}, lambda w: {"pk": w.rating.pk}),
    "demonstration:manage": S(ADMIN), "demonstration:manage_round": S(ADMIN, ev_round),
    "demonstration:close": S(ADMIN, ev_round, post_only=True),
    "demonstration:sample": S(ADMIN, ev_round, post_only=True),
    "demonstration:publish": S(ADMIN, ev_round, post_only=True),
    "demonstration:manage_report": S(ADMIN, ev_report),
    "demonstration:assign": S(ADMIN, ev_report, post_only=True),
    "demonstration:conclude": S(ADMIN, ev_report, post_only=True),
    "demonstration:results": S(ALL), "demonstration:results_round": S(ALL, lambda w: {"pk": w.evaluation_round.pk}),
    # ministry: guides, dashboards, audit
    "operations:ministry_home": S(ADMIN), "operations:dashboard": S(ADMIN), "operations:declarations": S(ADMIN),
    "core:audit_log": S(ADMIN), "core:audit_export_excel": S(ADMIN, post_only=True),
    "core:export": S(ADMIN, lambda w: {"pk": w.export.pk}),
    "core:export_download": S(ADMIN, lambda w: {"pk": w.export.pk}),
    "core:audit_export": S(ADMIN, lambda w: {"fmt": "csv"}, post_only=True),
    "core:inbox": S(AUTH), "core:inbox_read_all": S(AUTH, post_only=True),
    "core:inbox_open": S({"reviewer_assigned"}, lambda w: {
        "pk": w.reviewer_assigned.notifications.order_by("id").first().pk}, post_only=True),
    "guides:list": S(ADMIN), "guides:copy": S(ADMIN), "guides:import_template": S(ADMIN),
    "guides:detail": S(ADMIN, guide), "guides:edit": S(ADMIN, guide), "guides:extend": S(ADMIN, guide),
    "guides:publish": S(ADMIN, guide, post_only=True), "guides:preview": S(ADMIN, guide),
    "guides:category_add": S(ADMIN, guide),
    "guides:category_edit": S(ADMIN, lambda w: {"pk": w.guide.pk, "cpk": w.guide.categories.first().pk}),
    "guides:category_delete": S(ADMIN, lambda w: {"pk": w.guide.pk, "cpk": w.guide.categories.first().pk},
                                post_only=True),
    "guides:direction_add": S(ADMIN, guide),
    "guides:direction_edit": S(ADMIN, lambda w: {"pk": w.guide.pk, "dpk": w.decl_a.direction_id}),
    "guides:direction_delete": S(ADMIN, lambda w: {"pk": w.guide.pk, "dpk": w.decl_a.direction_id},
                                 post_only=True),
    "guides:rule_add": S(ADMIN, guide),
    "guides:rule_edit": S(ADMIN, lambda w: {"pk": w.guide.pk, "rpk": w.guide.rules.first().pk}),
    "guides:rule_delete": S(ADMIN, lambda w: {"pk": w.guide.pk, "rpk": w.guide.rules.first().pk}, post_only=True),
    "guides:import": S(ADMIN, guide), "guides:import_confirm": S(ADMIN, guide, post_only=True),
    "guides:kind_add": S(ADMIN, guide), "guides:documents": S(ADMIN, guide, post_only=True),
    "guides:kind_edit": S(ADMIN, lambda w: {"pk": w.guide.pk, "kpk": w.guide.attachment_kinds.get(code="other").pk}),
    "guides:kind_delete": S(ADMIN, lambda w: {"pk": w.guide.pk, "kpk": w.guide.attachment_kinds.get(code="other").pk},
                            post_only=True),
}


# What a password-only session of an enrolled account may reach (as its role would); everything else sends it
# to the second-factor step.
HALF_REACHABLE = {"security:otp_verify", "logout", "core:health", "documents:verify"}


def expected_for(role, name, spec, method):
    if role in HALF_ROLES:
        return spec.expected(HALF_ROLES[role], method) if name in HALF_REACHABLE else {"otp"}
    return spec.expected(role, method)


def url_names():
    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # Django's own admin, staff-only by Django's checks
                yield from walk(p.url_patterns, f"{ns}:{p.namespace}" if ns and p.namespace else p.namespace or ns)
            elif isinstance(p, URLPattern):
                yield f"{ns}:{p.name}" if ns else p.name

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_url_is_in_the_matrix():
    missing = [name for name in url_names() if name not in SPEC]
    assert not missing, f"add these URLs to the permission matrix: {missing}"
    stale = [name for name in SPEC if name not in url_names()]
    assert not stale, f"these matrix entries name no URL any more: {stale}"


def classify(response):
    if response.status_code >= 500:
        return "error"
    if response.status_code in (403, 404):
        return "deny"
    if response.status_code == 405:
        return "method"
    if response.status_code in (301, 302, 303) and response["Location"].startswith(reverse("login")):
        return "login"
    if response.status_code in (301, 302, 303) and response["Location"].startswith(
            (reverse("security:otp_verify"), reverse("security:otp_setup"))):
        return "otp"
    return "ok"


def _request(client, method, url):
    with transaction.atomic():
        try:
            response = client.get(url) if method == "GET" else client.post(url, {})
            outcome = classify(response)
        except Exception as exc:  # noqa: BLE001 - a crash is a cell of the report, not the end of it
            outcome = f"error: {type(exc).__name__}: {exc}"
        transaction.set_rollback(True)
    return outcome


@pytest.fixture
def world(personas, settings, tmp_path):
    from documents.signing import create_self_signed_p12

    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "m.p12", "matrix-pass", common_name="矩阵"))
    settings.SIGNING_P12_PASSWORD = "matrix-pass"
    return World(personas)


@pytest.mark.parametrize("role", ROLES + list(HALF_ROLES))
def test_permission_matrix(world, role, settings):
    client = Client()
    user = world.users[HALF_ROLES.get(role, role)]
    if role in HALF_ROLES:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        settings.OTP_REQUIRED_ROLES = ("admin", "unit", "reviewer")
        TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    wrong = []
    # Signing out ends the session, so it goes last.
    for name, spec in sorted(SPEC.items(), key=lambda item: (item[0] == "logout", item[0])):
        url = reverse(name, kwargs=spec.kwargs(world) if spec.kwargs else None)
        for method in ("GET", "POST"):
            outcome = _request(client, method, url)
            expected = expected_for(role, name, spec, method)
            if outcome not in expected:
                wrong.append(f"{method} {name} ({url}): got {outcome}, expected {'/'.join(sorted(expected))}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
