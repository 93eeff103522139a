from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

admin.site.site_header = "Casebook administration"
admin.site.site_title = "Casebook"
admin.site.index_title = "Records, vocabularies and users"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("casebook.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    # The split view serves its start-up script as a file: the page needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("", include("cases.urls")),
]

# Under /api/ a URL no route matches answers JSON like every other API error.
handler404 = "cases.api.errors.not_found"
