import django.dispatch

# Sent after the transaction that confirmed a recommendation list committed: args list_id.
# documents requests the recommendation letter (推荐函).
list_confirmed = django.dispatch.Signal()
