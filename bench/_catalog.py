"""Which pages the page benchmarks drive, and as whom: many users per page, chosen from the national data.

Each page is a list of (path, user) "sessions": the applicant pages rotate over applicants with their own
drafts, the unit check page over the busiest units' declarations, the scoring page over reviewers and their
own assignments. The in-process and the wrk benchmark use the same catalogue, so their figures describe the
same requests.
"""

from dataclasses import dataclass, field

# Kinds and their targets.
SINGLE, LIST, RANKING = "single", "list", "ranking"


@dataclass
class Page:
    label: str
    kind: str
    sessions: list = field(default_factory=list)  # [(path, user or None)]

    @property
    def path(self):
        return self.sessions[0][0]


def catalogue(per_page=40):
    """The main pages of each role with `per_page` sessions each (fewer where the data has fewer users)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from django.urls import reverse

    from declarations.models import Declaration, Guide
    from operations.national import PREFIX, TITLE
    from review.models import Assignment
    from units.models import Unit

    User = get_user_model()
    guide = Guide.objects.filter(title=TITLE).order_by("-id").first()
    if guide is None:
        raise SystemExit("no national data: run manage.py generate_national first (same DATABASE_URL)")
    g = guide.pk
    nat = {"organisation__users__username__startswith": PREFIX}
    owner = {u.organisation_id: u for u in User.objects.filter(
        username__startswith=PREFIX, organisation__declarations__guide=guide).order_by("pk")}
    drafts = list(Declaration.objects.filter(guide=guide, state="draft", **nat).order_by("pk")[:per_page])
    others = list(Declaration.objects.filter(guide=guide, **nat).exclude(state="draft")
                  .order_by("pk")[:per_page // 2])
    # Detail page: half drafts (the eligibility check shows), half submitted or decided.
    detail_decls = drafts[:per_page - len(others)] + others
    units = list(Unit.objects.annotate(n=Count("declarations", filter=Q(declarations__guide=guide)
                                                & ~Q(declarations__state="draft"))).order_by("-n", "pk")[:10])
    unit_users = {u.unit_id: u for u in User.objects.filter(unit__in=units, username__startswith=PREFIX)}
    unit_decls = []
    for unit in units:
        unit_decls += [(d, unit_users[unit.pk]) for d in Declaration.objects.filter(guide=guide, unit=unit)
                       .exclude(state="draft").order_by("pk")[:max(1, per_page // len(units))]]
    # Scoring page: half the reviewers still scoring (the form), half looking at a submitted review.
    open_ones = open_assignments(guide, per_page // 2)
    done = list(Assignment.objects.filter(declaration__guide=guide, reviewer__username__startswith=PREFIX,
                                          review__state="submitted")
                .exclude(reviewer__in=[a.reviewer_id for a in open_ones])
                .select_related("reviewer").order_by("reviewer_id", "pk").distinct("reviewer_id")[:per_page // 2])
    assignments = [a for pair in zip(open_ones, done) for a in pair] + open_ones[len(done):] + done[len(open_ones):]
    admin = User.objects.get(username=f"{PREFIX}admin")
    n_ranked = Declaration.objects.filter(guide=guide, state__in=["recommended", "selected", "not_selected"]).count()
    first_direction, first_direction_code = guide.directions.order_by("order", "pk").values_list("pk", "code")[0]
    rev = reverse
    return guide, [
        Page("申报单位首页", SINGLE, [(rev("declarations:dashboard"), owner[d.organisation_id]) for d in drafts]),
        Page("申报书填写页", SINGLE, [(rev("declarations:edit", args=[d.pk]), owner[d.organisation_id])
                                 for d in drafts]),
        Page("申报详情页", SINGLE, [(rev("declarations:detail", args=[d.pk]), owner[d.organisation_id])
                               for d in detail_decls]),
        Page("推荐单位审查详情", SINGLE, [(rev("quotas:declaration", args=[d.pk]), u) for d, u in unit_decls]),
        Page("专家评分页", SINGLE, [(rev("review:score", args=[a.pk]), a.reviewer) for a in assignments]),
        Page("推荐单位申报列表", LIST, [(rev("quotas:workspace") + f"?guide={g}", u) for u in unit_users.values()]),
        Page("推荐单位排序页", LIST, [(rev("quotas:ranking") + f"?guide={g}", u) for u in unit_users.values()]),
        Page("专家评审任务列表", LIST, [(rev("review:queue"), a.reviewer) for a in assignments]),
        Page("管理员申报总表（5000 项分页）", LIST, [(rev("operations:declarations") + f"?guide={g}", admin)]),
        Page("管理员名额总览", LIST, [(rev("quotas:overview") + f"?guide={g}", admin)]),
        Page("管理员统计首页", LIST, [(rev("operations:dashboard") + f"?guide={g}", admin)]),
        Page("公开名单（公示）", LIST, [(rev("review:results_guide", args=[g]), None)]),
        # Last: if it is slow, its queued requests must not spill into another page's figures.
        Page(f"管理员评审排名（{n_ranked} 个推荐项目，全部方向第 1 页）", RANKING, [(rev("review:ranking", args=[g]), admin)]),
        Page(f"管理员评审排名（方向 {first_direction_code} 标签页）", RANKING,
             [(rev("review:ranking", args=[g]) + f"?direction={first_direction}", admin)]),
    ]


def open_assignments(guide, n):
    """`n` active assignments without a submitted review, each of another reviewer: the ones still scoring.

    The generated year has every review submitted; the benchmarks need reviewers mid-way (the scoring form,
    score drafts). Made once in the benchmark database and reused: a reviewer of a direction's panel gets a
    recommended project of that direction they have not been assigned, if the conflict rule allows it.
    """
    from declarations.models import Declaration
    from operations.national import PREFIX
    from review.models import Assignment, Panel
    from review.rules import active_assignment

    have = list(Assignment.objects.filter(declaration__guide=guide, reviewer__username__startswith=PREFIX,
                                          state="active").exclude(review__state="submitted")
                .select_related("reviewer").order_by("pk"))
    seen = {a.reviewer_id for a in have}
    for panel in Panel.objects.filter(guide=guide).prefetch_related("reviewers", "directions").order_by("pk"):
        if len(have) >= n:
            break
        decls = list(Declaration.objects.filter(guide=guide, state="recommended",
                                                direction__in=panel.directions.all()).order_by("pk")[:50])
        for reviewer in panel.reviewers.all():
            if len(have) >= n or reviewer.pk in seen:
                continue
            taken = set(Assignment.objects.filter(reviewer=reviewer).values_list("declaration_id", flat=True))
            for d in decls:
                if d.pk in taken:
                    continue
                a = Assignment.objects.create(declaration=d, reviewer=reviewer)
                if active_assignment(reviewer, d) is None:  # conflicted: not a page this reviewer can open
                    a.delete()
                    continue
                have.append(a)
                seen.add(reviewer.pk)
                break
    return have[:n]
