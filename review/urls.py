from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assignments/<int:pk>/", views.score, name="score"),
    path("assignments/<int:pk>/form/", views.application_form, name="application_form"),
    path("assignments/<int:pk>/form/pdf/", views.request_pdf, name="request_pdf"),
    path("assignments/<int:pk>/attachments/<int:n>/", views.download_attachment, name="attachment"),
    path("assignments/<int:pk>/decline/", views.decline, name="decline"),
    path("profile/", views.profile, name="profile"),
    path("manage/", views.manage_index, name="manage"),
    path("manage/reviewers/", views.reviewers, name="reviewers"),
    path("manage/reviewers/new/", views.reviewer_new, name="reviewer_new"),
    path("manage/reviewers/<int:pk>/", views.reviewer_edit, name="reviewer_edit"),
    path("manage/conflicts/<int:pk>/", views.handle_conflict, name="handle_conflict"),
    path("manage/<int:guide_pk>/", views.manage_guide, name="manage_guide"),
    path("manage/<int:guide_pk>/settings/", views.update_settings, name="settings"),
    path("manage/<int:guide_pk>/assign/", views.run_assignment, name="assign"),
    path("manage/<int:guide_pk>/panels/new/", views.panel_edit, name="panel_new"),
    path("manage/<int:guide_pk>/panels/<int:pk>/", views.panel_edit, name="panel_edit"),
    path("manage/<int:guide_pk>/assignments/", views.assignments, name="assignments"),
    path("manage/<int:guide_pk>/assignments/add/", views.add_assignment, name="add_assignment"),
    path("manage/assignments/<int:pk>/remove/", views.remove_assignment, name="remove_assignment"),
    path("manage/assignments/<int:pk>/swap/", views.swap_assignment, name="swap_assignment"),
    path("manage/<int:guide_pk>/ranking/", views.ranking_page, name="ranking"),
    path("manage/<int:guide_pk>/ranking.xlsx", views.ranking_export, name="ranking_export"),
    path("manage/<int:guide_pk>/select/", views.toggle_selection, name="select"),
    path("manage/<int:guide_pk>/declarations/<int:pk>/", views.declaration_reviews, name="declaration_reviews"),
    path("manage/reviews/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("manage/<int:guide_pk>/notice/", views.open_notice, name="notice"),
    path("manage/<int:guide_pk>/publish/", views.publish, name="publish"),
    path("results/", views.results_index, name="results"),
    path("results/<int:guide_pk>/", views.results_guide, name="results_guide"),
]
