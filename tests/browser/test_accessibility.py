"""GB/T 37668-2019 (web accessibility, aligned with WCAG 2.0 AA): axe-core, vendored in tests/browser/vendor/,
is run on every role's main pages; no serious or critical violation is allowed."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, complete_declaration
from tests.matrix.world import World

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_problems(page):
    """Serious and critical axe violations of the page as short strings (rule, impact, first targets)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE)  # evaluated through the DevTools protocol: the page's CSP does not apply
    result = page.evaluate("async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                           ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                           " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))", TAGS)
    return [f"{page.url} {v['id']} ({v['impact']}): {v['help']} {json.dumps(v['nodes'], ensure_ascii=False)}"
            for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def world(personas, settings, tmp_path):
    from documents.signing import create_self_signed_p12

    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "a.p12", "axe-pass", common_name="无障碍"))
    settings.SIGNING_P12_PASSWORD = "axe-pass"
    w = World(personas)
    w.draft = complete_declaration(w.old_guide, personas.org_a, personas.district_a)  # an editable form
    return w


def pages_of(w):
    g = w.guide.pk
    sheet = w.guide.scoring_sheets.get().pk
    return {
        None: ["/", reverse("login"), reverse("register"), reverse("review:results"),
               reverse("review:results_guide", args=[w.old_guide.pk]),
               reverse("documents:verify", args=[w.form_doc.short_code])],
        w.p.applicant_a: [reverse("declarations:dashboard"), reverse("declarations:organisation"),
                          reverse("declarations:guide", args=[g]), reverse("declarations:detail", args=[w.decl_a.pk]),
                          reverse("declarations:edit", args=[w.draft.pk]), reverse("core:inbox")],
        w.p.district_a_staff: [reverse("quotas:workspace"), reverse("quotas:ranking") + f"?guide={g}",
                               reverse("quotas:declaration", args=[w.decl_a.pk]),
                               reverse("quotas:list", args=[w.list_a.pk])],
        w.reviewer_assigned: [reverse("review:queue"), reverse("review:score", args=[w.assignment.pk]),
                              reverse("review:application_form", args=[w.assignment.pk]), reverse("review:profile")],
        w.p.admin: [reverse("operations:ministry_home"), reverse("operations:dashboard") + f"?guide={g}",
                    reverse("operations:declarations") + f"?guide={g}", reverse("core:audit_log"),
                    reverse("guides:list"), reverse("guides:detail", args=[g]), reverse("quotas:overview"),
                    reverse("quotas:units"), reverse("review:manage"), reverse("review:manage_guide", args=[g]),
                    reverse("review:assignments", args=[g]), reverse("review:ranking", args=[g]),
                    reverse("review:declaration_reviews", args=[g, w.decl_a.pk]), reverse("review:reviewers"),
                    reverse("review:panels"), reverse("review:panel_edit", args=[g, w.panel.pk]),
                    reverse("review:sheets"), reverse("review:sheet_edit", args=[g, sheet])],
    }


def test_every_roles_main_pages_have_no_serious_or_critical_violations(browser, live_server, world, shot):
    problems = []
    for user, urls in pages_of(world).items():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url)
        context.set_default_timeout(15000)
        page = context.new_page()
        if user is not None:
            browser_login(page, user.username, PASSWORD)
            page.wait_for_load_state()
        for url in urls:
            response = page.goto(url)
            assert response.status < 400, f"{url}: {response.status}"
            problems += axe_problems(page)
        context.close()
    assert not problems, "\n".join(problems)
