"""The one evaluator of a guide's eligibility rules.

Rules are rows (declarations.Rule); this module reads them and returns every
failing rule with the form field it concerns, in Chinese, so the page can show
each message next to its field. `describe_rule` says the same rule in plain
Chinese for the guide page, so applicants read the rule before they fail it.
"""

import difflib
import re
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.jurisdiction import reachable_units

from .attachment_kinds import missing_required
from .guide_cache import attach_direction, guide_rules
from .models import DCMM_LEVELS, ConsortiumMember, Declaration, Rule
from .signals import declaration_checks

DCMM_NAMES = dict(DCMM_LEVELS)


@dataclass(frozen=True)
class Failure:
    field: str  # form field the message belongs to ("__all__" for the whole form)
    message: str
    rule_id: int | None = None


def _role_label(role):
    return str(Declaration.Role(role).label) if role in Declaration.Role.values else ""


def describe_rule(rule):
    """The rule in plain Chinese, from its kind and parameters (the notice's own words follow it)."""
    p = rule.params or {}
    kind = rule.kind
    if kind == Rule.Kind.ONE_PER_APPLICANT:
        text = _("每个申报主体在本指南下只能申报一个项目")
    elif kind == Rule.Kind.DEMO_PERIOD_BAN:
        text = _("已入选往年试点示范、仍在示范期内的项目（含名称相同或相近的后续项目，如“……（二期）”）不能再次申报")
        if p.get("similar") == "refer":
            text = _("已入选往年试点示范、仍在示范期内的同名项目不能再次申报；名称相近的项目由推荐单位对照原项目审查")
    elif kind == Rule.Kind.OWN_IP:
        text = _("项目须拥有自主知识产权：请在“自主知识产权”中至少列出一项专利或软件著作权")
    elif kind == Rule.Kind.DCMM_MIN:
        who = []
        if p.get("role"):
            who.append(_role_label(p["role"]))
        if p.get("industrial") is True:
            who.append(_("且为工业企业"))
        elif p.get("industrial") is False:
            who.append(_("且不是工业企业"))
        level = int(p.get("level", 0))
        text = _("%(who)sDCMM 等级须达到 %(level)s 及以上") % {
            "who": (_("申报主体为%(who)s的，") % {"who": "".join(who)}) if who else "",
            "level": DCMM_NAMES.get(level, level)}
    elif kind == Rule.Kind.CONSTRUCTION_STATUS:
        names = _("或").join(str(Declaration.Construction(a).label) for a in p.get("allowed") or []
                            if a in Declaration.Construction.values)
        text = _("项目建设状态须为%(names)s") % {"names": names}
    elif kind == Rule.Kind.STATS_REPORT:
        year = p.get("report_year")
        text = (_("须已在工业和信息化部运行监测系统完成 %(year)s 年度统计报表填报，并在申报表中勾选确认")
                % {"year": year}) if year else _("须已在工业和信息化部运行监测系统完成年度统计报表填报，并在申报表中勾选确认")
    elif kind == Rule.Kind.MIN_CASES:
        role = p.get("role")
        text = _("%(who)s须填写不少于 %(n)d 个%(label)s（在“应用案例”中每行填写一个）") % {
            "who": (_("申报主体为%(role)s的，") % {"role": _role_label(role)}) if role else "",
            "n": int(p.get("min", 0)), "label": p.get("label") or _("应用案例")}
    else:
        text = rule.get_kind_display()
    scope = p.get("applies_to")
    if kind in SCOPED_KINDS and scope in (Rule.Scope.EVERY_MEMBER, Rule.Scope.ANY_MEMBER) \
            and rule.guide.consortium_allowed:
        text = _("%(text)s（联合体申报时：%(scope)s须满足）") % {"text": text, "scope": Rule.Scope(scope).label}
    if rule.direction_id:
        text = _("方向 %(code)s（%(name)s）：%(text)s") % {
            "code": rule.direction.code, "name": rule.direction.name, "text": text}
    return text


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
    for field, key, list_label, key_label in (("cases", "name", _("应用案例"), _("案例名称")),
                                              ("ip_items", "title", _("自主知识产权"), _("名称"))):
        for i, row in enumerate(getattr(decl, field) or [], 1):
            if not (row or {}).get(key):
                missing.append(Failure(field, _("“%(list)s”第 %(i)d 行缺少“%(key)s”，请补填或删除该行") % {
                    "list": list_label, "i": i, "key": key_label}))
    if decl.unit_id:
        failure = unit_failure(decl)
        if failure:
            missing.append(failure)
    return missing


def unit_failure(decl):
    """The declaration's unit is not one the organisation may reach (its jurisdiction, or a group that accepted it)."""
    org = decl.organisation
    own, groups = reachable_units(org, decl.guide)
    if (own is not None and decl.unit_id == own.pk) or any(g.pk == decl.unit_id for g in groups):
        return None
    return Failure("unit", _(
        "贵单位所在地为%(place)s，推荐单位应为“%(own)s”，不能选择“%(unit)s”；中央企业集团下属单位须先经集团确认隶属关系"
        "（“单位信息”→“所属中央企业集团”）后方可选择集团") % {
        "place": org.division_display, "own": own or _("（本地区暂无推荐单位，请联系主管部门）"), "unit": decl.unit})


def _normalised_name(name):
    return "".join((name or "").split())


# Brackets and phase markers that a renamed follow-up project adds: "…（二期）", "…二期工程", "… Phase II", "…V2.0".
_BRACKETED = re.compile(r"[（(【\[〔][^）)】\]〕]*[）)】\]〕]")
_PHASE = re.compile(r"(第?[一二三四五六七八九十\d]+期(工程|项目)?|phase\s*[ivx\d]+|升级版|v\d+(\.\d+)*)", re.IGNORECASE)
SIMILARITY = 0.8  # default when the guide's rule gives none; "X（二期）" vs "X" and light rewordings pass it


def normalised_title(name):
    """A project title without spaces, brackets, phase or version markers, for comparing follow-ups with the original."""
    text = _BRACKETED.sub("", name or "")
    text = _PHASE.sub("", text)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def title_similarity(a, b):
    a, b = normalised_title(a), normalised_title(b)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def earlier_in_demo_period(decl, *, today=None, threshold=None, running=None):
    """The organisation's earlier selected projects still in their demonstration period whose titles resemble
    this one, most similar first: (earlier declaration, similarity 0–1 of the normalised titles, same name).
    `running`: those projects if the caller read them already (the eligibility check does, once for two rules)."""
    today = today or timezone.localdate()
    try:  # guide data, edited by an admin: a bad value falls back to the default rather than failing the page
        threshold = min(max(float(threshold), 0.5), 1.0) if threshold is not None else SIMILARITY
    except (TypeError, ValueError):
        threshold = SIMILARITY
    if running is None:
        running = (Declaration.objects.filter(organisation_id=decl.organisation_id, state=Declaration.State.SELECTED,
                                              demo_period_end__gte=today)
                   .exclude(pk=decl.pk).exclude(guide_id=decl.guide_id).select_related("guide"))
        if apps.is_installed("demonstration"):
            # A project that failed its spot check or did not report lost its status: the ban ends with it.
            running = running.exclude(demonstration__status="revoked")
        # Each one's direction (the comparison shows it) from its guide's cached directions, not a fourth table.
        running = [attach_direction(d) for d in running]
    found = []
    for earlier in running:
        ratio = title_similarity(decl.project_name, earlier.project_name)
        exact = bool(decl.project_name) and _normalised_name(decl.project_name) == _normalised_name(earlier.project_name)
        if exact or ratio >= threshold:
            found.append((earlier, 1.0 if exact else ratio, exact))
    return sorted(found, key=lambda item: (not item[2], -item[1]))


def _applies(rule, decl, directions):
    if rule.direction_id is None:
        return True
    return any(d.pk == rule.direction_id for d in directions)


class _Others:
    """The organisation's other declarations that the two rules about them need, read once for both."""

    def __init__(self, decl, org, today, members=None):
        self.decl, self.org, self.today, self._rows = decl, org, today, None
        self.members = all_members(decl) if members is None else members

    def rows(self):
        if self._rows is None:
            self._rows = list(
                Declaration.objects.filter(organisation=self.org).exclude(pk=self.decl.pk)
                .filter(Q(guide=self.decl.guide_id) | self._running_q())
                .select_related("guide").only("guide_id", "state", "project_name", "demo_period_end", "guide__year"))
        return self._rows

    def _running_q(self):
        running = Q(state=Declaration.State.SELECTED, demo_period_end__gte=self.today)
        if apps.is_installed("demonstration"):
            # A project that failed its spot check or did not report lost its status: the ban ends with it.
            running &= ~Q(demonstration__status="revoked")
        return running

    def same_guide(self):
        return any(d.guide_id == self.decl.guide_id for d in self.rows())

    def running_demos(self):
        return [d for d in self.rows() if d.guide_id != self.decl.guide_id and d.state == Declaration.State.SELECTED
                and d.demo_period_end and d.demo_period_end >= self.today]


def _check_rule(rule, decl, org, today, others=None):
    p = rule.params or {}
    kind = rule.kind
    others = others or _Others(decl, org, today)
    if kind == Rule.Kind.ONE_PER_APPLICANT:
        # The database constraint makes a second row impossible; this names the clash if data was loaded by hand.
        if others.same_guide():
            return Failure("__all__", rule.message or _("每个申报主体在本指南下限报一个项目，贵单位已有申报"))
        # A consortium counts for every member (declarations.consortia enforces it when members are added).
        clash = _consortium_clash(decl, others.members)
        if clash:
            return Failure("members", clash)
        return None
    if kind == Rule.Kind.DEMO_PERIOD_BAN:
        # Same title, or a similar one (renamed "…（二期）"): refused, unless the guide's data says such
        # cases go to the unit, which then sees both projects side by side (params "similar": "refer").
        similar = earlier_in_demo_period(decl, today=today, threshold=p.get("similarity"),
                                         running=others.running_demos())
        for earlier, ratio, same in similar:
            if not same and p.get("similar") == "refer":
                continue
            return Failure("project_name", _(
                "本项目“%(name)s”与贵单位已入选 %(year)s 年度试点示范的项目“%(earlier)s”%(how)s，"
                "示范期至 %(end)s 尚未结束，不得重复申报（%(rule)s）。如确为不同的项目，请修改项目名称并在项目简介中说明区别")
                % {"earlier": earlier.project_name, "name": decl.project_name, "year": earlier.guide.year,
                   "how": _("名称相同") if same else _("名称相近（相似度 %(p)d%%）") % {"p": round(ratio * 100)},
                   "end": earlier.demo_period_end.strftime("%Y年%m月%d日"), "rule": rule.message or describe_rule(rule)})
        return None
    if kind == Rule.Kind.OWN_IP:
        if not decl.ip_items:
            return Failure("ip_items", _("项目须拥有自主知识产权，请在“自主知识产权”中至少列出一项专利或软件著作权"))
        return None
    if kind == Rule.Kind.DCMM_MIN:
        role = p.get("role")
        if role and decl.applicant_role != role:
            return None
        industrial = p.get("industrial")
        level = int(p.get("level", 0))

        def concerned(o):
            is_industrial = bool(o.is_industrial) and o.kind == o.Kind.ENTERPRISE
            return industrial is None or is_industrial == bool(industrial)

        scope = p.get("applies_to") or Rule.Scope.LEAD
        members = [m.organisation for m in _live(others.members)]
        if scope == Rule.Scope.LEAD or not members:
            if concerned(org) and org.dcmm_level < level:
                return Failure("applicant_role", _(
                    "%(rule)s：贵单位目前为 DCMM %(have)s，请在“单位信息”中更新 DCMM 等级和证书，或改选其他方向/角色")
                    % {"rule": rule.message or describe_rule(rule), "have": DCMM_NAMES.get(org.dcmm_level)})
            return None
        everyone = [o for o in [org, *members] if concerned(o)]
        if not everyone:
            return None
        short = [o for o in everyone if o.dcmm_level < level]
        if scope == Rule.Scope.EVERY_MEMBER and short:
            return Failure("members", _("%(rule)s：联合体全部成员均须满足，%(who)s未达到") % {
                "rule": rule.message or describe_rule(rule),
                "who": "、".join(f"“{o.name}”（DCMM {DCMM_NAMES.get(o.dcmm_level)}）" for o in short)})
        if scope == Rule.Scope.ANY_MEMBER and len(short) == len(everyone):
            return Failure("members", _("%(rule)s：联合体中至少一家单位须满足，目前牵头单位和成员单位均未达到") % {
                "rule": rule.message or describe_rule(rule)})
        return None
    if kind == Rule.Kind.CONSTRUCTION_STATUS:
        allowed = [a for a in p.get("allowed") or [] if a in Declaration.Construction.values]
        if decl.construction_status and decl.construction_status not in allowed:
            names = _("或").join(str(Declaration.Construction(a).label) for a in allowed)
            return Failure("construction_status", _("申报项目须为%(names)s项目，当前选择的是“%(have)s”") % {
                "names": names, "have": decl.get_construction_status_display()})
        return None
    if kind == Rule.Kind.STATS_REPORT:
        year = p.get("report_year")
        if not decl.stats_report_filed:
            return Failure("stats_report_filed", _(
                "请确认已在工业和信息化部运行监测系统完成 %(year)s 年度统计报表填报，并勾选此项") % {"year": year or ""})
        if year and decl.stats_report_year != int(year):
            return Failure("stats_report_year", _(
                "统计报表年度须为 %(year)s 年，当前填写的是 %(have)s") % {
                "year": year, "have": decl.stats_report_year or _("（未填写）")})
        return None
    if kind == Rule.Kind.MIN_CASES:
        role = p.get("role")
        if role and decl.applicant_role != role:
            return None
        need = int(p.get("min", 0))
        have = len(decl.cases or [])
        if have < need:
            return Failure("cases", _(
                "%(rule)s：须至少填写 %(need)d 个%(label)s，当前填写了 %(have)d 个，还差 %(gap)d 个")
                % {"rule": rule.message or describe_rule(rule), "need": need,
                   "label": p.get("label") or _("应用案例"), "have": have, "gap": need - have})
        return None
    return None


SCOPED_KINDS = (Rule.Kind.DCMM_MIN,)


def all_members(decl):
    """Every member row of the declaration with its organisation (none under a guide that admits no consortia:
    guide_admin refuses to close consortia while a declaration has members)."""
    return decl.consortium_members


def _live(members):
    """The consortium's members but those who declined."""
    return [m for m in members if m.state != ConsortiumMember.State.DECLINED]


def _consortium_clash(decl, members):
    """A participant of this consortium also takes part elsewhere in the guide (the lead as a member, a member
    with its own declaration or in another consortium)."""
    if not decl.pk or not (decl.guide.consortium_allowed or members):
        return ""
    lead_elsewhere = (ConsortiumMember.objects.filter(guide_id=decl.guide_id, organisation_id=decl.organisation_id)
                      .exclude(state=ConsortiumMember.State.DECLINED).exclude(declaration=decl)
                      .select_related("declaration__organisation").first())
    if lead_elsewhere:
        return _("贵单位已作为成员单位参与“%(lead)s”牵头的联合体申报，按“每个申报主体限报一个项目”的规定不能再牵头申报") % {
            "lead": lead_elsewhere.declaration.organisation.name}
    ids = [m.organisation_id for m in _live(members)]
    if not ids:
        return ""
    own = Declaration.objects.filter(guide_id=decl.guide_id, organisation_id__in=ids).select_related("organisation")
    taken = [d.organisation.name for d in own]
    if taken:
        return _("成员单位%(orgs)s已在本指南下自行申报项目，不能同时作为联合体成员，请删除该成员") % {
            "orgs": "、".join(f"“{n}”" for n in taken)}
    return ""


def consortium_failures(decl, members):
    """What keeps a consortium declaration from being submitted: the guide's permission, its size, and every
    member's confirmation."""
    if not members:
        return []
    guide = decl.guide
    failures = []
    live = _live(members)
    if guide.consortium_max_members and len(live) > guide.consortium_max_members:
        failures.append(Failure("members", _("本指南规定联合体成员单位（不含牵头单位）不超过 %(n)d 家，当前有 %(have)d 家") % {
            "n": guide.consortium_max_members, "have": len(live)}))
    pending = [m.organisation.name for m in members if m.state == ConsortiumMember.State.PENDING]
    if pending:
        failures.append(Failure("members", _("联合体成员单位%(orgs)s尚未在系统中确认参与，全部成员确认后才能提交") % {
            "orgs": "、".join(f"“{n}”" for n in pending)}))
    declined = [m.organisation.name for m in members if m.state == ConsortiumMember.State.DECLINED]
    if declined:
        failures.append(Failure("members", _("成员单位%(orgs)s已拒绝参与，请在“联合体成员单位”中删除后再提交") % {
            "orgs": "、".join(f"“{n}”" for n in declined)}))
    return failures


def check_eligibility(decl, *, today=None):
    """Every reason this declaration cannot be submitted yet; empty means it can."""
    today = today or timezone.localdate()
    org = decl.organisation
    failures = _required_fields(decl)
    directions = decl.all_directions()
    if len(directions) > decl.guide.max_directions:
        failures.append(Failure("extra_directions", _("本指南每个项目最多选择 %(n)d 个方向，当前选择了 %(have)d 个")
                                % {"n": decl.guide.max_directions, "have": len(directions)}))
    if any(d.guide_id != decl.guide_id for d in directions):
        failures.append(Failure("direction", _("所选方向不属于本年度指南，请重新选择")))
    role_needed = any(d.role_split for d in directions)
    if role_needed and not decl.applicant_role:
        failures.append(Failure("applicant_role", _("本方向区分数据要素拥有方与技术服务提供方，请选择申报主体角色")))
    missing = missing_required(decl, directions)
    if missing:
        failures.append(Failure("attachments", _("请上传必须提交的附件：%(kinds)s（在“附件材料”中选择附件类型后上传）")
                                % {"kinds": "、".join(k.name for k in missing)}))
    members = all_members(decl)
    failures.extend(consortium_failures(decl, members))
    rules = [r for r in guide_rules(decl.guide) if r.is_active]
    others = _Others(decl, org, today, members)
    for rule in rules:
        if _applies(rule, decl, directions):
            failure = _check_rule(rule, decl, org, today, others)
            if failure:
                failures.append(Failure(failure.field, failure.message, rule.pk))
    failures.extend(_unprintable_characters(decl))
    return failures


def _unprintable_characters(decl):
    """What other rooms find wrong before submission (documents: characters the printed form cannot draw)."""
    return [Failure(field, message) for _receiver, found in declaration_checks.send(sender=Declaration, declaration=decl)
            for field, message in found]
