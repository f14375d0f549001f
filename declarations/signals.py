import django.dispatch

# Sent after a guide was loaded from its data file: args guide, data (the parsed file).
# Other apps (quotas, review) load their parts of the same file from it.
guide_loaded = django.dispatch.Signal()
