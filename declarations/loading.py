"""Load a yearly guide from its data file (declarations/guide_data/<year>.json)."""

import json
from datetime import datetime
from pathlib import Path

from django.db import transaction

from .attachment_kinds import load_kinds
from .guide_cache import bump_guide_version
from .models import Category, Direction, Guide, Rule
from .signals import guide_loaded

DATA_DIR = Path(__file__).resolve().parent / "guide_data"


def guide_files():
    return sorted(DATA_DIR.glob("*.json"))


def read_guide_data(year):
    return json.loads((DATA_DIR / f"{year}.json").read_text(encoding="utf-8"))


def _dt(value):
    return datetime.fromisoformat(value) if value else None


@transaction.atomic
def load_guide(data, *, title=None, applicant_deadline=None, unit_deadline=None, published=True):
    """Create or refresh the guide of data["year"] with the same title; running it twice changes nothing."""
    title = title or data["title"]
    guide, _created = Guide.objects.update_or_create(
        year=data["year"], title=title,
        defaults={
            "doc_number": data.get("doc_number", ""),
            "applicant_deadline": applicant_deadline or _dt(data.get("applicant_deadline")),
            "unit_deadline": unit_deadline or _dt(data.get("unit_deadline")),
            "max_directions": data.get("max_directions", 1),
            "demo_period_years": data.get("demo_period_years", 2),
            "quota_exempt_dcmm_min": data.get("quota_exempt_dcmm_min"),
            "notes": data.get("notes", ""),
            "source": data.get("seed", ""),
            "programme_name": data.get("programme_name") or "试点示范项目",
            "consortium_allowed": bool((data.get("consortium") or {}).get("allowed")),
            "consortium_max_members": (data.get("consortium") or {}).get("max_members"),
            # A file the admin must complete first (placeholder directions) loads unpublished.
            "is_published": published and not data.get("draft", False),
        },
    )
    directions = {}
    order = 0
    for c_index, cat in enumerate(data["categories"]):
        category, _ = Category.objects.update_or_create(
            guide=guide, code=cat["code"], defaults={"name": cat["name"], "order": c_index})
        for d in cat["directions"]:
            order += 1
            direction, _ = Direction.objects.update_or_create(
                guide=guide, code=d["code"],
                defaults={"category": category, "name": d["name"], "requirements": d.get("requirements", ""),
                          "content": d.get("content", ""), "outcomes": d.get("outcomes", ""),
                          "role_split": d.get("role_split", False), "order": order})
            directions[d["code"]] = direction
    guide.rules.all().delete()
    Rule.objects.bulk_create([
        Rule(guide=guide, direction=directions.get(r["direction"]) if r.get("direction") else None,
             kind=r["kind"], params=r.get("params") or {}, message=r.get("message", ""))
        for r in data.get("rules", [])
    ])
    load_kinds(guide, data.get("attachment_kinds"))
    bump_guide_version(guide)
    guide_loaded.send(sender=Guide, guide=guide, data=data)
    return guide
