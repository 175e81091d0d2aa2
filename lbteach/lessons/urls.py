"""URL routes for the home page and the lessons."""

from __future__ import annotations

from django.urls import path

from lbteach.lessons import views

app_name = "lessons"
urlpatterns = [
    path("", views.home, name="home"),
    path("lessons/", views.index, name="index"),
    path("lessons/<slug:slug>/", views.detail, name="detail"),
]
