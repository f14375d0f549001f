"""The ministry's ranking page: direction tabs, one form for the selection buttons, the export form."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from review.models import Selection
from tests.factories import make_guide, make_org
from tests.review.conftest import recommended_declaration
from tests.utils import login


def view(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


class Page(HTMLParser):
    """The forms of a page (with the forms they sit in) and its direction tabs."""

    def __init__(self, html):
        super().__init__()
        self.forms, self.tabs, self._open, self._tab, self._button = [], [], [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            form = {"attrs": attrs, "fields": [], "buttons": [], "inside": [f["attrs"].get("id") for f in self._open]}
            self.forms.append(form)
            self._open.append(form)
        elif tag == "input" and self._open:
            self._open[-1]["fields"].append((attrs.get("name"), attrs.get("value", "")))
        elif tag == "button" and self._open:
            self._button = {"name": attrs.get("name"), "value": attrs.get("value"), "text": ""}
            self._open[-1]["buttons"].append(self._button)
        elif tag == "a" and "nav-link" in (attrs.get("class") or ""):
            self._tab = {"href": attrs["href"], "active": "active" in attrs["class"].split(), "text": ""}
            self.tabs.append(self._tab)

    def handle_endtag(self, tag):
        if tag == "form" and self._open:
            self._open.pop()
        elif tag == "a":
            self._tab = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._tab is not None:
            self._tab["text"] += data
        if self._button is not None:
            self._button["text"] += data

    def form(self, action):
        (found,) = [f for f in self.forms if f["attrs"].get("action") == action]
        return found

    def tab(self, label):
        """The tab whose text is `label` followed by its count."""
        (found,) = [t for t in self.tabs if t["text"].strip().rsplit(None, 1)[0] == label]
        return found


def reviews_link(guide, decl):
    return reverse("review:declaration_reviews", args=[guide.pk, decl.pk])


@pytest.fixture
def admin(client, rp):
    return login(client, rp.p.admin)


@pytest.fixture
def other(rp):
    """A third recommended project, in direction 5 (decl_a and decl_b are in direction 4)."""
    return recommended_declaration(rp.guide, unit=rp.p.district_a, direction_code="5")


def test_direction_tabs_show_counts_and_filter_the_rows(rp, admin, other):
    url = reverse("review:ranking", args=[rp.guide.pk])
    html = view(admin, url)
    page = Page(html)
    # The default view is every direction, the "全部方向" tab.
    assert all(reviews_link(rp.guide, d) in html for d in (rp.decl_a, rp.decl_b, other))
    everything = page.tab("全部方向")
    assert everything["active"] and everything["text"].split()[-1] == "3"
    d4, d5 = rp.guide.directions.get(code="4"), rp.guide.directions.get(code="5")
    assert page.tab(str(d4))["text"].split()[-1] == "2" and not page.tab(str(d4))["active"]
    assert page.tab(str(d5))["text"].split()[-1] == "1"

    html = view(admin, url + page.tab(str(d5))["href"])
    assert reviews_link(rp.guide, other) in html
    assert reviews_link(rp.guide, rp.decl_a) not in html and reviews_link(rp.guide, rp.decl_b) not in html
    assert Page(html).tab(str(d5))["active"] and not Page(html).tab("全部方向")["active"]

    html = view(admin, url + Page(html).tab(str(d4))["href"])
    assert reviews_link(rp.guide, rp.decl_a) in html and reviews_link(rp.guide, other) not in html
    # The filters keep the tab, and the counts follow the filters.
    html = view(admin, url + f"?direction={d4.pk}&unit={rp.p.district_b.pk}")
    assert reviews_link(rp.guide, rp.decl_b) in html and reviews_link(rp.guide, rp.decl_a) not in html
    page = Page(html)
    assert ("direction", str(d4.pk)) in [f for f in page.forms if f["attrs"].get("method") == "get"][0]["fields"]
    assert page.tab("全部方向")["text"].split()[-1] == "1" and page.tab(str(d5))["text"].split()[-1] == "0"


def test_one_form_selects_and_unselects_and_the_page_follows(rp, admin):
    rp.score(rp.decl_a, rp.decl_b)
    url = reverse("review:ranking", args=[rp.guide.pk])
    select_url = reverse("review:select", args=[rp.guide.pk])
    html = view(admin, url)
    page = Page(html)
    form = page.form(select_url)
    assert form["attrs"]["method"] == "post"
    assert [n for n, _ in form["fields"]].count("csrfmiddlewaretoken") == 1
    assert [n for n, _ in form["fields"]] == ["csrfmiddlewaretoken", "next"]
    assert {(b["name"], b["value"], b["text"]) for b in form["buttons"]} == {
        ("select", str(rp.decl_a.pk), "列入"), ("select", str(rp.decl_b.pk), "列入")}
    assert len([f for f in page.forms if f["attrs"].get("action") == select_url]) == 1

    response = admin.post(select_url, {"select": rp.decl_a.pk, "next": dict(form["fields"])["next"]})
    assert response.status_code == 302 and response["Location"] == url
    assert Selection.objects.filter(declaration=rp.decl_a).exists()
    html = view(admin, url)
    assert "已列入拟入选名单" in html
    buttons = {b["value"]: (b["name"], b["text"]) for b in Page(html).form(select_url)["buttons"]}
    assert buttons == {str(rp.decl_a.pk): ("unselect", "拟入选 ✓"), str(rp.decl_b.pk): ("select", "列入")}
    assert "拟入选 1 个" in html

    admin.post(select_url, {"unselect": rp.decl_a.pk, "next": url})
    assert not Selection.objects.exists()
    html = view(admin, url)
    assert "已移出拟入选名单" in html
    buttons = {b["value"]: b["name"] for b in Page(html).form(select_url)["buttons"]}
    assert buttons == {str(rp.decl_a.pk): "select", str(rp.decl_b.pk): "select"}
    # Without its flash message the page shows the change too.
    html = view(admin, url)
    assert {b["value"]: b["name"] for b in Page(html).form(select_url)["buttons"]} == buttons


def test_the_next_page_keeps_the_tab(rp, admin, other):
    url = reverse("review:ranking", args=[rp.guide.pk]) + f"?direction={other.direction_id}"
    select_url = reverse("review:select", args=[rp.guide.pk])
    response = admin.post(select_url, {"select": other.pk, "next": url})
    assert response["Location"] == url
    response = admin.post(select_url, {"unselect": other.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("review:ranking", args=[rp.guide.pk])


def test_a_forged_or_missing_id_is_refused_in_chinese_and_changes_nothing(rp, admin):
    foreign_guide = make_guide(2022, title="另一个指南")
    foreign = recommended_declaration(foreign_guide, make_org())
    select_url = reverse("review:select", args=[rp.guide.pk])
    Selection.objects.create(declaration=rp.decl_b)
    for data in [{"select": foreign.pk}, {"unselect": foreign.pk}, {"select": "999999"}, {"select": "-1"},
                 {"select": "1 OR 1=1"}, {"unselect": ""}, {}, {"select": rp.decl_a.pk, "unselect": rp.decl_b.pk},
                 {"declaration": rp.decl_a.pk, "selected": "1"}]:
        response = admin.post(select_url, data, follow=True)
        assert response.status_code == 200, data
        assert "请选择本指南下已推荐的项目" in response.content.decode(), data
        assert list(Selection.objects.values_list("declaration", flat=True)) == [rp.decl_b.pk], data


def test_the_export_button_posts_to_the_export_not_the_filter(rp, admin, django_capture_on_commit_callbacks):
    url = reverse("review:ranking", args=[rp.guide.pk]) + f"?unit={rp.p.district_a.pk}"
    html = view(admin, url)
    page = Page(html)
    export_url = reverse("review:ranking_export", args=[rp.guide.pk])
    (export,) = [f for f in page.forms if any(b["text"] == "导出 Excel" for b in f["buttons"])]
    assert export["attrs"]["action"] == export_url and export["attrs"]["method"] == "post"
    assert export["inside"] == []  # not nested in the filter form (a browser would submit that one)
    (filters,) = [f for f in page.forms if f["attrs"].get("method") == "get"]
    assert filters["inside"] == [] and not any(b["text"] == "导出 Excel" for b in filters["buttons"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(export_url, dict(export["fields"]))
    assert response.status_code == 302
    assert "已生成" in admin.get(response["Location"]).content.decode()
    assert dict(export["fields"])["query"] == f"unit={rp.p.district_a.pk}"


def test_a_long_ranking_is_paged_and_a_tab_starts_on_its_first_page(rp, admin, other, monkeypatch):
    monkeypatch.setattr("review.views.RANKING_PAGE_SIZE", 2)
    url = reverse("review:ranking", args=[rp.guide.pk])
    first = view(admin, url)
    assert "第 1 / 2 页" in first
    on_first = {d.pk for d in (rp.decl_a, rp.decl_b, other) if reviews_link(rp.guide, d) in first}
    assert len(on_first) == 2
    second = view(admin, url + "?page=2")
    on_second = {d.pk for d in (rp.decl_a, rp.decl_b, other) if reviews_link(rp.guide, d) in second}
    assert len(on_second) == 1 and not on_first & on_second  # every project once, on one page
    # The tabs' counts are of the whole ranking, and a tab's link starts at its first page.
    page = Page(second)
    assert page.tab("全部方向")["text"].split()[-1] == "3"
    assert "page=" not in page.tab(str(rp.guide.directions.get(code="4")))["href"]
    # Paging keeps the filters, and an impossible page number shows the last page, not an error.
    assert 'href="?order=z&amp;page=2"' in view(admin, url + "?order=z")
    assert on_second == {d.pk for d in (rp.decl_a, rp.decl_b, other)
                         if reviews_link(rp.guide, d) in view(admin, url + "?page=99")}
