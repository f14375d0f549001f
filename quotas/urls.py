from django.urls import path

from . import manage_views, membership_views, views

app_name = "quotas"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("ranking/", views.ranking, name="ranking"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/pass/", views.pass_declaration, name="pass"),
    path("declarations/<int:pk>/return/", views.return_declaration, name="return"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("lists/<int:pk>/move/", views.move, name="move"),
    path("lists/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("lists/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("lists/<int:pk>/export.xlsx", views.export_list, name="export"),
    path("memberships/", membership_views.requests, name="memberships"),
    path("memberships/<int:pk>/decide/", membership_views.decide, name="membership_decide"),
    path("units/<int:pk>/seal.png", manage_views.seal_image, name="seal"),
    path("manage/overview/", manage_views.admin_overview, name="overview"),
    path("manage/guides/<int:guide_pk>/units/<int:unit_pk>/setting/", manage_views.admin_setting, name="setting"),
    path("manage/lists/<int:pk>/reopen/", manage_views.admin_reopen, name="reopen"),
    path("manage/units/", manage_views.admin_units, name="units"),
    path("manage/units/new/", manage_views.admin_unit_edit, name="unit_create"),
    path("manage/units/<int:pk>/", manage_views.admin_unit_edit, name="unit_edit"),
    path("manage/units/<int:pk>/staff/", manage_views.admin_staff_create, name="staff_create"),
]
