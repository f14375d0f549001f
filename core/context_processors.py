def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": user.notifications.filter(read_at__isnull=True).count()}
