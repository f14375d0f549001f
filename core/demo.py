from core.demo_accounts import demo_user


def load(ctx):
    demo_user(ctx, "admin", "admin", "工业和信息化部信息技术发展司", is_staff=True, is_superuser=True,
              full_name="部司管理员", email="admin@example.gov.cn")
