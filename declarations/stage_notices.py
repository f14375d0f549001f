"""Telling applicants each stage their declaration passes, once per stage per declaration.

Submission and return have their own messages (declarations.services, quotas.formal_check);
this module covers the rest of the way: formal check passed, recommended or not, sent up
by a district to its parent unit, selected or not. The unit and review apps call
`notify_stage` after they move declarations on; bulk steps pass many declarations at once
and the inbox entries are written in one insert after the step commits.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.notify import notify_many

STAGES = {
    "passed": (_("形式审查通过：%(project)s"),
               _("项目“%(project)s”已通过推荐单位“%(unit)s”的形式审查，等待推荐单位确认推荐名单。")),
    "sent_up": (_("已报送上级推荐单位：%(project)s"),
                _("推荐单位“%(unit)s”已确认推荐名单，项目“%(project)s”已报送上级推荐单位“%(parent)s”审核推荐。")),
    "recommended": (_("已获推荐：%(project)s"),
                    _("推荐单位“%(unit)s”已确认推荐名单，项目“%(project)s”已获推荐，进入专家评审。")),
    "not_recommended": (_("未获推荐：%(project)s"),
                        _("推荐单位“%(unit)s”已确认推荐名单，项目“%(project)s”未列入推荐名单。")),
    "selected": (_("评审结果：您的项目已入选"),
                 _("项目“%(project)s”入选“%(guide)s”试点示范项目，示范期至 %(end)s。")),
    "not_selected": (_("评审结果已公布"), _("项目“%(project)s”未入选“%(guide)s”试点示范项目。")),
}


def stage_key(stage, declaration_id, user_id):
    return f"stage:{stage}:{declaration_id}:{user_id}"


def notify_stage(declarations, stage, *, url=None, kind=None, **context):
    """After commit, tell every active user of each declaration's organisation that it reached `stage`.

    `context` fills the message (unit, parent, guide, end: the same for the whole step), so no
    declaration's relations are loaded; one query for the users and one insert for all the
    messages, whatever their number.
    """
    items = [(d.pk, d.organisation_id, str(d)) for d in declarations]
    if items:
        transaction.on_commit(lambda: _send(items, stage, url, kind or f"stage_{stage}", context))


def _send(items, stage, url, kind, context):
    title, body = STAGES[stage]
    users = {}
    for user in get_user_model().objects.filter(organisation_id__in={i[1] for i in items}, is_active=True):
        users.setdefault(user.organisation_id, []).append(user)
    messages = []
    for pk, org_id, project in items:
        values = {"project": project, **{k: str(v) for k, v in context.items()}}
        link = url or reverse("declarations:detail", args=[pk])
        for user in users.get(org_id, []):
            messages.append((user, str(title) % values, str(body) % values, link, stage_key(stage, pk, user.pk)))
    notify_many(messages, kind=kind)
