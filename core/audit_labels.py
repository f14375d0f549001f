"""Chinese labels of the audit log's action codes. The code stays what is stored, filtered on and exported;
the label is what people read. A code missing here shows as itself (tests/ops/test_audit_labels.py lists
every code the source writes)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # accounts and security
    "auth.login_failed": _("登录失败"),
    "security.password_confirm_failed": _("敏感操作前密码确认失败"),
    "security.otp_enrolled": _("启用双因素认证"),
    "security.otp_failed": _("双因素验证码错误"),
    "security.otp_confirm_failed": _("敏感操作前动态验证码确认失败"),
    "security.otp_reset": _("管理员重置双因素认证"),
    "organisation.register": _("申报单位注册"),
    "organisation.update": _("修改申报单位信息"),
    # declarations
    "declaration.create": _("新建申报"),
    "declaration.save": _("保存申报草稿"),
    "declaration.submit": _("提交申报"),
    "declaration.resubmit": _("重新提交申报"),
    "declaration.withdraw": _("撤回申报"),
    "declaration.return": _("退回修改"),
    "declaration.pass": _("形式审查通过"),
    "declaration.unpass": _("撤销形式审查通过"),
    "declaration.recommend": _("列入推荐"),
    "declaration.not_recommend": _("未获推荐"),
    "declaration.reopen": _("推荐结果重新打开"),
    "declaration.select": _("入选"),
    "declaration.not_select": _("未入选"),
    "attachment.upload": _("上传附件"),
    "attachment.delete": _("删除附件"),
    # guides
    "guide.copy": _("复制指南"),
    "guide.update": _("修改指南"),
    "guide.publish": _("发布指南"),
    "guide.extend_deadline": _("延长截止时间"),
    "guide.import_directions": _("导入方向"),
    "guide.category_add": _("新增类别"),
    "guide.category_update": _("修改类别"),
    "guide.category_delete": _("删除类别"),
    "guide.direction_add": _("新增方向"),
    "guide.direction_update": _("修改方向"),
    "guide.direction_delete": _("删除方向"),
    "guide.rule_add": _("新增申报条件"),
    "guide.rule_update": _("修改申报条件"),
    "guide.rule_delete": _("删除申报条件"),
    # recommending units and lists
    "unit.create": _("新建推荐单位"),
    "unit.change": _("修改推荐单位"),
    "unit.staff_create": _("新建推荐单位账号"),
    "unit_setting.change": _("调整单位名额或截止时间"),
    "quota.override": _("调整推荐名额"),
    "list.rank": _("调整推荐排序"),
    "list.recommend": _("列入推荐名单"),
    "list.unrecommend": _("移出推荐名单"),
    "list.confirm": _("确认推荐名单"),
    "list.reopen": _("重新打开推荐名单"),
    # review
    "review.settings": _("修改评审设置"),
    "review.panel": _("保存评审组"),
    "review.sheet": _("保存评分表"),
    "review.reviewer_create": _("新建评审专家"),
    "review.reviewer_update": _("修改评审专家"),
    "review.declare_conflict": _("专家申明回避"),
    "review.handle_conflict": _("处理专家回避申明"),
    "review.assign": _("自动分配评审"),
    "review.assign_manual": _("手动分配评审专家"),
    "review.unassign": _("移除评审专家"),
    "review.swap": _("更换评审专家"),
    "review.decline": _("专家谢绝评审"),
    "review.save_draft": _("保存评分草稿"),
    "review.submit": _("提交评分"),
    "review.reopen": _("退回评分"),
    "review.select": _("列入拟入选名单"),
    "review.unselect": _("移出拟入选名单"),
    "review.select_list": _("批量列入拟入选名单"),
    "review.open_notice": _("发布公示"),
    "review.publish": _("公布评审结果"),
    "review.export_ranking": _("导出评审排名"),
    # documents and exports
    "document.request": _("申请生成文档"),
    "document.requeue": _("文档重新排队"),
    "document.rendering": _("文档生成中"),
    "document.ready": _("文档已生成"),
    "document.failed": _("文档生成失败"),
    "document.retry": _("重试生成文档"),
    "audit.export": _("导出审计日志"),
}


def action_label(code):
    """The Chinese label of an action code, or the code itself when it has none yet."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
