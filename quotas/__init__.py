"""Recommending units (推荐单位), their quotas and their recommendation lists.

- Quotas are data of a guide: QuotaRule per unit kind (from the guide file's
  "quotas"), UnitGuideSetting per unit (the file's "unit_overrides", or an admin's
  audited override / deadline extension). quota_for() answers None when neither
  covers a unit: the quota is "not set", so the unit can check and rank but cannot
  recommend a counted project or confirm until an admin sets it (never unlimited).
- A declaration is exempt from the quota when its organisation's DCMM level reaches
  Guide.quota_exempt_dcmm_min; exempt ones are recommended but occupy no place.
- A unit's RecommendationList holds one ListEntry per passed declaration of its pool
  (declared to it, or recommended by a child in a confirmed list). Confirming a
  top-level list moves entries to recommended / not_recommended; a child's
  recommended ones stay "passed" and join the parent's pool.
- All writes go through the list services (quotas.lists, formal_check, recommendation,
  administration), which lock the list row first.
"""
