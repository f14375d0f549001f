"""The ZIP documents: a recommendation list's forms and one declaration's dossier.

Owns putting the current application forms (rendered first when not ready, by the `render` function
the pipeline passes in), the attachments under their original names, and the formal-check and review
records as text files into a ZIP, reporting progress as it goes.
"""

import io
import zipfile

from django.utils.translation import gettext as _

from declarations.models import Attachment, Declaration

from .issuing import current_document, request_application_form
from .models import Document
from .store import PermanentRenderError, stored_path, update_row

K = Document.Kind


def build_forms_zip(doc, *, render):
    """The application forms of the list's entries, rendering any that are not ready yet."""
    entries = doc.content.get("entries", [])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for i, entry in enumerate(entries, 1):
            decl = Declaration.objects.filter(pk=entry["declaration_id"]).first()
            form = current_document(decl, K.APPLICATION_FORM) if decl else None
            if form is None:
                form = request_application_form(entry["declaration_id"])
            if form is not None and not form.is_ready:
                form = render(form.pk)
            if form is not None and form.is_ready:
                with open(stored_path(form.file.name), "rb") as f:
                    name = f"{entry['rank']:02d}-{entry['applicant']}-{form.number}.pdf"
                    zf.writestr(name.replace("/", "／"), f.read())
            if "formal_check" in entry:
                name = f"{entry['rank']:02d}-{entry['applicant']}-形式审查记录.txt"
                zf.writestr(name.replace("/", "／"), formal_check_text(entry["formal_check"], entry["project_name"]))
            update_row(doc.pk, progress=max(int(i * 100 / max(len(entries), 1)) - 1, 0))
        zf.writestr("清单.txt", "\n".join(
            f"{e['rank']}\t{e['applicant']}\t{e['project_name']}\t{'推荐' if e['recommended'] else ''}"
            for e in entries) + "\n")
    return buf.getvalue()


def formal_check_text(records, project_name=""):
    lines = [f"形式审查记录：{project_name}", ""]
    for r in records:
        line = f"{r['at']}\t{r['summary']}\t{r['actor'] or '系统'}"
        if r.get("reason"):
            line += f"\t理由：{r['reason']}"
        lines.append(line)
    if not records:
        lines.append("（无记录）")
    return "\n".join(lines) + "\n"


def reviews_text(reviews, project_name=""):
    lines = [f"专家评审意见：{project_name}", ""]
    for i, r in enumerate(reviews, 1):
        lines.append(f"{i}. 评审专家：{r['reviewer']}　提交时间：{r['submitted_at']}　加权总分：{r['total']}")
        lines.extend(f"   {s['criterion']}：{s['value']} / {s['max_points']}" for s in r["scores"])
        lines.append(f"   评审意见：{r['comment']}")
        lines.append("")
    if not reviews:
        lines.append("（尚无已提交的评审意见）")
    return "\n".join(lines) + "\n"


def _safe_name(name):
    return (name or "file").replace("/", "／").replace("\\", "＼").lstrip(".") or "file"


def build_dossier(doc, *, render):
    """One declaration: its current application form, its attachments by original name, the records."""
    c = doc.content
    steps = 2 + len(c.get("attachments", []))

    def progress(i):
        update_row(doc.pk, progress=max(int(i * 100 / steps) - 1, 0))

    decl = Declaration.objects.filter(pk=c["declaration_id"]).first()
    if decl is None:
        raise PermanentRenderError(_("申报已不存在"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        form = current_document(decl, K.APPLICATION_FORM) or request_application_form(decl.pk)
        if form is not None and not form.is_ready:
            form = render(form.pk)
        if form is not None and form.is_ready:
            with open(stored_path(form.file.name), "rb") as f:
                zf.writestr(_safe_name(f"项目申报书-{form.number}.pdf"), f.read())
        progress(1)
        files = {a.pk: a for a in Attachment.objects.filter(declaration_id=decl.pk)}
        used = set()
        for i, a in enumerate(c.get("attachments", []), 2):
            att = files.get(a["id"])
            if att is not None:
                name, n = _safe_name(a["name"]), 1
                while name in used:  # two uploads of the same name: keep both
                    stem, dot, ext = _safe_name(a["name"]).rpartition(".")
                    n += 1
                    name = f"{stem}({n}).{ext}" if dot else f"{ext}({n})"
                used.add(name)
                with att.file.open("rb") as f:
                    zf.writestr(f"附件/{name}", f.read())
            progress(i)
        zf.writestr("形式审查记录.txt", formal_check_text(c.get("formal_check", []), c.get("project_name", "")))
        if c.get("include_reviews"):
            zf.writestr("专家评审意见.txt", reviews_text(c.get("reviews", []), c.get("project_name", "")))
    return buf.getvalue()
