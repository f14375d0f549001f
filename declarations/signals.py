import django.dispatch

# Sent after a guide was loaded from its data file: args guide, data (the parsed file).
# Other apps (quotas, review) load their parts of the same file from it.
guide_loaded = django.dispatch.Signal()

# Sent after an admin copied a guide for a new year: args source, copy.
# Other apps (quotas, review) copy their parts (quota rules, scoring sheets) in their receivers.
guide_copied = django.dispatch.Signal()
