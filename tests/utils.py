def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client

