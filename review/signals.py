import django.dispatch

# Sent when a reviewer asks for the PDF copy of an application form: args assignment, view (the
# review.blind.ReviewerView the pages show), actor, request. documents renders it (documents.copies).
review_copy_requested = django.dispatch.Signal()
