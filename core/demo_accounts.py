from django.contrib.auth import get_user_model


def demo_user(ctx, username, role, note, **fields):
    """Create or refresh a demo login and list it for the run command's output."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"role": role, **fields})
    if not created:
        for k, v in {"role": role, **fields}.items():
            setattr(user, k, v)
    user.set_password(ctx["password"])
    user.save()
    ctx["accounts"].append((username, str(User.Role(role).label), note))
    return user
