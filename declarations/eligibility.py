"""The one evaluator of a guide's eligibility rules.

Rules are rows (declarations.Rule); this module reads them and returns every
failing rule with the form field it concerns, in Chinese, so the page can show
each message next to its field.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DCMM_LEVELS, Declaration, Rule

DCMM_NAMES = dict(DCMM_LEVELS)


@dataclass(frozen=True)
class Failure:
    field: str  # form field the message belongs to ("__all__" for the whole form)
    message: str
    rule_id: int | None = None


def _required_fields(decl):
    """Fields every submitted application form needs, whatever the guide."""
    missing = []
    labels = {
        "project_name": _("请填写项目名称"),
        "direction": _("请选择申报方向"),
        "unit": _("请选择推荐单位"),
        "construction_status": _("请选择项目建设状态"),
        "summary": _("请填写项目简介"),
        "innovation": _("请填写技术先进性与关键创新点"),
        "benefits": _("请填写经济效益和社会效益"),
        "promotion": _("请填写推广价值"),
    }
    for field, message in labels.items():
        value = getattr(decl, f"{field}_id", None) if field in ("direction", "unit") else getattr(decl, field)
        if not value:
            missing.append(Failure(field, message))
    if not decl.cases:
        missing.append(Failure("cases", _("请至少填写一个应用案例")))
    return missing


def _normalised_name(name):
    return "".join((name or "").split())


def _applies(rule, decl):
    if rule.direction_id is None:
        return True
    return rule.direction_id == decl.direction_id or any(
        d.pk == rule.direction_id for d in decl.all_directions())


def _check_rule(rule, decl, org, today):
    p = rule.params or {}
    kind = rule.kind
    if kind == Rule.Kind.ONE_PER_APPLICANT:
        clash = Declaration.objects.filter(guide=decl.guide, organisation=org).exclude(pk=decl.pk).exists()
        if clash:
            return Failure("__all__", rule.message or _("每个申报主体在本指南下限报一个项目，贵单位已有申报"))
        return None
    if kind == Rule.Kind.DEMO_PERIOD_BAN:
        running = (
            Declaration.objects.filter(organisation=org, state=Declaration.State.SELECTED,
                                       demo_period_end__gte=today)
            .exclude(pk=decl.pk).exclude(guide=decl.guide)
        )
        name = _normalised_name(decl.project_name)
        for earlier in running.only("project_name", "demo_period_end"):
            if name and _normalised_name(earlier.project_name) == name:
                return Failure("project_name", rule.message or _(
                    "该项目已入选往年试点示范且仍在示范期内（至 %(end)s），不得重复申报")
                    % {"end": earlier.demo_period_end.isoformat()})
        return None
    if kind == Rule.Kind.OWN_IP:
        if not decl.ip_items:
            return Failure("ip_items", rule.message or _("项目须拥有自主知识产权，请至少列出一项专利或软件著作权"))
        return None
    if kind == Rule.Kind.DCMM_MIN:
        role = p.get("role")
        if role and decl.applicant_role != role:
            return None
        industrial = p.get("industrial")
        if industrial is not None and bool(org.is_industrial) != bool(industrial):
            return None
        level = int(p.get("level", 0))
        if org.dcmm_level < level:
            return Failure("applicant_role", rule.message or _(
                "本方向要求 DCMM 等级达到 %(need)s 及以上，贵单位为 %(have)s")
                % {"need": DCMM_NAMES.get(level, level), "have": DCMM_NAMES.get(org.dcmm_level)})
        return None
    if kind == Rule.Kind.CONSTRUCTION_STATUS:
        allowed = p.get("allowed") or []
        if decl.construction_status not in allowed:
            names = "或".join(str(Declaration.Construction(a).label) for a in allowed)
            return Failure("construction_status", rule.message or _("申报项目须为%(names)s项目") % {"names": names})
        return None
    if kind == Rule.Kind.STATS_REPORT:
        year = p.get("report_year")
        if not decl.stats_report_filed or (year and decl.stats_report_year != int(year)):
            return Failure("stats_report_filed", rule.message or _(
                "须在工业和信息化部运行监测系统完成 %(year)s 年度统计报表填报并勾选确认") % {"year": year or ""})
        return None
    if kind == Rule.Kind.MIN_CASES:
        role = p.get("role")
        if role and decl.applicant_role != role:
            return None
        need = int(p.get("min", 0))
        have = len(decl.cases or [])
        if have < need:
            return Failure("cases", rule.message or _(
                "本方向要求至少 %(need)d 个%(label)s，当前填写了 %(have)d 个")
                % {"need": need, "label": p.get("label") or _("应用案例"), "have": have})
        return None
    return None


def check_eligibility(decl, *, today=None):
    """Every reason this declaration cannot be submitted yet; empty means it can."""
    today = today or timezone.localdate()
    org = decl.organisation
    failures = _required_fields(decl)
    directions = decl.all_directions()
    if len(directions) > decl.guide.max_directions:
        failures.append(Failure("extra_directions", _("本指南每个项目最多选择 %(n)d 个方向")
                                % {"n": decl.guide.max_directions}))
    if any(d.guide_id != decl.guide_id for d in directions):
        failures.append(Failure("direction", _("所选方向不属于本年度指南")))
    role_needed = any(d.role_split for d in directions)
    if role_needed and not decl.applicant_role:
        failures.append(Failure("applicant_role", _("本方向区分数据要素拥有方与技术服务提供方，请选择申报主体角色")))
    rules = [r for r in decl.guide.rules.all() if r.is_active]
    for rule in rules:
        if _applies(rule, decl):
            failure = _check_rule(rule, decl, org, today)
            if failure:
                failures.append(Failure(failure.field, failure.message, rule.pk))
    return failures
