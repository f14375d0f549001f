from django.urls import path

from . import manage_views, views

app_name = "demonstration"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/attachments/", views.upload_attachment, name="upload"),
    path("reports/<int:pk>/attachments/<int:att_pk>/delete/", views.delete_attachment, name="delete_attachment"),
    path("attachments/<int:att_pk>/", views.download_attachment, name="attachment"),
    path("unit/", views.unit_reports, name="unit"),
    path("unit/reports/<int:pk>/pass/", views.pass_report, name="pass"),
    path("unit/reports/<int:pk>/return/", views.return_report, name="return"),
    path("unit/rounds/<int:pk>/send-up/", views.send_up, name="send_up"),
    path("expert/", views.expert_tasks, name="expert"),
    path("expert/ratings/<int:pk>/", views.rate, name="rate"),
    path("manage/", manage_views.manage, name="manage"),
    path("manage/rounds/<int:pk>/", manage_views.manage_round, name="manage_round"),
    path("manage/rounds/<int:pk>/close/", manage_views.close, name="close"),
    path("manage/rounds/<int:pk>/sample/", manage_views.sample, name="sample"),
    path("manage/rounds/<int:pk>/publish/", manage_views.publish, name="publish"),
    path("manage/reports/<int:pk>/", manage_views.manage_report, name="manage_report"),
    path("manage/reports/<int:pk>/assign/", manage_views.assign, name="assign"),
    path("manage/reports/<int:pk>/conclude/", manage_views.conclude, name="conclude"),
    path("results/", views.results, name="results"),
    path("results/<int:pk>/", views.results_round, name="results_round"),
]
