"""The assignment table's reviewer input in a browser: typing asks the server for the row's panel members and
offers them; the chosen suggestion (the reviewer's username) assigns that reviewer. Typed text that matches
nobody is refused in Chinese and stays in its input."""

from playwright.sync_api import expect

from review.models import Assignment
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD
from tests.review.conftest import ReviewPersonas


def test_the_admin_finds_a_reviewer_by_typing(page, personas):
    rp = ReviewPersonas(personas)
    browser_login(page, rp.p.admin.username, PASSWORD)
    page.goto(f"/review/manage/{rp.guide.pk}/assignments/")
    row = page.locator(f"#d{rp.decl_b.pk}")
    field = row.get_by_label("增加专家")
    with page.expect_response(lambda r: "/assignments/reviewers/" in r.url and "q=" in r.url) as answer:
        field.fill("王")
    assert answer.value.json()["results"] == [{"value": "rev_assigned", "label": "王评审（北京大学）"}]
    options = page.locator("datalist#reviewer-matches option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "rev_assigned")
    field.fill("rev_assigned")  # what choosing the suggestion puts in the input
    row.get_by_role("button", name="增加").click()
    expect(page.locator(".alert-success")).to_contain_text("已分配评审专家")
    assert list(Assignment.objects.filter(declaration=rp.decl_b).values_list("reviewer", flat=True)) == [
        rp.assigned.pk]

    # Somebody outside the panel: refused, the text kept in the same row's input.
    row = page.locator(f"#d{rp.decl_a.pk}")
    row.get_by_label("增加专家").fill("赵评审")
    row.get_by_role("button", name="增加").click()
    expect(page.locator(".alert-danger")).to_contain_text("评审组“第一评审组”中没有与“赵评审”匹配的评审专家")
    expect(page.locator(f"#d{rp.decl_a.pk}").get_by_label("增加专家")).to_have_value("赵评审")
