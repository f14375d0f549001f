"""What a generated document says: the content snapshots and their fingerprints.

Owns turning a declaration, a recommendation list or a dossier into the plain JSON a document is
rendered from (taken when the document is requested, so later edits never change an issued file),
and the canonical JSON and SHA-256 fingerprint that tell whether the content changed.
"""

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.audit import records_for
from core.models import AuditRecord
from declarations.models import Declaration
from declarations.services import TRANSITIONS
from review.models import Review

from .models import Document

K = Document.Kind
MINISTRY_ADDRESSEE = "工业和信息化部信息技术发展司"


def canonical_json(content):
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint_of(content):
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _date_text(dt):
    d = timezone.localtime(dt) if dt else timezone.localtime()
    return f"{d.year}年{d.month}月{d.day}日"


def _paragraphs(text):
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def _direction(d):
    return {"code": d.code, "name": d.name, "category": d.category.name if d.category_id else ""}


def application_form_content(decl):
    """Everything the application form prints, as plain JSON: the content its fingerprint covers."""
    org = decl.organisation
    directions = decl.all_directions()
    texts = [
        ("项目简介", decl.summary), ("技术先进性与关键创新点", decl.innovation),
        ("经济效益和社会效益", decl.benefits), ("推广价值", decl.promotion), ("开源贡献", decl.open_source),
    ]
    numerals = ["三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    sections = [{"number": numerals[i], "title": title, "paragraphs": _paragraphs(text)}
                for i, (title, text) in enumerate(texts)]
    n = len(sections)
    content = {
        "declaration_id": decl.pk,
        "guide": {"id": decl.guide_id, "year": decl.guide.year, "title": decl.guide.title,
                  "doc_number": decl.guide.doc_number},
        "applicant": {
            "name": org.name, "credit_code": org.credit_code, "kind": org.get_kind_display(),
            "is_industrial": org.is_industrial, "region": org.get_region_display(),
            "dcmm_level": org.get_dcmm_level_display(), "address": org.address,
            "contact_name": org.contact_name, "contact_phone": org.contact_phone,
            "contact_email": org.contact_email,
        },
        "unit": decl.unit.name if decl.unit_id else "",
        "project_name": decl.project_name,
        "directions": [_direction(d) for d in directions],
        "applicant_role": decl.get_applicant_role_display() if decl.applicant_role else "",
        "construction_status": decl.get_construction_status_display() if decl.construction_status else "",
        "sections": sections,
        "ip_section_number": numerals[n], "case_section_number": numerals[n + 1],
        "attachment_section_number": numerals[n + 2], "commitment_section_number": numerals[n + 3],
        "ip_items": [{k: str(i.get(k, "")) for k in ("kind", "title", "number")} for i in decl.ip_items or []],
        "cases": [{k: str(c.get(k, "")) for k in ("name", "customer", "description")} for c in decl.cases or []],
        "stats_report_filed": decl.stats_report_filed, "stats_report_year": decl.stats_report_year,
        "attachments": [{"name": a.original_name, "label": a.label, "size": a.size, "sha256": a.sha256}
                        for a in decl.attachments.all()],
        "submitted_at": timezone.localtime(decl.submitted_at).isoformat() if decl.submitted_at else "",
        "submitted_date": _date_text(decl.submitted_at) if decl.submitted_at else "",
    }
    members = _consortium_members(decl)
    if members:  # only a consortium's form carries the key, so every other form's fingerprint stays as it was
        content["consortium"] = members
    content.update(_programme_key(decl.guide))
    return content


def _consortium_members(decl):
    """The confirmed members of a consortium declaration, in the lead's order, as the printed documents name them."""
    rows = [m for m in decl.members.all() if m.state == "confirmed"]
    return [{"name": m.organisation.name, "credit_code": m.organisation.credit_code,
             "kind": m.organisation.get_kind_display(), "region": m.organisation.get_region_display(),
             "dcmm_level": m.organisation.get_dcmm_level_display(), "role": m.role, "share": m.share}
            for m in rows]


def _seal_sha256(unit):
    if not unit.seal:
        return ""
    try:
        with unit.seal.open("rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return ""


def letter_title_words(year, programme="试点示范项目"):
    """The letter's title as the words it may break between (GB/T 9704: a title breaks without splitting a word)."""
    return ["关于推荐", f"{year}年", "大数据产业发展", f"{programme}的函"]


def programme_name(guide):
    """The programme as the guide calls it (guide data): "试点示范项目" until 2022, "示范项目" from 2023."""
    return guide.programme_name or "试点示范项目"


def _programme_key(guide):
    # Only a guide that dropped "试点" carries the key, so the documents of earlier guides keep their fingerprints.
    name = programme_name(guide)
    return {} if name == "试点示范项目" else {"programme": name}


def recommendation_letter_content(rec_list):
    unit = rec_list.unit
    entries = (rec_list.entries.filter(recommended=True).order_by("rank", "id")
               .select_related("declaration__organisation", "declaration__direction")
               .prefetch_related("declaration__members__organisation"))
    return {
        "list_id": rec_list.pk,
        "list_version": rec_list.version,
        "guide": {"id": rec_list.guide_id, "year": rec_list.guide.year, "title": rec_list.guide.title,
                  "doc_number": rec_list.guide.doc_number},
        "unit": {"id": unit.pk, "name": unit.name, "contact_name": unit.contact_name,
                 "contact_phone": unit.contact_phone, "seal_sha256": _seal_sha256(unit)},
        "addressee": unit.parent.name if unit.parent_id else MINISTRY_ADDRESSEE,
        "title": "".join(letter_title_words(rec_list.guide.year, programme_name(rec_list.guide))),
        "title_words": letter_title_words(rec_list.guide.year, programme_name(rec_list.guide)),
        "entries": [_letter_entry(i, e) for i, e in enumerate(entries, 1)],
        "confirmed_at": timezone.localtime(rec_list.confirmed_at).isoformat() if rec_list.confirmed_at else "",
        "date_text": _date_text(rec_list.confirmed_at),
        **_programme_key(rec_list.guide),
    }


def _letter_entry(rank, entry):
    decl = entry.declaration
    row = {"rank": rank, "declaration_id": decl.pk, "project_name": decl.project_name,
           "applicant": decl.organisation.name, "credit_code": decl.organisation.credit_code,
           "direction": str(decl.direction) if decl.direction_id else ""}
    members = _consortium_members(decl)
    if members:  # a consortium's line names its members; other lines (and their fingerprints) are unchanged
        row["members"] = [m["name"] for m in members]
    return row


def forms_zip_content(rec_list):
    """What a list's ZIP is of: the list in its current version. The worker reads the entries, their
    forms and records a chunk at a time when it builds the archive (bundles.py), so asking for the
    ZIP of a unit with 30,000 entries costs the request one count, not one query per entry."""
    return {"list_id": rec_list.pk, "list_version": rec_list.version, "unit": rec_list.unit.name,
            "entry_count": rec_list.entries.count()}


def _record_row(r):
    return {"action": r.action, "summary": r.summary, "reason": r.reason,
            "actor": (r.actor.get_full_name() or r.actor.get_username()) if r.actor_id else "",
            "at": timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S")}


def formal_check_records(decl):
    """The declaration's state changes (submit, pass, return...) with who, when and why, oldest first."""
    actions = set(TRANSITIONS.values())
    return [_record_row(r) for r in records_for(decl).filter(action__in=actions).order_by("created_at", "id")]


def formal_check_by_declaration(declaration_ids):
    """formal_check_records of many declarations in one query: {declaration id: [record, ...]}."""
    found = {pk: [] for pk in declaration_ids}
    for r in (AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Declaration),
                                         target_id__in=[str(pk) for pk in declaration_ids],
                                         action__in=set(TRANSITIONS.values()))
              .select_related("actor").order_by("created_at", "id")):
        found[int(r.target_id)].append(_record_row(r))
    return found


def _reviews_content(decl):
    reviews = (Review.objects.filter(assignment__declaration=decl, state=Review.State.SUBMITTED)
               .select_related("assignment__reviewer").prefetch_related("scores__criterion")
               .order_by("submitted_at", "id"))
    return [{"reviewer": r.assignment.reviewer.get_full_name() or r.assignment.reviewer.get_username(),
             "submitted_at": timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
             "total": str(r.total) if r.total is not None else "", "comment": r.comment,
             "scores": [{"criterion": sc.criterion.name, "max_points": str(sc.criterion.max_points),
                         "value": str(sc.value)}
                        for sc in sorted(r.scores.all(), key=lambda sc: (sc.criterion.order, sc.criterion_id))]}
            for r in reviews]


def dossier_content(decl, *, include_reviews):
    """One declaration's dossier: form, attachments, formal-check record, and (ministry only) the reviews."""
    content = {
        "declaration_id": decl.pk, "project_name": decl.project_name, "applicant": decl.organisation.name,
        "unit": decl.unit.name if decl.unit_id else "", "include_reviews": bool(include_reviews),
        "attachments": [{"id": a.pk, "name": a.original_name, "label": a.label, "size": a.size, "sha256": a.sha256}
                        for a in decl.attachments.order_by("id")],
        "formal_check": formal_check_records(decl),
    }
    if include_reviews:
        content["reviews"] = _reviews_content(decl)
    return content
