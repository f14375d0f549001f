import django.dispatch

# Sent after a guide was loaded from its data file: args guide, data (the parsed file).
# Other apps (quotas, review) load their parts of the same file from it.
guide_loaded = django.dispatch.Signal()

# Sent after an admin copied a guide for a new year: args source, copy.
# Other apps (quotas, review) copy their parts (quota rules, scoring sheets) in their receivers.
guide_copied = django.dispatch.Signal()

# Sent when an admin is about to publish a guide (and to draw the checklist): args guide, now.
# Each receiver returns a list of ChecklistItem for its part (quotas: every unit has a quota;
# review: scoring sheets whose weights sum to 100%), so the declarations app imports neither.
guide_publish_checks = django.dispatch.Signal()

# Sent after the transaction that extended a guide's deadlines committed: args guide_id,
# applicant_deadline, unit_deadline (booleans: which one moved). operations tells those still working.
deadline_extended = django.dispatch.Signal()

# Sent inside the transaction that moved a declaration to another state (declarations.services.transition, the
# only writer of Declaration.state): args declaration_id, guide_id, old, new. review keeps its stored scores
# of the ranked declarations in the same transaction.
declaration_state_changed = django.dispatch.Signal()

# Sent after the transaction that submitted a declaration committed: args declaration_id.
# documents requests the application form PDF.
declaration_submitted = django.dispatch.Signal()

# Sent while checking a declaration before submission: args declaration. Each receiver returns a list of
# (field, message) for what its room finds wrong (documents: characters the printed form cannot draw).
declaration_checks = django.dispatch.Signal()

# Sent inside the transaction that changed what decides a DCMM quota exemption: an organisation's DCMM level
# (args organisation_id) or a guide's threshold (args guide_id). quotas stores the exemption on list entries
# (quotas.queries.mark_places) and writes it again.
exemption_changed = django.dispatch.Signal()
