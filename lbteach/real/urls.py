"""URL routes of the real restaurant."""

from __future__ import annotations

from django.urls import path

from lbteach.real import views

app_name = "real"
urlpatterns = [
    path("", views.page, name="page"),
    path("tables/", views.tables, name="tables"),
    path("projector/", views.projector, name="projector"),
    path("projector/floor/", views.projector_floor, name="projector_floor"),
    path("control/", views.control, name="control"),
    path("seen/", views.seen, name="seen"),
    path("clear-cookies/", views.clear_cookies, name="clear_cookies"),
]
