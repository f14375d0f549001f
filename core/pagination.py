"""Pagination of list pages: keyset pages (a signed cursor) where lists run deep, numbered pages where not.

A keyset page is read with `WHERE (order keys) beyond the cursor ORDER BY … LIMIT n + 1`, so page 1,000
costs what page 1 costs when an index covers the filter and the order. The cursor is the last (or first)
row's keys, signed with the list's own name: a cursor that was edited, or taken from another list, is
refused (BadCursor) and the view sends the user back to the first page with a message, never a 500.
"""

from datetime import date, datetime

from django.contrib import messages
from django.core import signing
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Q, Subquery, Window
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SALT = "core.pagination.cursor"
AFTER, BEFORE = "a", "b"


class BadCursor(Exception):
    pass


def _dump(value):
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return value


def _load(value):
    if isinstance(value, list) and len(value) == 2 and value[0] in ("dt", "d"):
        return datetime.fromisoformat(value[1]) if value[0] == "dt" else date.fromisoformat(value[1])
    if value is None or isinstance(value, (int, str)):
        return value
    raise BadCursor


def encode_cursor(scope, direction, values):
    return signing.dumps([direction, [_dump(v) for v in values]], salt=f"{SALT}:{scope}", compress=True)


def decode_cursor(scope, cursor, n_keys):
    try:
        direction, values = signing.loads(cursor, salt=f"{SALT}:{scope}")
        values = [_load(v) for v in values]
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor from None
    if direction not in (AFTER, BEFORE) or len(values) != n_keys or any(v is None for v in values):
        raise BadCursor
    return direction, values


def _beyond(order, values, backwards):
    """Rows after `values` in `order` ([(field, descending)]), or before them when `backwards`."""
    q = Q(pk__in=[])
    for i, (field, desc) in enumerate(order):
        later = "lt" if desc != backwards else "gt"
        step = Q(**{f"{field}__{later}": values[i]})
        for j, (prev_field, _desc) in enumerate(order[:i]):
            step &= Q(**{prev_field: values[j]})
        q |= step
    return q


class KeysetPage:
    """One page of rows and the cursors of its neighbours (None where there is none)."""

    def __init__(self, rows, next_cursor, previous_cursor, first):
        self.object_list = rows
        self.next_cursor, self.previous_cursor, self.is_first = next_cursor, previous_cursor, first

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.previous_cursor is not None

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous or not self.is_first


def _key(row, order):
    if isinstance(row, dict):
        return [row[field] for field, _desc in order]
    return [getattr(row, field) for field, _desc in order]


def keyset_page(qs, order, cursor, size, scope):
    """The page of `qs` (a queryset, or a list of disjoint querysets) after (or before) `cursor` in `order` ([(field, descending)], unique as a whole:
    end with the primary key). The order's fields must be non-null columns of the rows (an index on the
    filter columns followed by them serves the query)."""
    direction, values = decode_cursor(scope, cursor, len(order)) if cursor else (AFTER, None)
    backwards = direction == BEFORE
    ordering = [("-" if desc != backwards else "") + field for field, desc in order]
    rows = []
    # Several querysets (disjoint parts of one list, e.g. a unit's own declarations and what its districts
    # sent up): each is read with its own index, and the parts' pages are merged.
    for part in (qs if isinstance(qs, (list, tuple)) else [qs]):
        part = part.order_by(*ordering)
        if values is not None:
            part = part.filter(_beyond(order, values, backwards))
        rows += list(part[:size + 1])
    for i in reversed(range(len(order))):  # stable sorts, last key first
        rows.sort(key=lambda row: _key(row, order)[i], reverse=order[i][1] != backwards)
    rows = rows[:size + 1]
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else bool(rows)
    has_previous = more if backwards else values is not None and bool(rows)
    return KeysetPage(rows,
                      encode_cursor(scope, AFTER, _key(rows[-1], order)) if has_next and rows else None,
                      encode_cursor(scope, BEFORE, _key(rows[0], order)) if has_previous else None,
                      first=values is None or (backwards and not more))


def query_without(request, *names):
    """The request's query string without `names` (the pager adds its own parameter)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def refuse_cursor(request):
    """A tampered or foreign cursor: back to the list's first page, with the filters kept, and a message."""
    messages.error(request, _("翻页链接无效（可能被修改过），已回到第一页"))
    query = query_without(request, "cursor")
    return redirect(request.path + (f"?{query}" if query else ""))


def numbered_page(request, items, size, param="page"):
    """A numbered page of `items`; a page number out of range or not a number shows the nearest page and
    says so."""
    paginator = Paginator(items, size)
    raw = request.GET.get(param) or "1"
    try:
        return paginator.page(raw)
    except PageNotAnInteger:
        messages.warning(request, _("页码“%(p)s”无效，已显示第 1 页") % {"p": raw[:20]})
        return paginator.page(1)
    except EmptyPage:
        last = paginator.num_pages
        messages.warning(request, _("没有第 %(p)s 页（共 %(n)s 页），已显示第 %(n)s 页") % {"p": raw[:20], "n": last})
        return paginator.page(last)


class _Pages:
    def __init__(self, count, size):
        self.count, self.num_pages = count, max(1, -(-count // size))


class CountedPage:
    """A numbered page whose rows carry the list's total (one query, not a COUNT before the page)."""

    def __init__(self, rows, number, count, size):
        self.object_list, self.number, self.paginator = rows, number, _Pages(count, size)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self):
        return self.number > 1

    def has_next(self):
        return self.number < self.paginator.num_pages

    def has_other_pages(self):
        return self.paginator.num_pages > 1

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


def counted_page(request, qs, size, param="page"):
    """numbered_page in one query: each row carries COUNT(*) OVER (). A page past the end (no rows) costs
    one COUNT more and shows the last page with a message."""
    raw = (request.GET.get(param) or "1").strip()
    number = int(raw) if raw.isdigit() and int(raw) >= 1 else None
    if number is None:
        messages.warning(request, _("页码“%(p)s”无效，已显示第 1 页") % {"p": raw[:20]})
        number = 1
    qs = qs.annotate(list_total=Window(Count("pk")))
    rows = list(qs[(number - 1) * size:number * size])
    if not rows and number > 1:
        last = max(1, -(-qs.count() // size))
        messages.warning(request, _("没有第 %(p)s 页（共 %(n)s 页），已显示第 %(n)s 页") % {"p": raw[:20], "n": last})
        number = last
        rows = list(qs[(number - 1) * size:number * size])
    return CountedPage(rows, number, rows[0].list_total if rows else 0, size)


def positioned_page(request, qs, position, size, param="page"):
    """A numbered page of a list whose rows store their place 1…n (`position`, without gaps): page p is
    `(p−1)×size < position ≤ p×size`, a range read. The total is the last position, read with the rows;
    a page past the end (no rows) costs one query more and shows the last page with a message, as
    counted_page does."""
    raw = (request.GET.get(param) or "1").strip()
    number = int(raw) if raw.isdigit() and int(raw) >= 1 else None
    if number is None:
        messages.warning(request, _("页码“%(p)s”无效，已显示第 1 页") % {"p": raw[:20]})
        number = 1
    qs = qs.filter(**{f"{position}__isnull": False})
    last_position = qs.order_by(f"-{position}").values(position)[:1]

    def rows_of(number):
        # Bounded on both sides: the read stays a page whatever the planner's estimates.
        return list(qs.filter(**{f"{position}__gt": (number - 1) * size, f"{position}__lte": number * size})
                    .annotate(list_total=Subquery(last_position)).order_by(position)[:size])

    rows = rows_of(number)
    if not rows and number > 1:
        total = last_position.first()
        last = max(1, -(-(total[position] if total else 0) // size))
        messages.warning(request, _("没有第 %(p)s 页（共 %(n)s 页），已显示第 %(n)s 页") % {"p": raw[:20], "n": last})
        number = last
        rows = rows_of(number)
    return CountedPage(rows, number, rows[0].list_total if rows else 0, size)
