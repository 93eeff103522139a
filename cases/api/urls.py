"""/api/v1/…: the versioned API and its OpenAPI schema (the docs page is at /api/docs/)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("detentions", views.DetentionViewSet, basename="detention")
router.register("people", views.PersonViewSet, basename="person")
router.register("person-names", views.PersonNameViewSet, basename="person-name")
router.register("affiliations", views.AffiliationViewSet, basename="affiliation")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("sources", views.SourceViewSet, basename="source")
router.register("citations", views.CitationViewSet, basename="citation")
router.register("events", views.EventViewSet, basename="event")
router.register("interventions", views.InterventionViewSet, basename="intervention")
router.register("case-relations", views.CaseRelationViewSet, basename="case-relation")
router.register("places", views.PlaceViewSet, basename="place")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("vocabularies", views.VocabularyViewSet, basename="vocabulary")
router.register("terms", views.TermViewSet, basename="term")
router.register("stats", views.StatisticsViewSet, basename="stats")
router.register("access-grants", views.AccessGrantViewSet, basename="access-grant")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *router.urls,
]
