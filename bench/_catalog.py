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

    from core.national import PREFIX, TITLE
    from declarations.models import Declaration, Guide
    from quotas.models import Unit
    from review.models import Assignment

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
    assignments = list(Assignment.objects.filter(declaration__guide=guide, reviewer__username__startswith=PREFIX)
                       .select_related("reviewer").order_by("reviewer_id", "pk").distinct("reviewer_id")[:per_page])
    admin = User.objects.get(username=f"{PREFIX}admin")
    n_ranked = Declaration.objects.filter(guide=guide, state__in=["recommended", "selected", "not_selected"]).count()
    first_direction = guide.directions.order_by("code").values_list("pk", flat=True).first()
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
        Page("管理员申报总表（5000 项分页）", LIST, [(rev("core:declarations") + f"?guide={g}", admin)]),
        Page("管理员名额总览", LIST, [(rev("quotas:overview") + f"?guide={g}", admin)]),
        Page("管理员统计首页", LIST, [(rev("core:dashboard") + f"?guide={g}", admin)]),
        Page("公开名单（公示）", LIST, [(rev("review:results_guide", args=[g]), None)]),
        Page(f"管理员评审排名（{n_ranked} 个推荐项目，按方向分页）", RANKING,
             [(rev("review:ranking", args=[g]) + (f"?direction={first_direction}" if first_direction else ""),
               admin)]),
    ]
