"""The ZIP documents: a recommendation list's forms and one declaration's dossier.

Owns putting the current application forms (rendered first when not ready, by the `render` function
the pipeline passes in), the attachments under their original names, and the formal-check and review
records as text files into a ZIP, reporting progress as it goes. Archives are written entry by entry
into the open file the pipeline gives (a temporary file), each stored file copied in 1 MB pieces from
the storage: memory stays the same whatever the number and size of entries, except zipfile's own
directory of names (about 0.5 KB per entry, written at the end, as the ZIP format requires).
"""

import shutil
import tempfile
import zipfile

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from declarations.models import Attachment, Declaration
from quotas.models import ListEntry

from .content import formal_check_by_declaration
from .issuing import current_document, request_application_form
from .models import Document
from .store import COPY_BUFFER, PermanentRenderError, document_progress

K = Document.Kind
ZIP_CHUNK = 500  # list entries read (with their forms and formal-check records) per round of queries


def _list_entries(list_id):
    """The list's entries in rank order with their current forms and formal-check records, a chunk at a time."""
    declaration_type = ContentType.objects.get_for_model(Declaration)

    def complete(chunk):
        ids = [row[1] for row in chunk]
        records = formal_check_by_declaration(ids)
        forms = {}
        for form in Document.objects.filter(target_type=declaration_type, target_id__in=ids, kind=K.APPLICATION_FORM,
                                            superseded_by__isnull=True).order_by("id"):
            forms[form.target_id] = form  # the newest current one wins
        for rank, decl_id, recommended, project_name, applicant in chunk:
            yield {"rank": rank, "declaration_id": decl_id, "recommended": recommended, "project_name": project_name,
                   "applicant": applicant, "formal_check": records[decl_id], "form": forms.get(decl_id)}

    rows = (ListEntry.objects.filter(rec_list_id=list_id).order_by("rank", "id")
            .values_list("rank", "declaration_id", "recommended", "declaration__project_name",
                         "declaration__organisation__name"))
    chunk = []
    for row in rows.iterator(chunk_size=ZIP_CHUNK):
        chunk.append(row)
        if len(chunk) == ZIP_CHUNK:
            yield from complete(chunk)
            chunk = []
    if chunk:
        yield from complete(chunk)


def _copy_into(zf, name, stored):
    """One stored file (a FieldFile) into the archive, streamed from the storage."""
    with stored.open("rb") as src, zf.open(name, "w") as dst:
        shutil.copyfileobj(src, dst, COPY_BUFFER)


def build_forms_zip(doc, out, *, render):
    """The application forms of the list's entries in rank order, rendering any that are not ready yet."""
    progress = document_progress(doc.pk, doc.content.get("entry_count") or 1)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as listing, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for entry in _list_entries(doc.content["list_id"]):
            form = entry["form"]
            if form is None:
                form = request_application_form(entry["declaration_id"])
            if form is not None and not form.is_ready:
                form = render(form.pk)
            if form is not None and form.is_ready:
                _copy_into(zf, _safe_name(f"{entry['rank']:02d}-{entry['applicant']}-{form.number}.pdf"), form.file)
            zf.writestr(_safe_name(f"{entry['rank']:02d}-{entry['applicant']}-形式审查记录.txt"),
                        formal_check_text(entry["formal_check"], entry["project_name"]))
            listing.write(f"{entry['rank']}\t{entry['applicant']}\t{entry['project_name']}\t"
                          f"{'推荐' if entry['recommended'] else ''}\n")
            progress.step()
        listing.seek(0)
        with zf.open("清单.txt", "w") as dst:
            for line in listing:
                dst.write(line.encode("utf-8"))


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


def build_dossier(doc, out, *, render):
    """One declaration: its current application form, its attachments by original name, the records."""
    c = doc.content
    progress = document_progress(doc.pk, 2 + len(c.get("attachments", [])))
    decl = Declaration.objects.filter(pk=c["declaration_id"]).first()
    if decl is None:
        raise PermanentRenderError(_("申报已不存在"))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        form = current_document(decl, K.APPLICATION_FORM) or request_application_form(decl.pk)
        if form is not None and not form.is_ready:
            form = render(form.pk)
        if form is not None and form.is_ready:
            _copy_into(zf, _safe_name(f"项目申报书-{form.number}.pdf"), form.file)
        progress.step()
        files = {a.pk: a for a in Attachment.objects.filter(declaration_id=decl.pk)}
        used = set()
        for a in c.get("attachments", []):
            att = files.get(a["id"])
            if att is not None:
                name, n = _safe_name(a["name"]), 1
                while name in used:  # two uploads of the same name: keep both
                    stem, dot, ext = _safe_name(a["name"]).rpartition(".")
                    n += 1
                    name = f"{stem}({n}).{ext}" if dot else f"{ext}({n})"
                used.add(name)
                _copy_into(zf, f"附件/{name}", att.file)
            progress.step()
        zf.writestr("形式审查记录.txt", formal_check_text(c.get("formal_check", []), c.get("project_name", "")))
        if c.get("include_reviews"):
            zf.writestr("专家评审意见.txt", reviews_text(c.get("reviews", []), c.get("project_name", "")))
