"""The site's URL map (see DESIGN.md): lessons at the root, then lab, quiz, class and real."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("lbteach.lessons.urls")),
    path("lab/", include("lbteach.lab.urls")),
    path("quiz/", include("lbteach.quiz.urls")),
    path("class/", include("lbteach.classroom.urls")),
    path("real/", include("lbteach.real.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "lbteach.lessons.views.not_found"
