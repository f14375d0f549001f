"""Demo of a demonstration base (国家新型工业化产业示范基地（大数据）) under Tianjin, on the demo guide built from the
2023 file: two enterprises in the base declared, the base passed and recommended them and sent its list up, so
Tianjin's clerk finds them in its ranking marked "基地另行推荐，不占名额". Runs after declarations.consortium_demo.
"""

from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from core.demo_accounts import demo_user
from declarations.models import Declaration, Organisation
from declarations.tallies import count as count_in_tallies
from declarations.services import submit_declaration
from units.memberships import decide_membership, request_membership
from units.models import GroupMembership, Unit

from .demo import _required_attachments
from .formal_check import pass_check
from .lists import get_list
from .recommendation import confirm_recommendations, set_recommended

BASE_NAME = "天津经济技术开发区国家新型工业化产业示范基地（大数据，演示）"
BASE_ORGS = [("天津开发区工业大数据科技有限公司", "91120116MA0900001", "1"),
             ("天津开发区数据安全服务有限公司", "91120116MA0900002", "11")]


def load(ctx):
    guide = ctx.get("guide2023")
    if guide is None:
        return
    tianjin = ctx["units"]["tianjin"]
    base, _ = Unit.objects.update_or_create(name=BASE_NAME, defaults={
        "kind": Unit.Kind.DEMO_BASE, "region": "12", "parent": tianjin, "division": "", "doc_prefix": "津开基地",
        "contact_name": "基地管理办公室", "contact_phone": "022-66666666"})
    base_user = demo_user(ctx, "unit_base", "unit", f"{base.name}（经天津市另行推荐）", unit=base,
                          full_name="示范基地经办人")
    User = get_user_model()
    tianjin_clerk = User.objects.get(username="unit_tianjin")
    for i, (name, body, direction_code) in enumerate(BASE_ORGS, 1):
        org, _ = Organisation.objects.get_or_create(credit_code=body + uscc.calc_check_digit(body), defaults={
            "name": name, "kind": Organisation.Kind.ENTERPRISE, "is_industrial": True, "region": "12",
            "division": body[2:8], "dcmm_level": 2, "contact_name": f"基地企业联系人{i}",
            "contact_phone": f"1360000000{i}", "contact_email": f"base-org{i}@example.com"})
        membership = GroupMembership.objects.filter(organisation=org, group=base).first()
        if membership is None:
            membership = request_membership(organisation=org, group=base, note="注册于天津经济技术开发区，位于示范基地内",
                                            actor=None)
        if membership.state == GroupMembership.State.PENDING:
            decide_membership(membership=membership, accept=True, reason="", actor=base_user)
        if Declaration.objects.filter(guide=guide, organisation=org).exists():
            continue
        direction = guide.directions.get(code=direction_code)
        decl = Declaration.objects.create(
            guide=guide, organisation=org, unit=base, direction=direction,
            project_name=f"{name.replace('有限公司', '')}示范项目", construction_status="built",
            summary="基地内企业建设的数据平台，已在园区企业中部署运行。", innovation="自主研发的数据处理与安全组件。",
            ip_items=[{"kind": "软件著作权", "title": f"{name}平台V1.0", "number": f"2022SR09{i:05d}"}],
            cases=[{"name": f"园区案例{n}", "customer": f"园区企业{n}", "description": "运行稳定。"} for n in range(1, 4)],
            benefits="服务园区企业 30 余家。", promotion="可在各示范基地推广。")
        count_in_tallies(decl)  # created here rather than by start_declaration, which counts its drafts
        _required_attachments(decl)
        submit_declaration(decl, actor=None)
        pass_check(declaration=decl, actor=base_user)
    rec_list = get_list(unit=base, guide=guide)
    if not rec_list.is_confirmed:
        for decl in Declaration.objects.filter(guide=guide, unit=base, state=Declaration.State.PASSED):
            set_recommended(rec_list=rec_list, declaration_id=decl.pk, recommended=True, actor=base_user)
        confirm_recommendations(rec_list=get_list(unit=base, guide=guide), actor=base_user)
    ctx["units"]["base"] = base
    ctx["tianjin_clerk"] = tianjin_clerk
