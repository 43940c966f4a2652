from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("teams/", views.TeamListView.as_view(), name="team-list"),
    path("teams/new/", views.TeamFormView.as_view(), name="team-create"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team-detail"),
    path("teams/<int:pk>/edit/", views.TeamFormView.as_view(), name="team-update"),
    path("teams/<int:team_pk>/members/new/", views.MemberFormView.as_view(), name="member-create"),
    path("team-members/<int:pk>/edit/", views.MemberFormView.as_view(), name="member-update"),
    path("teams/<int:team_pk>/pairings/new/", views.PairingCreateView.as_view(), name="team-pair"),
    path(
        "households/<int:household_pk>/pairings/new/",
        views.PairingCreateView.as_view(),
        name="household-pair",
    ),
    path("pairings/<int:pk>/end/", views.PairingEndView.as_view(), name="pairing-end"),
    path("care/queue/", views.VisitHouseholdListView.as_view(), name="queue"),
    path("care/coverage/", views.CoverageView.as_view(), name="coverage"),
    path("care/frequencies/", views.FrequencyListView.as_view(), name="frequency-list"),
    path("care/visits/", views.VisitListView.as_view(), name="visit-list"),
    path("care/visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path("care/visits/<int:pk>/edit/", views.VisitFormView.as_view(), name="visit-update"),
    path("households/<int:household_pk>/visits/new/", views.VisitFormView.as_view(), name="visit-create"),
    path("go/<int:household_pk>/", views.PhoneVisitView.as_view(), name="phone-visit"),
    path("activities/", views.ActivityListView.as_view(), name="activity-list"),
    path("activities/new/", views.ActivityFormView.as_view(), name="activity-create"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/edit/", views.ActivityFormView.as_view(), name="activity-update"),
]
