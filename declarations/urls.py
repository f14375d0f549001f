from django.urls import path

from . import consortium_views, kind_views, views

app_name = "declarations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisation/", views.organisation, name="organisation"),
    path("organisation/dcmm-certificate/", views.dcmm_certificate, name="dcmm_certificate"),
    path("guides/<int:pk>/", views.guide_detail, name="guide"),
    path("guides/<int:pk>/notice/", kind_views.guide_document, {"which": "notice"}, name="guide_notice"),
    path("guides/<int:pk>/template/", kind_views.guide_document, {"which": "template"}, name="guide_template"),
    path("guides/<int:guide_pk>/start/", views.start_declaration_view, name="start"),
    path("declarations/<int:pk>/", views.detail, name="detail"),
    path("declarations/<int:pk>/edit/", views.edit, name="edit"),
    path("declarations/<int:pk>/autosave/", views.autosave, name="autosave"),
    path("declarations/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("declarations/<int:pk>/attachments/", views.upload_attachment, name="upload_attachment"),
    path("declarations/<int:pk>/attachments/<int:att_pk>/delete/", views.delete_attachment,
         name="delete_attachment"),
    path("attachments/<int:att_pk>/", views.download_attachment, name="download_attachment"),
    path("declarations/<int:pk>/members/", consortium_views.add_member_view, name="add_member"),
    path("declarations/<int:pk>/members/<int:member_pk>/delete/", consortium_views.remove_member_view,
         name="remove_member"),
    path("consortium/", consortium_views.invitations, name="consortium_invitations"),
    path("consortium/<int:member_pk>/answer/", consortium_views.answer, name="consortium_answer"),
]
