from django.urls import path

from .views import cases as case_views

app_name = "cases"

urlpatterns = [
    path("", case_views.case_list, name="case-list"),
    path("cases/<str:reference>/", case_views.case_detail, name="case-detail"),
]
