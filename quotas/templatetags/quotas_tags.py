from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def optional_include(context, name, fallback=""):
    """Include a template another app provides, if it exists yet (the documents room's letter block)."""
    try:
        tpl = get_template(name)
    except template.TemplateDoesNotExist:
        return fallback
    # Rendered in the page's own context, as {% include %} does: a new RequestContext would run every context
    # processor again (the navigation's unread count: one more query per page).
    with context.push():
        return tpl.template.render(context)


@register.simple_tag(takes_context=True)
def ranking_rows(context):
    """The rows of the ranking table (`_ranking_panel.html`), written here with the markup the template had.

    A province ranks up to 400 projects, each row with three small forms: as template code that was about 30
    nodes a row (URL reversals, translations, CSRF inputs, conditions), most of the page's time. Here the
    translations, URLs and the CSRF input are made once per page and each row is one format string.
    """
    entries, unit, rec_list = context["entries"], context["unit"], context["rec_list"]
    deadline_passed = context.get("deadline_passed")
    editable = context.get("editable") and not rec_list.is_confirmed
    can_act = editable and not deadline_passed
    csrf = CsrfTokenNode().render(context)
    recommend_url = escape(reverse("quotas:recommend", args=[rec_list.pk]))
    move_url = escape(reverse("quotas:move", args=[rec_list.pk]))
    # Each row links to its declaration: the URL of pk 0 without its "0/", then the row's pk (one reversal a page).
    detail_url = reverse("quotas:declaration", args=[0])[:-2]
    version = escape(rec_list.version)
    own_text, exempt_text, used_text = escape(_("本单位受理")), escape(_("豁免")), escape(_("占用"))
    extra_text = escape(_("基地另行推荐，不占名额"))
    district_rank, base_rank = _("区级排序第 %(r)s 位"), _("基地排序第 %(r)s 位")
    cancel_title, recommended_text = escape(_("取消推荐")), escape(_("已推荐"))
    recommend_text, not_recommended_text = escape(_("推荐")), escape(_("不推荐"))
    # A page of the ranking (quotas.views._entries_page): the page number rides along with each form, and the
    # first and last ranks of the whole list (not of the page) cannot move further.
    rank_page = context.get("rank_page") or {}
    page = f'<input type="hidden" name="page" value="{escape(rank_page.get("number", 1))}">'
    total = rank_page.get("total", len(entries))
    rows = []
    for e in entries:
        d = e.declaration
        pk, title = d.pk, escape(str(d))
        if d.unit_id == unit.pk:
            source = own_text
        else:
            source = escape(d.unit.name if d.unit_id else "")
            if e.child_rank:
                child = base_rank if d.unit_id and d.unit.kind == "demo_base" else district_rank
                source += (f'<div class="text-muted" data-child-rank="{escape(e.child_rank[1])}">'
                           f'{escape(child % {"r": e.child_rank[1]})}</div>')
        if e.extra:
            quota = f'<span class="text-success">{extra_text}</span>'
        elif e.place_free:
            quota = f'<span class="text-success">{exempt_text}</span>'
        else:
            quota = used_text
        if can_act:
            if e.recommended:
                button = (f'<input type="hidden" name="recommended" value="0"><button class="btn btn-sm btn-primary" '
                          f'type="submit" aria-pressed="true" title="{cancel_title}">✓ {recommended_text}</button>\n'
                          f'        ')
            else:
                button = (f'<input type="hidden" name="recommended" value="1"><button class="btn btn-sm '
                          f'btn-outline-primary" type="submit" aria-pressed="false">{recommend_text}</button>')
            recommend = (
                f'\n      <form method="post" action="{recommend_url}" hx-post="{recommend_url}" '
                f'hx-target="#ranking-panel" hx-swap="outerHTML">{csrf}\n'
                f'        <input type="hidden" name="version" value="{version}">{page}<input type="hidden" '
                f'name="declaration" value="{pk}">\n        {button}\n      </form>\n    ')
        elif e.recommended:
            recommend = f'<span class="badge bg-primary">{recommend_text}</span>'
        else:
            recommend = f'<span class="text-muted small">{not_recommended_text}</span>'
        move = ""  # the template left the cell out, and its indentation in
        if editable:
            buttons = ""
            if not deadline_passed:
                buttons = "\n" + "\n".join(
                    f'      <form method="post" action="{move_url}" hx-post="{move_url}" hx-target="#ranking-panel" '
                    f'hx-swap="outerHTML" class="d-inline">{csrf}\n'
                    f'        <input type="hidden" name="version" value="{version}">{page}<input type="hidden" '
                    f'name="declaration" value="{pk}"><input type="hidden" name="direction" value="{way}">\n'
                    f'        <button class="btn btn-sm btn-outline-secondary" type="submit" '
                    f'{"disabled" if off else ""} aria-label="{escape(label % {"p": d})}">{arrow}</button></form>'
                    for way, off, label, arrow in (("up", e.rank == 1, _("上移“%(p)s”"), "↑"),
                                                   ("down", e.rank == total, _("下移“%(p)s”"), "↓"))) + "\n    "
            move = f'<td class="text-nowrap">{buttons}</td>'
        rows.append(
            f'\n  <tr data-declaration="{pk}" class="{"table-primary" if e.recommended else ""}">\n'
            f'    <td class="fw-bold">{escape(e.rank)}</td>\n'
            f'    <td><a href="{detail_url}{pk}/">{title}</a></td>\n'
            f'    <td>{escape(d.organisation.name)}</td>'
            f'<td class="small">{escape(str(d.direction)) if d.direction_id else "—"}</td>\n'
            f'    <td class="small">{source}</td>\n'
            f'    <td class="small">{quota}</td>\n'
            f'    <td>{recommend}</td>\n    {move}\n'
            f'  </tr>\n  ')
    return mark_safe("".join(rows))


_STATE_BADGES = {"passed": "bg-success", "returned": "bg-warning text-dark", "submitted": "bg-info text-dark"}


@register.simple_tag(takes_context=True)
def workspace_rows(context):
    """The rows of the workspace table (`workspace.html`), with the markup the template had, one format string a
    row: as template code each of the 50 rows cost about 40 nodes (two or three URL reversals, translations, a
    CSRF input, date and default filters), half of the page's time. Translations, the URL prefixes and the CSRF
    input are made once per page."""
    rows, unit, rec_list = context["rows"], context["unit"], context["rec_list"]
    can_pass = not rec_list.is_confirmed and not context.get("deadline_passed")
    csrf = CsrfTokenNode().render(context)
    # The URLs of pk 0 without their "0/…" tail, then each row's pk (one reversal a page).
    detail_url = reverse("quotas:declaration", args=[0])[:-2]
    pass_url = reverse("quotas:pass", args=[0])
    pass_head, pass_tail = pass_url[:pass_url.rindex("/0/") + 1], pass_url[pass_url.rindex("/0/") + 2:]
    next_path = escape(context["request"].get_full_path())
    recommended_badge = f' <span class="badge bg-primary">{escape(_("推荐"))}</span>'
    exempt_cell = (f'\n                <span class="text-success">{escape(_("豁免"))}</span>\n              ')
    used_cell = f'\n                {escape(_("占用"))}\n              '
    by_unit, confirm = _("由 %(u)s 推荐"), _("确认“%(p)s”形式审查通过？通过后进入推荐排序。")
    pass_text, return_text = escape(_("通过")), escape(_("退回"))
    out = []
    for d in rows:
        pk, title = d.pk, escape(str(d))
        rank = (f"{escape(d.rank)}{recommended_badge if d.recommended else ''}" if d.rank else "—")
        source = ("" if d.unit_id == unit.pk
                  else f'<div class="small text-muted">{escape(by_unit % {"u": d.unit.name})}</div>')
        submitted = timezone.localtime(d.submitted_at).strftime("%Y-%m-%d %H:%M") if d.submitted_at else ""
        action = ""
        if d.state == "submitted" and d.unit_id == unit.pk and can_pass:
            action = (
                f'\n                <form method="post" action="{pass_head}{pk}{pass_tail}" class="d-inline">\n'
                f'                  {csrf}\n'
                f'                  <input type="hidden" name="next" value="{next_path}">\n'
                f'                  <button class="btn btn-sm btn-success"\n'
                f'                          type="submit"\n'
                f'                          data-confirm="{escape(confirm % {"p": str(d)})}">{pass_text}</button>\n'
                f'                </form>\n'
                f'                <a class="btn btn-sm btn-outline-warning"\n'
                f'                   href="{detail_url}{pk}/#return">{return_text}</a>\n              ')
        out.append(
            f'\n          <tr data-declaration="{pk}">\n'
            f'            <td>{rank}</td>\n'
            f'            <td><a href="{detail_url}{pk}/">{title}</a>{source}</td>\n'
            f'            <td>{escape(d.organisation.name)}</td>\n'
            f'            <td class="font-monospace small">{escape(d.organisation.credit_code)}</td>\n'
            f'            <td class="small">{escape(str(d.direction)) if d.direction_id else "—"}</td>\n'
            f'            <td class="small text-nowrap">{submitted}</td>\n'
            f'            <td><span class="badge {_STATE_BADGES.get(d.state, "bg-secondary")}">'
            f'{escape(d.public_state_label)}</span></td>\n'
            f'            <td class="small">{exempt_cell if d.exempt else used_cell}</td>\n'
            f'            <td class="text-nowrap">{action}</td>\n'
            f'          </tr>\n        ')
    return mark_safe("".join(out))
