from django.urls import path

from .views import cases as case_views
from .views import dashboard as dashboard_views
from .views import dates as date_views
from .views import edit as edit_views
from .views import entry as entry_views
from .views import history as history_views
from .views import notifications as notification_views
from .views import people as people_views
from .views import review as review_views
from .views import workflow as workflow_views

app_name = "cases"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("cases/", case_views.case_list, name="case-list"),
    # Before the case page's pattern, which would read "new" as a reference.
    path("cases/new/", entry_views.case_new, name="case-new"),
    path("cases/<str:reference>/", case_views.case_detail, name="case-detail"),
    path(
        "cases/<str:reference>/transition/",
        workflow_views.case_transition_view,
        name="case-transition",
    ),
    path("cases/<str:reference>/review/", review_views.case_review, name="case-review"),
    path("cases/<str:reference>/watch/", workflow_views.case_watch_view, name="case-watch"),
    path("cases/<str:reference>/edit/", edit_views.case_edit, name="case-edit"),
    path("cases/<str:reference>/history/", history_views.case_history, name="case-history"),
    path(
        "cases/<str:reference>/history/restore/",
        history_views.case_restore,
        name="case-restore",
    ),
    path("people/<uuid:public_id>/", people_views.person_detail, name="person-detail"),
    path("people/<uuid:public_id>/history/", history_views.person_history, name="person-history"),
    path(
        "people/<uuid:public_id>/history/restore/",
        history_views.person_restore,
        name="person-restore",
    ),
    path("dates/reading/", date_views.date_reading, name="date-reading"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/mark-read/",
        notification_views.notifications_mark_all_read,
        name="notifications-mark-read",
    ),
]

# Export jobs (cases/views/exports.py).
from .views import exports as export_views  # noqa: E402

urlpatterns += [
    path("exports/", export_views.export_job_list, name="export-job-list"),
    path("exports/new/", export_views.export_job_new, name="export-job-new"),
    path("exports/<uuid:public_id>/", export_views.export_job_detail, name="export-job-detail"),
    path(
        "exports/<uuid:public_id>/download/",
        export_views.export_job_download,
        name="export-job-download",
    ),
    path(
        "exports/<uuid:public_id>/manifest/",
        export_views.export_job_manifest,
        name="export-job-manifest",
    ),
]

# Case dossiers, HTML and PDF (cases/views/dossier.py).
from .views import dossier as dossier_views  # noqa: E402

urlpatterns += [
    path("cases/<str:reference>/dossier/", dossier_views.case_dossier, name="case-dossier"),
    path("dossier/", dossier_views.selection_dossier, name="dossier-selection"),
]

# Edits kept after a conflict, until their owner marks them resolved (cases/views/stale_edits.py).
from .views import stale_edits as stale_edit_views  # noqa: E402

urlpatterns += [
    path("kept-edits/", stale_edit_views.stale_edit_list, name="stale-edits"),
    path(
        "kept-edits/<int:pk>/resolve/",
        stale_edit_views.stale_edit_resolve_view,
        name="stale-edit-resolve",
    ),
]

# People and detentions on the case page (cases/views/people_entry.py, cases/views/detentions.py).
from .views import detentions as detention_views  # noqa: E402
from .views import people_entry as people_entry_views  # noqa: E402

urlpatterns += [
    path(
        "cases/<str:reference>/people/new/",
        people_entry_views.case_person_new,
        name="case-person-new",
    ),
    path(
        "detentions/<uuid:public_id>/edit/", detention_views.detention_edit, name="detention-edit"
    ),
    path(
        "detentions/<uuid:public_id>/remove/",
        detention_views.detention_remove,
        name="detention-remove",
    ),
    path("people/<uuid:public_id>/edit/", people_entry_views.person_edit, name="person-edit"),
    path(
        "people/<uuid:public_id>/names/new/",
        people_entry_views.person_name_new,
        name="person-name-new",
    ),
    path(
        "people/<uuid:public_id>/names/<int:pk>/edit/",
        people_entry_views.person_name_edit,
        name="person-name-edit",
    ),
    path(
        "people/<uuid:public_id>/names/<int:pk>/remove/",
        people_entry_views.person_name_remove,
        name="person-name-remove",
    ),
    path(
        "people/<uuid:public_id>/names/<int:pk>/primary/",
        people_entry_views.person_name_primary,
        name="person-name-primary",
    ),
    path(
        "people/<uuid:public_id>/affiliations/new/",
        people_entry_views.person_affiliation_new,
        name="person-affiliation-new",
    ),
    path(
        "people/<uuid:public_id>/affiliations/<int:pk>/remove/",
        people_entry_views.person_affiliation_remove,
        name="person-affiliation-remove",
    ),
]

# Sources and citations on the case page (cases/views/citations.py).
from .views import citations as citation_views  # noqa: E402

urlpatterns += [
    path(
        "cases/<str:reference>/citations/new/",
        citation_views.citation_new,
        name="citation-new",
    ),
    path("citations/<int:pk>/edit/", citation_views.citation_edit, name="citation-edit"),
    path("citations/<int:pk>/remove/", citation_views.citation_remove, name="citation-remove"),
    path("sources/<uuid:public_id>/edit/", citation_views.source_edit, name="source-edit"),
]

# The timeline of a detention on the case page (cases/views/timeline.py).
from .views import timeline as timeline_views  # noqa: E402

urlpatterns += [
    path(
        "detentions/<uuid:public_id>/events/new/",
        timeline_views.event_new,
        name="detention-event-new",
    ),
    path(
        "detentions/<uuid:public_id>/events/preview/",
        timeline_views.event_preview,
        name="detention-event-preview",
    ),
    path(
        "detentions/<uuid:public_id>/events/<int:pk>/edit/",
        timeline_views.event_edit,
        name="detention-event-edit",
    ),
    path(
        "detentions/<uuid:public_id>/events/<int:pk>/remove/",
        timeline_views.event_remove,
        name="detention-event-remove",
    ),
    path(
        "detentions/<uuid:public_id>/events/<int:pk>/preview/",
        timeline_views.event_preview,
        name="detention-event-preview-change",
    ),
]

# Lookups of the autocomplete fields, places and organizations added from a form
# (cases/views/lookup.py, cases/views/inline_records.py).
from .views import inline_records as inline_record_views  # noqa: E402
from .views import lookup as lookup_views  # noqa: E402

urlpatterns += [
    path("lookup/places/", lookup_views.place_lookup, name="lookup-places"),
    path("lookup/organizations/", lookup_views.organization_lookup, name="lookup-organizations"),
    path("lookup/people/", lookup_views.person_lookup, name="lookup-people"),
    path("lookup/terms/<slug:vocabulary>/", lookup_views.term_lookup, name="lookup-terms"),
    path("places/new/", inline_record_views.place_new, name="place-new"),
    path("organizations/new/", inline_record_views.organization_new, name="organization-new"),
]
# Interventions on the case page (cases/views/interventions.py).
from .views import interventions as intervention_views  # noqa: E402

urlpatterns += [
    path(
        "cases/<str:reference>/interventions/new/",
        intervention_views.intervention_new,
        name="intervention-new",
    ),
    path(
        "interventions/<int:pk>/edit/",
        intervention_views.intervention_edit,
        name="intervention-edit",
    ),
    path(
        "interventions/<int:pk>/remove/",
        intervention_views.intervention_remove,
        name="intervention-remove",
    ),
]
# Alerts and the weekly digest's switch (cases/views/alerts.py).
from .views import alerts as alert_views  # noqa: E402

urlpatterns += [
    path("alerts/", alert_views.alert_list, name="alerts"),
    path("alerts/digest/", alert_views.alert_digest, name="alert-digest"),
]

# Statistics of a search, with a CSV of each table (cases/views/statistics.py).
from .views import statistics as statistics_views  # noqa: E402

urlpatterns += [
    path("statistics/", statistics_views.statistics, name="statistics"),
    path("statistics/<slug:chart>.csv", statistics_views.statistics_csv, name="statistics-csv"),
]

# The map of the cases in a search (cases/views/map.py).
from .views import map as map_views  # noqa: E402

urlpatterns += [
    path("map/", map_views.case_map, name="map"),
    path("map/cases.geojson", map_views.case_map_data, name="map-data"),
]
